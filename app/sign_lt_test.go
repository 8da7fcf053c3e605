package app_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"
	"software.sslmate.com/src/go-pkcs12"

	"github.com/siegel-app/siegel/app"
	"github.com/siegel-app/siegel/internal/judge"
	"github.com/siegel-app/siegel/internal/ocsptest"
	"github.com/siegel-app/siegel/internal/testpdf"
	"github.com/siegel-app/siegel/internal/testpki"
	"github.com/siegel-app/siegel/internal/tsatest"
	"github.com/siegel-app/siegel/signing"
	"github.com/siegel-app/siegel/signing/cms"
	"github.com/siegel-app/siegel/signing/revocation"
)

// ltEnv is a PKI whose certificates point to a loopback OCSP responder and
// CRL server, a TSA of the same PKI, and a directory with a PDF to sign.
type ltEnv struct {
	srv      *ocsptest.Server
	pki      *testpki.PKI
	tsa      *tsatest.Server
	dir, in  string
	inSHA256 [32]byte
}

func newLTEnv(t *testing.T) *ltEnv {
	srv, p := ocsptest.NewPKI(t)
	e := &ltEnv{srv: srv, pki: p, tsa: tsatest.New(t, p), dir: t.TempDir()}
	e.in = filepath.Join(e.dir, "in.pdf")
	pdf := testpdf.Pages(2)
	os.WriteFile(e.in, pdf, 0o644)
	e.inSHA256 = sha256.Sum256(pdf)
	return e
}

// sign signs e.in with signer's PKCS#12 file at level and returns the
// output path, the progress steps and the error.
func (e *ltEnv) sign(t *testing.T, signer *testpki.Entity, level string) (string, []string, *app.SignResult, error) {
	t.Helper()
	der, err := e.pki.PKCS12(signer, "pw")
	if err != nil {
		t.Fatal(err)
	}
	return e.signP12(t, der, signer.Cert.SerialNumber.String(), level)
}

// signP12 is sign with a PKCS#12 file's bytes.
func (e *ltEnv) signP12(t *testing.T, der []byte, name, level string) (string, []string, *app.SignResult, error) {
	t.Helper()
	p12 := filepath.Join(e.dir, name+".p12")
	os.WriteFile(p12, der, 0o600)
	out := filepath.Join(e.dir, "out-"+level+".pdf")
	var steps []string
	res, err := app.Sign(context.Background(), app.SignRequest{
		KeyURI: "pkcs12:" + p12, In: e.in, Out: out, Level: level, TSA: e.tsa.URL,
	}, app.Ports{
		PIN:      func(context.Context, signing.PINRequest) ([]byte, error) { return []byte("pw"), nil },
		Progress: func(s string) { steps = append(steps, s) },
	})
	return out, steps, res, err
}

// checkNothingLeft: after a failed signature there is no output and no
// temporary file, and the input is unchanged.
func (e *ltEnv) checkNothingLeft(t *testing.T) {
	t.Helper()
	ents, _ := os.ReadDir(e.dir)
	for _, ent := range ents {
		if !strings.HasSuffix(ent.Name(), ".p12") && ent.Name() != "in.pdf" {
			t.Errorf("%s left behind after a failed signature", ent.Name())
		}
	}
	if data, _ := os.ReadFile(e.in); sha256.Sum256(data) != e.inSHA256 {
		t.Error("the input was changed")
	}
}

