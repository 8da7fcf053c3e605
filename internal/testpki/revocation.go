package testpki

import (
	"crypto/x509"
	"encoding/asn1"
	"time"
)

// oidOCSPNoCheck is id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1).
var oidOCSPNoCheck = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 5}

// Revocation is where a certificate says its status is published: the
// OCSP responder of its authority information access (RFC 5280
// §4.2.2.1) and its CRL distribution point (RFC 5280 §4.2.1.13), and
// where its issuer's certificate is (caIssuers, RFC 5280 §4.2.2.1). An
// empty field is left out of the certificate.
type Revocation struct {
	OCSP      string
	CRL       string
	CAIssuers string
}

// NewWithRevocation makes a PKI like New in which every certificate below
// the root names urls(its issuer) for its status, so B-LT signatures can
// be made with it (see internal/ocsptest for the server).
func NewWithRevocation(now time.Time, urls func(issuer *x509.Certificate) Revocation) (*PKI, error) {
	return newPKI(now, urls)
}

// NewSignerWith issues an end-entity certificate from the intermediate
// that names rev's URLs instead of the PKI's, e.g. a responder that is
// down or a CRL only. rev names at least one URL; for a certificate
// with none use a PKI made by New. keyType is "rsa" or "ec".
func (p *PKI) NewSignerWith(cn, keyType string, rev Revocation) (*Entity, error) {
	t := template(cn, false)
	t.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
	t.OCSPServer, t.CRLDistributionPoints = nonEmpty(rev.OCSP), nonEmpty(rev.CRL)
	t.IssuingCertificateURL = nonEmpty(rev.CAIssuers)
	gen := rsaKey
	if keyType == "ec" {
		gen = ecKey
	}
	return p.issue(p.Intermediate, t, gen)
}

func nonEmpty(u string) []string {
	if u == "" {
		return nil
	}
	return []string{u}
}
