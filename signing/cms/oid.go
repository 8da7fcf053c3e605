package cms

import (
	"crypto"
	"encoding/asn1"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/siegel-app/siegel/signing"
)

// Content types and attributes (RFC 5652 §4, §5, §11; RFC 5035; RFC 3161).
var (
	OIDData       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	OIDSignedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	// OIDTSTInfo is id-ct-TSTInfo, the eContentType of an RFC 3161 token.
	OIDTSTInfo = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}

	OIDAttrContentType   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	OIDAttrMessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	OIDAttrSigningTime   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	// OIDAttrSigningCertificate is the ESS signing-certificate (v1, SHA-1) of RFC 2634.
	OIDAttrSigningCertificate = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 12}
	// OIDAttrSigningCertificateV2 is id-aa-signingCertificateV2 of RFC 5035.
	OIDAttrSigningCertificateV2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	// OIDAttrSignatureTimeStampToken is id-aa-signatureTimeStampToken (RFC 3161 Appendix A).
	OIDAttrSignatureTimeStampToken = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
)

// Algorithms (RFC 5754 digests and RSA, RFC 4055/4056 RSA-PSS, RFC 5758 and
// RFC 5753 ECDSA).
var (
	oidSHA1   = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA224 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 4}
	oidSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}

	oidRSAEncryption = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidSHA1WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 5}
	oidSHA256WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidSHA384WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidSHA512WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
	oidSHA224WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 14}
	oidRSAPSS        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidMGF1          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}

	oidECPublicKey     = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidECDSAWithSHA1   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 1}
	oidECDSAWithSHA224 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 1}
	oidECDSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSAWithSHA384 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSAWithSHA512 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
)

var digestOIDs = []struct {
	hash crypto.Hash
	oid  asn1.ObjectIdentifier
}{
	{crypto.SHA1, oidSHA1},
	{crypto.SHA224, oidSHA224},
	{crypto.SHA256, oidSHA256},
	{crypto.SHA384, oidSHA384},
	{crypto.SHA512, oidSHA512},
}

// HashForOID returns the digest algorithm named by oid, or 0.
func HashForOID(oid asn1.ObjectIdentifier) crypto.Hash {
	for _, d := range digestOIDs {
		if d.oid.Equal(oid) {
			return d.hash
		}
	}
	return 0
}

// OIDForHash returns the OID of a digest algorithm, or nil.
func OIDForHash(h crypto.Hash) asn1.ObjectIdentifier {
	for _, d := range digestOIDs {
		if d.hash == h {
			return d.oid
		}
	}
	return nil
}

// signingHash checks that h is a digest Siegel signs with. SHA-1 and
// SHA-224 are read but not written (ETSI TS 119 312 no longer lists them for
// new signatures).
func signingHash(h crypto.Hash) error {
	switch h {
	case crypto.SHA256, crypto.SHA384, crypto.SHA512:
		if h.Available() {
			return nil
		}
	}
	return fmt.Errorf("digest algorithm %v: %w", h, signing.ErrUnsupported)
}

// Context-specific tags: constructed [n] serve both EXPLICIT tagging and
// IMPLICIT SET/SEQUENCE; tagDirName is GeneralName's directoryName [4].
var (
	tagCtx0    = cbasn1.Tag(0).ContextSpecific().Constructed()
	tagCtx1    = cbasn1.Tag(1).ContextSpecific().Constructed()
	tagCtx2    = cbasn1.Tag(2).ContextSpecific().Constructed()
	tagCtx3    = cbasn1.Tag(3).ContextSpecific().Constructed()
	tagPrim0   = cbasn1.Tag(0).ContextSpecific() // primitive [0], e.g. a SubjectKeyIdentifier sid
	tagDirName = cbasn1.Tag(4).ContextSpecific().Constructed()
)

var derNull = []byte{0x05, 0x00}

// algorithmIdentifier is an AlgorithmIdentifier with its parameters kept as
// DER (nil when absent), so that what is written is exactly what is read.
type algorithmIdentifier struct {
	oid    asn1.ObjectIdentifier
	params []byte
}