// TestSignBLT: the output carries a /DSS with an OCSP answer for the
// signer, its intermediate and the TSA, each good and for the right
// certificate, plus the certificates; pdfsig still finds the signature
// valid and qpdf the file sound.
func TestSignBLT(t *testing.T) {
	e := newLTEnv(t)
	out, steps, res, err := e.sign(t, e.pki.SignerRSA, app.LevelBLT)
	if err != nil {
		t.Fatal(err)
	}
	if res.Level != "PAdES-B-LT" {
		t.Errorf("level %q", res.Level)
	}
	if !slices.Contains(steps, "fetching revocation") || slices.Contains(steps, "time-stamping document") {
		t.Errorf("progress %v", steps)
	}
	judge.QPDFCheck(t, out)
	sigs := judge.PDFSig(t, out)
	if len(sigs) != 1 || !sigs[0].Valid || sigs[0].SubFilter != "ETSI.CAdES.detached" {
		t.Fatalf("pdfsig: %+v", sigs)
	}
	raw := judge.Signatures(t, out)
	sd, err := cms.Parse(raw[0].CMS)
	if err != nil {
		t.Fatal(err)
	}
	if sd.TimestampToken == nil {
		t.Error("B-LT signature without signature timestamp")
	}
	if !bytes.Equal(sd.MessageDigest, res.Digest) {
		t.Error("the result's digest is not the signature's")
	}

	store := ocsptest.ReadDSS(t, out)
	if store == nil {
		t.Fatal("no /DSS in the catalog")
	}
	p := e.pki
	issuerOf := map[string]*x509.Certificate{
		string(p.SignerRSA.Cert.Raw): p.Intermediate.Cert, string(p.TSA.Cert.Raw): p.Intermediate.Cert,
		string(p.Intermediate.Cert.Raw): p.Root.Cert,
	}
	answered := map[string]bool{}
	for i, der := range store.OCSPs {
		for certDER, issuer := range issuerOf {
			cert, _ := x509.ParseCertificate([]byte(certDER))
			r, err := ocsp.ParseResponseForCert(der, cert, issuer)
			if err != nil {
				continue
			}
			if r.Status != ocsp.Good {
				t.Errorf("OCSP answer %d: status %d", i, r.Status)
			}
			answered[cert.Subject.CommonName] = true
		}
	}
	if len(store.OCSPs) != 3 || len(answered) != 3 {
		t.Errorf("%d OCSP answers for %v, want one each for signer, intermediate and TSA", len(store.OCSPs), answered)
	}
	want := [][]byte{p.SignerRSA.Cert.Raw, p.Intermediate.Cert.Raw, p.Root.Cert.Raw, p.TSA.Cert.Raw, p.OCSP.Cert.Raw}
	for _, w := range want {
		if !slices.ContainsFunc(store.Certs, func(c []byte) bool { return bytes.Equal(c, w) }) {
			c, _ := x509.ParseCertificate(w)
			t.Errorf("/DSS lacks the certificate of %s", c.Subject.CommonName)
		}
	}
	if len(store.Certs) != len(want) {
		t.Errorf("%d certificates in /DSS, want %d", len(store.Certs), len(want))
	}
	if len(store.VRI) != 1 {
		t.Errorf("%d VRI entries, want 1", len(store.VRI))
	}
}

// TestSignBLTA: a third revision holds a document timestamp whose token
// openssl verifies over the byte ranges, which cover the whole file.
func TestSignBLTA(t *testing.T) {
	e := newLTEnv(t)
	out, steps, _, err := e.sign(t, e.pki.SignerEC, app.LevelBLTA)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(steps[len(steps)-3:], []string{"writing", "fetching revocation", "time-stamping document"}) {
		t.Errorf("progress %v", steps)
	}
	judge.QPDFCheck(t, out)
	sigs := judge.PDFSig(t, out)
	if len(sigs) != 2 || !sigs[0].Valid || sigs[0].Total {
		t.Fatalf("pdfsig: %+v", sigs)
	}
	raw := judge.Signatures(t, out)
	file, _ := os.ReadFile(out)
	br := raw[1].ByteRange
	if br[0] != 0 || br[2]+br[3] != int64(len(file)) {
		t.Fatalf("document timestamp covers %v of %d bytes", br, len(file))
	}
	if ocsptest.ReadDSS(t, out) == nil {
		t.Error("no /DSS before the document timestamp")
	}
	if !bytes.Contains(file[:br[1]], []byte("/DSS ")) {
		t.Error("the document timestamp does not cover the /DSS")
	}
	covered := append(append([]byte{}, file[:br[1]]...), file[br[2]:]...)
	dataPath, tokPath, rootPath := filepath.Join(t.TempDir(), "covered"), filepath.Join(t.TempDir(), "tok.der"), filepath.Join(t.TempDir(), "root.pem")
	os.WriteFile(dataPath, covered, 0o600)
	os.WriteFile(tokPath, raw[1].CMS, 0o600)
	e.pki.WriteRootPEM(rootPath)
	judge.OpenSSL(t, "ts", "-verify", "-data", dataPath, "-in", tokPath, "-token_in", "-CAfile", rootPath)
	if !bytes.Contains(file, []byte("/Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161")) {
		t.Error("no document timestamp dictionary")
	}
}

