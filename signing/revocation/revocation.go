// Package revocation fetches the revocation data that a PAdES B-LT
// signature carries in its document security store (ETSI EN 319 142-1
// §5.4.2, §6.3): for each certificate of a chain below the root an OCSP
// response (RFC 6960), or a CRL (RFC 5280 §5) when the certificate names no
// OCSP responder.
//
// Every answer is checked before it is returned: its signature (OCSP by the
// issuer or by a responder the issuer delegated with id-kp-OCSPSigning; a
// CRL by the issuer), that it is current, and the certificate's status. A
// revoked certificate and an "unknown" status are errors: signing with such
// a certificate must fail. Whether the root is trusted is the verifier's
// question, not this package's.
package revocation

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/siegel-app/siegel/signing"
)

// Errors for errors.Is.
var (
	// ErrRevoked: a certificate of the chain is revoked (a *RevokedError).
	ErrRevoked = errors.New("certificate is revoked")
	// ErrUnknown: the OCSP responder does not know the certificate.
	ErrUnknown = errors.New("certificate status is unknown to the OCSP responder")
	// ErrNoSource: the certificate names neither an OCSP responder nor an
	// http CRL distribution point, so no B-LT signature can be made with it.
	ErrNoSource = errors.New("certificate names no OCSP responder and no http CRL distribution point")
	// ErrBadResponse: an answer is malformed, wrongly signed or out of date.
	ErrBadResponse = errors.New("unusable answer")
	// ErrHTTPStatus: the server answered with an HTTP status other than 2xx.
	ErrHTTPStatus = errors.New("HTTP error")
	// ErrChain: the chain is not leaf first up to its root, each
	// certificate signed by the next.
	ErrChain = errors.New("incomplete certificate chain")
)

// RevokedError names the revoked certificate and who said so.
type RevokedError struct {
	Cert      *x509.Certificate
	RevokedAt time.Time
	Reason    int    // RFC 5280 §5.3.1 CRLReason
	Source    string // the OCSP or CRL URL
}

func (e *RevokedError) Error() string {
	reason := ""
	if r := reasonName(e.Reason); r != "" {
		reason = " (" + r + ")"
	}
	return fmt.Sprintf("certificate %s is revoked since %s%s, says %s", name(e.Cert),
		e.RevokedAt.UTC().Format("2006-01-02 15:04:05 MST"), reason, e.Source)
}

func (e *RevokedError) Unwrap() error { return ErrRevoked }

func reasonName(r int) string {
	names := map[int]string{
		ocsp.KeyCompromise: "keyCompromise", ocsp.CACompromise: "cACompromise",
		ocsp.AffiliationChanged: "affiliationChanged", ocsp.Superseded: "superseded",
		ocsp.CessationOfOperation: "cessationOfOperation", ocsp.CertificateHold: "certificateHold",
		ocsp.PrivilegeWithdrawn: "privilegeWithdrawn", ocsp.AACompromise: "aACompromise",
	}
	return names[r]
}

// name is how errors name a certificate: its common name and serial.
func name(c *x509.Certificate) string {
	cn := c.Subject.CommonName
	if cn == "" {
		cn = c.Subject.String()
	}
	return fmt.Sprintf("%q (serial %X)", cn, c.SerialNumber)
}

// Data is the validation data of one or more chains.
type Data struct {
	// OCSPs are DER OCSPResponse structures (RFC 6960 §4.2.1), one per
	// certificate checked by OCSP.
	OCSPs [][]byte
	// CRLs are DER CertificateLists, one per issuer checked by CRL.
	CRLs [][]byte
	// Certs are the certificates the answers need beyond the chains:
	// delegated OCSP responders.
	Certs []*x509.Certificate
}

// Limits on what is read: OCSP answers are a few KiB; CRLs of large CAs
// reach tens of MiB.
const (
	maxOCSP = 1 << 20
	maxCRL  = 64 << 20
)

