// Package ocsptest publishes certificate status on 127.0.0.1 for tests:
// an OCSP responder (RFC 6960 Appendix A, HTTP POST) whose answers are made
// by `openssl ocsp` from an index file, an implementation independent of
// the one that reads them, and CRLs (RFC 5280 §5) over HTTP. Each CA has
// its own paths, so one server answers for a whole test PKI.
package ocsptest

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/siegel-app/siegel/internal/testenv"
	"github.com/siegel-app/siegel/internal/testpki"
)

// Server is a running OCSP responder and CRL publisher.
type Server struct {
	// URL is http://127.0.0.1:port/.
	URL string
	// OCSPRequests and CRLRequests count what was asked.
	OCSPRequests, CRLRequests atomic.Int64

	openssl string
	dir     string
	srv     *httptest.Server

	mu      sync.Mutex
	cas     map[string]*ca // by id(CA certificate)
	crlNum  int64
	revoked map[string]revocation // by the certificate's DER
}

type ca struct {
	entity    *testpki.Entity
	responder *testpki.Entity // signs the OCSP answers; the CA itself when nil
	dir       string
	issued    []*x509.Certificate
}

type revocation struct {
	at     time.Time
	reason int
}

// New starts a server on 127.0.0.1 and closes it on t.Cleanup. It skips
// the test when openssl is missing (fails under CI=true).
func New(t testing.TB) *Server {
	t.Helper()
	bin := testenv.Need(t, "openssl")["openssl"]
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("ocsptest: listen on 127.0.0.1: %v", err)
	}
	s := &Server{openssl: bin, dir: t.TempDir(), cas: map[string]*ca{}, revoked: map[string]revocation{}}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.srv.Listener.Close()
	s.srv.Listener = l
	s.srv.Start()
	s.URL = s.srv.URL + "/"
	t.Cleanup(s.srv.Close)
	return s
}

// NewPKI starts a server and a test PKI whose certificates point to it:
// the root answers OCSP for the intermediate itself, the intermediate
// delegates to the PKI's OCSP responder. Every certificate of the PKI is
// known as good.
func NewPKI(t testing.TB) (*Server, *testpki.PKI) {
	t.Helper()
	s := New(t)
	p, err := testpki.NewWithRevocation(time.Now(), s.URLs)
	if err != nil {
		t.Fatal(err)
	}
	s.AddCA(p.Root, nil)
	s.AddCA(p.Intermediate, p.OCSP)
	s.Issued(p.Intermediate.Cert, p.SignerRSA.Cert, p.SignerEC.Cert, p.TSA.Cert, p.OCSP.Cert)
	return s, p
}

// id names a CA in URLs.
func id(c *x509.Certificate) string {
	h := sha256.Sum256(c.RawSubject)
	return hex.EncodeToString(h[:8])
}

// URLs is where certificates issued by issuer find their status; it fits
// testpki.NewWithRevocation.
func (s *Server) URLs(issuer *x509.Certificate) testpki.Revocation {
	return testpki.Revocation{OCSP: s.OCSPURL(issuer), CRL: s.CRLURL(issuer), CAIssuers: s.CAIssuersURL(issuer)}
}

// CAIssuersURL is where issuer's certificate is served (DER), once AddCA
// knows it.
func (s *Server) CAIssuersURL(issuer *x509.Certificate) string {
	return s.URL + "ca/" + id(issuer) + ".cer"
}

// OCSPURL is the responder for certificates issued by issuer.
func (s *Server) OCSPURL(issuer *x509.Certificate) string { return s.URL + "ocsp/" + id(issuer) }

// CRLURL is the CRL of issuer.
func (s *Server) CRLURL(issuer *x509.Certificate) string {
	return s.URL + "crl/" + id(issuer) + ".crl"
}

// AddCA publishes status for certificates issued by e. responder, when
// not nil, signs the OCSP answers (a delegated responder, issued by e);
// otherwise e does.
func (s *Server) AddCA(e, responder *testpki.Entity) {
	s.mu.Lock()
	defer s.mu.Unlock()
	dir := filepath.Join(s.dir, id(e.Cert))
	os.MkdirAll(dir, 0o700)
	s.cas[id(e.Cert)] = &ca{entity: e, responder: responder, dir: dir}
}

// Issued makes certificates known to their CA's responder as good
// (unless revoked); a certificate never declared is "unknown".
func (s *Server) Issued(certs ...*x509.Certificate) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range certs {
		for _, a := range s.cas {
			if c.CheckSignatureFrom(a.entity.Cert) == nil {
				a.issued = append(a.issued, c)
			}
		}
	}
}