// TestSignLTFailures: what keeps B-LT from being made fails the signature
// and leaves no output.
func TestSignLTFailures(t *testing.T) {
	e := newLTEnv(t)
	p, srv := e.pki, e.srv
	revoked, err := p.NewSignerWith("Revoked Signer", "ec", srv.URLs(p.Intermediate.Cert))
	if err != nil {
		t.Fatal(err)
	}
	srv.Issued(revoked.Cert)
	srv.Revoke(revoked.Cert, time.Now().Add(-time.Hour), ocsp.KeyCompromise)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + l.Addr().String() + "/ocsp"
	l.Close()
	offline, _ := p.NewSignerWith("Offline Signer", "ec", testpki.Revocation{OCSP: down})

	for _, tc := range []struct {
		name    string
		signer  *testpki.Entity
		level   string
		wantErr error
		want    []string
	}{
		{"revoked signer", revoked, app.LevelBLT, revocation.ErrRevoked, []string{"Revoked Signer", "revoked"}},
		{"revoked signer B-LTA", revoked, app.LevelBLTA, revocation.ErrRevoked, []string{"Revoked Signer"}},
		{"responder down", offline, app.LevelBLT, nil, []string{down, "unreachable"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, _, err := e.sign(t, tc.signer, tc.level)
			if err == nil {
				t.Fatal("signed")
			}
			t.Log(err)
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("err = %v, want %v", err, tc.wantErr)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			e.checkNothingLeft(t)
		})
	}
}

// TestSignBLTWithCRL: a signer whose certificate names only a CRL gets
// the CRL into the store.
func TestSignBLTWithCRL(t *testing.T) {
	e := newLTEnv(t)
	signer, err := e.pki.NewSignerWith("CRL Signer", "rsa", testpki.Revocation{CRL: e.srv.CRLURL(e.pki.Intermediate.Cert)})
	if err != nil {
		t.Fatal(err)
	}
	out, _, _, err := e.sign(t, signer, app.LevelBLT)
	if err != nil {
		t.Fatal(err)
	}
	if sigs := judge.PDFSig(t, out); len(sigs) != 1 || !sigs[0].Valid {
		t.Fatalf("pdfsig: %+v", sigs)
	}
	store := ocsptest.ReadDSS(t, out)
	if store == nil || len(store.CRLs) != 1 || len(store.OCSPs) != 2 {
		t.Fatalf("store %+v, want the intermediate's CRL and OCSP answers for the intermediate and the TSA", store)
	}
	crl, err := x509.ParseRevocationList(store.CRLs[0])
	if err != nil || crl.CheckSignatureFrom(e.pki.Intermediate.Cert) != nil {
		t.Errorf("CRL in /DSS: %v", err)
	}
}

func TestSignLevelNeedsTSA(t *testing.T) {
	for _, level := range []string{app.LevelBLT, "b-lta"} {
		_, err := app.Sign(context.Background(), app.SignRequest{KeyURI: "pkcs12:/nonexistent", In: "in.pdf", Out: "out.pdf", Level: level}, app.Ports{})
		if err == nil || !strings.Contains(err.Error(), "needs a time-stamping authority") {
			t.Errorf("%s without TSA: err = %v", level, err)
		}
	}
	_, err := app.Sign(context.Background(), app.SignRequest{In: "in.pdf", Out: "out.pdf", Level: "B-XL"}, app.Ports{})
	if err == nil || !strings.Contains(err.Error(), "B-LTA") {
		t.Errorf("unknown level: err = %v, want the levels listed", err)
	}
}

// TestSignBLTChainWithoutRoot: a key whose chain ends at the intermediate
// (as on many cards) gets the root from the intermediate's caIssuers URL,
// and the store holds the whole chain.
func TestSignBLTChainWithoutRoot(t *testing.T) {
	e := newLTEnv(t)
	p := e.pki
	der, err := pkcs12.Modern.Encode(p.SignerEC.Key, p.SignerEC.Cert, []*x509.Certificate{p.Intermediate.Cert}, "pw")
	if err != nil {
		t.Fatal(err)
	}
	out, _, _, err := e.signP12(t, der, "noroot", app.LevelBLT)
	if err != nil {
		t.Fatal(err)
	}
	store := ocsptest.ReadDSS(t, out)
	if store == nil || !slices.ContainsFunc(store.Certs, func(c []byte) bool { return bytes.Equal(c, p.Root.Cert.Raw) }) {
		t.Fatal("the root fetched from caIssuers is not in /DSS")
	}
	if len(store.OCSPs) != 3 {
		t.Errorf("%d OCSP answers, want 3", len(store.OCSPs))
	}
}
