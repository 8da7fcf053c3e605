package cms

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/siegel-app/siegel/signing"
)

// Verify checks the cryptographic integrity of the signature over content
// whose digest under s.DigestAlgorithm is contentDigest (RFC 5652 §5.6):
// the content-type attribute equals the eContentType, the message-digest
// attribute equals contentDigest, the signature value verifies over the
// signed attributes with the certificate the SignerInfo names, and an ESS
// signing-certificate(-v2) attribute, when present, names that certificate
// (RFC 5035 §5.4). It does not judge trust, validity periods or algorithm
// strength: that is the verifier's policy.
func (s *SignedData) Verify(contentDigest []byte) error {
	if s.SignedAttrs == nil {
		// Without signed attributes the signature is over the content
		// itself, which PAdES and RFC 3161 never use.
		return fmt.Errorf("verify CMS signature: no signed attributes: %w", signing.ErrUnsupported)
	}
	// RFC 5652 §11.1–11.2: exactly one content-type and one message-digest
	// attribute, each with one value.
	ct, err := s.singleValue(OIDAttrContentType)
	if err != nil {
		return err
	}
	var ctOID asn1.ObjectIdentifier
	cts := cryptobyte.String(ct)
	if !cts.ReadASN1ObjectIdentifier(&ctOID) || !cts.Empty() {
		return fmt.Errorf("verify CMS signature: content-type attribute: %w", ErrMalformed)
	}
	if !ctOID.Equal(s.ContentType) {
		return fmt.Errorf("verify CMS signature: content-type attribute %v differs from the content type %v: %w", ctOID, s.ContentType, ErrSignatureInvalid)
	}
	if _, err := s.singleValue(OIDAttrMessageDigest); err != nil {
		return err
	}
	if s.MessageDigest == nil {
		return fmt.Errorf("verify CMS signature: message-digest attribute: %w", ErrMalformed)
	}
	if !bytes.Equal(s.MessageDigest, contentDigest) {
		return fmt.Errorf("verify CMS signature: %w", ErrDigestMismatch)
	}
	signer := s.Signer()
	if signer == nil {
		return fmt.Errorf("verify CMS signature: %w", ErrSignerNotFound)
	}
	if s.DigestAlgorithm == 0 || !s.DigestAlgorithm.Available() {
		return fmt.Errorf("verify CMS signature: digest algorithm %v: %w", s.DigestAlgorithmOID, signing.ErrUnsupported)
	}
	h := s.DigestAlgorithm.New()
	h.Write(s.SignedAttrs)
	if err := verifySignature(signer.PublicKey, s.signatureAlgorithm, s.DigestAlgorithm, h.Sum(nil), s.Signature); err != nil {
		return fmt.Errorf("verify CMS signature of %q: %w", signer.Subject.CommonName, err)
	}
	if err := s.checkSigningCertificate(signer); err != nil {
		return fmt.Errorf("verify CMS signature of %q: %w", signer.Subject.CommonName, err)
	}
	return nil
}

func (s *SignedData) singleValue(oid asn1.ObjectIdentifier) ([]byte, error) {
	var found *Attribute
	for i := range s.SignedAttributes {
		if s.SignedAttributes[i].Type.Equal(oid) {
			if found != nil {
				return nil, fmt.Errorf("verify CMS signature: attribute %v appears twice: %w", oid, ErrMalformed)
			}
			found = &s.SignedAttributes[i]
		}
	}
	if found == nil {
		return nil, fmt.Errorf("verify CMS signature: attribute %v missing: %w", oid, ErrMalformed)
	}
	if len(found.Values) != 1 {
		return nil, fmt.Errorf("verify CMS signature: attribute %v has %d values: %w", oid, len(found.Values), ErrMalformed)
	}
	return found.Values[0], nil
}

// The hash each signature algorithm names; 0 for the bare key OIDs that
// some signers write, whose hash is the SignerInfo's digest algorithm.
var (
	rsaSignatureHash = map[string]crypto.Hash{
		oidRSAEncryption.String(): 0,
		oidSHA1WithRSA.String():   crypto.SHA1,
		oidSHA224WithRSA.String(): crypto.SHA224,
		oidSHA256WithRSA.String(): crypto.SHA256,
		oidSHA384WithRSA.String(): crypto.SHA384,
		oidSHA512WithRSA.String(): crypto.SHA512,
	}
	ecdsaSignatureHash = map[string]crypto.Hash{
		oidECPublicKey.String():     0,
		oidECDSAWithSHA1.String():   crypto.SHA1,
		oidECDSAWithSHA224.String(): crypto.SHA224,
		oidECDSAWithSHA256.String(): crypto.SHA256,
		oidECDSAWithSHA384.String(): crypto.SHA384,
		oidECDSAWithSHA512.String(): crypto.SHA512,
	}
)

