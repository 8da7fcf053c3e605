package cms

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/siegel-app/siegel/signing"
)

// Options says how SignDetached signs.
type Options struct {
	// Hash is the digest of the content and of the signed attributes;
	// SHA-256 when zero. SHA-384 and SHA-512 are the other choices.
	Hash crypto.Hash
	// PSS selects RSASSA-PSS instead of PKCS #1 v1.5 for RSA keys; it is
	// ignored for other keys.
	PSS bool
	// Timestamper, when set, is called once with the signature value and
	// returns an RFC 3161 TimeStampToken (a DER ContentInfo) over it, which
	// becomes the unsigned attribute id-aa-signatureTimeStampToken (level
	// B-T). Its error fails the signature: a signature asked for at B-T is
	// never handed back silently at B-B.
	Timestamper func(ctx context.Context, signatureValue []byte) ([]byte, error)
}

func (o Options) hash() crypto.Hash {
	if o.Hash == 0 {
		return crypto.SHA256
	}
	return o.Hash
}

// signatureAlgorithm is what a key and the options make of a signature.
type signatureAlgorithm struct {
	hash crypto.Hash
	id   algorithmIdentifier // SignerInfo.signatureAlgorithm
	opts crypto.SignerOpts   // for crypto.Signer.Sign
	// maxLen is the longest signature value the key can give.
	maxLen int
}

func newSignatureAlgorithm(pub crypto.PublicKey, h crypto.Hash, pss bool) (signatureAlgorithm, error) {
	if err := signingHash(h); err != nil {
		return signatureAlgorithm{}, err
	}
	a := signatureAlgorithm{hash: h, opts: h}
	switch pub := pub.(type) {
	case *rsa.PublicKey:
		a.maxLen = (pub.N.BitLen() + 7) / 8
		if pss {
			params, err := pssParams(h)
			if err != nil {
				return a, err
			}
			a.id = algorithmIdentifier{oid: oidRSAPSS, params: params}
			a.opts = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: h}
			return a, nil
		}
		// RFC 5754 §3.2: the sha*WithRSAEncryption identifiers carry NULL.
		oid := map[crypto.Hash]asn1.ObjectIdentifier{
			crypto.SHA256: oidSHA256WithRSA, crypto.SHA384: oidSHA384WithRSA, crypto.SHA512: oidSHA512WithRSA,
		}[h]
		a.id = algorithmIdentifier{oid: oid, params: derNull}
		return a, nil
	case *ecdsa.PublicKey:
		// A DER Ecdsa-Sig-Value is two INTEGERs of at most the order's size
		// plus a sign byte, each with a 2-byte header, in a SEQUENCE with at
		// most a 3-byte header.
		a.maxLen = 2*((pub.Curve.Params().N.BitLen()+7)/8) + 9
		// RFC 5758 §3.2: ecdsa-with-SHA* identifiers have no parameters.
		oid := map[crypto.Hash]asn1.ObjectIdentifier{
			crypto.SHA256: oidECDSAWithSHA256, crypto.SHA384: oidECDSAWithSHA384, crypto.SHA512: oidECDSAWithSHA512,
		}[h]
		a.id = algorithmIdentifier{oid: oid}
		return a, nil
	default:
		return a, fmt.Errorf("key type %T: %w", pub, signing.ErrUnsupported)
	}
}

// SignDetached builds a detached CMS SignedData (RFC 5652 §5) for content
// whose digest under opts.Hash the caller computed, streaming it from disk.
// The signed attributes are content-type (id-data), message-digest and ESS
// signing-certificate-v2 (RFC 5035, SHA-256 with issuerSerial); there is no
// signing-time (ETSI EN 319 142-1 §6.3 keeps the claimed time in the PDF).
// chain is the signer's certificate first, then every certificate to carry.
//
// key signs exactly once, through signing.SignContext so that a pin-pad or
// a remote key can be cancelled. The result is checked against the
// certificate before it is returned, so a token that signed with another
// key, or badly, yields an error instead of an invalid signature.
func SignDetached(ctx context.Context, key crypto.Signer, chain []*x509.Certificate, contentDigest []byte, opts Options) ([]byte, error) {
	if len(chain) == 0 || chain[0] == nil {
		return nil, fmt.Errorf("create CMS signature: %w", signing.ErrNoCertificate)
	}
	leaf := chain[0]
	fail := func(format string, args ...any) error {
		return fmt.Errorf("create CMS signature for %q: "+format, append([]any{leaf.Subject.CommonName}, args...)...)
	}
	pub := key.Public()
	if k, ok := pub.(interface{ Equal(crypto.PublicKey) bool }); !ok || !k.Equal(leaf.PublicKey) {
		return nil, fail("the key does not belong to the certificate")
	}
	alg, err := newSignatureAlgorithm(pub, opts.hash(), opts.PSS)
	if err != nil {
		return nil, fail("%w", err)
	}
	if len(contentDigest) != alg.hash.Size() {
		return nil, fail("content digest has %d bytes, %v has %d", len(contentDigest), alg.hash, alg.hash.Size())
	}
	attrs, err := signedAttributes(leaf, contentDigest)
	if err != nil {
		return nil, fail("%w", err)
	}
	// RFC 5652 §5.4: the signature covers the DER of the attributes as a
	// SET OF, not the [0] IMPLICIT form they are stored in.
	h := alg.hash.New()
	h.Write(attrs)
	digest := h.Sum(nil)

	sig, err := signing.SignContext(ctx, key, rand.Reader, digest, alg.opts)
	if err != nil {
		return nil, fail("sign: %w", err)
	}
	if err := verifySignature(leaf.PublicKey, alg.id, alg.hash, digest, sig); err != nil {
		return nil, fail("the key's signature does not verify with the certificate: %w", err)
	}

	var unsigned [][]byte
	if opts.Timestamper != nil {
		tok, err := opts.Timestamper(ctx, sig)
		if err != nil {
			return nil, fail("signature timestamp: %w", err)
		}
		if err := checkSignatureTimestamp(tok, sig); err != nil {
			return nil, fail("signature timestamp: %w", err)
		}
		a, err := attribute(OIDAttrSignatureTimeStampToken, tok)
		if err != nil {
			return nil, fail("signature timestamp: %w", err)
		}
		unsigned = append(unsigned, a)
	}
	der, err := marshalSignedData(chain, alg, attrs, sig, unsigned)
	if err != nil {
		return nil, fail("encode: %w", err)
	}
	return der, nil
}

