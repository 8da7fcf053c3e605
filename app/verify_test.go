package app_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/siegel-app/siegel/app"
	"github.com/siegel-app/siegel/internal/testpdf"
	"github.com/siegel-app/siegel/internal/testpki"
	"github.com/siegel-app/siegel/signing"
	"github.com/siegel-app/siegel/signing/cms"
	"github.com/siegel-app/siegel/signing/verify"
)

// TestVerifySigned verifies what app.Sign wrote, with the test root as a
// trust file, without it, and with a trust file that holds nothing.
func TestVerifySigned(t *testing.T) {
	pki := testpki.MustShared(t)
	dir := t.TempDir()
	der, _ := pki.PKCS12(pki.SignerEC, "pw")
	p12, in, out := filepath.Join(dir, "k.p12"), filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
	os.WriteFile(p12, der, 0o600)
	os.WriteFile(in, testpdf.Pages(1), 0o644)
	root, junk := filepath.Join(dir, "root.pem"), filepath.Join(dir, "junk.pem")
	if err := pki.WriteRootPEM(root); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(junk, []byte("not a certificate"), 0o644)
	_, err := app.Sign(context.Background(), app.SignRequest{KeyURI: "pkcs12:" + p12, In: in, Out: out}, app.Ports{
		PIN: func(context.Context, signing.PINRequest) ([]byte, error) { return []byte("pw"), nil },
	})
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name string
		opts app.VerifyOptions
		ind  verify.Indication
		sub  verify.SubIndication
	}{
		{"trusted", app.VerifyOptions{TrustFiles: []string{root}, SkipRevocation: true}, verify.TotalPassed, ""},
		{"trusted, revocation unknown", app.VerifyOptions{TrustFiles: []string{root}}, verify.Indeterminate, verify.TryLater},
		{"system store only", app.VerifyOptions{SkipRevocation: true}, verify.Indeterminate, verify.NoCertificateChainFound},
		{"no anchors", app.VerifyOptions{NoSystemRoots: true, SkipRevocation: true}, verify.Indeterminate, verify.NoCertificateChainFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := app.Verify(context.Background(), out, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			s := rep.Signatures[0]
			if rep.Indication != tc.ind || s.SubIndication != tc.sub || !s.Intact || s.Level != "PAdES-B-B" {
				t.Errorf("%s/%s intact %v level %s; want %s/%s; problems %q", s.Indication, s.SubIndication, s.Intact, s.Level, tc.ind, tc.sub, s.Problems)
			}
		})
	}

	if _, err := app.Verify(context.Background(), out, app.VerifyOptions{TrustFiles: []string{junk}}); err == nil {
		t.Error("a trust file without certificates was accepted")
	}
	if _, err := app.Verify(context.Background(), in, app.VerifyOptions{}); !errors.Is(err, verify.ErrNoSignature) {
		t.Errorf("unsigned: err = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := app.Verify(ctx, out, app.VerifyOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
}

// TestVerifyOptions: CRL files reach the engine, --at moves the
// verification time, detached signatures are found by their extension
// and paired with their data, and unreadable trust sources are caught
// before any file.
func TestVerifyOptions(t *testing.T) {
	pki := testpki.MustShared(t)
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	der, _ := pki.PKCS12(pki.SignerRSA, "pw")
	p12, in, out := write("k.p12", der), write("in.pdf", testpdf.Pages(1)), filepath.Join(dir, "out.pdf")
	root := write("root.pem", testpki.PEM(pki.Root.Cert))
	_, err := app.Sign(context.Background(), app.SignRequest{KeyURI: "pkcs12:" + p12, In: in, Out: out}, app.Ports{
		PIN: func(context.Context, signing.PINRequest) ([]byte, error) { return []byte("pw"), nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	crl := func(name string, issuer *testpki.Entity) string {
		der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1),
			ThisUpdate: now.Add(-time.Hour), NextUpdate: now.Add(time.Hour)}, issuer.Cert, issuer.Key)
		if err != nil {
			t.Fatal(err)
		}
		return write(name, der)
	}
	crls := []string{crl("inter.crl", pki.Intermediate), crl("root.crl", pki.Root)}

	data := write("data.bin", []byte("some data\n"))
	h := sha256.Sum256([]byte("some data\n"))
	sigDER, err := cms.SignDetached(context.Background(), pki.SignerEC.Key, pki.Chain(pki.SignerEC), h[:], cms.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p7s := write("data.bin.p7s", sigDER)
	lone := write("lone.p7s", sigDER)

	for _, tc := range []struct {
		name string
		path string
		opts app.VerifyOptions
		ind  verify.Indication
		sub  verify.SubIndication
	}{
		{"CRL files give the status", out, app.VerifyOptions{TrustFiles: []string{root}, CRLFiles: crls}, verify.TotalPassed, ""},
		{"without them it is unknown", out, app.VerifyOptions{TrustFiles: []string{root}}, verify.Indeterminate, verify.TryLater},
		{"at a time before the certificates", out, app.VerifyOptions{TrustFiles: []string{root}, SkipRevocation: true,
			At: pki.Now.Add(-48 * time.Hour)}, verify.Indeterminate, verify.NotYetValid},
		{"detached, data beside", p7s, app.VerifyOptions{TrustFiles: []string{root}, CRLFiles: crls}, verify.TotalPassed, ""},
		{"detached, data named", lone, app.VerifyOptions{TrustFiles: []string{root}, CRLFiles: crls, Data: data}, verify.TotalPassed, ""},
		{"detached, other data", lone, app.VerifyOptions{TrustFiles: []string{root}, CRLFiles: crls, Data: in}, verify.TotalFailed, verify.HashFailure},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := app.Verify(context.Background(), tc.path, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			s := rep.Signatures[0]
			if rep.Indication != tc.ind || s.SubIndication != tc.sub {
				t.Errorf("%s/%s, want %s/%s; problems %q", s.Indication, s.SubIndication, tc.ind, tc.sub, s.Problems)
			}
		})
	}

	if _, err := app.Verify(context.Background(), lone, app.VerifyOptions{}); !errors.Is(err, verify.ErrNoData) {
		t.Errorf("detached without data: err = %v", err)
	}
	o := app.VerifyOptions{}
	if !o.IsDetached(p7s) || o.IsDetached(out) || o.DetachedData(p7s) != data || o.DetachedData(lone) != "" {
		t.Error("detached signatures are not recognised or paired with their data")
	}
	if err := (app.VerifyOptions{CRLFiles: []string{filepath.Join(dir, "missing.crl")}}).Check(); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing CRL file: %v", err)
	}
	if err := (app.VerifyOptions{TrustFiles: []string{root}, CRLFiles: crls}).Check(); err != nil {
		t.Errorf("good options: %v", err)
	}
}
