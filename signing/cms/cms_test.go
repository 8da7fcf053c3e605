package cms_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/siegel-app/siegel/internal/testenv"
	"github.com/siegel-app/siegel/internal/testpki"
	"github.com/siegel-app/siegel/internal/tsatest"
	"github.com/siegel-app/siegel/signing"
	"github.com/siegel-app/siegel/signing/cms"
	"github.com/siegel-app/siegel/signing/tsa"
)

// signer is one way of signing the tests run through.
type signer struct {
	name   string
	entity func(p *testpki.PKI) *testpki.Entity
	opts   cms.Options
}

var signers = []signer{
	{"RSA PKCS1v15 SHA-256", func(p *testpki.PKI) *testpki.Entity { return p.SignerRSA }, cms.Options{}},
	{"RSA PSS SHA-256", func(p *testpki.PKI) *testpki.Entity { return p.SignerRSA }, cms.Options{PSS: true}},
	{"RSA PKCS1v15 SHA-512", func(p *testpki.PKI) *testpki.Entity { return p.SignerRSA }, cms.Options{Hash: crypto.SHA512}},
	{"RSA PSS SHA-384", func(p *testpki.PKI) *testpki.Entity { return p.SignerRSA }, cms.Options{Hash: crypto.SHA384, PSS: true}},
	{"EC P-256 SHA-256", func(p *testpki.PKI) *testpki.Entity { return p.SignerEC }, cms.Options{}},
	{"EC P-256 SHA-384", func(p *testpki.PKI) *testpki.Entity { return p.SignerEC }, cms.Options{Hash: crypto.SHA384}},
}

func digestOf(h crypto.Hash, b []byte) []byte {
	if h == 0 {
		h = crypto.SHA256
	}
	d := h.New()
	d.Write(b)
	return d.Sum(nil)
}

