//go:build cgo

package agent

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"reflect"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/siegel-app/siegel/internal/softhsm"
	"github.com/siegel-app/siegel/internal/testenv"
	"github.com/siegel-app/siegel/internal/testpki"
	"github.com/siegel-app/siegel/signing"
	"github.com/siegel-app/siegel/signing/pkcs11"
)

// testChildEnv makes the test binary an agent (the helper-process
// pattern): the tests start it with Options.Command = the test binary.
const testChildEnv = "SIEGEL_AGENT_TEST_CHILD"

func TestMain(m *testing.M) {
	// The default Options.Command (this executable with CommandName) is
	// served too, so that the package-level Open is tested as it runs.
	if os.Getenv(testParentEnv) == "1" {
		os.Exit(parentMain())
	}
	if os.Getenv(testChildEnv) == "1" || len(os.Args) > 1 && os.Args[1] == CommandName {
		if err := ServeStdio(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	code := m.Run()
	Shutdown()
	softhsm.Cleanup()
	os.Exit(code)
}

// testParentEnv makes the test binary a parent that starts an agent,
// prints its pid and waits to be killed (TestDiesWithParent).
const testParentEnv = "SIEGEL_AGENT_TEST_PARENT"

func parentMain() int {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	a, err := Start(context.Background(), Options{Command: []string{exe}, Env: []string{testChildEnv + "=1", testParentEnv + "="}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(a.PID())
	select {}
}

const pin = "24681357"

var (
	idRSA    = []byte{0x01}
	idEC     = []byte{0x02}
	idNoCert = []byte{0x03}
)

// newToken makes a token with the RSA and EC signers of the test PKI and a
// key without a certificate. Agents see the tokens that exist when their
// process loads SoftHSM2, so tests make tokens before starting agents.
func newToken(t *testing.T, label string) (*softhsm.Token, *testpki.PKI) {
	t.Helper()
	pki := testpki.MustShared(t)
	tk := softhsm.NewToken(t, label, pin)
	tk.ImportKey(t, idRSA, "sig-rsa", pki.SignerRSA, pki.Chain(pki.SignerRSA), false)
	tk.ImportKey(t, idEC, "sig-ec", pki.SignerEC, pki.Chain(pki.SignerEC), false)
	tk.ImportKey(t, idNoCert, "no-cert", &testpki.Entity{Key: pki.SignerEC.Key}, nil, false)
	return tk, pki
}

// start starts the test binary as an agent.
func start(t *testing.T, opts Options) *Agent {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	opts.Command = []string{exe}
	opts.Env = append(opts.Env, testChildEnv+"=1")
	if opts.Stderr == nil {
		opts.Stderr = os.Stderr
	}
	a, err := Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func open(t *testing.T, a *Agent, uri string, pin signing.PINFunc) *Key {
	t.Helper()
	k, err := a.Open(context.Background(), uri, pkcs11.Options{PIN: pin})
	if err != nil {
		t.Fatalf("Open(%s): %v", uri, err)
	}
	t.Cleanup(func() { k.Close() })
	return k
}

// pinLog is a PINFunc that answers with a fixed PIN (or error) and records
// the requests.
type pinLog struct {
	mu    sync.Mutex
	pin   string
	err   error
	delay time.Duration
	reqs  []signing.PINRequest
	last  time.Time // when the last answer was given
}

func (p *pinLog) fn(ctx context.Context, req signing.PINRequest) ([]byte, error) {
	p.mu.Lock()
	p.reqs = append(p.reqs, req)
	delay, pin, err := p.delay, p.pin, p.err
	p.mu.Unlock()
	if delay > 0 {
		time.Sleep(delay)
	}
	p.mu.Lock()
	p.last = time.Now()
	p.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if req.PINPad {
		return nil, nil
	}
	return []byte(pin), nil
}

func (p *pinLog) set(pin string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pin, p.err = pin, err
}

func (p *pinLog) calls() []signing.PINRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.reqs)
}

func (p *pinLog) answered() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.last
}

func noPIN(t *testing.T) signing.PINFunc {
	return func(context.Context, signing.PINRequest) ([]byte, error) {
		t.Error("PIN asked for")
		return nil, signing.ErrCancelled
	}
}

func digest(h crypto.Hash, msg string) []byte { return testpki.Digest(h, msg) }

func verify(t *testing.T, pub crypto.PublicKey, d, sig []byte, opts crypto.SignerOpts) {
	t.Helper()
	if err := testpki.Verify(pub, d, sig, opts); err != nil {
		t.Fatal(err)
	}
}

// signOK signs a fresh digest and verifies the signature.
func signOK(t *testing.T, k signing.Key, msg string) {
	t.Helper()
	d := digest(crypto.SHA256, msg)
	sig, err := k.Sign(rand.Reader, d, crypto.SHA256)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	verify(t, k.Public(), d, sig, crypto.SHA256)
}

// gone reports whether process pid has ended: it is not there, or it is
// a zombie left to a reaper that does not reap (an orphan in a container).
func gone(pid int) bool {
	if errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) {
		return true
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return errors.Is(err, fs.ErrNotExist)
	}
	// pid (comm) state …; comm may hold spaces and parentheses.
	rest := stat[bytes.LastIndexByte(stat, ')')+1:]
	return bytes.HasPrefix(bytes.TrimSpace(rest), []byte("Z"))
}

func TestListTokens(t *testing.T) {
	tk, pki := newToken(t, "list")
	a := start(t, Options{})
	got, err := a.ListTokens(context.Background(), tk.ModulePath)
	if err != nil {
		t.Fatal(err)
	}
	want, err := pkcs11.ListTokens(tk.ModulePath)
	if err != nil {
		t.Fatal(err)
	}
	// Slot ids differ between processes (SoftHSM2), and so does the slot
	// description SoftHSM2 makes of them; everything else is the same,
	// certificates included. Fields are found by name so that fields added
	// to TokenInfo later are compared too.
	norm := func(ts []pkcs11.TokenInfo) ([]pkcs11.TokenInfo, [][]byte) {
		ts = slices.Clone(ts)
		slices.SortFunc(ts, func(a, b pkcs11.TokenInfo) int { return strings.Compare(a.Serial, b.Serial) })
		var certs [][]byte
		for i := range ts {
			for _, name := range []string{"SlotID", "SlotDescription"} {
				if f := reflect.ValueOf(&ts[i]).Elem().FieldByName(name); f.IsValid() {
					f.SetZero()
				}
			}
			// Keys come in the module's object order, which SoftHSM2 does
			// not keep between processes.
			ts[i].Keys = slices.Clone(ts[i].Keys)
			if len(ts[i].Keys) == 0 {
				ts[i].Keys = nil // the wire leaves out an empty list
			}
			slices.SortFunc(ts[i].Keys, func(a, b pkcs11.KeyInfo) int { return bytes.Compare(a.ID, b.ID) })
			for j := range ts[i].Keys {
				if c := ts[i].Keys[j].Certificate; c != nil {
					certs = append(certs, c.Raw)
				} else {
					certs = append(certs, nil)
				}
				ts[i].Keys[j].Certificate = nil
			}
		}
		return ts, certs
	}
	gotN, gotCerts := norm(got)
	wantN, wantCerts := norm(want)
	if !reflect.DeepEqual(gotN, wantN) {
		t.Errorf("through the agent:\n%+v\nin-process:\n%+v", gotN, wantN)
	}
	if !reflect.DeepEqual(gotCerts, wantCerts) {
		t.Error("certificates differ")
	}
	// And the token is there, with its keys and certificates.
	var found bool
	for _, tok := range got {
		if tok.Serial != tk.Serial {
			continue
		}
		found = true
		i := slices.IndexFunc(tok.Keys, func(k pkcs11.KeyInfo) bool { return k.Label == "sig-rsa" })
		if len(tok.Keys) != 3 || i < 0 || tok.Keys[i].Certificate == nil || !tok.Keys[i].Certificate.Equal(pki.SignerRSA.Cert) {
			t.Errorf("token %q keys %+v", tok.Label, tok.Keys)
		}
	}
	if !found {
		t.Errorf("token %s not listed", tk.Serial)
	}

	// A module that is not there: the in-process error, fs.ErrNotExist kept.
	_, err = a.ListTokens(context.Background(), "/nonexistent/module.so")
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "/nonexistent/module.so") {
		t.Errorf("ListTokens of a missing module = %v", err)
	}
}