func (a algorithmIdentifier) marshal(b *cryptobyte.Builder) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(a.oid)
		if a.params != nil {
			b.AddBytes(a.params)
		}
	})
}

func readAlgorithmIdentifier(s *cryptobyte.String, out *algorithmIdentifier) bool {
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1ObjectIdentifier(&out.oid) {
		return false
	}
	if !seq.Empty() {
		var p cryptobyte.String
		var tag cbasn1.Tag
		if !seq.ReadAnyASN1Element(&p, &tag) || !seq.Empty() {
			return false
		}
		out.params = p
	}
	return true
}

// digestAlgorithm is the AlgorithmIdentifier of a SHA-2 digest: RFC 5754 §2
// says to generate it with absent parameters.
func digestAlgorithm(h crypto.Hash) algorithmIdentifier {
	return algorithmIdentifier{oid: OIDForHash(h)}
}

// hashWithNull is the form RFC 4055 §2.1 uses inside RSASSA-PSS parameters
// (and the form OpenSSL and Go's crypto/x509 write).
func hashWithNull(h crypto.Hash) algorithmIdentifier {
	return algorithmIdentifier{oid: OIDForHash(h), params: derNull}
}

// pssParams encodes RSASSA-PSS-params (RFC 4055 §3.1) with MGF1 over the
// same hash and a salt as long as the hash, the combination RFC 4056 §3
// recommends and every PKCS #11 token supports.
func pssParams(h crypto.Hash) ([]byte, error) {
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(tagCtx0, hashWithNull(h).marshal)
		b.AddASN1(tagCtx1, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(oidMGF1)
				hashWithNull(h).marshal(b)
			})
		})
		b.AddASN1(tagCtx2, func(b *cryptobyte.Builder) {
			b.AddASN1Int64(int64(h.Size()))
		})
	})
	return b.Bytes()
}

type pssParameters struct {
	hash, mgfHash crypto.Hash
	saltLength    int
}

// parsePSSParams reads RSASSA-PSS-params, applying the RFC 4055 defaults
// (SHA-1, MGF1 with SHA-1, salt 20, trailer 1) for absent fields.
func parsePSSParams(der []byte) (pssParameters, error) {
	p := pssParameters{hash: crypto.SHA1, mgfHash: crypto.SHA1, saltLength: 20}
	bad := fmt.Errorf("RSASSA-PSS parameters: %w", ErrMalformed)
	in := cryptobyte.String(der)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() {
		return p, bad
	}
	var field cryptobyte.String
	var present bool
	if !seq.ReadOptionalASN1(&field, &present, tagCtx0) {
		return p, bad
	}
	if present {
		var a algorithmIdentifier
		if !readAlgorithmIdentifier(&field, &a) || !field.Empty() {
			return p, bad
		}
		p.hash = HashForOID(a.oid)
	}
	if !seq.ReadOptionalASN1(&field, &present, tagCtx1) {
		return p, bad
	}
	if present {
		var mgf, inner algorithmIdentifier
		if !readAlgorithmIdentifier(&field, &mgf) || !field.Empty() || !mgf.oid.Equal(oidMGF1) {
			return p, bad
		}
		ps := cryptobyte.String(mgf.params)
		if !readAlgorithmIdentifier(&ps, &inner) || !ps.Empty() {
			return p, bad
		}
		p.mgfHash = HashForOID(inner.oid)
	}
	if !seq.ReadOptionalASN1(&field, &present, tagCtx2) {
		return p, bad
	}
	if present {
		var salt int64
		if !field.ReadASN1Integer(&salt) || !field.Empty() || salt < 0 || salt > 1<<16 {
			return p, bad
		}
		p.saltLength = int(salt)
	}
	if !seq.ReadOptionalASN1(&field, &present, tagCtx3) {
		return p, bad
	}
	if present {
		var trailer int64
		if !field.ReadASN1Integer(&trailer) || !field.Empty() || trailer != 1 {
			return p, bad
		}
	}
	if !seq.Empty() {
		return p, bad
	}
	return p, nil
}