// verifySignature checks sig over digest (the hash h of the signed
// attributes) with pub, for the algorithm identifier alg.
func verifySignature(pub crypto.PublicKey, alg algorithmIdentifier, h crypto.Hash, digest, sig []byte) error {
	mismatch := func(sigHash crypto.Hash) error {
		return fmt.Errorf("signature algorithm %v uses %v but the digest algorithm is %v: %w", alg.oid, sigHash, h, ErrSignatureInvalid)
	}
	// A crafted certificate in a PDF could carry a huge modulus to make
	// verification take seconds; no CA issues keys beyond 16384 bits.
	if pk, ok := pub.(*rsa.PublicKey); ok && pk.N.BitLen() > 16384 {
		return fmt.Errorf("RSA key of %d bits: %w", pk.N.BitLen(), signing.ErrUnsupported)
	}
	key := alg.oid.String()
	if sigHash, ok := rsaSignatureHash[key]; ok {
		if sigHash == 0 {
			sigHash = h
		}
		pk, ok := pub.(*rsa.PublicKey)
		if !ok {
			return fmt.Errorf("signature algorithm %v with a %T key: %w", alg.oid, pub, ErrSignatureInvalid)
		}
		if sigHash != h {
			return mismatch(sigHash)
		}
		if err := rsa.VerifyPKCS1v15(pk, h, digest, sig); err != nil {
			return fmt.Errorf("RSA PKCS #1 v1.5: %w", ErrSignatureInvalid)
		}
		return nil
	}
	if sigHash, ok := ecdsaSignatureHash[key]; ok {
		if sigHash == 0 {
			sigHash = h
		}
		pk, ok := pub.(*ecdsa.PublicKey)
		if !ok {
			return fmt.Errorf("signature algorithm %v with a %T key: %w", alg.oid, pub, ErrSignatureInvalid)
		}
		if sigHash != h {
			return mismatch(sigHash)
		}
		if !ecdsa.VerifyASN1(pk, digest, sig) {
			return fmt.Errorf("ECDSA: %w", ErrSignatureInvalid)
		}
		return nil
	}
	if alg.oid.Equal(oidRSAPSS) {
		pk, ok := pub.(*rsa.PublicKey)
		if !ok {
			return fmt.Errorf("RSASSA-PSS with a %T key: %w", pub, ErrSignatureInvalid)
		}
		p, err := parsePSSParams(alg.params)
		if err != nil {
			return err
		}
		if p.hash != h {
			return mismatch(p.hash)
		}
		if p.mgfHash != h {
			// crypto/rsa uses the message hash for MGF1 too.
			return fmt.Errorf("RSASSA-PSS with MGF1 over %v and digest %v: %w", p.mgfHash, h, signing.ErrUnsupported)
		}
		if err := rsa.VerifyPSS(pk, h, digest, sig, &rsa.PSSOptions{SaltLength: p.saltLength, Hash: h}); err != nil {
			return fmt.Errorf("RSASSA-PSS: %w", ErrSignatureInvalid)
		}
		return nil
	}
	return fmt.Errorf("signature algorithm %v: %w", alg.oid, signing.ErrUnsupported)
}

// checkSigningCertificate compares the first ESSCertIDv2 of an ESS
// signing-certificate-v2 attribute (RFC 5035 §4), or the first ESSCertID of
// a signing-certificate attribute (RFC 2634 §5.4, SHA-1, still used by
// TSAs), with the signer certificate. Neither attribute present is not an
// error here: whether it is required is the verifier's policy.
func (s *SignedData) checkSigningCertificate(signer *x509.Certificate) error {
	for _, a := range []struct {
		oid asn1.ObjectIdentifier
		v2  bool
	}{{OIDAttrSigningCertificateV2, true}, {OIDAttrSigningCertificate, false}} {
		attr := findAttribute(s.SignedAttributes, a.oid)
		if attr == nil {
			continue
		}
		if len(attr.Values) != 1 {
			return fmt.Errorf("attribute %v has %d values: %w", a.oid, len(attr.Values), ErrMalformed)
		}
		if err := checkESSCertID(attr.Values[0], a.v2, signer); err != nil {
			return err
		}
	}
	return nil
}

func checkESSCertID(value []byte, v2 bool, signer *x509.Certificate) error {
	bad := fmt.Errorf("signing-certificate attribute: %w", ErrMalformed)
	in := cryptobyte.String(value)
	var sc, certs, id cryptobyte.String
	if !in.ReadASN1(&sc, cbasn1.SEQUENCE) || !in.Empty() || !sc.ReadASN1(&certs, cbasn1.SEQUENCE) ||
		!certs.ReadASN1(&id, cbasn1.SEQUENCE) {
		return bad
	}
	h := crypto.SHA1
	if v2 {
		h = crypto.SHA256 // RFC 5035 §4: the DEFAULT
		if id.PeekASN1Tag(cbasn1.SEQUENCE) {
			var alg algorithmIdentifier
			if !readAlgorithmIdentifier(&id, &alg) {
				return bad
			}
			if h = HashForOID(alg.oid); h == 0 || !h.Available() {
				return fmt.Errorf("signing-certificate-v2 hash %v: %w", alg.oid, signing.ErrUnsupported)
			}
		}
	}
	var certHash []byte
	if !id.ReadASN1Bytes(&certHash, cbasn1.OCTET_STRING) {
		return bad
	}
	var sum []byte
	if h == crypto.SHA1 {
		s := sha1.Sum(signer.Raw)
		sum = s[:]
	} else {
		hh := h.New()
		hh.Write(signer.Raw)
		sum = hh.Sum(nil)
	}
	if !bytes.Equal(sum, certHash) {
		return ErrSigningCertificateMismatch
	}
	if id.Empty() {
		return nil
	}
	// IssuerSerial: when present it must name the signer too.
	var is, names cryptobyte.String
	serial := new(big.Int)
	if !id.ReadASN1(&is, cbasn1.SEQUENCE) || !id.Empty() || !is.ReadASN1(&names, cbasn1.SEQUENCE) ||
		!is.ReadASN1Integer(serial) || !is.Empty() {
		return bad
	}
	if serial.Cmp(signer.SerialNumber) != 0 {
		return ErrSigningCertificateMismatch
	}
	for !names.Empty() {
		var name cryptobyte.String
		var tag cbasn1.Tag
		if !names.ReadAnyASN1(&name, &tag) {
			return bad
		}
		if tag == tagDirName && !bytes.Equal(name, signer.RawIssuer) {
			return ErrSigningCertificateMismatch
		}
	}
	return nil
}
