//go:build cgo

package pkcs11

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	p11 "github.com/miekg/pkcs11"

	"github.com/siegel-app/siegel/signing"
)

// module is the part of the Cryptoki API this package uses. *p11.Ctx
// implements it; tests wrap it to play token states SoftHSM2 cannot show
// (pin-pad, locked PIN, removal, a C_Sign that hangs).
type module interface {
	GetSlotList(tokenPresent bool) ([]uint, error)
	GetSlotInfo(slotID uint) (p11.SlotInfo, error)
	GetTokenInfo(slotID uint) (p11.TokenInfo, error)
	OpenSession(slotID uint, flags uint) (p11.SessionHandle, error)
	CloseSession(sh p11.SessionHandle) error
	GetSessionInfo(sh p11.SessionHandle) (p11.SessionInfo, error)
	Login(sh p11.SessionHandle, userType uint, pin string) error
	Logout(sh p11.SessionHandle) error
	FindObjectsInit(sh p11.SessionHandle, temp []*p11.Attribute) error
	FindObjects(sh p11.SessionHandle, max int) ([]p11.ObjectHandle, bool, error)
	FindObjectsFinal(sh p11.SessionHandle) error
	GetAttributeValue(sh p11.SessionHandle, o p11.ObjectHandle, a []*p11.Attribute) ([]*p11.Attribute, error)
	SignInit(sh p11.SessionHandle, m []*p11.Mechanism, o p11.ObjectHandle) error
	Sign(sh p11.SessionHandle, message []byte) ([]byte, error)
}

var _ module = (*p11.Ctx)(nil)

// loaded is a module initialised in this process, with the number of open
// Keys per slot: the last Key on a token to close logs out, because login
// state is shared by all sessions of the application (PKCS#11 v2.40 §5.6).
type loaded struct {
	path string
	mod  module
	keys *keyCount
}

type keyCount struct {
	sync.Mutex
	open map[uint]int // slot → open Keys
}

// add counts n more open Keys on slot and reports whether none is left.
func (c *keyCount) add(slot uint, n int) (none bool) {
	c.Lock()
	defer c.Unlock()
	c.open[slot] += n
	if c.open[slot] <= 0 {
		delete(c.open, slot)
		return true
	}
	return false
}

var modules = struct {
	sync.Mutex
	m map[string]*loaded
}{m: map[string]*loaded{}}

// loadModule loads and initialises the module at path once per process.
// It is never finalised (see the package documentation).
func loadModule(path string) (*loaded, error) {
	if path == "" {
		return nil, errors.New("load PKCS#11 module: no module path (module-path in the URI)")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("load PKCS#11 module %s: %w", path, err)
	}
	// Links to one library share its state in the process; one cache entry
	// per real file keeps the bookkeeping of logins in one place.
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, fmt.Errorf("load PKCS#11 module %s: %w", path, err)
	}
	modules.Lock()
	defer modules.Unlock()
	if l := modules.m[real]; l != nil {
		return l, nil
	}
	if fi, err := os.Stat(real); err != nil {
		return nil, fmt.Errorf("load PKCS#11 module %s: %w", path, err)
	} else if fi.IsDir() {
		return nil, fmt.Errorf("load PKCS#11 module %s: is a directory", path)
	}
	ctx := p11.New(real)
	if ctx == nil {
		// miekg/pkcs11 does not pass dlerror on; these are the causes.
		return nil, fmt.Errorf("load PKCS#11 module %s: not a loadable library with C_GetFunctionList (wrong architecture, missing dependency, or not a PKCS#11 module)", path)
	}
	// Someone else in the process (another library, a test helper) may have
	// initialised it already; the module is usable all the same.
	if err := ctx.Initialize(); err != nil && !isCode(err, p11.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		ctx.Destroy()
		return nil, fmt.Errorf("load PKCS#11 module %s: C_Initialize: %w", path, err)
	}
	l := &loaded{path: path, mod: ctx, keys: &keyCount{open: map[uint]int{}}}
	modules.m[real] = l
	return l, nil
}

// with returns a copy of l whose calls go through wrap, sharing l's
// bookkeeping; tests use it.
func (l *loaded) with(wrap func(module) module) *loaded {
	if wrap == nil {
		return l
	}
	return &loaded{path: l.path, mod: wrap(l.mod), keys: l.keys}
}

func isCode(err error, code uint) bool {
	var e p11.Error
	return errors.As(err, &e) && uint(e) == code
}

