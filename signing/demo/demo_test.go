package demo_test

import (
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"testing"
	"time"

	"github.com/siegel-app/siegel/internal/testpki"
	"github.com/siegel-app/siegel/signing/demo"
)

// TestCertificate: one key per process, valid around now for a day,
// for signatures only, and recognised by IsDemo; other certificates are not.
func TestCertificate(t *testing.T) {
	k1, err := demo.Open()
	if err != nil {
		t.Fatal(err)
	}
	k2, _ := demo.Open()
	if err := k1.Close(); err != nil {
		t.Fatal(err)
	}
	c := k1.Chain()[0]
	if len(k1.Chain()) != 1 || k2.Chain()[0] != c {
		t.Fatal("a second Open made another key")
	}
	now := time.Now()
	if !c.NotBefore.Before(now) || c.NotAfter.Before(now.Add(23*time.Hour)) || c.NotAfter.After(now.Add(25*time.Hour)) {
		t.Errorf("validity %v to %v", c.NotBefore, c.NotAfter)
	}
	if c.KeyUsage != x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment {
		t.Errorf("key usage %v", c.KeyUsage)
	}
	if err := c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature); err != nil {
		t.Errorf("not self-signed: %v", err)
	}
	// The key still signs after Close: it is shared by the process.
	d := sha256.Sum256([]byte("x"))
	sig, err := k1.Sign(rand.Reader, d[:], crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CheckSignature(x509.ECDSAWithSHA256, []byte("x"), sig); err != nil {
		t.Errorf("signature does not verify: %v", err)
	}
	pki := testpki.MustShared(t)
	if demo.IsDemo(pki.SignerRSA.Cert) || demo.IsDemo(nil) {
		t.Error("a test PKI certificate taken for the demo key")
	}
}