func TestSign(t *testing.T) {
	tk, pki := newToken(t, "sign")
	a := start(t, Options{})
	pins := &pinLog{pin: pin}
	rsaKey := open(t, a, tk.URI(idRSA), pins.fn)
	ecKey := open(t, a, tk.URI(idEC), pins.fn)
	if !rsaKey.Chain()[0].Equal(pki.SignerRSA.Cert) || len(rsaKey.Chain()) != len(pki.Chain(pki.SignerRSA)) {
		t.Errorf("chain %v", rsaKey.Chain())
	}
	if len(pins.calls()) != 0 {
		t.Fatal("Open asked for a PIN")
	}
	// The reader (slot description) comes along when the backend tells.
	inProc, err := pkcs11.Open(context.Background(), tk.URI(idRSA), pkcs11.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer inProc.Close()
	if r, ok := any(inProc).(interface{ Reader() string }); ok && r.Reader() != "" && rsaKey.Reader() == "" {
		t.Errorf("Reader() empty, in-process %q", r.Reader())
	}
	tests := []struct {
		name string
		key  *Key
		opts crypto.SignerOpts
	}{
		{"RSA PKCS#1 v1.5 SHA-256", rsaKey, crypto.SHA256},
		{"RSA PKCS#1 v1.5 SHA-384", rsaKey, crypto.SHA384},
		{"RSA-PSS SHA-256", rsaKey, &rsa.PSSOptions{Hash: crypto.SHA256, SaltLength: rsa.PSSSaltLengthEqualsHash}},
		{"RSA-PSS SHA-512 salt auto", rsaKey, &rsa.PSSOptions{Hash: crypto.SHA512, SaltLength: rsa.PSSSaltLengthAuto}},
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
			verify(t, tt.key.Chain()[0].PublicKey, d, sig, tt.opts)
			if got := tt.key.Signatures() - before; got != 1 {
				t.Errorf("%d C_Sign calls, want 1", got)
			}
		})
	}
	// One login in the agent for the token, asked once, here.
	reqs := pins.calls()
	want := signing.PINRequest{Kind: signing.UserPIN, Token: "sign", Key: "Erika Mustermann", RetriesLeft: -1}
	if len(reqs) != 1 || reqs[0] != want {
		t.Errorf("PIN requests %+v, want one %+v", reqs, want)
	}
}