// ckr translates a Cryptoki error into the signing vocabulary at the
// boundary. op names the call ("C_Sign"); the p11.Error stays in the chain.
func ckr(op string, err error) error {
	if err == nil {
		return nil
	}
	var code p11.Error
	if !errors.As(err, &code) {
		return fmt.Errorf("%s: %w", op, err)
	}
	if isRemoved(err) {
		return fmt.Errorf("%s: %w (%w)", op, signing.ErrTokenRemoved, err)
	}
	switch uint(code) {
	case p11.CKR_PIN_LOCKED:
		return fmt.Errorf("%s: %w", op, &signing.PINError{Locked: true, RetriesLeft: 0})
	case p11.CKR_FUNCTION_CANCELED:
		return fmt.Errorf("%s: %w (%w)", op, signing.ErrCancelled, err)
	case p11.CKR_MECHANISM_INVALID, p11.CKR_MECHANISM_PARAM_INVALID, p11.CKR_KEY_TYPE_INCONSISTENT,
		p11.CKR_KEY_FUNCTION_NOT_PERMITTED, p11.CKR_FUNCTION_NOT_SUPPORTED:
		return fmt.Errorf("%s: %w (%w)", op, signing.ErrUnsupported, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// isRemoved reports the codes of a token that went away. A session of ours
// that became invalid was closed by the module because the token left; this
// package never shares its sessions, so nothing else closes them.
func isRemoved(err error) bool {
	var code p11.Error
	if !errors.As(err, &code) {
		return false
	}
	switch uint(code) {
	case p11.CKR_TOKEN_NOT_PRESENT, p11.CKR_DEVICE_REMOVED, p11.CKR_SESSION_HANDLE_INVALID,
		p11.CKR_SESSION_CLOSED, p11.CKR_TOKEN_NOT_RECOGNIZED, p11.CKR_SLOT_ID_INVALID:
		return true
	}
	return false
}

// cancelled wraps a context error so that callers can test for
// signing.ErrCancelled as well as for context.Canceled/DeadlineExceeded.
func cancelled(err error) error {
	if errors.Is(err, signing.ErrCancelled) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w (%w)", signing.ErrCancelled, err)
	}
	return err
}

// attr reads one attribute. Reading them one by one keeps an attribute the
// object lacks (CKR_ATTRIBUTE_TYPE_INVALID) from failing the others.
func attr(m module, sh p11.SessionHandle, o p11.ObjectHandle, typ uint) ([]byte, error) {
	a, err := m.GetAttributeValue(sh, o, []*p11.Attribute{p11.NewAttribute(typ, nil)})
	if err != nil {
		return nil, err
	}
	return a[0].Value, nil
}

// ulong decodes a CK_ULONG attribute (native byte order and size).
func ulong(b []byte) (uint, bool) {
	switch len(b) {
	case 8:
		return uint(binary.NativeEndian.Uint64(b)), true
	case 4:
		return uint(binary.NativeEndian.Uint32(b)), true
	}
	return 0, false
}

func boolAttr(m module, sh p11.SessionHandle, o p11.ObjectHandle, typ uint) bool {
	v, err := attr(m, sh, o, typ)
	return err == nil && len(v) == 1 && v[0] != 0
}

// find returns the handles of all objects matching template.
func find(m module, sh p11.SessionHandle, template []*p11.Attribute) ([]p11.ObjectHandle, error) {
	if err := m.FindObjectsInit(sh, template); err != nil {
		return nil, ckr("C_FindObjectsInit", err)
	}
	var all []p11.ObjectHandle
	for {
		hs, _, err := m.FindObjects(sh, 64)
		if err != nil {
			_ = m.FindObjectsFinal(sh)
			return nil, ckr("C_FindObjects", err)
		}
		all = append(all, hs...)
		if len(hs) == 0 {
			break
		}
	}
	if err := m.FindObjectsFinal(sh); err != nil {
		return nil, ckr("C_FindObjectsFinal", err)
	}
	return all, nil
}

// tokenFlags reads the token's flags now; they change with wrong PINs.
func tokenFlags(m module, slot uint) (uint, error) {
	ti, err := m.GetTokenInfo(slot)
	if err != nil {
		return 0, ckr("C_GetTokenInfo", err)
	}
	return ti.Flags, nil
}

func has(flags, f uint) bool { return flags&f != 0 }
