package revocation_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/siegel-app/siegel/internal/ocsptest"
	"github.com/siegel-app/siegel/internal/testpki"
	"github.com/siegel-app/siegel/signing/revocation"
)

// closedURL is an http URL on 127.0.0.1 where nothing listens.
func closedURL(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + l.Addr().String() + "/ocsp"
	l.Close()
	return u
}

// TestFetchOCSP: a good chain gets one OCSP answer per certificate below
// the root, made by openssl, each for the right certificate and signed as
// RFC 6960 allows: by the delegated responder for the intermediate's
// certificates, by the root itself for the intermediate.
func TestFetchOCSP(t *testing.T) {
	srv, p := ocsptest.NewPKI(t)
	c := &revocation.Client{}
	chain := p.Chain(p.SignerRSA)
	// The TSA's chain shares the intermediate: it is asked about once.
	d, err := c.Fetch(context.Background(), chain, p.Chain(p.TSA))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.OCSPs) != 3 || len(d.CRLs) != 0 {
		t.Fatalf("%d OCSP answers and %d CRLs, want 3 and 0", len(d.OCSPs), len(d.CRLs))
	}
	if n := srv.OCSPRequests.Load(); n != 3 {
		t.Errorf("%d OCSP requests, want 3", n)
	}
	for i, want := range []struct{ cert, issuer *x509.Certificate }{
		{p.SignerRSA.Cert, p.Intermediate.Cert}, {p.Intermediate.Cert, p.Root.Cert}, {p.TSA.Cert, p.Intermediate.Cert},
	} {
		r, err := ocsp.ParseResponseForCert(d.OCSPs[i], want.cert, want.issuer)
		if err != nil {
			t.Fatalf("answer %d: %v", i, err)
		}
		if r.Status != ocsp.Good || r.SerialNumber.Cmp(want.cert.SerialNumber) != 0 {
			t.Errorf("answer %d: status %d serial %v, want good for %v", i, r.Status, r.SerialNumber, want.cert.SerialNumber)
		}
	}
	if len(d.Certs) != 1 || !bytes.Equal(d.Certs[0].Raw, p.OCSP.Cert.Raw) {
		t.Errorf("extra certificates %d, want the OCSP responder's", len(d.Certs))
	}
}

func TestFetchFailures(t *testing.T) {
	srv, p := ocsptest.NewPKI(t)
	revoked, err := p.NewSignerWith("Revoked Signer", "ec", srv.URLs(p.Intermediate.Cert))
	if err != nil {
		t.Fatal(err)
	}
	srv.Issued(revoked.Cert)
	srv.Revoke(revoked.Cert, time.Now().Add(-time.Hour), ocsp.KeyCompromise)
	unknown, _ := p.NewSignerWith("Unknown Signer", "ec", srv.URLs(p.Intermediate.Cert))
	down := closedURL(t)
	offline, _ := p.NewSignerWith("Offline Signer", "ec", testpki.Revocation{OCSP: down, CRL: srv.CRLURL(p.Intermediate.Cert)})
	crlRevoked, _ := p.NewSignerWith("CRL Revoked", "ec", testpki.Revocation{CRL: srv.CRLURL(p.Intermediate.Cert)})
	srv.Issued(crlRevoked.Cert)
	srv.Revoke(crlRevoked.Cert, time.Now().Add(-time.Hour), ocsp.Superseded)
	bare := testpki.MustShared(t) // certificates without AIA or CRLDP

	for _, tc := range []struct {
		name    string
		chain   []*x509.Certificate
		wantErr error
		want    []string // in the message
	}{
		{"revoked by OCSP", p.ChainFor(revoked.Cert), revocation.ErrRevoked, []string{"Revoked Signer", "keyCompromise", srv.OCSPURL(p.Intermediate.Cert)}},
		{"unknown to the responder", p.ChainFor(unknown.Cert), revocation.ErrUnknown, []string{"Unknown Signer"}},
		// An OCSP responder that is down is an error, even though the
		// certificate has a CRL too: no silent fallback.
		{"responder down", p.ChainFor(offline.Cert), nil, []string{"Offline Signer", down, "unreachable"}},
		{"revoked by CRL", p.ChainFor(crlRevoked.Cert), revocation.ErrRevoked, []string{"CRL Revoked", "superseded", srv.CRLURL(p.Intermediate.Cert)}},
		{"no URL", bare.Chain(bare.SignerEC), revocation.ErrNoSource, []string{"Max Mustermann"}},
		{"no root", []*x509.Certificate{p.SignerEC.Cert, p.Intermediate.Cert}, revocation.ErrChain, []string{"issuer", "missing"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := (&revocation.Client{}).Fetch(context.Background(), tc.chain)
			if err == nil {
				t.Fatalf("no error, data %+v", d)
			}
			t.Log(err)
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("err = %v, want %v", err, tc.wantErr)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
		})
	}
}

