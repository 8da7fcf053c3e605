package app

import (
	"context"
	"fmt"

	"github.com/siegel-app/siegel/signing/pkcs11"
	"github.com/siegel-app/siegel/signing/pkcs11/agent"
)

// ModuleTokens is what one PKCS#11 module shows.
type ModuleTokens struct {
	Module string
	Tokens []pkcs11.TokenInfo
	Err    error
}

// ListTokens lists tokens and keys of the given PKCS#11 modules, or of the
// well-known modules installed on this machine when none are given. No PIN
// is asked: only public objects are read. Modules run in the PKCS#11 agent
// process, so one that hangs cannot hang the caller.
func ListTokens(ctx context.Context, modules []string) ([]ModuleTokens, error) {
	if len(modules) == 0 {
		modules = pkcs11.DefaultModules()
		if len(modules) == 0 {
			return nil, fmt.Errorf("no PKCS#11 module found on this machine; name one with --module (e.g. OpenSC's opensc-pkcs11.so)")
		}
	}
	out := make([]ModuleTokens, 0, len(modules))
	for _, m := range modules {
		toks, err := agent.ListTokens(ctx, m)
		out = append(out, ModuleTokens{Module: m, Tokens: toks, Err: err})
	}
	return out, nil
}

// TokenInReader reports whether a token whose slot is described as
// slotDescription sits in the PC/SC reader named reader (OpenSC names
// its slots after their readers), so a list can show a card once.
func TokenInReader(slotDescription, reader string) bool {
	return pkcs11.SlotOfReader(slotDescription, reader)
}