func openssl(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("openssl", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// countingKey counts Sign calls, to hold SignDetached to one signature.
type countingKey struct {
	crypto.Signer
	n atomic.Int32
}

func (k *countingKey) Sign(r io.Reader, d []byte, o crypto.SignerOpts) ([]byte, error) {
	k.n.Add(1)
	return k.Signer.Sign(r, d, o)
}

// TestSignDetachedOpenSSL signs a file with every key and algorithm and has
// openssl verify the signature against the file and the test root, and
// list the attributes.
func TestSignDetachedOpenSSL(t *testing.T) {
	testenv.Need(t, "openssl")
	p := testpki.MustShared(t)
	dir := t.TempDir()
	root := filepath.Join(dir, "root.pem")
	if err := p.WriteRootPEM(root); err != nil {
		t.Fatal(err)
	}
	content := []byte("%PDF-1.7 stand-in for the signed byte ranges\n")
	data := filepath.Join(dir, "data")
	if err := os.WriteFile(data, content, 0o600); err != nil {
		t.Fatal(err)
	}

	for _, s := range signers {
		t.Run(s.name, func(t *testing.T) {
			e := s.entity(p)
			key := &countingKey{Signer: e.Key}
			digest := digestOf(s.opts.Hash, content)
			der, err := cms.SignDetached(context.Background(), key, p.Chain(e), digest, s.opts)
			if err != nil {
				t.Fatal(err)
			}
			if n := key.n.Load(); n != 1 {
				t.Errorf("key signed %d times, want 1", n)
			}
			sig := filepath.Join(dir, strings.ReplaceAll(s.name, " ", "_")+".p7s")
			if err := os.WriteFile(sig, der, 0o600); err != nil {
				t.Fatal(err)
			}
			openssl(t, "cms", "-verify", "-binary", "-inform", "DER", "-in", sig, "-content", data,
				"-CAfile", root, "-purpose", "any", "-out", os.DevNull)

			text := openssl(t, "cms", "-cmsout", "-print", "-inform", "DER", "-in", sig)
			for _, want := range []string{"id-smime-aa-signingCertificateV2", "messageDigest", "contentType"} {
				if !strings.Contains(text, want) {
					t.Errorf("openssl does not show %s", want)
				}
			}
			if strings.Contains(text, "signingTime") {
				t.Error("signature has a signingTime attribute; PAdES forbids it")
			}
			wantAlg := map[bool]string{true: "rsassaPss", false: ""}[s.opts.PSS]
			if wantAlg != "" && !strings.Contains(text, wantAlg) {
				t.Errorf("openssl does not show %s", wantAlg)
			}
			if max := cms.MaxSize(p.Chain(e), e.Key.Public(), s.opts); len(der) > max {
				t.Errorf("signature has %d bytes, MaxSize said %d", len(der), max)
			}
		})
	}
}

func TestParseVerify(t *testing.T) {
	p := testpki.MustShared(t)
	content := []byte("content")
	for _, s := range signers {
		t.Run(s.name, func(t *testing.T) {
			e := s.entity(p)
			digest := digestOf(s.opts.Hash, content)
			der, err := cms.SignDetached(context.Background(), e.Key, p.Chain(e), digest, s.opts)
			if err != nil {
				t.Fatal(err)
			}
			sd, err := cms.Parse(der)
			if err != nil {
				t.Fatal(err)
			}
			if err := sd.Verify(digest); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if got, want := len(sd.Certificates), 3; got != want {
				t.Errorf("%d certificates, want %d", got, want)
			}
			if !sd.Signer().Equal(e.Cert) || !sd.Certificates[0].Equal(e.Cert) {
				t.Error("signer is not the leaf, or the leaf is not first")
			}
			if sd.Version != 1 || sd.SignerVersion != 1 || sd.SignerSerial == nil || sd.Content != nil || !sd.ContentType.Equal(cms.OIDData) {
				t.Errorf("version %d, signer version %d, detached %v, content type %v: want 1, 1 with issuerAndSerial, detached id-data",
					sd.Version, sd.SignerVersion, sd.Content == nil, sd.ContentType)
			}
			wantHash := s.opts.Hash
			if wantHash == 0 {
				wantHash = crypto.SHA256
			}
			if sd.DigestAlgorithm != wantHash {
				t.Errorf("digest algorithm %v, want %v", sd.DigestAlgorithm, wantHash)
			}
			if sd.SignedAttribute(cms.OIDAttrSigningTime) != nil {
				t.Error("signing-time present")
			}
			if sd.SignedAttribute(cms.OIDAttrSigningCertificateV2) == nil {
				t.Error("signing-certificate-v2 missing")
			}
			if sd.TimestampToken != nil || sd.UnsignedAttributes != nil {
				t.Error("unsigned attributes without a Timestamper")
			}
			// The /Contents placeholder pads with zeros.
			if _, err := cms.Parse(append(der, make([]byte, 100)...)); err != nil {
				t.Errorf("Parse with zero padding: %v", err)
			}

			changed := bytes.Clone(digest)
			changed[0] ^= 1
			tampered := *sd
			tampered.Signature = bytes.Clone(sd.Signature)
			tampered.Signature[len(tampered.Signature)/2] ^= 1
			noCerts := *sd
			noCerts.Certificates = sd.Certificates[1:]
			otherCert := *sd
			otherCert.Certificates = []*x509.Certificate{p.TSA.Cert}

			tests := []struct {
				name    string
				sd      *cms.SignedData
				digest  []byte
				wantErr error
			}{
				{"changed digest", sd, changed, cms.ErrDigestMismatch},
				{"short digest", sd, digest[:10], cms.ErrDigestMismatch},
				{"tampered signature", &tampered, digest, cms.ErrSignatureInvalid},
				{"signer certificate missing", &noCerts, digest, cms.ErrSignerNotFound},
				{"other certificate", &otherCert, digest, cms.ErrSignerNotFound},
			}
			for _, tt := range tests {
				if err := tt.sd.Verify(tt.digest); !errors.Is(err, tt.wantErr) {
					t.Errorf("%s: err = %v, want %v", tt.name, err, tt.wantErr)
				}
			}
		})
	}
}

// TestMaxSize checks the bound for each key and chain length. RSA
// signatures always have the modulus length, so there the bound is exact;
// ECDSA signatures vary, so many are made.
func TestMaxSize(t *testing.T) {
	p := testpki.MustShared(t)
	for _, s := range signers {
		e := s.entity(p)
		full := p.Chain(e)
		for n := 1; n <= len(full); n++ {
			chain := full[:n]
			max := cms.MaxSize(chain, e.Key.Public(), s.opts)
			_, isRSA := e.Key.Public().(interface{ Size() int })
			runs := 1
			if !isRSA {
				runs = 50
			}
			for range runs {
				der, err := cms.SignDetached(context.Background(), e.Key, chain, digestOf(s.opts.Hash, nil), s.opts)
				if err != nil {
					t.Fatal(err)
				}
				if len(der) > max || max-len(der) > 16 {
					t.Fatalf("%s, chain of %d: signature %d bytes, MaxSize %d", s.name, n, len(der), max)
				}
				if isRSA && len(der) != max {
					t.Errorf("%s, chain of %d: RSA signature %d bytes, MaxSize %d, want exact", s.name, n, len(der), max)
				}
			}
		}
	}
	if got := cms.MaxSize(nil, p.SignerRSA.Key.Public(), cms.Options{}); got != 0 {
		t.Errorf("MaxSize without a chain = %d, want 0", got)
	}
	if got := cms.MaxSize(p.Chain(p.SignerRSA), p.SignerRSA.Key.Public(), cms.Options{Hash: crypto.SHA1}); got != 0 {
		t.Errorf("MaxSize with SHA-1 = %d, want 0", got)
	}
}

func TestSignDetachedTimestamp(t *testing.T) {
	testenv.Need(t, "openssl")
	p := testpki.MustShared(t)
	srv := tsatest.New(t, p)
	client := &tsa.Client{URL: srv.URL}
	dir := t.TempDir()
	file := func(name string) string { return filepath.Join(dir, name) }
	if err := p.WriteRootPEM(file("root.pem")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file("chain.pem"), testpki.PEM(p.Intermediate.Cert), 0o600); err != nil {
		t.Fatal(err)
	}
	content := []byte("content to be timestamped")
	if err := os.WriteFile(file("data"), content, 0o600); err != nil {
		t.Fatal(err)
	}

	for _, e := range []*testpki.Entity{p.SignerRSA, p.SignerEC} {
		t.Run(e.Cert.Subject.CommonName, func(t *testing.T) {
			digest := digestOf(crypto.SHA256, content)
			der, err := cms.SignDetached(context.Background(), e.Key, p.Chain(e), digest, cms.Options{Timestamper: client.Timestamp})
			if err != nil {
				t.Fatal(err)
			}
			sd, err := cms.Parse(der)
			if err != nil {
				t.Fatal(err)
			}
			if err := sd.Verify(digest); err != nil {
				t.Fatal(err)
			}
			if sd.TimestampToken == nil {
				t.Fatal("no signature timestamp token")
			}
			if max := cms.MaxSize(p.Chain(e), e.Key.Public(), cms.Options{}) + len(sd.TimestampToken) + cms.TimestampOverhead; len(der) > max {
				t.Errorf("signature with timestamp has %d bytes, more than MaxSize+token+TimestampOverhead = %d", len(der), max)
			}
			if err := os.WriteFile(file("tok.der"), sd.TimestampToken, 0o600); err != nil {
				t.Fatal(err)
			}
			// RFC 3161 Appendix A: the imprint is the hash of the signature value.
			openssl(t, "ts", "-verify", "-in", file("tok.der"), "-token_in",
				"-digest", hex.EncodeToString(digestOf(crypto.SHA256, sd.Signature)),
				"-CAfile", file("root.pem"), "-untrusted", file("chain.pem"))
			// The CMS still verifies with the unsigned attribute added.
			if err := os.WriteFile(file("sig.p7s"), der, 0o600); err != nil {
				t.Fatal(err)
			}
			openssl(t, "cms", "-verify", "-binary", "-inform", "DER", "-in", file("sig.p7s"), "-content", file("data"),
				"-CAfile", file("root.pem"), "-purpose", "any", "-out", os.DevNull)
			if text := openssl(t, "cms", "-cmsout", "-print", "-inform", "DER", "-in", file("sig.p7s")); !strings.Contains(text, "id-smime-aa-timeStampToken") {
				t.Error("openssl does not show id-smime-aa-timeStampToken")
			}
		})
	}
}

func TestSignDetachedErrors(t *testing.T) {
	p := testpki.MustShared(t)
	srv := tsatest.New(t, p)
	digest := digestOf(crypto.SHA256, []byte("x"))
	errTSA := errors.New("TSA down")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	otherToken := func(ctx context.Context, _ []byte) ([]byte, error) {
		return (&tsa.Client{URL: srv.URL}).Timestamp(ctx, []byte("something else"))
	}
	notAToken := func(context.Context, []byte) ([]byte, error) { return []byte{0x30, 0x03, 0x02, 0x01, 0x01}, nil }
	notDER := func(context.Context, []byte) ([]byte, error) { return []byte("garbage"), nil }

	tests := []struct {
		name    string
		ctx     context.Context
		key     crypto.Signer
		chain   []*x509.Certificate
		digest  []byte
		opts    cms.Options
		wantErr error // nil: any error
	}{
		{"timestamper fails", context.Background(), p.SignerRSA.Key, p.Chain(p.SignerRSA), digest,
			cms.Options{Timestamper: func(context.Context, []byte) ([]byte, error) { return nil, errTSA }}, errTSA},
		{"TSA rejects", context.Background(), p.SignerEC.Key, p.Chain(p.SignerEC), digest,
			cms.Options{Timestamper: (&tsa.Client{URL: "http://127.0.0.1:1/"}).Timestamp}, nil},
		{"token over other data", context.Background(), p.SignerEC.Key, p.Chain(p.SignerEC), digest,
			cms.Options{Timestamper: otherToken}, nil},
		{"token not a timestamp", context.Background(), p.SignerEC.Key, p.Chain(p.SignerEC), digest,
			cms.Options{Timestamper: notAToken}, cms.ErrMalformed},
		{"token not DER", context.Background(), p.SignerEC.Key, p.Chain(p.SignerEC), digest,
			cms.Options{Timestamper: notDER}, cms.ErrMalformed},
		{"cancelled", cancelled, p.SignerRSA.Key, p.Chain(p.SignerRSA), digest, cms.Options{}, signing.ErrCancelled},
		{"no chain", context.Background(), p.SignerRSA.Key, nil, digest, cms.Options{}, signing.ErrNoCertificate},
		{"key of another certificate", context.Background(), p.SignerRSA.Key, p.Chain(p.SignerEC), digest, cms.Options{}, nil},
		{"digest of wrong length", context.Background(), p.SignerRSA.Key, p.Chain(p.SignerRSA), digest[:20], cms.Options{}, nil},
		{"SHA-1", context.Background(), p.SignerRSA.Key, p.Chain(p.SignerRSA), digest[:20], cms.Options{Hash: crypto.SHA1}, signing.ErrUnsupported},
		{"key that signs wrongly", context.Background(), badKey{p.SignerEC.Key}, p.Chain(p.SignerEC), digest, cms.Options{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			der, err := cms.SignDetached(tt.ctx, tt.key, tt.chain, tt.digest, tt.opts)
			if err == nil {
				t.Fatalf("no error; got %d bytes", len(der))
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

// badKey signs the wrong digest, like a token with a broken driver.
type badKey struct{ crypto.Signer }

func (k badKey) Sign(r io.Reader, d []byte, o crypto.SignerOpts) ([]byte, error) {
	other := bytes.Clone(d)
	other[0] ^= 1
	return k.Signer.Sign(r, other, o)
}

func TestParseErrors(t *testing.T) {
	p := testpki.MustShared(t)
	der, err := cms.SignDetached(context.Background(), p.SignerEC.Key, p.Chain(p.SignerEC), digestOf(crypto.SHA256, nil), cms.Options{})
	if err != nil {
		t.Fatal(err)
	}
	junk := make([]byte, 64)
	rand.Read(junk)
	tests := []struct {
		name string
		der  []byte
	}{
		{"empty", nil},
		{"random", junk},
		{"truncated", der[:len(der)-1]},
		{"trailing data", append(bytes.Clone(der), 1)},
		{"not signed-data", []byte{0x30, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := cms.Parse(tt.der); !errors.Is(err, cms.ErrMalformed) {
				t.Errorf("err = %v, want ErrMalformed", err)
			}
		})
	}
	// A DER that itself ends in a zero byte (here inside the signature
	// value) is not mistaken for padding.
	endsInZero := bytes.Clone(der)
	endsInZero[len(endsInZero)-1] = 0
	for _, b := range [][]byte{endsInZero, append(bytes.Clone(endsInZero), 0, 0, 0)} {
		sd, err := cms.Parse(b)
		if err != nil {
			t.Fatalf("Parse of a DER ending in 0x00: %v", err)
		}
		if sig := sd.Signature; sig[len(sig)-1] != 0 {
			t.Error("last signature byte lost")
		}
	}
	if _, _, err := cms.ParseTimestampToken(der); !errors.Is(err, cms.ErrMalformed) {
		t.Errorf("ParseTimestampToken of a PDF signature: err = %v, want ErrMalformed", err)
	}
}

// TestSignDetachedAlternatingKeys signs with two certificates in turn: the
// signing-certificate-v2 attribute, kept from one signature to the next,
// must always name the certificate that signed (Verify checks it).
func TestSignDetachedAlternatingKeys(t *testing.T) {
	p := testpki.MustShared(t)
	digest := digestOf(crypto.SHA256, []byte("content"))
	for i, e := range []*testpki.Entity{p.SignerRSA, p.SignerEC, p.SignerEC, p.SignerRSA} {
		der, err := cms.SignDetached(context.Background(), e.Key, p.Chain(e), digest, cms.Options{})
		if err != nil {
			t.Fatal(err)
		}
		sd, err := cms.Parse(der)
		if err != nil {
			t.Fatal(err)
		}
		if err := sd.Verify(digest); err != nil {
			t.Fatalf("signature %d: %v", i, err)
		}
	}
}