func TestSignRefusals(t *testing.T) {
	tk, _ := newToken(t, "refuse")
	a := start(t, Options{})
	rsaKey := open(t, a, tk.URI(idRSA), noPIN(t))
	ecKey := open(t, a, tk.URI(idEC), noPIN(t))
	tests := []struct {
		name    string
		key     *Key
		digest  []byte
		opts    crypto.SignerOpts
		wantErr error
	}{
		{"no hash", rsaKey, make([]byte, 32), nil, signing.ErrUnsupported},
		{"SHA-1", rsaKey, make([]byte, 20), crypto.SHA1, signing.ErrUnsupported},
		{"PSS on EC", ecKey, make([]byte, 32), &rsa.PSSOptions{Hash: crypto.SHA256}, signing.ErrUnsupported},
		{"digest length", rsaKey, make([]byte, 31), crypto.SHA256, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.key.Sign(rand.Reader, tt.digest, tt.opts)
			if err == nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("Sign = %v, want %v", err, tt.wantErr)
			}
			if tt.key.Signatures() != 0 {
				t.Error("the token was asked to sign")
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	tk, _ := newToken(t, "errors")
	a := start(t, Options{})
	pid := a.PID()
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
		{name: "token absent", uri: "pkcs11:token=no-such-token;id=%01" + mod, wantErr: signing.ErrTokenNotPresent,
			wantText: `"no-such-token"`},
		{name: "key absent", uri: "pkcs11:token=errors;serial=" + tk.Serial + ";id=%09" + mod, wantErr: signing.ErrKeyNotFound},
		{name: "no certificate", uri: tk.URI(idNoCert), wantErr: signing.ErrNoCertificate},
		{name: "module missing", uri: "pkcs11:token=errors?module-path=/nonexistent/lib.so", wantErr: fs.ErrNotExist,
			wantText: "load PKCS#11 module /nonexistent/lib.so"},
		{name: "pin in URI", uri: "pkcs11:token=errors;id=%01?pin-value=123456", wantText: "pin-value is refused"},
		{name: "cancelled", ctx: cancelledCtx, uri: tk.URI(idRSA), wantErr: signing.ErrCancelled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := tt.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			k, err := a.Open(ctx, tt.uri, pkcs11.Options{PIN: noPIN(t)})
			if err == nil {
				k.Close()
				t.Fatal("Open succeeded")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Open = %v, want %v", err, tt.wantErr)
			}
			if tt.wantText != "" && !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("Open = %q, want it to mention %q", err, tt.wantText)
			}
		})
	}
	if a.PID() != pid {
		t.Errorf("the agent was restarted by errors that are answers")
	}
}

