package testpki

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
)

// QC is what a certificate's QCStatements extension (RFC 3739 §3.2.6,
// ETSI EN 319 412-5 §4) claims: QcCompliance (a qualified certificate),
// QcSSCD (its key is in a qualified device) and QcType ("esign", "eseal",
// "web"; "" leaves the statement out).
type QC struct {
	Compliance, SSCD bool
	Type             string
}

var (
	oidQCStatements = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 3}
	oidQcCompliance = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 1}
	oidQcSSCD       = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 4}
	oidQcType       = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 6}
	qcTypes         = map[string]asn1.ObjectIdentifier{
		"esign": {0, 4, 0, 1862, 1, 6, 1},
		"eseal": {0, 4, 0, 1862, 1, 6, 2},
		"web":   {0, 4, 0, 1862, 1, 6, 3},
	}
)

type qcStatement struct {
	ID   asn1.ObjectIdentifier
	Info asn1.RawValue `asn1:"optional"`
}

// extension encodes q as the QCStatements extension.
func (q QC) extension() (pkix.Extension, error) {
	var sts []qcStatement
	if q.Compliance {
		sts = append(sts, qcStatement{ID: oidQcCompliance})
	}
	if q.SSCD {
		sts = append(sts, qcStatement{ID: oidQcSSCD})
	}
	if t, ok := qcTypes[q.Type]; ok {
		der, err := asn1.Marshal([]asn1.ObjectIdentifier{t})
		if err != nil {
			return pkix.Extension{}, err
		}
		sts = append(sts, qcStatement{ID: oidQcType, Info: asn1.RawValue{FullBytes: der}})
	}
	der, err := asn1.Marshal(sts)
	return pkix.Extension{Id: oidQCStatements, Value: der}, err
}

// NewSignerQC issues an end-entity certificate from the intermediate with
// the QCStatements q, and the PKI's revocation URLs when it has them.
// keyType is "rsa" or "ec".
func (p *PKI) NewSignerQC(cn, keyType string, q QC) (*Entity, error) {
	t := template(cn, false)
	t.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
	ext, err := q.extension()
	if err != nil {
		return nil, err
	}
	t.ExtraExtensions = []pkix.Extension{ext}
	gen := rsaKey
	if keyType == "ec" {
		gen = ecKey
	}
	return p.issue(p.Intermediate, t, gen)
}
