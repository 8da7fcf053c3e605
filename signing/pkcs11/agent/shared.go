package agent

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"

	"github.com/siegel-app/siegel/signing"
	"github.com/siegel-app/siegel/signing/pkcs11"
)

// Shared agents, one per module path: a module that hangs stops only the
// keys of that module.
var shared = struct {
	sync.Mutex
	agents map[string]*Agent
}{agents: map[string]*Agent{}}

// sharedAgent returns the shared agent of module, made on first use with
// the default options and logger; it starts its process at its first call
// and again after that process stopped.
func sharedAgent(module string, opts pkcs11.Options) *Agent {
	key := filepath.Clean(module)
	shared.Lock()
	defer shared.Unlock()
	a := shared.agents[key]
	if a == nil || a.isClosed() {
		a = newAgent(Options{Logger: opts.Logger})
		shared.agents[key] = a
	}
	return a
}

// Open opens the key named by an RFC 7512 URI with module-path, as
// pkcs11.Open does, in the shared agent of that module. The agent is
// started with the default Options on first use (the Logger from the
// opts of that first call) and restarted after it stopped.
func Open(ctx context.Context, uri string, opts pkcs11.Options) (signing.Key, error) {
	u, err := pkcs11.ParseURI(uri)
	if err != nil {
		return nil, fmt.Errorf("open PKCS#11 key: %w", err)
	}
	if u.ModulePath == "" {
		return nil, fmt.Errorf("open PKCS#11 key %s: the URI has no module-path", u)
	}
	k, err := sharedAgent(u.ModulePath, opts).Open(ctx, uri, opts)
	if err != nil {
		return nil, err // not a typed nil in the interface
	}
	return k, nil
}

// ListTokens is pkcs11.ListTokens run in the shared agent of module.
func ListTokens(ctx context.Context, module string) ([]pkcs11.TokenInfo, error) {
	return sharedAgent(module, pkcs11.Options{}).ListTokens(ctx, module)
}

// Shutdown closes the shared agents: their keys are closed, logging out of
// their tokens. Open and ListTokens start new ones afterwards. Call it when
// the app ends; an agent whose parent died ends by itself, but without
// logging out.
func Shutdown() {
	shared.Lock()
	agents := shared.agents
	shared.agents = map[string]*Agent{}
	shared.Unlock()
	var wg sync.WaitGroup
	for _, a := range agents {
		wg.Go(func() { _ = a.Close() })
	}
	wg.Wait()
}
