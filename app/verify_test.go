package app_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/siegel-app/siegel/app"
	"github.com/siegel-app/siegel/internal/testpdf"
	"github.com/siegel-app/siegel/internal/testpki"
	"github.com/siegel-app/siegel/signing"
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