// TimestampOverhead bounds the encoding a signature timestamp adds besides
// its token: the unsigned attributes' tag, the attribute's OID and headers,
// and longer length fields of the enclosing structures (tokens < 16 MiB).
const TimestampOverhead = 32

// MaxSize returns an upper bound of len(SignDetached(…)) for this chain and
// public key without a timestamp, so that a PDF placeholder can be sized
// once, before the key signs. It encodes the real structure with a dummy
// signature value of the longest length the key can produce, so the bound
// is tight: RSA signatures always have the modulus length, ECDSA ones are at
// most 2×(order bytes)+9. It returns 0 when SignDetached would refuse the
// key or the hash.
//
// A signature timestamp adds the token's length plus at most
// TimestampOverhead bytes of encoding.
func MaxSize(chain []*x509.Certificate, pub crypto.PublicKey, opts Options) int {
	if len(chain) == 0 || chain[0] == nil {
		return 0
	}
	alg, err := newSignatureAlgorithm(pub, opts.hash(), opts.PSS)
	if err != nil {
		return 0
	}
	attrs, err := signedAttributes(chain[0], make([]byte, alg.hash.Size()))
	if err != nil {
		return 0
	}
	der, err := marshalSignedData(chain, alg, attrs, make([]byte, alg.maxLen), nil)
	if err != nil {
		return 0
	}
	return len(der)
}

// signedAttributes returns the DER SET OF the B-B signed attributes
// (ETSI EN 319 122-1 §5.1–5.2, as EN 319 142-1 §6.3 profiles them).
func signedAttributes(leaf *x509.Certificate, contentDigest []byte) ([]byte, error) {
	contentType, err := asn1.Marshal(OIDData)
	if err != nil {
		return nil, err
	}
	digest, err := asn1.Marshal(contentDigest)
	if err != nil {
		return nil, err
	}
	ess, err := essAttribute(leaf)
	if err != nil {
		return nil, err
	}
	attrs := [][]byte{ess}
	for _, a := range []struct {
		oid   asn1.ObjectIdentifier
		value []byte
	}{
		{OIDAttrContentType, contentType},
		{OIDAttrMessageDigest, digest},
	} {
		enc, err := attribute(a.oid, a.value)
		if err != nil {
			return nil, err
		}
		attrs = append(attrs, enc)
	}
	return setOf(attrs)
}

// essCache holds the signing-certificate-v2 attribute of the last leaf: a
// batch signs thousands of documents with one certificate, and the
// attribute depends on nothing else.
var essCache atomic.Pointer[essEntry]

type essEntry struct{ raw, attr []byte }

// essAttribute returns the encoded signing-certificate-v2 attribute of c.
// The cache is keyed by the certificate's DER, so a changed certificate
// value never gets another's attribute; callers must not modify the result.
func essAttribute(c *x509.Certificate) ([]byte, error) {
	if e := essCache.Load(); e != nil && bytes.Equal(e.raw, c.Raw) {
		return e.attr, nil
	}
	essV2, err := signingCertificateV2(c)
	if err != nil {
		return nil, err
	}
	attr, err := attribute(OIDAttrSigningCertificateV2, essV2)
	if err != nil {
		return nil, err
	}
	essCache.Store(&essEntry{raw: slices.Clone(c.Raw), attr: attr})
	return attr, nil
}

