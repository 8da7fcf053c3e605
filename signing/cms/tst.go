package cms

import (
	"crypto"
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// TSTInfo is the content of an RFC 3161 TimeStampToken (RFC 3161 §2.4.2).
type TSTInfo struct {
	Raw     []byte
	Version int
	Policy  asn1.ObjectIdentifier
	// HashAlgorithm is the message imprint's algorithm, 0 when unknown
	// (HashAlgorithmOID still says which).
	HashAlgorithm    crypto.Hash
	HashAlgorithmOID asn1.ObjectIdentifier
	HashedMessage    []byte
	SerialNumber     *big.Int
	GenTime          time.Time
	// Accuracy is zero when the TSA does not state it.
	Accuracy time.Duration
	Ordering bool
	// Nonce is nil when the request had none.
	Nonce *big.Int
}

// ParseTimestampToken reads an RFC 3161 TimeStampToken: a SignedData whose
// eContentType is id-ct-TSTInfo (RFC 3161 §2.4.2), and its TSTInfo. It does
// not verify the token; use the SignedData's Verify with the hash of its
// Content, and judge the TSA's certificate separately.
func ParseTimestampToken(der []byte) (*SignedData, *TSTInfo, error) {
	sd, err := Parse(der)
	if err != nil {
		return nil, nil, fmt.Errorf("parse timestamp token: %w", err)
	}
	if !sd.ContentType.Equal(OIDTSTInfo) {
		return nil, nil, fmt.Errorf("parse timestamp token: content type %v is not TSTInfo: %w", sd.ContentType, ErrMalformed)
	}
	if sd.Content == nil {
		return nil, nil, fmt.Errorf("parse timestamp token: no TSTInfo: %w", ErrMalformed)
	}
	info, err := parseTSTInfo(sd.Content)
	if err != nil {
		return nil, nil, fmt.Errorf("parse timestamp token: %w", err)
	}
	return sd, info, nil
}

func parseTSTInfo(der []byte) (*TSTInfo, error) {
	bad := func(what string) error { return fmt.Errorf("TSTInfo %s: %w", what, ErrMalformed) }
	t := &TSTInfo{Raw: der}
	in := cryptobyte.String(der)
	var seq, imprint cryptobyte.String
	var version int64
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() {
		return nil, bad("structure")
	}
	if !seq.ReadASN1Integer(&version) || version != 1 {
		return nil, bad("version")
	}
	t.Version = int(version)
	if !seq.ReadASN1ObjectIdentifier(&t.Policy) {
		return nil, bad("policy")
	}
	var alg algorithmIdentifier
	if !seq.ReadASN1(&imprint, cbasn1.SEQUENCE) || !readAlgorithmIdentifier(&imprint, &alg) ||
		!imprint.ReadASN1Bytes(&t.HashedMessage, cbasn1.OCTET_STRING) || !imprint.Empty() {
		return nil, bad("message imprint")
	}
	t.HashAlgorithmOID = alg.oid
	t.HashAlgorithm = HashForOID(alg.oid)
	t.SerialNumber = new(big.Int)
	if !seq.ReadASN1Integer(t.SerialNumber) {
		return nil, bad("serial number")
	}
	var gen cryptobyte.String
	if !seq.ReadASN1(&gen, cbasn1.GeneralizedTime) {
		return nil, bad("genTime")
	}
	// cryptobyte and encoding/asn1 reject fractional seconds, which
	// RFC 3161 §2.4.2 allows and many TSAs send; time.Parse reads them.
	gt, err := time.Parse("20060102150405Z0700", string(gen))
	if err != nil || gen[len(gen)-1] != 'Z' {
		return nil, bad("genTime")
	}
	t.GenTime = gt
	if seq.PeekASN1Tag(cbasn1.SEQUENCE) {
		var acc cryptobyte.String
		var secs, millis, micros int64
		// Accuracy ::= SEQUENCE { seconds INTEGER OPTIONAL,
		// millis [0] INTEGER OPTIONAL, micros [1] INTEGER OPTIONAL }, the
		// tags IMPLICIT (RFC 3161 module).
		optInt := func(s *cryptobyte.String, out *int64, tag cbasn1.Tag) bool {
			return !s.PeekASN1Tag(tag) || s.ReadASN1Int64WithTag(out, tag)
		}
		if !seq.ReadASN1(&acc, cbasn1.SEQUENCE) ||
			!optInt(&acc, &secs, cbasn1.INTEGER) ||
			!optInt(&acc, &millis, cbasn1.Tag(0).ContextSpecific()) ||
			!optInt(&acc, &micros, cbasn1.Tag(1).ContextSpecific()) || !acc.Empty() ||
			secs < 0 || secs > 1<<31 || millis < 0 || millis > 999 || micros < 0 || micros > 999 {
			return nil, bad("accuracy")
		}
		t.Accuracy = time.Duration(secs)*time.Second + time.Duration(millis)*time.Millisecond + time.Duration(micros)*time.Microsecond
	}
	// ReadOptionalASN1Boolean expects an EXPLICIT tag; ordering is a bare
	// BOOLEAN DEFAULT FALSE.
	if seq.PeekASN1Tag(cbasn1.BOOLEAN) && !seq.ReadASN1Boolean(&t.Ordering) {
		return nil, bad("ordering")
	}
	if seq.PeekASN1Tag(cbasn1.INTEGER) {
		t.Nonce = new(big.Int)
		if !seq.ReadASN1Integer(t.Nonce) {
			return nil, bad("nonce")
		}
	}
	// tsa [0] and extensions [1] are not needed by Siegel.
	if !seq.SkipOptionalASN1(tagCtx0) || !seq.SkipOptionalASN1(tagCtx1) || !seq.Empty() {
		return nil, bad("trailing fields")
	}
	return t, nil
}
