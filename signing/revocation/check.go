package revocation

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/ocsp"
)

// The functions below serve verification (package verify): there the
// answers come from a signed file, from CRL files or from the network, and
// whether an answer is current depends on the time the signature is
// judged at, which only the verifier knows. So they check who signed an
// answer and what it says, and leave the time to the caller.

// CheckOCSP reads an OCSP answer (RFC 6960 §4.2.1) about cert, issued by
// issuer, and verifies its signature and its signer: the issuer, or a
// responder the issuer delegated with id-kp-OCSPSigning (§4.2.2.2) whose
// certificate was valid when the answer was produced. It returns the
// answer for any status; its ThisUpdate and NextUpdate are for the caller
// to judge. An answer about another certificate is an ErrBadResponse.
func CheckOCSP(der []byte, cert, issuer *x509.Certificate) (*ocsp.Response, error) {
	resp, err := ocsp.ParseResponseForCert(der, cert, nil)
	if err != nil {
		var re ocsp.ResponseError
		if errors.As(err, &re) {
			return nil, fmt.Errorf("%w: responder says %s", ErrBadResponse, re.Status)
		}
		return nil, fmt.Errorf("%w: %v", ErrBadResponse, err)
	}
	if err := checkResponder(resp, issuer); err != nil {
		return nil, err
	}
	if rc := resp.Certificate; rc != nil && !bytes.Equal(rc.Raw, issuer.Raw) {
		if at := resp.ProducedAt; at.Before(rc.NotBefore.Add(-skew)) || at.After(rc.NotAfter.Add(skew)) {
			return nil, fmt.Errorf("%w: responder certificate %s was not valid when the answer was produced", ErrBadResponse, name(rc))
		}
	}
	return resp, nil
}

// CheckCRL reads a CRL (RFC 5280 §5) and verifies that issuer issued and
// signed it. Its ThisUpdate and NextUpdate are for the caller to judge.
func CheckCRL(der []byte, issuer *x509.Certificate) (*x509.RevocationList, error) {
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
	return crl, nil
}

// FetchOCSP asks cert's OCSP responders in turn and returns the first
// answer that CheckOCSP accepts, with the responder's URL. It does not
// judge the status or the answer's age.
func (c *Client) FetchOCSP(ctx context.Context, cert, issuer *x509.Certificate) (der []byte, source string, err error) {
	if len(cert.OCSPServer) == 0 {
		return nil, "", fmt.Errorf("revocation status of %s: %w", name(cert), ErrNoSource)
	}
	req, err := ocsp.CreateRequest(cert, issuer, nil)
	if err != nil {
		return nil, "", fmt.Errorf("revocation status of %s: OCSP request: %w", name(cert), err)
	}
	f := &fetch{c: c}
	var errs []error
	for _, u := range cert.OCSPServer {
		der, err := f.post(ctx, u, req)
		if err == nil {
			_, err = CheckOCSP(der, cert, issuer)
			if err == nil {
				return der, "OCSP " + redact(u), nil
			}
			err = fmt.Errorf("OCSP %s: %w", redact(u), err)
		}
		errs = append(errs, err)
	}
	return nil, "", fmt.Errorf("revocation status of %s: %w", name(cert), errors.Join(errs...))
}

// FetchCRL fetches the CRL of cert's issuer from the first http
// distribution point whose answer CheckCRL accepts, with its URL.
func (c *Client) FetchCRL(ctx context.Context, cert, issuer *x509.Certificate) (der []byte, source string, err error) {
	f := &fetch{c: c}
	var errs []error
	for _, u := range cert.CRLDistributionPoints {
		if !strings.HasPrefix(strings.ToLower(u), "http://") {
			continue
		}
		der, err := f.get(ctx, u)
		if err == nil {
			_, err = CheckCRL(der, issuer)
			if err == nil {
				return der, "CRL " + redact(u), nil
			}
			err = fmt.Errorf("CRL %s: %w", redact(u), err)
		}
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		return nil, "", fmt.Errorf("revocation status of %s: %w", name(cert), ErrNoSource)
	}
	return nil, "", fmt.Errorf("revocation status of %s: %w", name(cert), errors.Join(errs...))
}
