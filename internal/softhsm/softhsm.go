//go:build cgo

// Package softhsm makes SoftHSM2 tokens for tests: a software HSM behind a
// real PKCS#11 module, holding keys and certificates from internal/testpki.
//
// SoftHSM2 reads SOFTHSM2_CONF once, at C_Initialize, and a module is
// initialised once per process. So each test process has one token
// directory, made on first use under os.TempDir, and SOFTHSM2_CONF is set
// for the whole process (and thereby for its subprocesses) before the module
// is initialised. Get the module path from Module or a Token, never from
// testenv directly, so that this happens first.
//
// Tokens made by softhsm2-util after C_Initialize stay invisible to a
// process that initialised the module before (C_GetSlotList keeps showing
// the free slot as uninitialised, until C_Finalize, which would end every
// open session). NewToken therefore initialises tokens in-process with
// C_InitToken on SoftHSM2's free slot: they are visible at once, SoftHSM2
// adds the next free slot, and subprocesses see them in the directory.
// Slot ids differ between processes; URIs name tokens by label and serial.
package softhsm

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	p11 "github.com/miekg/pkcs11"

	"github.com/siegel-app/siegel/internal/testenv"
	"github.com/siegel-app/siegel/internal/testpki"
)

// SOPIN is the security officer PIN of every test token.
const SOPIN = "87654321"

var (
	setupOnce sync.Once
	setupErr  error
	dir       string
	confPath  string
	module    *p11.Ctx

	// mu serialises token creation: concurrent tests would race for the
	// one free slot.
	mu sync.Mutex
)

// setup makes the process's token directory, points SOFTHSM2_CONF at it
// and initialises the module.
func setup(modulePath string) error {
	setupOnce.Do(func() { setupErr = doSetup(modulePath) })
	return setupErr
}

// dirPrefix starts the name of every token directory; the process id
// follows, so that directories of test processes that ended without
// Cleanup can be told apart and removed.
const dirPrefix = "siegel-softhsm-"

func doSetup(modulePath string) error {
	removeStale()
	d, err := os.MkdirTemp("", fmt.Sprintf("%s%d-", dirPrefix, os.Getpid()))
	if err != nil {
		return fmt.Errorf("softhsm: %w", err)
	}
	conf := filepath.Join(d, "softhsm2.conf")
	content := fmt.Sprintf("directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n",
		filepath.Join(d, "tokens"))
	if err := os.Mkdir(filepath.Join(d, "tokens"), 0o700); err != nil {
		return fmt.Errorf("softhsm: %w", err)
	}
	if err := os.WriteFile(conf, []byte(content), 0o600); err != nil {
		return fmt.Errorf("softhsm: %w", err)
	}
	// Process-wide, so that the module, whoever loads it next, and
	// subprocesses (the siegel binary under test) use this directory.
	if err := os.Setenv("SOFTHSM2_CONF", conf); err != nil {
		return fmt.Errorf("softhsm: %w", err)
	}
	ctx := p11.New(modulePath)
	if ctx == nil {
		return fmt.Errorf("softhsm: load PKCS#11 module %s failed", modulePath)
	}
	if err := ctx.Initialize(); err != nil {
		if isCode(err, p11.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
			return errors.New("softhsm: SoftHSM2 was initialised in this process before softhsm set SOFTHSM2_CONF; " +
				"take the module path from softhsm.Module or softhsm.NewToken before any other use")
		}
		return fmt.Errorf("softhsm: C_Initialize: %w", err)
	}
	dir, confPath, module = d, conf, ctx
	return nil
}

// removeStale removes the token directories of test processes that have
// ended: most test binaries have no TestMain to call Cleanup.
func removeStale() {
	entries, err := os.ReadDir(os.TempDir())
	if err != nil {
		return
	}
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), dirPrefix)
		if !ok || !e.IsDir() {
			continue
		}
		pidText, _, ok := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if !ok || err != nil || pid == os.Getpid() {
			continue
		}
		p, err := os.FindProcess(pid)
		if err != nil {
			continue
		}
		if errors.Is(p.Signal(syscall.Signal(0)), os.ErrProcessDone) {
			_ = os.RemoveAll(filepath.Join(os.TempDir(), e.Name()))
		}
	}
}

func isCode(err error, code uint) bool {
	var e p11.Error
	return errors.As(err, &e) && uint(e) == code
}