func TestPINErrors(t *testing.T) {
	const wrongPIN = "97531864"
	tests := []struct {
		name     string
		pins     *pinLog
		wantErr  error
		wantText string
	}{
		{"wrong PIN", &pinLog{pin: wrongPIN}, signing.ErrPINIncorrect, "PIN incorrect"},
		{"cancelled", &pinLog{err: signing.ErrCancelled}, signing.ErrCancelled, "cancelled"},
		{"context cancelled", &pinLog{err: context.Canceled}, context.Canceled, ""},
		{"empty PIN", &pinLog{pin: ""}, signing.ErrCancelled, ""},
		{"callback failed", &pinLog{err: errors.New("no terminal to ask for the PIN")}, nil, "no terminal to ask for the PIN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk, _ := newToken(t, "pin-"+strings.ReplaceAll(tt.name, " ", "-"))
			var logs bytes.Buffer
			var logMu sync.Mutex
			a := start(t, Options{Logger: slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &logMu},
				&slog.HandlerOptions{Level: slog.LevelDebug}))})
			k := open(t, a, tk.URI(idEC), tt.pins.fn)
			_, err := k.Sign(rand.Reader, digest(crypto.SHA256, "x"), crypto.SHA256)
			if err == nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("Sign = %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("Sign = %q, want it to mention %q", err, tt.wantText)
			}
			if tt.wantErr == signing.ErrPINIncorrect {
				var pe *signing.PINError
				// SoftHSM2 neither counts down nor locks.
				if !errors.As(err, &pe) || *pe != (signing.PINError{RetriesLeft: -1}) {
					t.Errorf("PINError %+v in %v", pe, err)
				}
			}
			// Asked once, never retried on the signer's behalf.
			if n := len(tt.pins.calls()); n != 1 {
				t.Errorf("PIN asked %d times, want 1", n)
			}
			if k.Signatures() != 0 {
				t.Errorf("C_Sign called %d times", k.Signatures())
			}
			// The signer types the right PIN next time.
			tt.pins.set(pin, nil)
			signOK(t, k, "y")
			if n := len(tt.pins.calls()); n != 2 {
				t.Errorf("PIN asked %d times, want 2", n)
			}
			logMu.Lock()
			defer logMu.Unlock()
			for _, p := range []string{pin, wrongPIN} {
				if strings.Contains(err.Error(), p) {
					t.Errorf("error %q contains a PIN", err)
				}
				if strings.Contains(logs.String(), p) {
					t.Errorf("log contains a PIN:\n%s", logs.String())
				}
			}
			if !strings.Contains(logs.String(), "C_Login") {
				t.Errorf("the agent's debug records did not arrive:\n%s", logs.String())
			}
		})
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// CKA_ALWAYS_AUTHENTICATE: a context-specific PIN for every signature,
// each asked in the parent.
func TestAlwaysAuthenticate(t *testing.T) {
	pki := testpki.MustShared(t)
	tk := softhsm.NewToken(t, "always-auth", pin)
	tk.ImportKey(t, idRSA, "qes", pki.SignerRSA, pki.Chain(pki.SignerRSA), true)
	a := start(t, Options{})
	pins := &pinLog{pin: pin}
	k := open(t, a, tk.URI(idRSA), pins.fn)
	for i := range 2 {
		signOK(t, k, fmt.Sprint("qualified ", i))
	}
	var kinds []signing.PINKind
	for _, r := range pins.calls() {
		kinds = append(kinds, r.Kind)
		if r.Token != "always-auth" || r.Key != "Erika Mustermann" || r.RetriesLeft != -1 || r.PINPad {
			t.Errorf("PIN request %+v", r)
		}
	}
	want := []signing.PINKind{signing.UserPIN, signing.ContextPIN, signing.ContextPIN}
	if !slices.Equal(kinds, want) {
		t.Errorf("PIN kinds %v, want %v", kinds, want)
	}
	// A wrong context PIN fails that signature only.
	pins.set("000000", nil)
	if _, err := k.Sign(rand.Reader, digest(crypto.SHA256, "x"), crypto.SHA256); !errors.Is(err, signing.ErrPINIncorrect) {
		t.Fatalf("Sign with a wrong context PIN = %v", err)
	}
	pins.set(pin, nil)
	signOK(t, k, "after")
	if k.Signatures() != 3 {
		t.Errorf("Signatures() = %d, want 3", k.Signatures())
	}
}

