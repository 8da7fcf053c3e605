package cms

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Errors from Parse and Verify, for errors.Is. ErrMalformed means the bytes
// could not be read at all; the others mean a readable signature is wrong.
var (
	ErrMalformed                  = errors.New("malformed CMS")
	ErrDigestMismatch             = errors.New("message digest does not match the content")
	ErrSignatureInvalid           = errors.New("signature value does not verify")
	ErrSignerNotFound             = errors.New("signer certificate not in the signature")
	ErrSigningCertificateMismatch = errors.New("signing-certificate attribute does not name the signer certificate")
)

// Attribute is a CMS attribute (RFC 5652 §5.3) with its values as DER.
type Attribute struct {
	Type   asn1.ObjectIdentifier
	Values [][]byte
}

// SignedData is a parsed CMS SignedData with exactly one SignerInfo, the
// shape PAdES (ETSI EN 319 142-1 §6.3) and RFC 3161 tokens have.
type SignedData struct {
	Version int
	// ContentType is the eContentType: id-data for a PDF signature,
	// id-ct-TSTInfo for a timestamp token.
	ContentType asn1.ObjectIdentifier
	// Content is the encapsulated content, nil when detached.
	Content []byte
	// Certificates are those Go could parse, in the order they appear;
	// others (attribute certificates, unparsable ones) are skipped.
	Certificates []*x509.Certificate

	// SignerVersion and the signer identifier: issuerAndSerialNumber
	// (SignerIssuer is the raw Name) or a subjectKeyIdentifier.
	SignerVersion int
	SignerIssuer  []byte
	SignerSerial  *big.Int
	SignerKeyID   []byte

	// DigestAlgorithm is the SignerInfo's digest algorithm, 0 when it is
	// one this package does not know (DigestAlgorithmOID still says which).
	DigestAlgorithm       crypto.Hash
	DigestAlgorithmOID    asn1.ObjectIdentifier
	SignatureAlgorithmOID asn1.ObjectIdentifier
	signatureAlgorithm    algorithmIdentifier

	// SignedAttrs is the DER SET OF the signed attributes, the bytes the
	// signature covers; nil when there are none.
	SignedAttrs        []byte
	SignedAttributes   []Attribute
	Signature          []byte
	UnsignedAttributes []Attribute

	// MessageDigest is the value of the message-digest attribute, nil when
	// missing or not an OCTET STRING.
	MessageDigest []byte
	// TimestampToken is the first id-aa-signatureTimeStampToken value (a
	// DER ContentInfo), nil when there is none.
	TimestampToken []byte
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func malformed(what string) error {
	return fmt.Errorf("parse CMS: %s: %w", what, ErrMalformed)
}

// Parse reads a DER ContentInfo holding a SignedData (RFC 5652 §3, §5).
// Zero bytes after it are ignored: a PDF /Contents placeholder is padded
// with them (ISO 32000-2 §12.8.1). BER-only encodings are not accepted.
// The byte slices of the result share memory with der.
func Parse(der []byte) (*SignedData, error) {
	in := cryptobyte.String(der)
	var ci, explicit, sd cryptobyte.String
	var ct asn1.ObjectIdentifier
	// The element's own length says where it ends; only what follows may
	// be padding (the DER itself may well end in zero bytes).
	if !in.ReadASN1(&ci, cbasn1.SEQUENCE) || !allZero(in) {
		return nil, malformed("not a DER ContentInfo")
	}
	if !ci.ReadASN1ObjectIdentifier(&ct) {
		return nil, malformed("content type")
	}
	if !ct.Equal(OIDSignedData) {
		return nil, fmt.Errorf("parse CMS: content type %v is not signed-data: %w", ct, ErrMalformed)
	}
	if !ci.ReadASN1(&explicit, tagCtx0) || !ci.Empty() || !explicit.ReadASN1(&sd, cbasn1.SEQUENCE) || !explicit.Empty() {
		return nil, malformed("signed-data content")
	}

	s := &SignedData{}
	var version int64
	var digestAlgs, encap cryptobyte.String
	if !sd.ReadASN1Integer(&version) || version < 0 || version > 5 {
		return nil, malformed("signed-data version")
	}
	s.Version = int(version)
	if !sd.ReadASN1(&digestAlgs, cbasn1.SET) {
		return nil, malformed("digest algorithms")
	}
	if !sd.ReadASN1(&encap, cbasn1.SEQUENCE) || !encap.ReadASN1ObjectIdentifier(&s.ContentType) {
		return nil, malformed("encapsulated content info")
	}
	if !encap.Empty() {
		var eContent cryptobyte.String
		if !encap.ReadASN1(&eContent, tagCtx0) || !encap.Empty() {
			return nil, malformed("encapsulated content")
		}
		var content []byte
		if !eContent.ReadASN1Bytes(&content, cbasn1.OCTET_STRING) || !eContent.Empty() {
			return nil, malformed("encapsulated content is not a DER OCTET STRING")
		}
		s.Content = content
	}

	var certs cryptobyte.String
	var present bool
	if !sd.ReadOptionalASN1(&certs, &present, tagCtx0) {
		return nil, malformed("certificates")
	}
	for !certs.Empty() {
		var el cryptobyte.String
		var tag cbasn1.Tag
		if !certs.ReadAnyASN1Element(&el, &tag) {
			return nil, malformed("certificates")
		}
		if tag != cbasn1.SEQUENCE {
			continue // other CertificateChoices: not used by PAdES
		}
		if c, err := x509.ParseCertificate(el); err == nil {
			s.Certificates = append(s.Certificates, c)
		}
	}
	if !sd.SkipOptionalASN1(tagCtx1) { // crls: read from /DSS, not here
		return nil, malformed("crls")
	}
	var signerInfos, si cryptobyte.String
	if !sd.ReadASN1(&signerInfos, cbasn1.SET) || !sd.Empty() {
		return nil, malformed("signer infos")
	}
	if !signerInfos.ReadASN1(&si, cbasn1.SEQUENCE) {
		return nil, malformed("no signer info")
	}
	if !signerInfos.Empty() {
		return nil, fmt.Errorf("parse CMS: more than one signer info (PAdES and RFC 3161 have one): %w", ErrMalformed)
	}
	if err := s.parseSignerInfo(si); err != nil {
		return nil, err
	}
	return s, nil
}

// parseSignerInfo reads a SignerInfo (RFC 5652 §5.3).
func (s *SignedData) parseSignerInfo(si cryptobyte.String) error {
	var version int64
	if !si.ReadASN1Integer(&version) || version < 0 || version > 5 {
		return malformed("signer info version")
	}
	s.SignerVersion = int(version)
	switch {
	case si.PeekASN1Tag(cbasn1.SEQUENCE):
		var ias, issuer cryptobyte.String
		var tag cbasn1.Tag
		serial := new(big.Int)
		if !si.ReadASN1(&ias, cbasn1.SEQUENCE) || !ias.ReadAnyASN1Element(&issuer, &tag) || tag != cbasn1.SEQUENCE ||
			!ias.ReadASN1Integer(serial) || !ias.Empty() {
			return malformed("issuer and serial number")
		}
		s.SignerIssuer = issuer
		s.SignerSerial = serial
	case si.PeekASN1Tag(tagPrim0):
		var ski []byte
		if !si.ReadASN1Bytes(&ski, tagPrim0) {
			return malformed("subject key identifier")
		}
		s.SignerKeyID = ski
	default:
		return malformed("signer identifier")
	}
	var digestAlg algorithmIdentifier
	if !readAlgorithmIdentifier(&si, &digestAlg) {
		return malformed("digest algorithm")
	}
	s.DigestAlgorithmOID = digestAlg.oid
	s.DigestAlgorithm = HashForOID(digestAlg.oid)

	if si.PeekASN1Tag(tagCtx0) {
		var el, content cryptobyte.String
		if !si.ReadASN1Element(&el, tagCtx0) {
			return malformed("signed attributes")
		}
		// RFC 5652 §5.4: the signature covers the attributes with the
		// SET OF tag, not the [0] IMPLICIT tag they are stored under.
		s.SignedAttrs = append([]byte{0x31}, el[1:]...)
		set := cryptobyte.String(s.SignedAttrs)
		if !set.ReadASN1(&content, cbasn1.SET) {
			return malformed("signed attributes")
		}
		attrs, err := parseAttributes(content)
		if err != nil {
			return err
		}
		s.SignedAttributes = attrs
	}
	if !readAlgorithmIdentifier(&si, &s.signatureAlgorithm) {
		return malformed("signature algorithm")
	}
	s.SignatureAlgorithmOID = s.signatureAlgorithm.oid
	var sig []byte
	if !si.ReadASN1Bytes(&sig, cbasn1.OCTET_STRING) {
		return malformed("signature value")
	}
	s.Signature = sig
	if si.PeekASN1Tag(tagCtx1) {
		var content cryptobyte.String
		if !si.ReadASN1(&content, tagCtx1) {
			return malformed("unsigned attributes")
		}
		attrs, err := parseAttributes(content)
		if err != nil {
			return err
		}
		s.UnsignedAttributes = attrs
	}
	if !si.Empty() {
		return malformed("trailing data in signer info")
	}

	if v := findAttribute(s.SignedAttributes, OIDAttrMessageDigest); v != nil && len(v.Values) == 1 {
		md := cryptobyte.String(v.Values[0])
		var digest []byte
		if md.ReadASN1Bytes(&digest, cbasn1.OCTET_STRING) && md.Empty() {
			s.MessageDigest = digest
		}
	}
	if v := findAttribute(s.UnsignedAttributes, OIDAttrSignatureTimeStampToken); v != nil && len(v.Values) > 0 {
		s.TimestampToken = v.Values[0]
	}
	return nil
}

// parseAttributes reads the content of a SET OF Attribute.
func parseAttributes(in cryptobyte.String) ([]Attribute, error) {
	var attrs []Attribute
	for !in.Empty() {
		var seq, values cryptobyte.String
		var a Attribute
		if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1ObjectIdentifier(&a.Type) ||
			!seq.ReadASN1(&values, cbasn1.SET) || !seq.Empty() {
			return nil, malformed("attribute")
		}
		for !values.Empty() {
			var v cryptobyte.String
			var tag cbasn1.Tag
			if !values.ReadAnyASN1Element(&v, &tag) {
				return nil, malformed("attribute value")
			}
			a.Values = append(a.Values, v)
		}
		attrs = append(attrs, a)
	}
	return attrs, nil
}

func findAttribute(attrs []Attribute, oid asn1.ObjectIdentifier) *Attribute {
	for i := range attrs {
		if attrs[i].Type.Equal(oid) {
			return &attrs[i]
		}
	}
	return nil
}

// SignedAttribute returns the signed attribute of type oid, or nil.
func (s *SignedData) SignedAttribute(oid asn1.ObjectIdentifier) *Attribute {
	return findAttribute(s.SignedAttributes, oid)
}

// Signer returns the certificate the SignerInfo names, or nil when the
// signature does not carry it.
func (s *SignedData) Signer() *x509.Certificate {
	for _, c := range s.Certificates {
		switch {
		case s.SignerSerial != nil:
			if bytes.Equal(c.RawIssuer, s.SignerIssuer) && c.SerialNumber.Cmp(s.SignerSerial) == 0 {
				return c
			}
		case s.SignerKeyID != nil:
			if len(c.SubjectKeyId) > 0 && bytes.Equal(c.SubjectKeyId, s.SignerKeyID) {
				return c
			}
		}
	}
	return nil
}
