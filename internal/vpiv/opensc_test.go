//go:build cgo

package vpiv_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/siegel-app/siegel/internal/pcsctest"
	"github.com/siegel-app/siegel/internal/testenv"
	"github.com/siegel-app/siegel/internal/testpki"
	"github.com/siegel-app/siegel/internal/vpiv"
	"github.com/siegel-app/siegel/signing"
	"github.com/siegel-app/siegel/signing/pkcs11"
)

// These tests run the card behind the real pcscd (vpcd) and OpenSC 0.23:
// its command-line tools and its PKCS#11 module, loaded in this process
// through signing/pkcs11.

// rig is pcscd with one virtual card in the first reader.
type rig struct {
	d      *pcsctest.Daemon
	card   *vpiv.Card
	module string
}

func newRig(t testing.TB, cfg vpiv.Config) *rig {
	t.Helper()
	module := pcsctest.OpenSCModule(t)
	d := pcsctest.Start(t)
	card, err := vpiv.New(testpki.MustShared(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := card.Insert(d, pcsctest.Port0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(card.Remove)
	return &rig{d: d, card: card, module: module}
}

// serial is the token serial OpenSC 0.23 shows for a PIV card whose CHUID
// has a GUID and agency code 9999: the last 8 bytes of the GUID in hex (the
// 16 characters CK_TOKEN_INFO has room for).
func serial(c *vpiv.Card) string { return hex.EncodeToString(c.GUID()[8:]) }

// token waits until OpenSC lists the card's token (present == true) or no
// longer lists it, and returns it.
func (r *rig) token(t testing.TB, present bool) pkcs11.TokenInfo {
	t.Helper()
	want := serial(r.card)
	deadline := time.Now().Add(15 * time.Second)
	for {
		toks, err := pkcs11.ListTokens(r.module)
		if err != nil {
			t.Fatalf("ListTokens: %v", err)
		}
		var found *pkcs11.TokenInfo
		for i := range toks {
			if toks[i].Serial == want {
				found = &toks[i]
			}
		}
		switch {
		case present && found != nil:
			return *found
		case !present && found == nil:
			return pkcs11.TokenInfo{}
		case time.Now().After(deadline):
			t.Fatalf("token with serial %s present %v, want %v; tokens: %+v", want, found != nil, present, toks)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// keyURI returns the URI of the key with CKA_ID id on the card's token.
func (r *rig) keyURI(t testing.TB, id byte) string {
	t.Helper()
	tok := r.token(t, true)
	for _, k := range tok.Keys {
		if len(k.ID) == 1 && k.ID[0] == id {
			return k.URI
		}
	}
	t.Fatalf("token %+v has no key with id %02X", tok, id)
	return ""
}

// pins answers PIN prompts with a fixed PIN and records them.
type pins struct {
	mu   sync.Mutex
	pin  string
	reqs []signing.PINRequest
}

func (p *pins) fn(_ context.Context, req signing.PINRequest) ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reqs = append(p.reqs, req)
	return []byte(p.pin), nil
}

func (p *pins) kinds() []signing.PINKind {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []signing.PINKind
	for _, r := range p.reqs {
		out = append(out, r.Kind)
	}
	return out
}

func open(t testing.TB, uri string, p *pins) *pkcs11.Key {
	t.Helper()
	k, err := pkcs11.Open(context.Background(), uri, pkcs11.Options{PIN: p.fn})
	if err != nil {
		t.Fatalf("Open(%s): %v", uri, err)
	}
	t.Cleanup(func() { k.Close() })
	return k
}

func digest(msg string) []byte {
	d := sha256.Sum256([]byte(msg))
	return d[:]
}

// signAndVerify signs a SHA-256 digest and checks the signature against
// the card's certificate of slot.
func signAndVerify(t testing.TB, k *pkcs11.Key, card *vpiv.Card, slot byte, msg string) {
	t.Helper()
	d := digest(msg)
	sig, err := k.Sign(nil, d, crypto.SHA256)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	switch pub := card.Certificate(slot).PublicKey.(type) {
	case *rsa.PublicKey:
		err = rsa.VerifyPKCS1v15(pub, crypto.SHA256, d, sig)
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(pub, d, sig) {
			err = errors.New("ECDSA signature does not verify")
		}
	}
	if err != nil {
		t.Fatalf("signature of slot %02X: %v", slot, err)
	}
}

func run(t testing.TB, name string, args ...string) string {
	t.Helper()
	return runEnv(t, nil, name, args...)
}

// runEnv runs a program with env added to the environment and returns its
// output; it fails the test if the program fails.
func runEnv(t testing.TB, env []string, name string, args ...string) string {
	t.Helper()
	testenv.Need(t, name)
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestOpenSCTools(t *testing.T) {
	atrs := []struct {
		name string
		atr  []byte
	}{
		{"default ATR", nil},
		// OpenSC's PIV driver knows YubiKeys by ATR and asks them for
		// their version (INS FD), which the card does not support.
		{"YubiKey 5 ATR", mustHex("3BFD1300008131FE158073C021C057597562694B657940")},
	}
	for _, a := range atrs {
		t.Run(a.name, func(t *testing.T) {
			r := newRig(t, vpiv.Config{ATR: a.atr, Holder: "Erika Werkzeug"})
			readers := run(t, "opensc-tool", "--list-readers")
			if !regexp.MustCompile(`0\s+Yes\s+`+pcsctest.Reader0).MatchString(readers) ||
				!regexp.MustCompile(`1\s+No\s+`+pcsctest.Reader1).MatchString(readers) {
				t.Errorf("opensc-tool --list-readers:\n%s", readers)
			}
			atr := run(t, "opensc-tool", "--reader", "0", "--atr")
			if want := colonHex(r.card.ATR()); !strings.Contains(atr, want) {
				t.Errorf("opensc-tool --atr:\n%s\nwant %s", atr, want)
			}
			slots := run(t, "pkcs11-tool", "--module", r.module, "--list-token-slots")
			for _, want := range []string{"token label        : Erika Werkzeug", "serial num         : " + serial(r.card), "login required"} {
				if !strings.Contains(slots, want) {
					t.Errorf("pkcs11-tool -L lacks %q:\n%s", want, slots)
				}
			}
			objs := run(t, "pkcs11-tool", "--module", r.module, "--list-objects")
			for _, want := range []string{"Certificate for PIV Authentication", "Certificate for Digital Signature", "RSA 2048 bits", "EC_POINT 256 bits"} {
				if !strings.Contains(objs, want) {
					t.Errorf("pkcs11-tool -O lacks %q:\n%s", want, objs)
				}
			}
			if n := strings.Count(objs, "subject:    DN: C=DE, O=Siegel Test, CN=Erika Werkzeug"); n != 2 {
				t.Errorf("pkcs11-tool -O shows %d certificates of the holder, want 2:\n%s", n, objs)
			}
			// Private keys are private objects: seen after login only. The
			// key of slot 9C (CKA_ID 02) needs the PIN for every signature.
			priv := run(t, "pkcs11-tool", "--module", r.module, "--list-objects", "--type", "privkey", "--login", "--pin", "123456")
			ec := priv[strings.Index(priv, "Private Key Object; EC"):]
			if !strings.Contains(ec, "ID:         02") || !strings.Contains(ec, "always authenticate") ||
				strings.Contains(priv[:strings.Index(priv, "Private Key Object; EC")], "always authenticate") {
				t.Errorf("private keys, want always authenticate on the EC key (02) only:\n%s", priv)
			}
		})
	}
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func colonHex(b []byte) string {
	parts := make([]string, len(b))
	for i, c := range b {
		parts[i] = fmt.Sprintf("%02x", c)
	}
	return strings.Join(parts, ":")
}

func TestSignThroughOpenSC(t *testing.T) {
	r := newRig(t, vpiv.Config{})
	pki := testpki.MustShared(t)
	tok := r.token(t, true)
	if tok.Label != "Erika Mustermann" || !tok.LoginRequired || tok.PINPad {
		t.Errorf("token %+v, want label Erika Mustermann, login required, no pin-pad", tok)
	}
	if len(tok.Keys) != 2 {
		t.Fatalf("token lists %d keys, want 2: %+v", len(tok.Keys), tok.Keys)
	}

	t.Run("RSA-2048 in 9A, PIN once", func(t *testing.T) {
		p := &pins{pin: "123456"}
		k := open(t, r.keyURI(t, 0x01), p)
		if !k.Chain()[0].Equal(r.card.Certificate(vpiv.SlotAuthentication)) {
			t.Fatal("the key's certificate is not the card's 9A certificate")
		}
		if err := k.Chain()[0].CheckSignatureFrom(pki.Intermediate.Cert); err != nil {
			t.Errorf("certificate not issued by the test PKI: %v", err)
		}
		before := r.card.Signatures()
		for i := range 3 {
			signAndVerify(t, k, r.card, vpiv.SlotAuthentication, fmt.Sprint("document ", i))
		}
		if got := p.kinds(); len(got) != 1 || got[0] != signing.UserPIN {
			t.Errorf("PIN prompts %v, want one user PIN", got)
		}
		if n := r.card.Signatures() - before; n != 3 {
			t.Errorf("the card made %d signatures, want 3", n)
		}
	})

	t.Run("ECDSA P-256 in 9C, PIN always", func(t *testing.T) {
		p := &pins{pin: "123456"}
		k := open(t, r.keyURI(t, 0x02), p)
		for i := range 2 {
			signAndVerify(t, k, r.card, vpiv.SlotDigitalSignature, fmt.Sprint("document ", i))
		}
		// The user is still logged in from the 9A subtest only if its Key
		// were open; it was closed (logout), so the first signature asks
		// for the user PIN, and each signature for the context PIN.
		want := []signing.PINKind{signing.UserPIN, signing.ContextPIN, signing.ContextPIN}
		if got := p.kinds(); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("PIN prompts %v, want %v", got, want)
		}
		if r.card.PINRetries() != 3 {
			t.Errorf("PIN tries %d, want 3", r.card.PINRetries())
		}
	})
}

func TestWrongPINBlocksAndPUKUnblocks(t *testing.T) {
	r := newRig(t, vpiv.Config{PIN: "24681357", PUK: "11223344"})
	uri := r.keyURI(t, 0x01)
	wrong := &pins{pin: "000000"}
	k := open(t, uri, wrong)

	type step struct {
		retries  int // on the card after the try
		finalTry bool
	}
	for _, s := range []step{{2, false}, {1, true}} {
		_, err := k.Sign(nil, digest("x"), crypto.SHA256)
		var pe *signing.PINError
		if !errors.Is(err, signing.ErrPINIncorrect) || !errors.As(err, &pe) {
			t.Fatalf("wrong PIN: %v, want ErrPINIncorrect", err)
		}
		if r.card.PINRetries() != s.retries || pe.FinalTry != s.finalTry {
			t.Errorf("after a wrong PIN: card has %d tries, error %+v; want %d tries, final try %v", r.card.PINRetries(), pe, s.retries, s.finalTry)
		}
	}
	_, err := k.Sign(nil, digest("x"), crypto.SHA256)
	t.Logf("the try that blocks the PIN: %v", err)
	if !errors.Is(err, signing.ErrPINIncorrect) && !errors.Is(err, signing.ErrPINLocked) {
		t.Fatalf("last wrong PIN: %v, want a PIN error", err)
	}
	if !r.card.Blocked() {
		t.Fatalf("card not blocked, %d tries left", r.card.PINRetries())
	}
	prompts := len(wrong.kinds())
	_, err = k.Sign(nil, digest("x"), crypto.SHA256)
	var pe *signing.PINError
	if !errors.Is(err, signing.ErrPINLocked) || !errors.As(err, &pe) || !pe.Locked {
		t.Fatalf("signing with a blocked PIN: %v, want ErrPINLocked", err)
	}
	if len(wrong.kinds()) != prompts {
		t.Error("asked for a PIN although the token says it is locked")
	}
	if tok := r.token(t, true); !tok.PINLocked {
		t.Errorf("token flags %+v, want PIN locked", tok)
	}

	// OpenSC allows unblocking through PKCS#11 only when opensc.conf sets
	// user_pin_unblock_style (Debian's does not): with
	// set_pin_in_unlogged_session, C_SetPIN(PUK, new PIN) without login
	// becomes RESET RETRY COUNTER.
	conf := filepath.Join(t.TempDir(), "opensc.conf")
	if err := os.WriteFile(conf, []byte("app default {\n\tpkcs11 {\n\t\tuser_pin_unblock_style = set_pin_in_unlogged_session;\n\t}\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := runEnv(t, []string{"OPENSC_CONF=" + conf}, "pkcs11-tool", "--module", r.module,
		"--token-label", "Erika Mustermann", "--unlock-pin", "--puk", "11223344", "--new-pin", "13572468")
	t.Logf("pkcs11-tool --unlock-pin:\n%s", out)
	if r.card.Blocked() || r.card.PINRetries() != 3 {
		t.Fatalf("after RESET RETRY COUNTER: blocked %v, %d tries", r.card.Blocked(), r.card.PINRetries())
	}
	if tok := r.token(t, true); tok.PINLocked || tok.PINFinalTry {
		t.Errorf("token flags after unblocking %+v, want neither locked nor final try", tok)
	}
	signAndVerify(t, open(t, uri, &pins{pin: "13572468"}), r.card, vpiv.SlotAuthentication, "unblocked")
}

func TestRemoveAndReinsert(t *testing.T) {
	r := newRig(t, vpiv.Config{})
	uri := r.keyURI(t, 0x01)
	for round := 1; round <= 2; round++ {
		p := &pins{pin: "123456"}
		k := open(t, uri, p)
		signAndVerify(t, k, r.card, vpiv.SlotAuthentication, "before removal")

		r.card.Remove()
		r.token(t, false)
		_, err := k.Sign(nil, digest("after removal"), crypto.SHA256)
		t.Logf("round %d: signing with the card removed: %v", round, err)
		if !errors.Is(err, signing.ErrTokenRemoved) {
			t.Errorf("round %d: signing with the card removed: %v, want ErrTokenRemoved", round, err)
		}
		k.Close()

		if err := r.card.Insert(r.d, pcsctest.Port0); err != nil {
			t.Fatal(err)
		}
		r.token(t, true)
		p2 := &pins{pin: "123456"}
		signAndVerify(t, open(t, uri, p2), r.card, vpiv.SlotAuthentication, "after re-insertion")
		if got := p2.kinds(); len(got) != 1 {
			t.Errorf("round %d: PIN prompts after re-insertion %v, want one: the card lost power", round, got)
		}
	}
}

// BenchmarkSign measures signatures per second through pcscd (vpcd) and
// OpenSC's PKCS#11 module, one session. The 9C key needs a VERIFY (context
// login) before each signature, so its rate includes one more APDU.
func BenchmarkSign(b *testing.B) {
	r := newRig(b, vpiv.Config{})
	for _, bc := range []struct {
		name string
		id   byte
		slot byte
	}{{"RSA-2048", 0x01, vpiv.SlotAuthentication}, {"ECDSA-P256-PIN-always", 0x02, vpiv.SlotDigitalSignature}} {
		b.Run(bc.name, func(b *testing.B) {
			k := open(b, r.keyURI(b, bc.id), &pins{pin: "123456"})
			d := digest("benchmark")
			signAndVerify(b, k, r.card, bc.slot, "warm up") // logs in
			start := time.Now()
			n := 0
			for b.Loop() {
				if _, err := k.Sign(nil, d, crypto.SHA256); err != nil {
					b.Fatal(err)
				}
				n++
			}
			b.ReportMetric(float64(n)/time.Since(start).Seconds(), "sigs/s")
		})
	}
}

// TestCardPulledDuringSigning holds a signature on the card, pulls the card
// and checks that the card comes back usable. The signer is pkcs11-tool in
// a process of its own: OpenSC 0.23 sometimes deadlocks when the card goes
// while it waits for an answer (TESTSTACK.md), and a hung process can be
// killed where a hung test binary could not.
func TestCardPulledDuringSigning(t *testing.T) {
	r := newRig(t, vpiv.Config{})
	testenv.Need(t, "pkcs11-tool")
	in := filepath.Join(t.TempDir(), "data")
	if err := os.WriteFile(in, []byte("pulled"), 0o644); err != nil {
		t.Fatal(err)
	}
	for round := 1; round <= 3; round++ {
		r.card.StallSignatures(true)
		cmd := exec.Command("pkcs11-tool", "--module", r.module, "--login", "--pin", "123456",
			"--sign", "--id", "01", "--mechanism", "SHA256-RSA-PKCS", "--input-file", in,
			"--output-file", filepath.Join(t.TempDir(), "sig"))
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		for deadline := time.Now().Add(15 * time.Second); !r.card.Stalled(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				t.Fatalf("round %d: the signature never reached the card; pkcs11-tool: %v\n%s", round, <-exited, out.String())
			}
		}
		r.card.Remove()
		select {
		case err := <-exited:
			if err == nil {
				t.Errorf("round %d: pkcs11-tool signed with the card pulled:\n%s", round, out.String())
			}
			t.Logf("round %d: pkcs11-tool with the card pulled: %v\n%s", round, err, out.String())
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
			t.Logf("round %d: pkcs11-tool hung after the card was pulled (the OpenSC 0.23 deadlock) and was killed", round)
		}
		if n := r.card.Signatures(); n != 0 {
			t.Errorf("round %d: the card counts %d signatures, want 0", round, n)
		}
		r.card.StallSignatures(false)
		if err := r.card.Insert(r.d, pcsctest.Port0); err != nil {
			t.Fatal(err)
		}
	}
	signAndVerify(t, open(t, r.keyURI(t, 0x01), &pins{pin: "123456"}), r.card, vpiv.SlotAuthentication, "after the pulls")
}
