//go:build cgo

package pkcs11

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	p11 "github.com/miekg/pkcs11"

	"github.com/siegel-app/siegel/internal/softhsm"
	"github.com/siegel-app/siegel/internal/testpki"
	"github.com/siegel-app/siegel/signing"
)

func TestMain(m *testing.M) {
	code := m.Run()
	softhsm.Cleanup()
	os.Exit(code)
}

const pin = "123456"

var (
	idRSA    = []byte{0x01}
	idEC     = []byte{0x02}
	idNoCert = []byte{0x03}
)

// newToken makes a token with the RSA-2048 and EC P-256 signers of the test
// PKI (ids 01 and 02, with their chains) and a key without certificate (03).
// Each test that counts PIN prompts has a token of its own, because login
// state is per token and process.
func newToken(t *testing.T, label string) (*softhsm.Token, *testpki.PKI) {
	t.Helper()
	pki := testpki.MustShared(t)
	tk := softhsm.NewToken(t, label, pin)
	tk.ImportKey(t, idRSA, "sig-rsa", pki.SignerRSA, pki.Chain(pki.SignerRSA), false)
	tk.ImportKey(t, idEC, "sig-ec", pki.SignerEC, pki.Chain(pki.SignerEC), false)
	tk.ImportKey(t, idNoCert, "no-cert", &testpki.Entity{Key: pki.SignerEC.Key}, nil, false)
	return tk, pki
}

// pinLog is a PINFunc that answers with a fixed PIN and records requests.
type pinLog struct {
	mu     sync.Mutex
	pin    string
	err    error
	reqs   []signing.PINRequest
	onCall func(signing.PINRequest)
}

func (p *pinLog) fn(_ context.Context, req signing.PINRequest) ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reqs = append(p.reqs, req)
	if p.onCall != nil {
		p.onCall(req)
	}
	if p.err != nil {
		return nil, p.err
	}
	if req.PINPad {
		return nil, nil
	}
	return []byte(p.pin), nil
}

func (p *pinLog) calls() []signing.PINRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]signing.PINRequest(nil), p.reqs...)
}

// noPIN fails the test when a PIN is asked for.
func noPIN(t *testing.T) signing.PINFunc {
	return func(context.Context, signing.PINRequest) ([]byte, error) {
		t.Error("PIN asked for")
		return nil, signing.ErrCancelled
	}
}

func mustOpen(t *testing.T, uri string, opts Options) *Key {
	t.Helper()
	k, err := Open(context.Background(), uri, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", uri, err)
	}
	t.Cleanup(func() { k.Close() })
	return k
}

func digest(h crypto.Hash, msg string) []byte { return testpki.Digest(h, msg) }

func verify(t *testing.T, pub crypto.PublicKey, d, sig []byte, opts crypto.SignerOpts) {
	t.Helper()
	if err := testpki.Verify(pub, d, sig, opts); err != nil {
		t.Fatal(err)
	}
}

