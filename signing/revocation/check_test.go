package revocation_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/siegel-app/siegel/internal/ocsptest"
	"github.com/siegel-app/siegel/signing/revocation"
)

// TestCheckForVerification: the functions package verify uses return
// answers whatever the status, and refuse answers about another
// certificate or from another authority.
func TestCheckForVerification(t *testing.T) {
	srv, p := ocsptest.NewPKI(t)
	revoked, err := p.NewSigner("Revoked", "ec")
	if err != nil {
		t.Fatal(err)
	}
	srv.Issued(revoked.Cert)
	srv.Revoke(revoked.Cert, time.Now().Add(-time.Hour), 1)
	ctx := context.Background()
	c := &revocation.Client{}

	der, src, err := c.FetchOCSP(ctx, revoked.Cert, p.Intermediate.Cert)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(src, "OCSP http://127.0.0.1") {
		t.Errorf("source %q", src)
	}
	resp, err := revocation.CheckOCSP(der, revoked.Cert, p.Intermediate.Cert)
	if err != nil || resp.Status != ocsp.Revoked {
		t.Fatalf("CheckOCSP: %v, %+v", err, resp)
	}
	// The same answer is not about another certificate, nor signed for
	// another issuer.
	if _, err := revocation.CheckOCSP(der, p.SignerEC.Cert, p.Intermediate.Cert); !errors.Is(err, revocation.ErrBadResponse) {
		t.Errorf("other certificate: %v", err)
	}
	if _, err := revocation.CheckOCSP(der, revoked.Cert, p.Root.Cert); !errors.Is(err, revocation.ErrBadResponse) {
		t.Errorf("other issuer: %v", err)
	}

	crlDER, src, err := c.FetchCRL(ctx, revoked.Cert, p.Intermediate.Cert)
	if err != nil || !strings.HasPrefix(src, "CRL http://127.0.0.1") {
		t.Fatalf("FetchCRL: %v %q", err, src)
	}
	crl, err := revocation.CheckCRL(crlDER, p.Intermediate.Cert)
	if err != nil || len(crl.RevokedCertificateEntries) != 1 || crl.RevokedCertificateEntries[0].SerialNumber.Cmp(revoked.Cert.SerialNumber) != 0 {
		t.Fatalf("CheckCRL: %v %+v", err, crl)
	}
	if _, err := revocation.CheckCRL(crlDER, p.Root.Cert); !errors.Is(err, revocation.ErrBadResponse) {
		t.Errorf("CRL of another issuer: %v", err)
	}
	// The root names no responder: nothing to ask.
	if _, _, err := c.FetchOCSP(ctx, p.Root.Cert, p.Root.Cert); !errors.Is(err, revocation.ErrNoSource) {
		t.Errorf("root: %v", err)
	}
}