// signingCertificateV2 encodes SigningCertificateV2 (RFC 5035 §3) with one
// ESSCertIDv2: the SHA-256 hash of the certificate (the DEFAULT algorithm,
// so omitted in DER) and its issuerSerial, which ties the signature to this
// exact certificate (ETSI EN 319 122-1 §5.2.2.3).
func signingCertificateV2(c *x509.Certificate) ([]byte, error) {
	sum := sha256.Sum256(c.Raw)
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SigningCertificateV2
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // certs
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ESSCertIDv2
				b.AddASN1OctetString(sum[:])
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // IssuerSerial
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // GeneralNames
						b.AddASN1(tagDirName, func(b *cryptobyte.Builder) {
							b.AddBytes(c.RawIssuer)
						})
					})
					b.AddASN1BigInt(c.SerialNumber)
				})
			})
		})
	})
	return b.Bytes()
}

// attribute encodes an Attribute with a single DER value.
func attribute(oid asn1.ObjectIdentifier, value []byte) ([]byte, error) {
	if !isOneElement(value) {
		return nil, fmt.Errorf("attribute %v: value is not one DER element: %w", oid, ErrMalformed)
	}
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { b.AddBytes(value) })
	})
	return b.Bytes()
}

func isOneElement(der []byte) bool {
	s := cryptobyte.String(der)
	var el cryptobyte.String
	var tag cbasn1.Tag
	return s.ReadAnyASN1Element(&el, &tag) && s.Empty()
}

// setOf encodes a DER SET OF: X.690 §11.6 orders the elements by their
// encodings. No DER element is a prefix of another, so bytes.Compare gives
// that order.
func setOf(elems [][]byte) ([]byte, error) {
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
		for _, e := range sortDER(elems) {
			b.AddBytes(e)
		}
	})
	return b.Bytes()
}

func sortDER(elems [][]byte) [][]byte {
	sorted := slices.Clone(elems)
	slices.SortFunc(sorted, bytes.Compare)
	return sorted
}

// marshalSignedData writes the ContentInfo. signedAttrs is the DER SET as
// signed; it is stored under [0] IMPLICIT, which changes only the tag byte.
func marshalSignedData(chain []*x509.Certificate, alg signatureAlgorithm, signedAttrs, sig []byte, unsigned [][]byte) ([]byte, error) {
	if len(signedAttrs) == 0 || signedAttrs[0] != 0x31 {
		return nil, errors.New("signed attributes are not a SET")
	}
	leaf := chain[0]
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ContentInfo
		b.AddASN1ObjectIdentifier(OIDSignedData)
		b.AddASN1(tagCtx0, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SignedData
				// RFC 5652 §5.1: version 1 for id-data, no attribute
				// certificates and only version 1 SignerInfos.
				b.AddASN1Int64(1)
				b.AddASN1(cbasn1.SET, digestAlgorithm(alg.hash).marshal)
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(OIDData) // eContent absent: detached
				})
				// Certificates in the order given, leaf first, which is what
				// verifiers that take the first certificate expect; the set
				// is not signed, so the order cannot break the signature.
				b.AddASN1(tagCtx0, func(b *cryptobyte.Builder) { // [0] IMPLICIT CertificateSet
					seen := map[string]bool{}
					for _, c := range chain {
						if c == nil || seen[string(c.Raw)] {
							continue
						}
						seen[string(c.Raw)] = true
						b.AddBytes(c.Raw)
					}
				})
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SignerInfo
						b.AddASN1Int64(1)
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // IssuerAndSerialNumber
							b.AddBytes(leaf.RawIssuer)
							b.AddASN1BigInt(leaf.SerialNumber)
						})
						digestAlgorithm(alg.hash).marshal(b)
						b.AddBytes(append([]byte{0xa0}, signedAttrs[1:]...))
						alg.id.marshal(b)
						b.AddASN1OctetString(sig)
						if len(unsigned) > 0 {
							// [1] IMPLICIT SET OF Attribute
							b.AddASN1(tagCtx1, func(b *cryptobyte.Builder) {
								for _, a := range sortDER(unsigned) {
									b.AddBytes(a)
								}
							})
						}
					})
				})
			})
		})
	})
	return b.Bytes()
}

// checkSignatureTimestamp makes sure a token from the Timestamper is a
// timestamp over this signature value (RFC 3161 Appendix A: the imprint is
// the hash of the signature field's value), so a wrongly wired Timestamper
// cannot produce a B-T signature whose timestamp proves nothing.
func checkSignatureTimestamp(tok, sig []byte) error {
	_, info, err := ParseTimestampToken(tok)
	if err != nil {
		return err
	}
	if !info.HashAlgorithm.Available() {
		return fmt.Errorf("token imprint algorithm %v: %w", info.HashAlgorithmOID, signing.ErrUnsupported)
	}
	h := info.HashAlgorithm.New()
	h.Write(sig)
	if !bytes.Equal(h.Sum(nil), info.HashedMessage) {
		return errors.New("the token's message imprint is not the hash of the signature value")
	}
	return nil
}