func TestListTokens(t *testing.T) {
	tk, _ := newToken(t, "list")
	// Listing must not log in: a Login through the module fails the test.
	noLogin := func(m module) module {
		return &fakeModule{module: m, login: func(p11.SessionHandle, uint, string) error {
			t.Error("ListTokens called C_Login")
			return p11.Error(p11.CKR_FUNCTION_FAILED)
		}}
	}
	tokens, err := listTokens(tk.ModulePath, noLogin)
	if err != nil {
		t.Fatal(err)
	}
	var tok *TokenInfo
	for i := range tokens {
		if tokens[i].Serial == tk.Serial {
			tok = &tokens[i]
		}
	}
	if tok == nil {
		t.Fatalf("token %q (serial %s) not listed in %+v", tk.Label, tk.Serial, tokens)
	}
	if tok.Label != "list" || !tok.Initialized || !tok.LoginRequired || tok.PINPad || tok.PINLocked || tok.PINFinalTry ||
		tok.Manufacturer != "SoftHSM project" || tok.Model != "SoftHSM v2" || tok.ModulePath != tk.ModulePath {
		t.Errorf("token info %+v", tok)
	}
	want := []struct {
		id      []byte
		label   string
		keyType string
		bits    int
		cn      string // "" for no certificate
	}{
		{idRSA, "sig-rsa", "RSA", 2048, "Erika Mustermann"},
		{idEC, "sig-ec", "EC", 256, "Max Mustermann"},
		{idNoCert, "no-cert", "EC", 256, ""},
	}
	if len(tok.Keys) != len(want) {
		t.Fatalf("%d keys listed, want %d (CA certificates are no keys): %+v", len(tok.Keys), len(want), tok.Keys)
	}
	for i, w := range want {
		k := tok.Keys[i]
		if !bytes.Equal(k.ID, w.id) || k.Label != w.label || k.KeyType != w.keyType || k.Bits != w.bits || k.AlwaysAuthenticate {
			t.Errorf("key %d = %+v, want %+v", i, k, w)
		}
		if (k.Certificate == nil) != (w.cn == "") || k.Certificate != nil && k.Certificate.Subject.CommonName != w.cn {
			t.Errorf("key %s certificate %v, want %q", w.label, k.Certificate, w.cn)
		}
		u, err := ParseURI(k.URI)
		if err != nil || u.ModulePath != tk.ModulePath || u.Token != tk.Label || u.Serial != tk.Serial || !bytes.Equal(u.ID, w.id) {
			t.Errorf("key %s URI %q: %+v, %v", w.label, k.URI, u, err)
		}
		if w.cn == "" {
			continue
		}
		// The URI opens the key without a PIN, and it signs.
		key := mustOpen(t, k.URI, Options{PIN: (&pinLog{pin: pin}).fn})
		if !key.Chain()[0].Equal(k.Certificate) || len(key.Chain()) != 3 {
			t.Errorf("key %s opens with chain %v", w.label, key.Chain())
		}
		d := digest(crypto.SHA256, "listed")
		sig, err := key.Sign(rand.Reader, d, crypto.SHA256)
		if err != nil {
			t.Fatalf("sign with listed key %s: %v", w.label, err)
		}
		verify(t, key.Public(), d, sig, crypto.SHA256)
	}
}

func TestOpenDoesNotAskPIN(t *testing.T) {
	tk, pki := newToken(t, "open")
	k := mustOpen(t, tk.URI(idRSA), Options{PIN: noPIN(t)})
	chain := k.Chain()
	wantChain := pki.Chain(pki.SignerRSA)
	if len(chain) != len(wantChain) {
		t.Fatalf("chain has %d certificates, want %d", len(chain), len(wantChain))
	}
	for i := range chain {
		if !chain[i].Equal(wantChain[i]) {
			t.Errorf("chain[%d] = %s, want %s", i, chain[i].Subject, wantChain[i].Subject)
		}
	}
	if pub, ok := k.Public().(*rsa.PublicKey); !ok || !pub.Equal(pki.SignerRSA.Cert.PublicKey) {
		t.Errorf("Public() = %T, not the certificate's key", k.Public())
	}
	// By object label alone.
	byLabel := mustOpen(t, "pkcs11:token=open;object=sig-ec?module-path="+tk.ModulePath, Options{PIN: noPIN(t)})
	if !byLabel.Chain()[0].Equal(pki.SignerEC.Cert) {
		t.Errorf("object=sig-ec opened %s", byLabel.Chain()[0].Subject)
	}
}