// TestFetchCRL: a certificate without OCSP responder is looked up in its
// issuer's CRL, which goes into the data once.
func TestFetchCRL(t *testing.T) {
	srv, p := ocsptest.NewPKI(t)
	a, _ := p.NewSignerWith("CRL Signer A", "rsa", testpki.Revocation{CRL: srv.CRLURL(p.Intermediate.Cert)})
	b, _ := p.NewSignerWith("CRL Signer B", "ec", testpki.Revocation{CRL: srv.CRLURL(p.Intermediate.Cert)})
	d, err := (&revocation.Client{}).Fetch(context.Background(), p.ChainFor(a.Cert), p.ChainFor(b.Cert))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.CRLs) != 1 || len(d.OCSPs) != 1 {
		t.Fatalf("%d CRLs and %d OCSP answers, want one CRL for both signers and an answer for the intermediate", len(d.CRLs), len(d.OCSPs))
	}
	crl, err := x509.ParseRevocationList(d.CRLs[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := crl.CheckSignatureFrom(p.Intermediate.Cert); err != nil {
		t.Errorf("CRL: %v", err)
	}
}

// TestFetchUndelegatedResponder: an answer signed by a certificate of the
// right CA that is not an OCSP responder is refused.
func TestFetchUndelegatedResponder(t *testing.T) {
	srv, p := ocsptest.NewPKI(t)
	srv.AddCA(p.Intermediate, p.TSA) // the TSA's key signs OCSP answers
	srv.Issued(p.SignerEC.Cert)
	_, err := (&revocation.Client{}).Fetch(context.Background(), p.Chain(p.SignerEC))
	if !errors.Is(err, revocation.ErrBadResponse) || !strings.Contains(err.Error(), "OCSPSigning") {
		t.Fatalf("err = %v, want a bad response for lack of OCSPSigning", err)
	}
}

// TestFetchStale: an answer whose nextUpdate has passed is refused.
func TestFetchStale(t *testing.T) {
	_, p := ocsptest.NewPKI(t)
	c := &revocation.Client{Now: func() time.Time { return time.Now().Add(48 * time.Hour) }}
	_, err := c.Fetch(context.Background(), p.Chain(p.SignerEC))
	if !errors.Is(err, revocation.ErrBadResponse) || !strings.Contains(err.Error(), "out of date") {
		t.Fatalf("err = %v, want an out-of-date answer", err)
	}
}

// TestChain: an issuer missing from the pool is fetched from caIssuers;
// without that, or from a pool alone, it is an ErrChain.
func TestChain(t *testing.T) {
	srv, p := ocsptest.NewPKI(t)
	c := &revocation.Client{}
	got, err := c.Chain(context.Background(), p.SignerRSA.Cert, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := p.Chain(p.SignerRSA)
	if len(got) != len(want) {
		t.Fatalf("chain of %d certificates, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i].Raw, want[i].Raw) {
			t.Errorf("chain[%d] is %s, want %s", i, got[i].Subject.CommonName, want[i].Subject.CommonName)
		}
	}
	if _, err := revocation.ChainOf(p.SignerRSA.Cert, []*x509.Certificate{p.Intermediate.Cert}); !errors.Is(err, revocation.ErrChain) {
		t.Errorf("offline chain without root: err = %v, want ErrChain", err)
	}
	// A caIssuers URL that serves the wrong certificate.
	wrong, _ := p.NewSignerWith("Wrong Issuer URL", "ec", testpki.Revocation{OCSP: srv.OCSPURL(p.Intermediate.Cert), CAIssuers: srv.CAIssuersURL(p.Root.Cert)})
	if _, err := c.Chain(context.Background(), wrong.Cert, nil); !errors.Is(err, revocation.ErrBadResponse) || !strings.Contains(err.Error(), "not the issuer") {
		t.Errorf("wrong caIssuers: err = %v", err)
	}
}
