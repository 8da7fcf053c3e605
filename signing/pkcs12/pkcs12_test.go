package pkcs12

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	gopkcs12 "software.sslmate.com/src/go-pkcs12"

	"github.com/siegel-app/siegel/internal/testenv"
	"github.com/siegel-app/siegel/internal/testpki"
	"github.com/siegel-app/siegel/signing"
)

// prompt is a PINFunc that answers with password and records the calls.
type prompt struct {
	password string
	err      error
	calls    []signing.PINRequest
	given    [][]byte // buffers handed out, to check they are zeroed
}

func (p *prompt) fn(_ context.Context, req signing.PINRequest) ([]byte, error) {
	p.calls = append(p.calls, req)
	if p.err != nil {
		return nil, p.err
	}
	b := []byte(p.password)
	p.given = append(p.given, b)
	return b, nil
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func encode(t *testing.T, enc *gopkcs12.Encoder, key crypto.PrivateKey, cert *x509.Certificate, ca []*x509.Certificate, password string) []byte {
	t.Helper()
	data, err := enc.Encode(key, cert, ca, password)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestOpenSignVerify(t *testing.T) {
	p := testpki.MustShared(t)
	sum := sha256.Sum256([]byte("to be signed"))

	tests := []struct {
		name     string
		entity   *testpki.Entity
		encoder  *gopkcs12.Encoder
		password string
		opts     crypto.SignerOpts
	}{
		{"RSA modern", p.SignerRSA, gopkcs12.Modern, "correct horse", crypto.SHA256},
		{"RSA modern PSS", p.SignerRSA, gopkcs12.Modern, "correct horse", &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}},
		{"RSA legacy 3DES", p.SignerRSA, gopkcs12.LegacyDES, "Passwört", crypto.SHA256},
		{"EC modern", p.SignerEC, gopkcs12.Modern, "correct horse", crypto.SHA256},
		{"EC without password", p.SignerEC, gopkcs12.Passwordless, "", crypto.SHA256},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chain := p.Chain(tt.entity)
			path := writeFile(t, "signer.p12", encode(t, tt.encoder, tt.entity.Key, chain[0], chain[1:], tt.password))
			pr := &prompt{password: tt.password}
			k, err := Open(context.Background(), path, pr.fn)
			if err != nil {
				t.Fatal(err)
			}
			defer k.Close()

			want := signing.PINRequest{Kind: signing.Password, Token: "signer.p12", RetriesLeft: -1}
			if len(pr.calls) != 1 || pr.calls[0] != want {
				t.Errorf("PIN requests %+v, want one %+v", pr.calls, want)
			}
			for _, b := range pr.given {
				for _, c := range b {
					if c != 0 {
						t.Fatal("password buffer not zeroed after Open")
					}
				}
			}
			checkChain(t, k.Chain(), chain)
			sig, err := k.Sign(rand.Reader, sum[:], tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if err := verify(tt.entity.Cert.PublicKey, sum[:], sig, tt.opts); err != nil {
				t.Errorf("signature does not verify with the certificate: %v", err)
			}
			if !k.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(tt.entity.Cert.PublicKey) {
				t.Error("Public is not the certificate's key")
			}
		})
	}
}

func verify(pub crypto.PublicKey, digest, sig []byte, opts crypto.SignerOpts) error {
	switch pub := pub.(type) {
	case *rsa.PublicKey:
		if pss, ok := opts.(*rsa.PSSOptions); ok {
			return rsa.VerifyPSS(pub, opts.HashFunc(), digest, sig, pss)
		}
		return rsa.VerifyPKCS1v15(pub, opts.HashFunc(), digest, sig)
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(pub, digest, sig) {
			return errors.New("ECDSA signature invalid")
		}
		return nil
	}
	return errors.New("unknown key")
}

func checkChain(t *testing.T, got, want []*x509.Certificate) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("chain of %d certificates, want %d", len(got), len(want))
	}
	for i := range want {
		if !got[i].Equal(want[i]) {
			t.Errorf("chain[%d] = %s, want %s", i, got[i].Subject.CommonName, want[i].Subject.CommonName)
		}
	}
}

// TestChainOrder stores the certificates out of order, with the CA first
// and an unrelated certificate, as files from other tools may.
func TestChainOrder(t *testing.T) {
	p := testpki.MustShared(t)
	data := encode(t, gopkcs12.Modern, p.SignerRSA.Key, p.Root.Cert,
		[]*x509.Certificate{p.TSA.Cert, p.SignerRSA.Cert, p.Intermediate.Cert}, "pw")
	k, err := Open(context.Background(), writeFile(t, "mixed.p12", data), (&prompt{password: "pw"}).fn)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	checkChain(t, k.Chain(), p.Chain(p.SignerRSA))
}