func TestSign(t *testing.T) {
	tk, _ := newToken(t, "sign")
	pins := &pinLog{pin: pin}
	rsaKey := mustOpen(t, tk.URI(idRSA), Options{PIN: pins.fn})
	ecKey := mustOpen(t, tk.URI(idEC), Options{PIN: pins.fn})
	tests := []struct {
		name string
		key  *Key
		opts crypto.SignerOpts
	}{
		{"RSA PKCS#1 v1.5 SHA-256", rsaKey, crypto.SHA256},
		{"RSA PKCS#1 v1.5 SHA-384", rsaKey, crypto.SHA384},
		{"RSA PKCS#1 v1.5 SHA-512", rsaKey, crypto.SHA512},
		{"RSA-PSS SHA-256 salt = hash", rsaKey, &rsa.PSSOptions{Hash: crypto.SHA256, SaltLength: rsa.PSSSaltLengthEqualsHash}},
		{"RSA-PSS SHA-256 salt auto", rsaKey, &rsa.PSSOptions{Hash: crypto.SHA256, SaltLength: rsa.PSSSaltLengthAuto}},
		{"RSA-PSS SHA-512", rsaKey, &rsa.PSSOptions{Hash: crypto.SHA512, SaltLength: rsa.PSSSaltLengthEqualsHash}},
		{"ECDSA P-256 SHA-256", ecKey, crypto.SHA256},
		{"ECDSA P-256 SHA-384", ecKey, crypto.SHA384},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tt.key.Signatures()
			d := digest(tt.opts.HashFunc(), tt.name)
			sig, err := signing.SignContext(context.Background(), tt.key, rand.Reader, d, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			verify(t, tt.key.Public(), d, sig, tt.opts)
			if got := tt.key.Signatures() - before; got != 1 {
				t.Errorf("%d C_Sign calls, want 1", got)
			}
		})
	}
	// One login for the token, shared by both keys; no PIN per signature.
	reqs := pins.calls()
	if len(reqs) != 1 {
		t.Fatalf("PIN asked %d times, want once: %+v", len(reqs), reqs)
	}
	// The private key is a private object, so the prompt names the
	// certificate holder.
	want := signing.PINRequest{Kind: signing.UserPIN, Token: "sign", Key: "Erika Mustermann", RetriesLeft: -1}
	if reqs[0] != want {
		t.Errorf("PIN request %+v, want %+v", reqs[0], want)
	}
	if rsaKey.Signatures() != 6 || ecKey.Signatures() != 2 {
		t.Errorf("Signatures() = %d, %d; want 6, 2", rsaKey.Signatures(), ecKey.Signatures())
	}
}

func TestSignRefusals(t *testing.T) {
	tk, _ := newToken(t, "refuse")
	rsaKey := mustOpen(t, tk.URI(idRSA), Options{PIN: noPIN(t)})
	ecKey := mustOpen(t, tk.URI(idEC), Options{PIN: noPIN(t)})
	tests := []struct {
		name    string
		key     *Key
		digest  []byte
		opts    crypto.SignerOpts
		wantErr error
	}{
		{"SHA-1", rsaKey, make([]byte, 20), crypto.SHA1, signing.ErrUnsupported},
		{"PSS on EC", ecKey, make([]byte, 32), &rsa.PSSOptions{Hash: crypto.SHA256}, signing.ErrUnsupported},
		{"PSS odd salt", rsaKey, make([]byte, 32), &rsa.PSSOptions{Hash: crypto.SHA256, SaltLength: -7}, signing.ErrUnsupported},
		{"digest length", rsaKey, make([]byte, 31), crypto.SHA256, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.key.Sign(rand.Reader, tt.digest, tt.opts)
			if err == nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("Sign = %v, want %v", err, tt.wantErr)
			}
			if tt.key.Signatures() != 0 {
				t.Errorf("the token was asked to sign")
			}
		})
	}
}

func TestPINErrors(t *testing.T) {
	tests := []struct {
		name    string
		pins    *pinLog
		wantErr error
	}{
		{"wrong PIN", &pinLog{pin: "000000"}, signing.ErrPINIncorrect},
		{"PIN too short", &pinLog{pin: "1"}, signing.ErrPINIncorrect},
		{"cancelled", &pinLog{err: signing.ErrCancelled}, signing.ErrCancelled},
		{"context cancelled", &pinLog{err: context.Canceled}, signing.ErrCancelled},
		{"empty PIN", &pinLog{pin: ""}, signing.ErrCancelled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk, _ := newToken(t, "pin-"+strings.ReplaceAll(tt.name, " ", "-"))
			k := mustOpen(t, tk.URI(idEC), Options{PIN: tt.pins.fn})
			_, err := k.Sign(rand.Reader, digest(crypto.SHA256, "x"), crypto.SHA256)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Sign = %v, want %v", err, tt.wantErr)
			}
			// Asked once, never retried on the signer's behalf.
			if n := len(tt.pins.calls()); n != 1 {
				t.Errorf("PIN asked %d times, want 1", n)
			}
			if k.Signatures() != 0 {
				t.Errorf("C_Sign called %d times", k.Signatures())
			}
			var pe *signing.PINError
			if errors.As(err, &pe) && (pe.RetriesLeft != -1 || pe.Locked || pe.FinalTry) {
				// SoftHSM2 neither counts down nor locks.
				t.Errorf("PINError %+v", pe)
			}
			// The signer types the right PIN next time.
			tt.pins.mu.Lock()
			tt.pins.pin, tt.pins.err = pin, nil
			tt.pins.mu.Unlock()
			d := digest(crypto.SHA256, "y")
			sig, err := k.Sign(rand.Reader, d, crypto.SHA256)
			if err != nil {
				t.Fatalf("Sign with the right PIN: %v", err)
			}
			verify(t, k.Public(), d, sig, crypto.SHA256)
		})
	}
}