// skew is the clock difference tolerated between here and the responder.
const skew = 5 * time.Minute

// Client fetches revocation data. The zero value is usable.
type Client struct {
	// HTTP is the client to use; nil means one with a 30 s timeout.
	HTTP *http.Client
	// Now is the time answers must be current at; nil means time.Now.
	Now func() time.Time
}

var defaultHTTP = sync.OnceValue(func() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	return &http.Client{Timeout: 30 * time.Second, Transport: tr}
})

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return defaultHTTP()
}

// oidOCSPNoCheck is id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1): the
// responder certificate needs no revocation check of its own.
var oidOCSPNoCheck = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 5}

// Fetch returns the revocation data of every certificate below the root in
// each chain (leaf first, up to and including a self-signed root). A
// certificate shared by several chains is checked once. A certificate with
// an OCSP responder is checked by OCSP only; one without, by its CRL. The
// first failure ends the fetch: nothing is returned for a chain that cannot
// be made B-LT.
func (c *Client) Fetch(ctx context.Context, chains ...[]*x509.Certificate) (*Data, error) {
	f := &fetch{c: c, data: &Data{}, done: map[string]bool{}, crls: map[string]bool{}, certs: map[string]bool{}}
	for _, chain := range chains {
		for _, cert := range chain {
			f.certs[string(cert.Raw)] = true // the chains are not repeated in Certs
		}
	}
	for _, chain := range chains {
		if len(chain) == 0 {
			continue
		}
		if err := checkChain(chain); err != nil {
			return nil, err
		}
		for i := 0; i+1 < len(chain); i++ {
			if err := f.status(ctx, chain[i], chain[i+1], 0); err != nil {
				return nil, err
			}
		}
	}
	return f.data, nil
}

// checkChain makes sure each certificate is issued by the next and the
// last is a self-signed root: the issuer is needed to ask about and to
// check each answer.
func checkChain(chain []*x509.Certificate) error {
	for i := 0; i+1 < len(chain); i++ {
		if err := chain[i].CheckSignatureFrom(chain[i+1]); err != nil {
			return fmt.Errorf("%w: %s is not issued by %s: %v", ErrChain, name(chain[i]), name(chain[i+1]), err)
		}
	}
	root := chain[len(chain)-1]
	if !bytes.Equal(root.RawIssuer, root.RawSubject) || root.CheckSignature(root.SignatureAlgorithm, root.RawTBSCertificate, root.Signature) != nil {
		return fmt.Errorf("%w: the issuer of %s is missing, so its revocation status cannot be fetched", ErrChain, name(root))
	}
	return nil
}

type fetch struct {
	c     *Client
	data  *Data
	done  map[string]bool // certificates checked
	crls  map[string]bool // CRL URLs fetched
	certs map[string]bool // certificates in the chains or in Certs
}

// status fetches the status of cert, issued by issuer. depth is 1 for a
// delegated OCSP responder's own status, which is not followed further.
func (f *fetch) status(ctx context.Context, cert, issuer *x509.Certificate, depth int) error {
	if f.done[string(cert.Raw)] {
		return nil
	}
	f.done[string(cert.Raw)] = true
	if len(cert.OCSPServer) > 0 {
		return f.ocsp(ctx, cert, issuer, depth)
	}
	var urls []string
	for _, u := range cert.CRLDistributionPoints {
		if strings.HasPrefix(strings.ToLower(u), "http://") {
			urls = append(urls, u)
		}
	}
	if len(urls) == 0 {
		return fmt.Errorf("revocation status of %s: %w: a B-LT signature cannot be made with it", name(cert), ErrNoSource)
	}
	return f.crl(ctx, cert, issuer, urls)
}