// TestOpenSSLFile reads a file OpenSSL wrote (AES-256, PBKDF2, SHA-256 MAC
// in OpenSSL 3), not only files from the library that reads them.
func TestOpenSSLFile(t *testing.T) {
	testenv.Need(t, "openssl")
	p := testpki.MustShared(t)
	dir := t.TempDir()
	der, err := x509.MarshalPKCS8PrivateKey(p.SignerEC.Key)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"key.pem":   pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}),
		"cert.pem":  testpki.PEM(p.SignerEC.Cert),
		"chain.pem": testpki.PEM(p.Root.Cert, p.Intermediate.Cert),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "openssl.p12")
	cmd := exec.Command("openssl", "pkcs12", "-export", "-inkey", "key.pem", "-in", "cert.pem",
		"-certfile", "chain.pem", "-passout", "pass:geheim", "-out", out)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("openssl pkcs12 -export: %v\n%s", err, b)
	}
	k, err := Open(context.Background(), out, (&prompt{password: "geheim"}).fn)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	checkChain(t, k.Chain(), p.Chain(p.SignerEC))
}

func TestOpenErrors(t *testing.T) {
	p := testpki.MustShared(t)
	good, err := p.PKCS12(p.SignerRSA, "right")
	if err != nil {
		t.Fatal(err)
	}
	goodPath := writeFile(t, "erika.p12", good)
	pemPath := writeFile(t, "erika.pem", testpki.PEM(p.SignerRSA.Cert))
	missing := filepath.Join(t.TempDir(), "missing.p12")
	noCert := writeFile(t, "nocert.p12", encode(t, gopkcs12.Modern, p.SignerRSA.Key, p.SignerEC.Cert, nil, "right"))
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()

	tests := []struct {
		name      string
		ctx       context.Context
		path      string
		prompt    *prompt
		wantErr   error // nil: any error
		wantText  string
		wantCalls int
	}{
		{"wrong password", context.Background(), goodPath, &prompt{password: "wrong"}, signing.ErrPINIncorrect, "wrong password for " + goodPath, 1},
		{"prompt cancelled", context.Background(), goodPath, &prompt{err: signing.ErrCancelled}, signing.ErrCancelled, goodPath, 1},
		{"context cancelled", cancelled, goodPath, &prompt{password: "right"}, signing.ErrCancelled, goodPath, 0},
		{"PEM, not PKCS #12", context.Background(), pemPath, &prompt{password: "right"}, nil, pemPath + ": not a PKCS #12", 0},
		{"missing file", context.Background(), missing, &prompt{password: "right"}, fs.ErrNotExist, missing, 0},
		{"certificate of another key", context.Background(), noCert, &prompt{password: "right"}, signing.ErrNoCertificate, noCert, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := Open(tt.ctx, tt.path, tt.prompt.fn)
			if err == nil {
				k.Close()
				t.Fatal("no error")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("err = %q, want it to contain %q", err, tt.wantText)
			}
			if len(tt.prompt.calls) != tt.wantCalls {
				t.Errorf("PINFunc called %d times, want %d", len(tt.prompt.calls), tt.wantCalls)
			}
		})
	}

	// A file does not lock: the PIN error says the tries are unknown.
	_, err = Open(context.Background(), goodPath, (&prompt{password: "wrong"}).fn)
	var pe *signing.PINError
	if !errors.As(err, &pe) || pe.RetriesLeft != -1 || pe.Locked {
		t.Errorf("err = %#v, want a *signing.PINError with RetriesLeft -1", err)
	}
}

func TestClose(t *testing.T) {
	p := testpki.MustShared(t)
	for _, e := range []*testpki.Entity{p.SignerRSA, p.SignerEC} {
		data, err := p.PKCS12(e, "pw")
		if err != nil {
			t.Fatal(err)
		}
		k, err := Open(context.Background(), writeFile(t, "k.p12", data), (&prompt{password: "pw"}).fn)
		if err != nil {
			t.Fatal(err)
		}
		var secret interface{ Sign() int }
		switch key := k.signer.(type) {
		case *rsa.PrivateKey:
			secret = key.D
		case *ecdsa.PrivateKey:
			secret = key.D
		}
		if err := k.Close(); err != nil {
			t.Fatal(err)
		}
		if secret.Sign() != 0 {
			t.Errorf("%T: private scalar not zeroed by Close", k.pub)
		}
		sum := sha256.Sum256(nil)
		if _, err := k.Sign(rand.Reader, sum[:], crypto.SHA256); err == nil || !strings.Contains(err.Error(), "closed") {
			t.Errorf("Sign after Close: err = %v, want key is closed", err)
		}
		if err := k.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
	}
}