// TestWrongPINFlags records what SoftHSM2 2.6 shows after wrong PINs: it
// sets CKF_USER_PIN_COUNT_LOW, never FINAL_TRY or LOCKED (no lockout), and
// clears COUNT_LOW at the next good login.
func TestWrongPINFlags(t *testing.T) {
	tk, _ := newToken(t, "pin-flags")
	k := mustOpen(t, tk.URI(idEC), Options{PIN: (&pinLog{pin: "999999"}).fn})
	for range 3 {
		if _, err := k.Sign(rand.Reader, digest(crypto.SHA256, "x"), crypto.SHA256); !errors.Is(err, signing.ErrPINIncorrect) {
			t.Fatalf("Sign = %v", err)
		}
	}
	tok := findListed(t, tk)
	if !tok.PINCountLow || tok.PINFinalTry || tok.PINLocked {
		t.Errorf("after wrong PINs: count low %v, final try %v, locked %v", tok.PINCountLow, tok.PINFinalTry, tok.PINLocked)
	}
}

func findListed(t *testing.T, tk *softhsm.Token) TokenInfo {
	t.Helper()
	tokens, err := ListTokens(tk.ModulePath)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range tokens {
		if tok.Serial == tk.Serial {
			return tok
		}
	}
	t.Fatalf("token %s not listed", tk.Label)
	return TokenInfo{}
}

// SoftHSM2 honours CKA_ALWAYS_AUTHENTICATE: C_Sign without the
// context-specific login fails with CKR_USER_NOT_LOGGED_IN.
func TestAlwaysAuthenticate(t *testing.T) {
	pki := testpki.MustShared(t)
	tk := softhsm.NewToken(t, "always-auth", pin)
	tk.ImportKey(t, idRSA, "qes", pki.SignerRSA, pki.Chain(pki.SignerRSA), true)
	pins := &pinLog{pin: pin}
	k := mustOpen(t, tk.URI(idRSA), Options{PIN: pins.fn})
	for i := range 3 {
		d := digest(crypto.SHA256, "qualified")
		sig, err := k.Sign(rand.Reader, d, crypto.SHA256)
		if err != nil {
			t.Fatalf("signature %d: %v", i, err)
		}
		verify(t, k.Public(), d, sig, crypto.SHA256)
	}
	var kinds []signing.PINKind
	for _, r := range pins.calls() {
		kinds = append(kinds, r.Kind)
		if r.Token != "always-auth" || r.Key != "Erika Mustermann" || r.RetriesLeft != -1 {
			t.Errorf("PIN request %+v", r)
		}
	}
	want := []signing.PINKind{signing.UserPIN, signing.ContextPIN, signing.ContextPIN, signing.ContextPIN}
	if !slicesEqual(kinds, want) {
		t.Errorf("PIN kinds %v, want %v", kinds, want)
	}
	if k.Signatures() != 3 {
		t.Errorf("Signatures() = %d", k.Signatures())
	}
	// ListTokens cannot see CKA_ALWAYS_AUTHENTICATE of a private object.
	_ = findListed(t, tk)

	// A wrong or refused context PIN fails that signature only; the
	// abandoned operation does not block the next one.
	for _, bad := range []*pinLog{{pin: "000000"}, {err: signing.ErrCancelled}} {
		pins.mu.Lock()
		pins.pin, pins.err = bad.pin, bad.err
		pins.mu.Unlock()
		_, err := k.Sign(rand.Reader, digest(crypto.SHA256, "x"), crypto.SHA256)
		if !errors.Is(err, signing.ErrPINIncorrect) && !errors.Is(err, signing.ErrCancelled) {
			t.Fatalf("Sign with bad context PIN = %v", err)
		}
		pins.mu.Lock()
		pins.pin, pins.err = pin, nil
		pins.mu.Unlock()
		d := digest(crypto.SHA256, "after")
		sig, err := k.Sign(rand.Reader, d, crypto.SHA256)
		if err != nil {
			t.Fatalf("Sign after a bad context PIN: %v", err)
		}
		verify(t, k.Public(), d, sig, crypto.SHA256)
	}
	if k.Signatures() != 5 {
		t.Errorf("Signatures() = %d, want 5", k.Signatures())
	}
}

