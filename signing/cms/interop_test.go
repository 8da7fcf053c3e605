package cms_test

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/siegel-app/siegel/internal/testenv"
	"github.com/siegel-app/siegel/internal/testpki"
	"github.com/siegel-app/siegel/signing/cms"
)

// writePKI writes PEM files of the test PKI for openssl into dir.
func writePKI(t *testing.T, dir string, p *testpki.PKI) {
	t.Helper()
	files := map[string][]byte{
		"root.pem":  testpki.PEM(p.Root.Cert),
		"chain.pem": testpki.PEM(p.Intermediate.Cert, p.Root.Cert),
		"tsa.pem":   testpki.PEM(p.TSA.Cert),
		"rsa.pem":   testpki.PEM(p.SignerRSA.Cert),
		"ec.pem":    testpki.PEM(p.SignerEC.Cert),
	}
	for name, e := range map[string]*testpki.Entity{"tsa.key": p.TSA, "rsa.key": p.SignerRSA, "ec.key": p.SignerEC} {
		der, err := x509.MarshalPKCS8PrivateKey(e.Key)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// TestParseOpenSSLSignatures reads signatures OpenSSL made, with the
// attributes it adds (signing-time, S/MIME capabilities), so Parse and
// Verify are not only checked against this package's own writer.
func TestParseOpenSSLSignatures(t *testing.T) {
	testenv.Need(t, "openssl")
	p := testpki.MustShared(t)
	dir := t.TempDir()
	writePKI(t, dir, p)
	content := []byte("content signed by openssl")
	if err := os.WriteFile(filepath.Join(dir, "data"), content, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		cert  string
		key   string
		extra []string
		hash  crypto.Hash
	}{
		{"RSA", "rsa.pem", "rsa.key", nil, crypto.SHA256},
		{"RSA-PSS SHA-384", "rsa.pem", "rsa.key", []string{"-md", "sha384", "-keyopt", "rsa_padding_mode:pss"}, crypto.SHA384},
		{"ECDSA", "ec.pem", "ec.key", nil, crypto.SHA256},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(dir, "sig.der")
			args := append([]string{"cms", "-sign", "-binary", "-in", filepath.Join(dir, "data"),
				"-signer", filepath.Join(dir, tt.cert), "-inkey", filepath.Join(dir, tt.key),
				"-certfile", filepath.Join(dir, "chain.pem"), "-outform", "DER", "-out", out}, tt.extra...)
			openssl(t, args...)
			der, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			sd, err := cms.Parse(der)
			if err != nil {
				t.Fatal(err)
			}
			if sd.DigestAlgorithm != tt.hash {
				t.Errorf("digest algorithm %v, want %v", sd.DigestAlgorithm, tt.hash)
			}
			if err := sd.Verify(digestOf(tt.hash, content)); err != nil {
				t.Errorf("Verify: %v", err)
			}
			if sd.SignedAttribute(cms.OIDAttrSigningTime) == nil {
				t.Error("openssl's signing-time attribute not found")
			}
		})
	}
}

// TestParseOpenSSLTimestamp reads tokens from `openssl ts -reply`: ESS
// signing-certificate v1 and v2, fractional seconds in genTime, accuracy
// with milli- and microseconds, ordering.
func TestParseOpenSSLTimestamp(t *testing.T) {
	testenv.Need(t, "openssl")
	p := testpki.MustShared(t)
	dir := t.TempDir()
	writePKI(t, dir, p)
	content := []byte("data to timestamp")
	file := func(name string) string { return filepath.Join(dir, name) }
	if err := os.WriteFile(file("data"), content, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, essAlg := range []string{"sha1", "sha256"} {
		t.Run("ESS "+essAlg, func(t *testing.T) {
			cnf := strings.NewReplacer("DIR", dir, "ESSALG", essAlg).Replace(`
[ tsa ]
default_tsa = tsa_config1
[ tsa_config1 ]
serial = DIR/serial
signer_cert = DIR/tsa.pem
certs = DIR/chain.pem
signer_key = DIR/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.2
digests = sha256, sha384, sha512
accuracy = secs:1, millisecs:500, microsecs:100
clock_precision_digits = 3
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = ESSALG
`)
			if err := os.WriteFile(file("ts.cnf"), []byte(cnf), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file("serial"), []byte("01\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			openssl(t, "ts", "-query", "-data", file("data"), "-sha256", "-cert", "-out", file("q.tsq"))
			openssl(t, "ts", "-reply", "-config", file("ts.cnf"), "-queryfile", file("q.tsq"), "-token_out", "-out", file("tok.der"))
			tok, err := os.ReadFile(file("tok.der"))
			if err != nil {
				t.Fatal(err)
			}
			sd, info, err := cms.ParseTimestampToken(tok)
			if err != nil {
				t.Fatal(err)
			}
			if err := sd.Verify(digestOf(sd.DigestAlgorithm, sd.Content)); err != nil {
				t.Errorf("Verify: %v", err)
			}
			if want := 1500100 * time.Microsecond; info.Accuracy != want {
				t.Errorf("accuracy %v, want %v", info.Accuracy, want)
			}
			if !info.Ordering || info.Nonce == nil || info.Policy.String() != "1.3.6.1.4.1.99999.2" {
				t.Errorf("ordering %v, nonce %v, policy %v", info.Ordering, info.Nonce, info.Policy)
			}
			if d := time.Since(info.GenTime); d < -time.Minute || d > time.Minute {
				t.Errorf("genTime %v is not now", info.GenTime)
			}
			if got := digestOf(crypto.SHA256, content); string(info.HashedMessage) != string(got) || info.HashAlgorithm != crypto.SHA256 {
				t.Errorf("imprint %v %x, want SHA-256 %x", info.HashAlgorithm, info.HashedMessage, got)
			}
		})
	}
}
