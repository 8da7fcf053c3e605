package cardreader

import (
	"encoding/binary"

	"github.com/ebfe/scard"
)

// PC/SC part 10 v2.02.09 §2.2: the reader lists its features as TLVs in
// answer to CM_IOCTL_GET_FEATURE_REQUEST; a PIN pad offers PIN
// verification done on the reader.
const (
	ioctlGetFeatureRequest = 3400
	featureVerifyPINStart  = 0x01
	featureVerifyPINDirect = 0x06
)

// features parses the TLV list (tag, length 4, big-endian control code).
func features(tlv []byte) map[byte]uint32 {
	out := map[byte]uint32{}
	for len(tlv) >= 2 {
		tag, n := tlv[0], int(tlv[1])
		if len(tlv) < 2+n {
			break
		}
		if n == 4 {
			out[tag] = binary.BigEndian.Uint32(tlv[2:6])
		}
		tlv = tlv[2+n:]
	}
	return out
}

// hasPINPad reports whether the features include PIN verification on the
// reader.
func hasPINPad(tlv []byte) bool {
	f := features(tlv)
	_, direct := f[featureVerifyPINDirect]
	_, start := f[featureVerifyPINStart]
	return direct || start
}

// pinPad asks the reader for its features over a direct connection, which
// works with or without a card. Readers that cannot answer have none.
func pinPad(sctx *scard.Context, reader string) bool {
	card, err := sctx.Connect(reader, scard.ShareDirect, scard.ProtocolUndefined)
	if err != nil {
		return false
	}
	defer card.Disconnect(scard.LeaveCard)
	out, err := card.Control(scard.CtlCode(ioctlGetFeatureRequest), nil)
	if err != nil {
		return false
	}
	return hasPINPad(out)
}