func slicesEqual[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestOpenErrors(t *testing.T) {
	tk, _ := newToken(t, "errors")
	notALibrary := filepath.Join(t.TempDir(), "not-a-module.so")
	if err := os.WriteFile(notALibrary, []byte("text"), 0o644); err != nil {
		t.Fatal(err)
	}
	mod := "?module-path=" + tk.ModulePath
	cancelledCtx, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name     string
		ctx      context.Context
		uri      string
		wantErr  error
		wantText string
	}{
		{name: "no module path", uri: "pkcs11:token=errors;id=%01", wantText: "no module-path"},
		{name: "module missing", uri: "pkcs11:token=errors?module-path=/nonexistent/lib.so", wantErr: fs.ErrNotExist,
			wantText: "load PKCS#11 module /nonexistent/lib.so"},
		{name: "not a module", uri: "pkcs11:token=errors?module-path=" + notALibrary,
			wantText: "load PKCS#11 module " + notALibrary},
		{name: "token absent", uri: "pkcs11:token=no-such-token;id=%01" + mod, wantErr: signing.ErrTokenNotPresent,
			wantText: `"no-such-token"`},
		{name: "serial absent", uri: "pkcs11:token=errors;serial=ffff;id=%01" + mod, wantErr: signing.ErrTokenNotPresent},
		{name: "key absent", uri: "pkcs11:token=errors;id=%09" + mod, wantErr: signing.ErrKeyNotFound},
		{name: "label absent", uri: "pkcs11:token=errors;object=nope" + mod, wantErr: signing.ErrKeyNotFound},
		{name: "no certificate", uri: "pkcs11:token=errors;id=%03" + mod, wantErr: signing.ErrNoCertificate},
		{name: "several keys", uri: "pkcs11:token=errors" + mod, wantText: "keys match"},
		{name: "pin in URI", uri: "pkcs11:token=errors;id=%01?pin-value=123456", wantText: "pin-value is refused"},
		{name: "cancelled", ctx: cancelledCtx, uri: tk.URI(idRSA), wantErr: signing.ErrCancelled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := tt.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			k, err := Open(ctx, tt.uri, Options{PIN: noPIN(t)})
			if err == nil {
				k.Close()
				t.Fatal("Open succeeded")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Open = %v, want %v", err, tt.wantErr)
			}
			t.Log(err)
			if tt.wantText != "" && !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("Open = %q, want it to mention %q", err, tt.wantText)
			}
		})
	}
}

// fakeModule plays what SoftHSM2 cannot: token flags, a pin-pad, a removed
// token, a C_Sign that hangs. Everything else goes to the real module.
type fakeModule struct {
	module
	addFlags uint
	login    func(sh p11.SessionHandle, userType uint, pin string) error
	sign     func(sh p11.SessionHandle, data []byte) ([]byte, error)
}

func (f *fakeModule) GetTokenInfo(slot uint) (p11.TokenInfo, error) {
	ti, err := f.module.GetTokenInfo(slot)
	ti.Flags |= f.addFlags
	return ti, err
}