// The fake hanging C_Sign: the watchdog stops the agent CallTimeout after
// the PIN was given (the prompt's time does not count), the call fails
// with a clear error, the process is gone, the key is dead, and the next
// call starts a new agent.
func TestHangingSign(t *testing.T) {
	tk, _ := newToken(t, "hang")
	const timeout = time.Second
	a := start(t, Options{Env: []string{FakeHangSignEnv + "=1"}, CallTimeout: timeout})
	// The person takes longer than the deadline to type the PIN.
	pins := &pinLog{pin: pin, delay: timeout + timeout/2}
	k := open(t, a, tk.URI(idEC), pins.fn)
	pid := a.PID()

	_, err := k.Sign(rand.Reader, digest(crypto.SHA256, "hang"), crypto.SHA256)
	took := time.Since(pins.answered())
	for _, want := range []error{ErrUnresponsive, ErrStopped, signing.ErrTokenRemoved} {
		if !errors.Is(err, want) {
			t.Errorf("Sign = %v, want it to wrap %v", err, want)
		}
	}
	for _, want := range []string{`sign with PKCS#11 key "Max Mustermann" on token "hang"`,
		"did not answer within 1s", "a signature may have been made"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Sign = %v, want it to say %q", err, want)
		}
	}
	t.Log(err)
	if len(pins.calls()) != 1 {
		t.Errorf("PIN asked %d times, want 1", len(pins.calls()))
	}
	if took < timeout || took > timeout+time.Second {
		t.Errorf("Sign returned %v after the PIN was given, want %v to %v", took, timeout, timeout+time.Second)
	}
	if !gone(pid) {
		t.Errorf("agent process %d still there", pid)
	}
	if a.PID() != 0 {
		t.Errorf("PID() = %d after the agent stopped", a.PID())
	}

	// The key is dead: it fails at once, and asks for nothing.
	begin := time.Now()
	_, err = k.Sign(rand.Reader, digest(crypto.SHA256, "again"), crypto.SHA256)
	if !errors.Is(err, ErrStopped) || !errors.Is(err, ErrUnresponsive) || !strings.Contains(err.Error(), "open it again") {
		t.Errorf("Sign on a dead key = %v", err)
	}
	if d := time.Since(begin); d > 500*time.Millisecond {
		t.Errorf("Sign on a dead key took %v", d)
	}
	if len(pins.calls()) != 1 {
		t.Errorf("the dead key asked for a PIN")
	}
	if err := k.Close(); err != nil {
		t.Errorf("Close of a dead key: %v", err)
	}

	// The same agent starts a new process for its next call.
	if _, err := a.ListTokens(context.Background(), tk.ModulePath); err != nil {
		t.Fatalf("ListTokens after the restart: %v", err)
	}
	if p := a.PID(); p == 0 || p == pid {
		t.Errorf("PID() = %d after the restart, was %d", p, pid)
	}

	// An agent without the fake signs in the same test process.
	fresh := start(t, Options{})
	pins2 := &pinLog{pin: pin}
	signOK(t, open(t, fresh, tk.URI(idEC), pins2.fn), "fresh")
	if len(pins2.calls()) != 1 {
		t.Errorf("PIN asked %d times", len(pins2.calls()))
	}
}

