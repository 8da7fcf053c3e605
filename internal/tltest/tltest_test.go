package tltest_test

import (
	"context"
	"crypto/x509"
	"errors"
	"testing"

	"github.com/siegel-app/siegel/internal/tltest"
	"github.com/siegel-app/siegel/signing/trustlist"
)

// TestWorldLoads: what tltest serves is what trustlist accepts, and a
// tampered national list is what it rejects.
func TestWorldLoads(t *testing.T) {
	ca := tltest.NewEntity(t, "Test Qualified CA", nil, true, func(c *x509.Certificate) {
		c.IsCA = true
		c.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	})
	w := tltest.NewWorld(t, "DE", ca.Cert)
	opts := trustlist.Options{LOTLURL: w.LOTLURL, LOTLSigners: []*x509.Certificate{w.LOTLSigner.Cert}, HTTPClient: w.Server.Client()}
	l, err := trustlist.Load(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.TLs) != 1 || l.TLs[0].Territory != "DE" || len(l.Failed) != 0 || len(l.Warnings) != 0 {
		t.Fatalf("lists %+v failed %v warnings %v", l.TLs, l.Failed, l.Warnings)
	}
	if a := l.Anchors(ca.Cert.NotBefore.AddDate(1, 0, 0)); len(a) != 1 || !a[0].Equal(ca.Cert) {
		t.Errorf("anchors %v", a)
	}

	w.Tamper(t)
	l, err = trustlist.Load(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.TLs) != 0 || len(l.Failed) != 1 || !errors.Is(l.Failed[0], trustlist.ErrSignature) || l.Failed[0].URL != w.TLURL {
		t.Errorf("tampered: lists %d failed %v", len(l.TLs), l.Failed)
	}
}