// Revoke revokes c (RFC 5280 §5.3.1 reason) in the OCSP index and the CRL.
func (s *Server) Revoke(c *x509.Certificate, at time.Time, reason int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.revoked[string(c.Raw)] = revocation{at: at.UTC(), reason: reason}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/")
	switch {
	case strings.HasPrefix(path, "ocsp/") && r.Method == http.MethodPost:
		s.OCSPRequests.Add(1)
		body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
		if err != nil {
			http.Error(w, "read request", http.StatusBadRequest)
			return
		}
		resp, err := s.answer(strings.TrimPrefix(path, "ocsp/"), body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/ocsp-response")
		w.Write(resp)
	case strings.HasPrefix(path, "crl/") && strings.HasSuffix(path, ".crl") && r.Method == http.MethodGet:
		s.CRLRequests.Add(1)
		crl, err := s.crl(strings.TrimSuffix(strings.TrimPrefix(path, "crl/"), ".crl"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/pkix-crl")
		w.Write(crl)
	case strings.HasPrefix(path, "ca/") && strings.HasSuffix(path, ".cer") && r.Method == http.MethodGet:
		s.mu.Lock()
		a := s.cas[strings.TrimSuffix(strings.TrimPrefix(path, "ca/"), ".cer")]
		s.mu.Unlock()
		if a == nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/pkix-cert")
		w.Write(a.entity.Cert.Raw)
	default:
		http.NotFound(w, r)
	}
}

// answer runs `openssl ocsp` as a one-shot responder for CA caID.
func (s *Server) answer(caID string, req []byte) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.cas[caID]
	if a == nil {
		return nil, fmt.Errorf("no CA %s", caID)
	}
	signer := a.responder
	if signer == nil {
		signer = a.entity
	}
	files := map[string][]byte{
		"ca.pem":      testpki.PEM(a.entity.Cert),
		"rsigner.pem": testpki.PEM(signer.Cert),
		"req.der":     req,
		"index.txt":   s.index(a),
	}
	key, err := x509.MarshalPKCS8PrivateKey(signer.Key)
	if err != nil {
		return nil, err
	}
	files["rkey.pem"] = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key})
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(a.dir, name), data, 0o600); err != nil {
			return nil, err
		}
	}
	out := filepath.Join(a.dir, "resp.der")
	os.Remove(out)
	cmd := exec.Command(s.openssl, "ocsp", "-index", "index.txt", "-CA", "ca.pem",
		"-rsigner", "rsigner.pem", "-rkey", "rkey.pem", "-reqin", "req.der", "-respout", "resp.der",
		"-nmin", "60")
	cmd.Dir = a.dir
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("openssl ocsp: %v: %s", err, msg)
	}
	return os.ReadFile(out)
}

// index writes the CA database openssl ocsp reads: V (valid) or R
// (revoked) lines with expiry, revocation date, serial in hex, file name
// and subject.
func (s *Server) index(a *ca) []byte {
	var b strings.Builder
	utc := func(t time.Time) string { return t.UTC().Format("060102150405Z") }
	for _, c := range a.issued {
		serial := fmt.Sprintf("%X", c.SerialNumber)
		if len(serial)%2 == 1 {
			serial = "0" + serial // as BN_bn2hex writes it
		}
		subject := "/CN=" + c.Subject.CommonName
		if rv, ok := s.revoked[string(c.Raw)]; ok {
			fmt.Fprintf(&b, "R\t%s\t%s,%s\t%s\tunknown\t%s\n", utc(c.NotAfter), utc(rv.at), reasonName(rv.reason), serial, subject)
			continue
		}
		fmt.Fprintf(&b, "V\t%s\t\t%s\tunknown\t%s\n", utc(c.NotAfter), serial, subject)
	}
	return []byte(b.String())
}

// reasonName is the CRL reason as openssl's index spells it.
func reasonName(r int) string {
	names := []string{"unspecified", "keyCompromise", "CACompromise", "affiliationChanged",
		"superseded", "cessationOfOperation", "certificateHold"}
	if r >= 0 && r < len(names) {
		return names[r]
	}
	return "unspecified"
}

// crl makes a fresh CRL of CA caID, signed by the CA.
func (s *Server) crl(caID string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.cas[caID]
	if a == nil {
		return nil, fmt.Errorf("no CA %s", caID)
	}
	s.crlNum++
	now := time.Now()
	tmpl := &x509.RevocationList{
		Number:     big.NewInt(s.crlNum),
		ThisUpdate: now.Add(-time.Minute),
		NextUpdate: now.Add(24 * time.Hour),
	}
	for _, c := range a.issued {
		if rv, ok := s.revoked[string(c.Raw)]; ok {
			tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries, x509.RevocationListEntry{
				SerialNumber: c.SerialNumber, RevocationTime: rv.at, ReasonCode: rv.reason,
			})
		}
	}
	return x509.CreateRevocationList(rand.Reader, tmpl, a.entity.Cert, a.entity.Key)
}