func (f *fakeModule) Login(sh p11.SessionHandle, userType uint, pin string) error {
	if f.login != nil {
		return f.login(sh, userType, pin)
	}
	return f.module.Login(sh, userType, pin)
}

func (f *fakeModule) Sign(sh p11.SessionHandle, data []byte) ([]byte, error) {
	if f.sign != nil {
		return f.sign(sh, data)
	}
	return f.module.Sign(sh, data)
}

func openFake(t *testing.T, uri string, opts Options, f *fakeModule) *Key {
	t.Helper()
	k, err := open(context.Background(), uri, opts, func(m module) module { f.module = m; return f })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Close() })
	return k
}

func TestPINPad(t *testing.T) {
	tk, _ := newToken(t, "pinpad")
	f := &fakeModule{addFlags: p11.CKF_PROTECTED_AUTHENTICATION_PATH}
	var sent []string
	f.login = func(sh p11.SessionHandle, userType uint, p string) error {
		sent = append(sent, p)
		// The "reader" collects the PIN itself.
		return f.module.Login(sh, userType, pin)
	}
	pins := &pinLog{pin: "must not be sent"}
	k := openFake(t, tk.URI(idEC), Options{PIN: pins.fn}, f)
	d := digest(crypto.SHA256, "pinpad")
	sig, err := k.Sign(rand.Reader, d, crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	verify(t, k.Public(), d, sig, crypto.SHA256)
	reqs := pins.calls()
	if len(reqs) != 1 || !reqs[0].PINPad {
		t.Errorf("PIN requests %+v, want one with PINPad", reqs)
	}
	if len(sent) != 1 || sent[0] != "" {
		t.Errorf("C_Login got PINs %q, want one empty", sent)
	}
	if !findListed(t, tk).Initialized {
		t.Error("token not listed")
	}
}

func TestTokenFlags(t *testing.T) {
	tests := []struct {
		name      string
		flags     uint
		pin       string
		wantErr   error
		wantAsked bool
		wantPE    signing.PINError
		loginErr  uint // C_Login returns this instead of asking SoftHSM2
	}{
		{"locked: fail before asking", p11.CKF_USER_PIN_LOCKED, pin, signing.ErrPINLocked, false,
			signing.PINError{Locked: true, RetriesLeft: 0}, 0},
		{"final try shown and reported", p11.CKF_USER_PIN_FINAL_TRY, "000000", signing.ErrPINIncorrect, true,
			signing.PINError{FinalTry: true, RetriesLeft: -1}, 0},
		{"locked by this try", 0, "000000", signing.ErrPINLocked, true,
			signing.PINError{Locked: true, RetriesLeft: 0}, p11.CKR_PIN_LOCKED},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk, _ := newToken(t, "flags-"+strings.ReplaceAll(tt.name[:10], " ", "-"))
			pins := &pinLog{pin: tt.pin}
			f := &fakeModule{addFlags: tt.flags}
			if tt.loginErr != 0 {
				f.login = func(p11.SessionHandle, uint, string) error { return p11.Error(tt.loginErr) }
			}
			k := openFake(t, tk.URI(idEC), Options{PIN: pins.fn}, f)
			_, err := k.Sign(rand.Reader, digest(crypto.SHA256, "x"), crypto.SHA256)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Sign = %v, want %v", err, tt.wantErr)
			}
			var pe *signing.PINError
			if !errors.As(err, &pe) || *pe != tt.wantPE {
				t.Errorf("PINError = %+v, want %+v", pe, tt.wantPE)
			}
			reqs := pins.calls()
			if asked := len(reqs) > 0; asked != tt.wantAsked {
				t.Errorf("PIN asked: %v, want %v", asked, tt.wantAsked)
			}
			if tt.wantAsked && (len(reqs) != 1 || reqs[0].FinalTry != has(tt.flags, p11.CKF_USER_PIN_FINAL_TRY)) {
				t.Errorf("PIN requests %+v, want one, FinalTry as the token says", reqs)
			}
		})
	}
}

