package pkcs11

import (
	"crypto"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"

	"github.com/siegel-app/siegel/signing"
)

// DER prefixes of DigestInfo (RFC 8017 §9.2, note 1) for the hashes PAdES
// uses; the digest follows.
var digestInfoPrefixes = map[crypto.Hash][]byte{
	crypto.SHA256: {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20},
	crypto.SHA384: {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30},
	crypto.SHA512: {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40},
}

// digestInfo encodes digest as the DigestInfo that RSASSA-PKCS1-v1_5 signs.
func digestInfo(h crypto.Hash, digest []byte) ([]byte, error) {
	prefix, ok := digestInfoPrefixes[h]
	if !ok {
		return nil, fmt.Errorf("RSA PKCS#1 v1.5 with hash %v: %w", h, signing.ErrUnsupported)
	}
	if len(digest) != h.Size() {
		return nil, fmt.Errorf("digest is %d bytes, %v needs %d", len(digest), h, h.Size())
	}
	return append(append([]byte{}, prefix...), digest...), nil
}

// ecdsaDER converts the signature of CKM_ECDSA, r and s as two big-endian
// halves of equal length (PKCS#11 v2.40 §2.3.1), into the ASN.1
// Ecdsa-Sig-Value (RFC 5480 §2.2 / SEC 1) that crypto.Signer returns.
func ecdsaDER(raw []byte) ([]byte, error) {
	if len(raw) == 0 || len(raw)%2 != 0 {
		return nil, errors.New("malformed ECDSA signature from the token")
	}
	n := len(raw) / 2
	return asn1.Marshal(struct{ R, S *big.Int }{
		new(big.Int).SetBytes(raw[:n]),
		new(big.Int).SetBytes(raw[n:]),
	})
}