// A caller that gives up during a hang returns at once; the watchdog still
// stops the agent.
func TestCancelDuringHang(t *testing.T) {
	tk, _ := newToken(t, "hang-cancel")
	const timeout = time.Second
	a := start(t, Options{Env: []string{FakeHangSignEnv + "=1"}, CallTimeout: timeout})
	k := open(t, a, tk.URI(idEC), (&pinLog{pin: pin}).fn)
	pid := a.PID()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	begin := time.Now()
	_, err := k.SignContext(ctx, rand.Reader, digest(crypto.SHA256, "x"), crypto.SHA256)
	if !errors.Is(err, signing.ErrCancelled) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("SignContext = %v, want cancelled", err)
	}
	if d := time.Since(begin); d > timeout {
		t.Errorf("SignContext returned after %v", d)
	}
	for !gone(pid) {
		if time.Since(begin) > timeout+2*time.Second {
			t.Fatalf("agent %d still runs %v after the call", pid, time.Since(begin))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := k.Sign(rand.Reader, digest(crypto.SHA256, "y"), crypto.SHA256); !errors.Is(err, ErrStopped) {
		t.Errorf("Sign after the watchdog = %v", err)
	}
}

// A caller that gives up during a PIN prompt cancels the signature, and
// the agent lives on.
func TestCancelDuringPIN(t *testing.T) {
	tk, _ := newToken(t, "pin-cancel")
	a := start(t, Options{CallTimeout: time.Second})
	asked := make(chan struct{})
	var once sync.Once
	var mu sync.Mutex
	good := false
	k := open(t, a, tk.URI(idEC), func(ctx context.Context, req signing.PINRequest) ([]byte, error) {
		mu.Lock()
		g := good
		mu.Unlock()
		if g {
			return []byte(pin), nil
		}
		once.Do(func() { close(asked) })
		// A prompt that ignores ctx, longer than the watchdog.
		time.Sleep(1500 * time.Millisecond)
		return []byte(pin), nil
	})
	pid := a.PID()
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-asked; cancel() }()
	begin := time.Now()
	_, err := k.SignContext(ctx, rand.Reader, digest(crypto.SHA256, "x"), crypto.SHA256)
	if !errors.Is(err, signing.ErrCancelled) || !errors.Is(err, context.Canceled) {
		t.Fatalf("SignContext = %v, want cancelled", err)
	}
	if d := time.Since(begin); d > time.Second {
		t.Errorf("SignContext returned after %v", d)
	}
	mu.Lock()
	good = true
	mu.Unlock()
	// The key waits for the abandoned prompt's call to end, then signs.
	signOK(t, k, "after")
	if a.PID() != pid {
		t.Errorf("the agent was restarted (pid %d → %d)", pid, a.PID())
	}
	if k.Signatures() != 1 {
		t.Errorf("Signatures() = %d, want 1", k.Signatures())
	}
}

// An agent killed from outside: the next call fails clearly, and the next
// Open works in a new process.
func TestChildKilled(t *testing.T) {
	tk, _ := newToken(t, "killed")
	a := start(t, Options{})
	pins := &pinLog{pin: pin}
	k := open(t, a, tk.URI(idRSA), pins.fn)
	signOK(t, k, "before")
	pid := a.PID()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_, err := k.Sign(rand.Reader, digest(crypto.SHA256, "x"), crypto.SHA256)
	if !errors.Is(err, ErrStopped) || !errors.Is(err, ErrExited) {
		t.Fatalf("Sign after kill -9 = %v", err)
	}
	if !strings.Contains(err.Error(), "killed") {
		t.Errorf("Sign after kill -9 = %q, want it to say so", err)
	}
	t.Log(err)
	k2 := open(t, a, tk.URI(idRSA), pins.fn)
	signOK(t, k2, "after")
	if p := a.PID(); p == pid || p == 0 {
		t.Errorf("PID() = %d, was %d", p, pid)
	}
	// A new process, a new login.
	if n := len(pins.calls()); n != 2 {
		t.Errorf("PIN asked %d times, want 2", n)
	}
}

// Keys sign in parallel through one agent.
func TestConcurrentSigning(t *testing.T) {
	tk, _ := newToken(t, "parallel")
	a := start(t, Options{})
	pins := &pinLog{pin: pin}
	keys := []*Key{open(t, a, tk.URI(idRSA), pins.fn), open(t, a, tk.URI(idEC), pins.fn)}
	signOK(t, keys[0], "login")
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			k := keys[i%len(keys)]
			for j := range 5 {
				d := digest(crypto.SHA256, fmt.Sprint(i, j))
				sig, err := k.Sign(rand.Reader, d, crypto.SHA256)
				if err != nil {
					t.Error(err)
					return
				}
				verify(t, k.Public(), d, sig, crypto.SHA256)
			}
		})
	}
	wg.Wait()
	if n := keys[0].Signatures() + keys[1].Signatures(); n != 41 {
		t.Errorf("%d signatures, want 41", n)
	}
	if n := len(pins.calls()); n != 1 {
		t.Errorf("PIN asked %d times, want 1", n)
	}
}

