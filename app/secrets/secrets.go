// Package secrets keeps the secrets of remote accounts (OAuth 2.0 client
// secrets, refresh tokens) in the operating system's secret store: the
// freedesktop Secret Service on Linux (GNOME Keyring, KWallet), the
// Keychain on macOS, the Credential Manager on Windows, through
// github.com/zalando/go-keyring. Nothing is ever written to a plain file.
//
// On Linux the Secret Service session uses the "plain" algorithm: the
// secret travels unencrypted over the user's own session bus, which only
// the user's processes can reach; the store itself encrypts at rest. Where
// no store runs (CI, a headless session), every call fails with ErrNoStore
// and the caller asks the person for the secret each session (Memory).
package secrets

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/zalando/go-keyring"
)

var (
	// ErrNoStore: there is no secret store to use (none running, or it
	// refused); the secret must be asked for.
	ErrNoStore = errors.New("no secret store")
	// ErrNotFound: the store works but holds no such secret.
	ErrNotFound = errors.New("secret not found")
)

// Store gets, sets and deletes secrets by service and account.
type Store interface {
	Get(service, account string) ([]byte, error)
	Set(service, account string, secret []byte) error
	Delete(service, account string) error
}

// OS is the operating system's secret store.
type OS struct{}

var _ Store = OS{}

// Get returns the secret, ErrNotFound or ErrNoStore.
func (OS) Get(service, account string) ([]byte, error) {
	if err := available(); err != nil {
		return nil, err
	}
	s, err := keyring.Get(service, account)
	if err != nil {
		return nil, storeErr("read", service, err)
	}
	return []byte(s), nil
}

// Set stores secret (a copy; the caller zeroes its own).
func (OS) Set(service, account string, secret []byte) error {
	if err := available(); err != nil {
		return err
	}
	return storeErr("store", service, keyring.Set(service, account, string(secret)))
}

// Delete removes the secret; a missing one is no error.
func (OS) Delete(service, account string) error {
	if err := available(); err != nil {
		return err
	}
	err := storeErr("delete", service, keyring.Delete(service, account))
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// available refuses early on Linux and the BSDs without a session bus:
// the D-Bus library would otherwise try to autolaunch one.
func available() error {
	switch runtime.GOOS {
	case "windows", "darwin":
		return nil
	}
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") != "" {
		return nil
	}
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
		if _, err := os.Stat(filepath.Join(dir, "bus")); err == nil {
			return nil
		}
	}
	return fmt.Errorf("secret store: no D-Bus session bus: %w", ErrNoStore)
}

func storeErr(op, service string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, keyring.ErrNotFound):
		return fmt.Errorf("secret store: %s %s: %w", op, service, ErrNotFound)
	}
	return fmt.Errorf("secret store: %s %s: %w: %w", op, service, ErrNoStore, err)
}

// Memory keeps secrets for this session only, for when there is no OS
// store: Clear zeroes them (the window calls it on close).
type Memory struct {
	mu sync.Mutex
	m  map[[2]string][]byte
}

var _ Store = (*Memory)(nil)

// Get returns a copy of the secret or ErrNotFound.
func (m *Memory) Get(service, account string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.m[[2]string{service, account}]
	if !ok {
		return nil, fmt.Errorf("session secrets: %s: %w", service, ErrNotFound)
	}
	return append([]byte(nil), s...), nil
}

// Set keeps a copy of secret.
func (m *Memory) Set(service, account string, secret []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = map[[2]string][]byte{}
	}
	k := [2]string{service, account}
	clear(m.m[k])
	m.m[k] = append([]byte(nil), secret...)
	return nil
}

// Delete zeroes and forgets the secret.
func (m *Memory) Delete(service, account string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := [2]string{service, account}
	clear(m.m[k])
	delete(m.m, k)
	return nil
}

// Clear zeroes and forgets every secret.
func (m *Memory) Clear() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, s := range m.m {
		clear(s)
		delete(m.m, k)
	}
}