// Module returns the path of the SoftHSM2 module, set up for this
// process's token directory. It skips the test when SoftHSM2 is missing
// (fails under CI=true).
func Module(t testing.TB) string {
	t.Helper()
	path := testenv.SoftHSMModule(t)
	if err := setup(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// ConfPath returns the SOFTHSM2_CONF of this process's tokens, for a
// subprocess environment.
func ConfPath(t testing.TB) string {
	t.Helper()
	Module(t)
	return confPath
}

// Cleanup removes the token directory. Call it from TestMain after m.Run;
// without it the directory stays in os.TempDir until a later test process
// finds it orphaned and removes it.
func Cleanup() {
	if dir != "" {
		_ = os.RemoveAll(dir)
	}
}

// Token is a SoftHSM2 token made for a test.
type Token struct {
	Label      string
	PIN        string // user PIN
	SOPIN      string
	Serial     string
	ModulePath string
	// ConfPath is the SOFTHSM2_CONF a subprocess needs to see the token.
	ConfPath string

	slot uint // in this process only

	mu  sync.Mutex
	cas map[string]bool // CA certificates already stored
}

// AfterNewToken, when set, runs after each new or retired token.
// Processes that initialised SoftHSM2 before a token existed never see
// it, so test binaries that sign through the PKCS#11 agent set it to
// agent.Shutdown: the next use then starts an agent that does.
var AfterNewToken func()

// NewToken initialises a token on SoftHSM2's free slot with a user PIN.
// Labels are at most 32 bytes (CK_TOKEN_INFO); several tokens may share
// one, their URIs tell them apart by serial.
func NewToken(t testing.TB, label, userPIN string) *Token {
	t.Helper()
	path := Module(t)
	if len(label) > 32 {
		t.Fatalf("softhsm: token label %q is longer than 32 bytes", label)
	}
	mu.Lock()
	defer mu.Unlock()
	slot, err := freeSlot()
	if err != nil {
		t.Fatal(err)
	}
	if err := module.InitToken(slot, SOPIN, label); err != nil {
		t.Fatalf("softhsm: C_InitToken %q: %v", label, err)
	}
	sh, err := module.OpenSession(slot, p11.CKF_SERIAL_SESSION|p11.CKF_RW_SESSION)
	if err != nil {
		t.Fatalf("softhsm: C_OpenSession: %v", err)
	}
	defer module.CloseSession(sh)
	if err := module.Login(sh, p11.CKU_SO, SOPIN); err != nil {
		t.Fatalf("softhsm: C_Login(SO): %v", err)
	}
	if err := module.InitPIN(sh, userPIN); err != nil {
		t.Fatalf("softhsm: C_InitPIN: %v", err)
	}
	if err := module.Logout(sh); err != nil {
		t.Fatalf("softhsm: C_Logout: %v", err)
	}
	ti, err := module.GetTokenInfo(slot)
	if err != nil {
		t.Fatalf("softhsm: C_GetTokenInfo: %v", err)
	}
	if AfterNewToken != nil {
		AfterNewToken()
	}
	tk := &Token{
		Label: label, PIN: userPIN, SOPIN: SOPIN,
		Serial:     strings.TrimRight(ti.SerialNumber, " \x00"),
		ModulePath: path, ConfPath: confPath,
		slot: slot, cas: map[string]bool{},
	}
	// The next run of the test under -count, or another test, may make a
	// token of the same label; looking it up by label must not find this
	// one. Runs after the cleanups registered later, such as those that
	// close the keys opened on the token.
	t.Cleanup(tk.retire(t))
	return tk
}

// retiredLabel is the label of a token whose test has ended.
const retiredLabel = "retired"

// retire returns a cleanup that initialises the token again, empty and
// labelled retiredLabel. A session still open in this process prevents
// it (CKR_SESSION_EXISTS); the token then stays as it is, which only
// matters to a later token of the same label, and the test log says so.
func (tk *Token) retire(t testing.TB) func() {
	return func() {
		mu.Lock()
		defer mu.Unlock()
		if err := module.InitToken(tk.slot, SOPIN, retiredLabel); err != nil {
			t.Logf("softhsm: token %q left as it is after the test: C_InitToken: %v", tk.Label, err)
			return
		}
		if AfterNewToken != nil {
			AfterNewToken() // agents would still list it under its old label
		}
	}
}

func freeSlot() (uint, error) {
	slots, err := module.GetSlotList(true)
	if err != nil {
		return 0, fmt.Errorf("softhsm: C_GetSlotList: %w", err)
	}
	for _, s := range slots {
		ti, err := module.GetTokenInfo(s)
		if err == nil && ti.Flags&p11.CKF_TOKEN_INITIALIZED == 0 {
			return s, nil
		}
	}
	return 0, errors.New("softhsm: no free slot")
}

// URI returns the RFC 7512 URI of the key with id on this token, with
// module-path, for pkcs11.Open.
func (tk *Token) URI(id []byte) string {
	var b strings.Builder
	fmt.Fprintf(&b, "pkcs11:token=%s;serial=%s", escape(tk.Label, ""), escape(tk.Serial, ""))
	if len(id) > 0 {
		b.WriteString(";id=")
		for _, c := range id {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	fmt.Fprintf(&b, "?module-path=%s", escape(tk.ModulePath, "/"))
	return b.String()
}

func escape(s, keep string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			strings.IndexByte("-._~"+keep, c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// ImportKey stores e's private key (RSA or EC; sensitive, not extractable,
// CKA_ALWAYS_AUTHENTICATE when alwaysAuth), its public key, its certificate
// when e.Cert is set (all three with CKA_ID id and CKA_LABEL label), and
// the other certificates of chain, once each, as CA certificates without an
// id. Import keys before opening them: the helper logs in and out on the
// token, and login state is shared by all sessions of the process.
func (tk *Token) ImportKey(t testing.TB, id []byte, label string, e *testpki.Entity, chain []*x509.Certificate, alwaysAuth bool) {
	t.Helper()
	tk.mu.Lock()
	defer tk.mu.Unlock()
	sh, err := module.OpenSession(tk.slot, p11.CKF_SERIAL_SESSION|p11.CKF_RW_SESSION)
	if err != nil {
		t.Fatalf("softhsm: C_OpenSession: %v", err)
	}
	defer module.CloseSession(sh)
	err = module.Login(sh, p11.CKU_USER, tk.PIN)
	switch {
	case err == nil:
		defer module.Logout(sh)
	case isCode(err, p11.CKR_USER_ALREADY_LOGGED_IN):
	default:
		t.Fatalf("softhsm: C_Login: %v", err)
	}

	priv, pub, err := keyTemplates(e.Key)
	if err != nil {
		t.Fatal(err)
	}
	common := []*p11.Attribute{
		p11.NewAttribute(p11.CKA_TOKEN, true),
		p11.NewAttribute(p11.CKA_ID, id),
		p11.NewAttribute(p11.CKA_LABEL, label),
	}
	if e.Cert != nil {
		common = append(common, p11.NewAttribute(p11.CKA_SUBJECT, e.Cert.RawSubject))
	}
	priv = append(priv, common...)
	priv = append(priv,
		p11.NewAttribute(p11.CKA_PRIVATE, true),
		p11.NewAttribute(p11.CKA_SENSITIVE, true),
		p11.NewAttribute(p11.CKA_EXTRACTABLE, false),
		p11.NewAttribute(p11.CKA_SIGN, true),
		p11.NewAttribute(p11.CKA_ALWAYS_AUTHENTICATE, alwaysAuth),
	)
	if _, err := module.CreateObject(sh, priv); err != nil {
		t.Fatalf("softhsm: store private key %q: %v", label, err)
	}
	pub = append(pub, common...)
	pub = append(pub, p11.NewAttribute(p11.CKA_PRIVATE, false), p11.NewAttribute(p11.CKA_VERIFY, true))
	if _, err := module.CreateObject(sh, pub); err != nil {
		t.Fatalf("softhsm: store public key %q: %v", label, err)
	}
	if e.Cert != nil {
		if _, err := module.CreateObject(sh, certTemplate(e.Cert, id, label)); err != nil {
			t.Fatalf("softhsm: store certificate %q: %v", label, err)
		}
	}
	for _, c := range chain {
		if e.Cert != nil && c.Equal(e.Cert) || tk.cas[string(c.Raw)] {
			continue
		}
		if _, err := module.CreateObject(sh, certTemplate(c, nil, c.Subject.CommonName)); err != nil {
			t.Fatalf("softhsm: store CA certificate %q: %v", c.Subject.CommonName, err)
		}
		tk.cas[string(c.Raw)] = true
	}
}

// certTemplate is a public X.509 certificate object (PKCS#11 v2.40 §4.6.3).
func certTemplate(c *x509.Certificate, id []byte, label string) []*p11.Attribute {
	serial, _ := asn1.Marshal(c.SerialNumber)
	a := []*p11.Attribute{
		p11.NewAttribute(p11.CKA_CLASS, p11.CKO_CERTIFICATE),
		p11.NewAttribute(p11.CKA_CERTIFICATE_TYPE, p11.CKC_X_509),
		p11.NewAttribute(p11.CKA_TOKEN, true),
		p11.NewAttribute(p11.CKA_PRIVATE, false),
		p11.NewAttribute(p11.CKA_LABEL, label),
		p11.NewAttribute(p11.CKA_SUBJECT, c.RawSubject),
		p11.NewAttribute(p11.CKA_ISSUER, c.RawIssuer),
		p11.NewAttribute(p11.CKA_SERIAL_NUMBER, serial),
		p11.NewAttribute(p11.CKA_VALUE, c.Raw),
	}
	if len(id) > 0 {
		a = append(a, p11.NewAttribute(p11.CKA_ID, id))
	}
	return a
}

// Named curve OIDs for CKA_EC_PARAMS (RFC 5480 §2.1.1.1).
var curveOIDs = map[string]asn1.ObjectIdentifier{
	"P-256": {1, 2, 840, 10045, 3, 1, 7},
	"P-384": {1, 3, 132, 0, 34},
	"P-521": {1, 3, 132, 0, 35},
}

// keyTemplates returns the key-specific attributes of the private and the
// public key object (PKCS#11 v2.40 §2.1.3 RSA, §2.3.3/§2.3.4 EC).
func keyTemplates(key any) (priv, pub []*p11.Attribute, err error) {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		k.Precompute()
		if len(k.Primes) != 2 {
			return nil, nil, errors.New("softhsm: multi-prime RSA keys are not supported")
		}
		e := rsaExponent(k.E)
		priv = []*p11.Attribute{
			p11.NewAttribute(p11.CKA_CLASS, p11.CKO_PRIVATE_KEY),
			p11.NewAttribute(p11.CKA_KEY_TYPE, p11.CKK_RSA),
			p11.NewAttribute(p11.CKA_MODULUS, k.N.Bytes()),
			p11.NewAttribute(p11.CKA_PUBLIC_EXPONENT, e),
			p11.NewAttribute(p11.CKA_PRIVATE_EXPONENT, k.D.Bytes()),
			p11.NewAttribute(p11.CKA_PRIME_1, k.Primes[0].Bytes()),
			p11.NewAttribute(p11.CKA_PRIME_2, k.Primes[1].Bytes()),
			p11.NewAttribute(p11.CKA_EXPONENT_1, k.Precomputed.Dp.Bytes()),
			p11.NewAttribute(p11.CKA_EXPONENT_2, k.Precomputed.Dq.Bytes()),
			p11.NewAttribute(p11.CKA_COEFFICIENT, k.Precomputed.Qinv.Bytes()),
		}
		pub = []*p11.Attribute{
			p11.NewAttribute(p11.CKA_CLASS, p11.CKO_PUBLIC_KEY),
			p11.NewAttribute(p11.CKA_KEY_TYPE, p11.CKK_RSA),
			p11.NewAttribute(p11.CKA_MODULUS, k.N.Bytes()),
			p11.NewAttribute(p11.CKA_PUBLIC_EXPONENT, e),
		}
		return priv, pub, nil
	case *ecdsa.PrivateKey:
		oid, ok := curveOIDs[k.Curve.Params().Name]
		if !ok {
			return nil, nil, fmt.Errorf("softhsm: curve %s is not supported", k.Curve.Params().Name)
		}
		params, _ := asn1.Marshal(oid)
		ek, err := k.ECDH()
		if err != nil {
			return nil, nil, fmt.Errorf("softhsm: %w", err)
		}
		// CKA_EC_POINT is the DER OCTET STRING of the uncompressed point.
		point, _ := asn1.Marshal(ek.PublicKey().Bytes())
		priv = []*p11.Attribute{
			p11.NewAttribute(p11.CKA_CLASS, p11.CKO_PRIVATE_KEY),
			p11.NewAttribute(p11.CKA_KEY_TYPE, p11.CKK_EC),
			p11.NewAttribute(p11.CKA_EC_PARAMS, params),
			p11.NewAttribute(p11.CKA_VALUE, ek.Bytes()),
		}
		pub = []*p11.Attribute{
			p11.NewAttribute(p11.CKA_CLASS, p11.CKO_PUBLIC_KEY),
			p11.NewAttribute(p11.CKA_KEY_TYPE, p11.CKK_EC),
			p11.NewAttribute(p11.CKA_EC_PARAMS, params),
			p11.NewAttribute(p11.CKA_EC_POINT, point),
		}
		return priv, pub, nil
	}
	return nil, nil, fmt.Errorf("softhsm: key type %T is not supported", key)
}

func rsaExponent(e int) []byte {
	var b []byte
	for ; e > 0; e >>= 8 {
		b = append([]byte{byte(e)}, b...)
	}
	return b
}