func TestTokenRemoved(t *testing.T) {
	tk, _ := newToken(t, "removed")
	f := &fakeModule{sign: func(p11.SessionHandle, []byte) ([]byte, error) {
		return nil, p11.Error(p11.CKR_DEVICE_REMOVED)
	}}
	k := openFake(t, tk.URI(idEC), Options{PIN: (&pinLog{pin: pin}).fn}, f)
	_, err := k.Sign(rand.Reader, digest(crypto.SHA256, "x"), crypto.SHA256)
	if !errors.Is(err, signing.ErrTokenRemoved) {
		t.Fatalf("Sign = %v, want %v", err, signing.ErrTokenRemoved)
	}
	var code p11.Error
	if !errors.As(err, &code) || code != p11.CKR_DEVICE_REMOVED {
		t.Errorf("the CKR code is not in the chain: %v", err)
	}
	if !strings.HasPrefix(err.Error(), `sign with PKCS#11 key "Max Mustermann" on token "removed": C_Sign: token removed`) {
		t.Errorf("message %q", err)
	}
}

// A module that hangs in C_Sign (OpenSC when a card is pulled) must not
// hang the caller past its context.
func TestSignContextHangingModule(t *testing.T) {
	tk, _ := newToken(t, "hang")
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	f := &fakeModule{}
	f.sign = func(sh p11.SessionHandle, data []byte) ([]byte, error) {
		entered <- struct{}{}
		<-release
		return f.module.Sign(sh, data)
	}
	k := openFake(t, tk.URI(idEC), Options{PIN: (&pinLog{pin: pin}).fn}, f)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := k.SignContext(ctx, rand.Reader, digest(crypto.SHA256, "x"), crypto.SHA256)
	if !errors.Is(err, signing.ErrCancelled) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("SignContext = %v, want cancelled", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("SignContext returned after %v", d)
	}
	<-entered
	// While the call hangs, the key is busy: another signature waits only
	// as long as its own context.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	if _, err := k.SignContext(ctx2, rand.Reader, digest(crypto.SHA256, "y"), crypto.SHA256); !errors.Is(err, signing.ErrCancelled) {
		t.Fatalf("SignContext on a busy key = %v", err)
	}
	// The module comes back: the key works again.
	close(release)
	d := digest(crypto.SHA256, "z")
	sig, err := k.Sign(rand.Reader, d, crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	verify(t, k.Public(), d, sig, crypto.SHA256)
	if k.Signatures() != 2 {
		t.Errorf("Signatures() = %d, want 2", k.Signatures())
	}
}

func TestCloseWhileBusy(t *testing.T) {
	tk, _ := newToken(t, "close-busy")
	release := make(chan struct{})
	entered := make(chan struct{})
	f := &fakeModule{}
	f.sign = func(sh p11.SessionHandle, data []byte) ([]byte, error) {
		close(entered)
		<-release
		return f.module.Sign(sh, data)
	}
	k, err := open(context.Background(), tk.URI(idEC), Options{PIN: (&pinLog{pin: pin}).fn},
		func(m module) module { f.module = m; return f })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := k.SignContext(ctx, rand.Reader, digest(crypto.SHA256, "x"), crypto.SHA256)
		done <- err
	}()
	<-entered
	cancel()
	if err := <-done; !errors.Is(err, signing.ErrCancelled) {
		t.Fatalf("SignContext = %v", err)
	}
	if err := k.Close(); err != nil {
		t.Fatalf("Close while busy: %v", err)
	}
	close(release)
	if _, err := k.Sign(rand.Reader, digest(crypto.SHA256, "x"), crypto.SHA256); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Fatalf("Sign after Close = %v", err)
	}
	if err := k.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

// Close of the last key on a token logs out: the next key asks again.
func TestCloseLogsOut(t *testing.T) {
	tk, _ := newToken(t, "logout")
	pins := &pinLog{pin: pin}
	for i := range 2 {
		k, err := Open(context.Background(), tk.URI(idEC), Options{PIN: pins.fn})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := k.Sign(rand.Reader, digest(crypto.SHA256, "x"), crypto.SHA256); err != nil {
			t.Fatal(err)
		}
		if err := k.Close(); err != nil {
			t.Fatal(err)
		}
		if n := len(pins.calls()); n != i+1 {
			t.Fatalf("after key %d: PIN asked %d times", i, n)
		}
	}
}
