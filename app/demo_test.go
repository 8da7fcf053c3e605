package app_test

import (
	"context"
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siegel-app/siegel/app"
	"github.com/siegel-app/siegel/internal/judge"
	"github.com/siegel-app/siegel/internal/testpdf"
	"github.com/siegel-app/siegel/signing"
	"github.com/siegel-app/siegel/signing/demo"
)

// TestSignWithDemoKey: "demo:" signs through app.Sign without a PIN, and
// pdfsig finds the signature valid but its issuer unknown.
func TestSignWithDemoKey(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
	if err := os.WriteFile(in, testpdf.Pages(1), 0o644); err != nil {
		t.Fatal(err)
	}
	var signer *x509.Certificate
	res, err := app.Sign(context.Background(), app.SignRequest{KeyURI: demo.URI, In: in, Out: out}, app.Ports{
		PIN: func(context.Context, signing.PINRequest) ([]byte, error) {
			t.Error("the demo key asked for a PIN")
			return nil, signing.ErrCancelled
		},
		Review: func(_ context.Context, r *app.Review) error { signer = r.Signer; return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	if !demo.IsDemo(signer) || !demo.IsDemo(res.Signer) {
		t.Errorf("signer %v not recognised as the demo key", signer.Subject)
	}
	sigs := judge.PDFSig(t, out)
	if len(sigs) != 1 || !sigs[0].Valid || !sigs[0].Total {
		t.Fatalf("pdfsig: %+v", sigs)
	}
	if sigs[0].SignerName != demo.CommonName {
		t.Errorf("pdfsig signer %q", sigs[0].SignerName)
	}
	// poppler says "Certificate issuer isn't Trusted." or "… is unknown."
	if c := sigs[0].Certificate; !strings.HasPrefix(c, "Certificate issuer is unknown") && !strings.HasPrefix(c, "Certificate issuer isn't Trusted") {
		t.Errorf("pdfsig certificate validation %q, want an untrusted or unknown issuer", c)
	}
	judge.QPDFCheck(t, out)
}
