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
	"strings"
	"testing"
	"time"

	"github.com/siegel-app/siegel/app"
	"github.com/siegel-app/siegel/internal/testpdf"
	"github.com/siegel-app/siegel/internal/testpki"
	"github.com/siegel-app/siegel/internal/tltest"
	"github.com/siegel-app/siegel/signing"
	"github.com/siegel-app/siegel/signing/cms"
	"github.com/siegel-app/siegel/signing/trustlist"
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

// signQC signs a one-page PDF in dir with a fresh signer of the test PKI
// whose certificate carries the QCStatements q.
func signQC(t *testing.T, dir, name string, q testpki.QC) string {
	t.Helper()
	pki := testpki.MustShared(t)
	e, err := pki.NewSignerQC(name, "ec", q)
	if err != nil {
		t.Fatal(err)
	}
	der, err := pki.PKCS12(e, "pw")
	if err != nil {
		t.Fatal(err)
	}
	p12, in, out := filepath.Join(dir, name+".p12"), filepath.Join(dir, name+"-in.pdf"), filepath.Join(dir, name+".pdf")
	os.WriteFile(p12, der, 0o600)
	os.WriteFile(in, testpdf.Pages(1), 0o644)
	_, err = app.Sign(context.Background(), app.SignRequest{KeyURI: "pkcs12:" + p12, In: in, Out: out}, app.Ports{
		PIN: func(context.Context, signing.PINRequest) ([]byte, error) { return []byte("pw"), nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestVerifyTrustLists: a national list served over TLS on 127.0.0.1
// names the test PKI's intermediate as a qualified CA. Without any other
// anchor the chain ends there and the qualified status comes from the
// list; without the lists the chain is not found.
func TestVerifyTrustLists(t *testing.T) {
	pki := testpki.MustShared(t)
	dir := t.TempDir()
	qes := signQC(t, dir, "QES Signer", testpki.QC{Compliance: true, SSCD: true, Type: "esign"})
	seal := signQC(t, dir, "QESeal GmbH", testpki.QC{Compliance: true, SSCD: true, Type: "eseal"})
	noQSCD := signQC(t, dir, "No QSCD", testpki.QC{Compliance: true, Type: "esign"})
	plain := signQC(t, dir, "Plain Signer", testpki.QC{})

	w := tltest.NewWorld(t, "DE", pki.Intermediate.Cert)
	signers := filepath.Join(dir, "lotl-signers.pem")
	os.WriteFile(signers, tltest.PEM(w.LOTLSigner.Cert), 0o644)
	tlo := app.TrustListOptions{LOTLURL: w.LOTLURL, LOTLSigners: signers, CacheDir: filepath.Join(dir, "cache"),
		HTTPClient: w.Server.Client()}

	for _, tc := range []struct {
		name      string
		path      string
		lists     bool
		ind       verify.Indication
		sub       verify.SubIndication
		qualified string
	}{
		{"QES through the list", qes, true, verify.TotalPassed, "", verify.QES},
		{"QESeal through the list", seal, true, verify.TotalPassed, "", verify.QESeal},
		{"qualified, key not in a QSCD", noQSCD, true, verify.TotalPassed, "", verify.AdESQC},
		{"not qualified, CA on the list", plain, true, verify.TotalPassed, "", verify.AdES},
		{"without the lists", qes, false, verify.Indeterminate, verify.NoCertificateChainFound, verify.QUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := app.VerifyOptions{NoSystemRoots: true, SkipRevocation: true}
			if tc.lists {
				opts.TrustLists = &tlo
			}
			rep, err := app.Verify(context.Background(), tc.path, opts)
			if err != nil {
				t.Fatal(err)
			}
			s := rep.Signatures[0]
			if rep.Indication != tc.ind || s.SubIndication != tc.sub || s.Qualified != tc.qualified {
				t.Fatalf("%s/%s qualified %q; want %s/%s %q; problems %q", s.Indication, s.SubIndication, s.Qualified,
					tc.ind, tc.sub, tc.qualified, s.Problems)
			}
			if tc.lists {
				if n := len(s.Signer.Chain); n != 2 || !s.Signer.Chain[n-1].Equal(pki.Intermediate.Cert) {
					t.Errorf("chain %v does not end at the listed CA", s.Signer.Chain)
				}
			}
		})
	}

	t.Run("errors name the cause", func(t *testing.T) {
		noSigners := tlo
		noSigners.LOTLSigners = ""
		if _, err := app.LoadTrustLists(context.Background(), noSigners); !errors.Is(err, trustlist.ErrNoLOTLSigners) ||
			!strings.Contains(err.Error(), "--lotl-signers") {
			t.Errorf("no signers: %v", err)
		}
		if err := (app.VerifyOptions{TrustLists: &noSigners}).Check(); !errors.Is(err, trustlist.ErrNoLOTLSigners) {
			t.Errorf("Check without signers: %v", err)
		}
		wrong := tlo
		wrong.LOTLSigners = filepath.Join(dir, "wrong.pem")
		os.WriteFile(wrong.LOTLSigners, testpki.PEM(pki.Root.Cert), 0o644)
		if _, err := app.LoadTrustLists(context.Background(), wrong); !errors.Is(err, trustlist.ErrSigner) ||
			!strings.Contains(err.Error(), w.LOTLURL) {
			t.Errorf("wrong signer: %v", err)
		}
		if _, err := app.Verify(context.Background(), qes, app.VerifyOptions{TrustLists: &wrong}); err == nil {
			t.Error("Verify with an untrusted LOTL did not fail")
		}
		cold := tlo
		cold.CacheDir, cold.Offline = filepath.Join(dir, "empty"), true
		if _, err := app.LoadTrustLists(context.Background(), cold); !errors.Is(err, trustlist.ErrNotCached) ||
			!strings.Contains(err.Error(), w.LOTLURL) {
			t.Errorf("offline without a cache: %v", err)
		}
	})

	t.Run("loaded once, then from the cache offline", func(t *testing.T) {
		var c app.TrustListCache
		a, err := c.Get(context.Background(), tlo)
		if err != nil {
			t.Fatal(err)
		}
		hits := w.Server.Count("/lotl.xml")
		b, err := c.Get(context.Background(), tlo)
		if err != nil || a != b || w.Server.Count("/lotl.xml") != hits {
			t.Errorf("second Get loaded again (%v)", err)
		}
		if src := a.Sources(); len(src) != 2 || !src[0].LOTL || src[1].Territory != "DE" || src[1].URL != w.TLURL ||
			src[1].Sequence != 7 || src[1].Issued.IsZero() {
			t.Errorf("sources %+v", src)
		}
		offline := tlo
		offline.Offline = true
		w.Server.Close()
		rep, err := app.Verify(context.Background(), qes, app.VerifyOptions{NoSystemRoots: true, SkipRevocation: true, TrustLists: &offline})
		if err != nil {
			t.Fatal(err)
		}
		if s := rep.Signatures[0]; rep.Indication != verify.TotalPassed || s.Qualified != verify.QES {
			t.Errorf("offline: %s %s %q", rep.Indication, s.Qualified, s.Problems)
		}
	})
}

// TestVerifyTamperedTrustList: a national list whose signature fails is
// reported, and verification goes on without it.
func TestVerifyTamperedTrustList(t *testing.T) {
	pki := testpki.MustShared(t)
	dir := t.TempDir()
	qes := signQC(t, dir, "QES Signer", testpki.QC{Compliance: true, SSCD: true, Type: "esign"})
	w := tltest.NewWorld(t, "DE", pki.Intermediate.Cert)
	w.Tamper(t)
	signers := filepath.Join(dir, "lotl-signers.pem")
	os.WriteFile(signers, tltest.PEM(w.LOTLSigner.Cert), 0o644)
	lists, err := app.LoadTrustLists(context.Background(), app.TrustListOptions{LOTLURL: w.LOTLURL, LOTLSigners: signers,
		CacheDir: filepath.Join(dir, "cache"), HTTPClient: w.Server.Client()})
	if err != nil {
		t.Fatal(err)
	}
	p := lists.Problems()
	if len(p) != 1 || !strings.Contains(p[0], "trusted list DE") || !strings.Contains(p[0], w.TLURL) {
		t.Errorf("problems %q", p)
	}
	// The English of the notes is the sentence Problems always gave.
	if n := lists.ProblemNotes(); len(n) != 1 || len(p) != 1 ||
		p[0] != lists.Lists.Failed[0].Error()+"; its services are not used" || n[0].String() != p[0] {
		t.Errorf("problems %q, notes %q", p, n)
	}
	src := lists.Sources()
	if len(src) != 2 || src[1].Err == "" || src[1].URL != w.TLURL {
		t.Errorf("sources %+v", src)
	}
	root := filepath.Join(dir, "root.pem")
	os.WriteFile(root, testpki.PEM(pki.Root.Cert), 0o644)
	rep, err := app.Verify(context.Background(), qes, app.VerifyOptions{TrustFiles: []string{root}, SkipRevocation: true, Lists: lists})
	if err != nil {
		t.Fatal(err)
	}
	// Trusted through the file; no list confirms the certificate's claim.
	if s := rep.Signatures[0]; rep.Indication != verify.TotalPassed || s.Qualified != verify.AdES {
		t.Errorf("%s qualified %q; problems %q", rep.Indication, s.Qualified, s.Problems)
	}
}