// ocsp asks the certificate's responders in turn until one answers. A
// definite answer (good, revoked, unknown) ends the search: a revoked
// certificate is never looked up elsewhere in the hope of a better one.
func (f *fetch) ocsp(ctx context.Context, cert, issuer *x509.Certificate, depth int) error {
	req, err := ocsp.CreateRequest(cert, issuer, nil) // SHA-1 CertID, as RFC 5019 §2.1.1 has it
	if err != nil {
		return fmt.Errorf("revocation status of %s: OCSP request: %w", name(cert), err)
	}
	var errs []error
	for _, u := range cert.OCSPServer {
		der, err := f.post(ctx, u, req)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		resp, err := f.checkOCSP(der, cert, issuer)
		if err != nil {
			return fmt.Errorf("revocation status of %s: OCSP %s: %w", name(cert), redact(u), err)
		}
		switch resp.Status {
		case ocsp.Good:
		case ocsp.Revoked:
			return &RevokedError{Cert: cert, RevokedAt: resp.RevokedAt, Reason: resp.RevocationReason, Source: "OCSP " + redact(u)}
		default:
			return fmt.Errorf("revocation status of %s: OCSP %s: %w", name(cert), redact(u), ErrUnknown)
		}
		f.data.OCSPs = append(f.data.OCSPs, der)
		if rc := resp.Certificate; rc != nil && !bytes.Equal(rc.Raw, issuer.Raw) {
			if !f.certs[string(rc.Raw)] {
				f.certs[string(rc.Raw)] = true
				f.data.Certs = append(f.data.Certs, rc)
			}
			// A delegated responder's own status goes into the store
			// too, unless its certificate says it needs none
			// (id-pkix-ocsp-nocheck); its responder's is not followed.
			if depth == 0 && !hasExtension(rc, oidOCSPNoCheck) {
				if err := f.status(ctx, rc, issuer, depth+1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return fmt.Errorf("revocation status of %s: %w", name(cert), errors.Join(errs...))
}

// checkOCSP verifies an OCSP answer for cert (RFC 6960 §3.2, §4.2.2.2).
func (f *fetch) checkOCSP(der []byte, cert, issuer *x509.Certificate) (*ocsp.Response, error) {
	// Signature and signer as verification checks them; for signing the
	// delegated responder must also be valid now, and the answer fresh.
	resp, err := CheckOCSP(der, cert, issuer)
	if err != nil {
		return nil, err
	}
	if rc := resp.Certificate; rc != nil && !bytes.Equal(rc.Raw, issuer.Raw) {
		if now := f.c.now(); now.Before(rc.NotBefore) || now.After(rc.NotAfter) {
			return nil, fmt.Errorf("%w: responder certificate %s is not valid now", ErrBadResponse, name(rc))
		}
	}
	now := f.c.now()
	if resp.ThisUpdate.After(now.Add(skew)) {
		return nil, fmt.Errorf("%w: thisUpdate %s is in the future", ErrBadResponse, resp.ThisUpdate.UTC().Format(time.RFC3339))
	}
	if !resp.NextUpdate.IsZero() && resp.NextUpdate.Before(now.Add(-skew)) {
		return nil, fmt.Errorf("%w: out of date (nextUpdate %s)", ErrBadResponse, resp.NextUpdate.UTC().Format(time.RFC3339))
	}
	return resp, nil
}

// checkResponder checks who signed an OCSP answer (RFC 6960 §4.2.2.2):
// the issuer itself, or a responder the issuer delegated with
// id-kp-OCSPSigning. Validity periods are the caller's question.
func checkResponder(resp *ocsp.Response, issuer *x509.Certificate) error {
	switch rc := resp.Certificate; {
	case rc == nil:
		if err := resp.CheckSignatureFrom(issuer); err != nil {
			return fmt.Errorf("%w: not signed by the issuer %s: %v", ErrBadResponse, name(issuer), err)
		}
	case bytes.Equal(rc.Raw, issuer.Raw):
		// Signed by the issuer itself.
	default:
		if err := rc.CheckSignatureFrom(issuer); err != nil {
			return fmt.Errorf("%w: responder %s is not issued by %s: %v", ErrBadResponse, name(rc), name(issuer), err)
		}
		delegated := false
		for _, u := range rc.ExtKeyUsage {
			delegated = delegated || u == x509.ExtKeyUsageOCSPSigning
		}
		if !delegated {
			return fmt.Errorf("%w: responder %s lacks the OCSPSigning extended key usage", ErrBadResponse, name(rc))
		}
	}
	return nil
}

// crl fetches the issuer's CRL from the first distribution point that
// answers and looks cert up in it.
func (f *fetch) crl(ctx context.Context, cert, issuer *x509.Certificate, urls []string) error {
	var errs []error
	for _, u := range urls {
		der, err := f.get(ctx, u)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		crl, err := f.checkCRL(der, issuer)
		if err != nil {
			return fmt.Errorf("revocation status of %s: CRL %s: %w", name(cert), redact(u), err)
		}
		for _, e := range crl.RevokedCertificateEntries {
			if e.SerialNumber.Cmp(cert.SerialNumber) == 0 {
				return &RevokedError{Cert: cert, RevokedAt: e.RevocationTime, Reason: e.ReasonCode, Source: "CRL " + redact(u)}
			}
		}
		if !f.crls[u] {
			f.crls[u] = true
			f.data.CRLs = append(f.data.CRLs, der)
		}
		return nil
	}
	return fmt.Errorf("revocation status of %s: %w", name(cert), errors.Join(errs...))
}

// checkCRL verifies a CRL of issuer (RFC 5280 §6.3.3).
func (f *fetch) checkCRL(der []byte, issuer *x509.Certificate) (*x509.RevocationList, error) {
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadResponse, err)
	}
	if !bytes.Equal(crl.RawIssuer, issuer.RawSubject) {
		return nil, fmt.Errorf("%w: issued by %q, not by %s", ErrBadResponse, crl.Issuer.String(), name(issuer))
	}
	if err := crl.CheckSignatureFrom(issuer); err != nil {
		return nil, fmt.Errorf("%w: not signed by the issuer %s: %v", ErrBadResponse, name(issuer), err)
	}
	now := f.c.now()
	if crl.ThisUpdate.After(now.Add(skew)) {
		return nil, fmt.Errorf("%w: thisUpdate %s is in the future", ErrBadResponse, crl.ThisUpdate.UTC().Format(time.RFC3339))
	}
	if !crl.NextUpdate.IsZero() && crl.NextUpdate.Before(now.Add(-skew)) {
		return nil, fmt.Errorf("%w: out of date (nextUpdate %s)", ErrBadResponse, crl.NextUpdate.UTC().Format(time.RFC3339))
	}
	return crl, nil
}

func hasExtension(c *x509.Certificate, oid asn1.ObjectIdentifier) bool {
	for _, e := range c.Extensions {
		if e.Id.Equal(oid) {
			return true
		}
	}
	return false
}

// post sends an OCSP request (RFC 6960 Appendix A.1).
func (f *fetch) post(ctx context.Context, u string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("OCSP %s: %w", redact(u), err)
	}
	req.Header.Set("Content-Type", "application/ocsp-request")
	req.Header.Set("Accept", "application/ocsp-response")
	return f.do(ctx, "OCSP", req, maxOCSP)
}

// get fetches a CRL over http (RFC 5280 §4.2.1.13).
func (f *fetch) get(ctx context.Context, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("CRL %s: %w", redact(u), err)
	}
	return f.do(ctx, "CRL", req, maxCRL)
}