func TestClose(t *testing.T) {
	tk, _ := newToken(t, "close")
	a := start(t, Options{})
	k := open(t, a, tk.URI(idEC), (&pinLog{pin: pin}).fn)
	signOK(t, k, "x")
	pid := a.PID()
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if !gone(pid) {
		t.Errorf("agent %d still runs after Close", pid)
	}
	if _, err := k.Sign(rand.Reader, digest(crypto.SHA256, "y"), crypto.SHA256); !errors.Is(err, ErrClosed) || !errors.Is(err, ErrStopped) {
		t.Errorf("Sign after Close = %v", err)
	}
	if _, err := a.Open(context.Background(), tk.URI(idEC), pkcs11.Options{}); !errors.Is(err, ErrClosed) {
		t.Errorf("Open after Close = %v", err)
	}
	if err := a.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}

	// Close while a PIN prompt is open: the signature fails at once.
	b := start(t, Options{})
	asked, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	k2 := open(t, b, tk.URI(idRSA), func(context.Context, signing.PINRequest) ([]byte, error) {
		close(asked)
		<-release // a person who does not answer
		return []byte(pin), nil
	})
	go func() { <-asked; b.Close() }()
	if _, err := k2.Sign(rand.Reader, digest(crypto.SHA256, "z"), crypto.SHA256); !errors.Is(err, ErrClosed) {
		t.Errorf("Sign during Close = %v", err)
	}
}

func TestStartErrors(t *testing.T) {
	paths := testenv.Need(t, "echo", "sleep")
	tests := []struct {
		name     string
		command  []string
		wantErr  error
		wantText string
	}{
		{"no such program", []string{"/nonexistent/siegel"}, fs.ErrNotExist, "start PKCS#11 agent /nonexistent/siegel"},
		{"not an agent", []string{paths["echo"], "hello"}, ErrExited, "start PKCS#11 agent"},
		{"silent", []string{paths["sleep"], "30"}, ErrUnresponsive, "did not start within 500ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			begin := time.Now()
			a, err := Start(context.Background(), Options{Command: tt.command, CallTimeout: 500 * time.Millisecond})
			if err == nil {
				a.Close()
				t.Fatal("Start succeeded")
			}
			if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("Start = %v, want %v mentioning %q", err, tt.wantErr, tt.wantText)
			}
			if d := time.Since(begin); d > 2*time.Second {
				t.Errorf("Start took %v", d)
			}
		})
	}
}

// The package-level Open and ListTokens use shared agents started with the
// default command, this executable with CommandName, which TestMain serves.
func TestShared(t *testing.T) {
	tk, _ := newToken(t, "shared")
	t.Cleanup(Shutdown)
	tokens, err := ListTokens(context.Background(), tk.ModulePath)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(tokens, func(ti pkcs11.TokenInfo) bool { return ti.Serial == tk.Serial }) {
		t.Errorf("token not listed")
	}
	k, err := Open(context.Background(), tk.URI(idEC), pkcs11.Options{PIN: (&pinLog{pin: pin}).fn})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	signOK(t, k, "shared")
	if _, ok := k.(signing.ContextSigner); !ok {
		t.Error("not a ContextSigner")
	}

	if _, err := Open(context.Background(), "pkcs11:token=x;id=%01", pkcs11.Options{}); err == nil ||
		!strings.Contains(err.Error(), "no module-path") {
		t.Errorf("Open without module-path = %v", err)
	}
}

// An agent whose parent is killed ends too (Pdeathsig on Linux; EOF on its
// input elsewhere).
func TestDiesWithParent(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	parent := exec.Command(exe)
	parent.Env = append(os.Environ(), testParentEnv+"=1")
	parent.Stderr = os.Stderr
	out, err := parent.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	defer parent.Process.Kill()
	var pid int
	if _, err := fmt.Fscan(out, &pid); err != nil || pid <= 0 {
		t.Fatalf("agent pid from the parent: %d, %v", pid, err)
	}
	if gone(pid) {
		t.Fatalf("agent %d not running", pid)
	}
	parent.Process.Kill()
	parent.Wait()
	for begin := time.Now(); !gone(pid); time.Sleep(10 * time.Millisecond) {
		if time.Since(begin) > 2*time.Second {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("agent %d outlived its parent by %v", pid, time.Since(begin))
		}
	}
}