func (f *fetch) do(ctx context.Context, what string, req *http.Request, limit int64) ([]byte, error) {
	u := redact(req.URL.String())
	errorf := func(format string, args ...any) error {
		return fmt.Errorf("%s %s: "+format, append([]any{what, u}, args...)...)
	}
	resp, err := f.c.http().Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, errorf("%w: %w", signing.ErrCancelled, ctx.Err())
		}
		// The *url.Error repeats the method and URL; keep its cause only.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
			if ue.Timeout() {
				return nil, errorf("no answer in time: %w", err)
			}
		}
		return nil, errorf("unreachable: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		if ctx.Err() != nil {
			return nil, errorf("%w: %w", signing.ErrCancelled, ctx.Err())
		}
		return nil, errorf("read answer: %w", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, errorf("%w %s", ErrHTTPStatus, resp.Status)
	}
	if int64(len(body)) > limit {
		return nil, errorf("%w: larger than %d bytes", ErrBadResponse, limit)
	}
	return body, nil
}

// redact hides credentials a URL may carry.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Sprintf("%q", raw)
	}
	return u.Redacted()
}

// ChainOf orders leaf and its issuers from pool into a chain, leaf first,
// up to a self-signed root, as Fetch needs it. An issuer missing from pool
// is an ErrChain; Client.Chain fetches it instead.
func ChainOf(leaf *x509.Certificate, pool []*x509.Certificate) ([]*x509.Certificate, error) {
	return chainOf(leaf, pool, nil)
}

// Chain is ChainOf that fetches a missing issuer from the caIssuers URL
// of the certificate's authority information access (RFC 5280
// §4.2.2.1, http only, a DER or PEM certificate): keys on cards often
// carry their chain without the root, and TSAs send their certificate
// alone.
func (c *Client) Chain(ctx context.Context, leaf *x509.Certificate, pool []*x509.Certificate) ([]*x509.Certificate, error) {
	f := &fetch{c: c}
	return chainOf(leaf, pool, func(cert *x509.Certificate) (*x509.Certificate, error) {
		var errs []error
		for _, u := range cert.IssuingCertificateURL {
			if !strings.HasPrefix(strings.ToLower(u), "http://") {
				continue
			}
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
			if err != nil {
				errs = append(errs, fmt.Errorf("caIssuers %s: %w", redact(u), err))
				continue
			}
			body, err := f.do(ctx, "caIssuers", req, maxCert)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if b, _ := pem.Decode(body); b != nil && b.Type == "CERTIFICATE" {
				body = b.Bytes
			}
			issuer, err := x509.ParseCertificate(body)
			if err != nil {
				errs = append(errs, fmt.Errorf("caIssuers %s: %w: not a DER or PEM certificate: %v", redact(u), ErrBadResponse, err))
				continue
			}
			if err := cert.CheckSignatureFrom(issuer); err != nil {
				errs = append(errs, fmt.Errorf("caIssuers %s: %w: %s is not the issuer: %v", redact(u), ErrBadResponse, name(issuer), err))
				continue
			}
			return issuer, nil
		}
		if len(errs) == 0 {
			return nil, nil
		}
		return nil, errors.Join(errs...)
	})
}

// maxCert bounds a certificate fetched from caIssuers.
const maxCert = 1 << 20

func chainOf(leaf *x509.Certificate, pool []*x509.Certificate, fetchIssuer func(*x509.Certificate) (*x509.Certificate, error)) ([]*x509.Certificate, error) {
	chain := []*x509.Certificate{leaf}
	for c := leaf; !bytes.Equal(c.RawIssuer, c.RawSubject); {
		var next *x509.Certificate
		for _, p := range pool {
			if bytes.Equal(p.RawSubject, c.RawIssuer) && c.CheckSignatureFrom(p) == nil {
				next = p
				break
			}
		}
		if next == nil && fetchIssuer != nil {
			var err error
			if next, err = fetchIssuer(c); err != nil {
				return nil, fmt.Errorf("%w: the issuer %q of %s: %w", ErrChain, c.Issuer.String(), name(c), err)
			}
		}
		if next == nil {
			return nil, fmt.Errorf("%w: the issuer %q of %s is not at hand", ErrChain, c.Issuer.String(), name(c))
		}
		if len(chain) > 8 {
			return nil, fmt.Errorf("%w: more than 8 certificates above %s", ErrChain, name(leaf))
		}
		chain = append(chain, next)
		c = next
	}
	return chain, nil
}
