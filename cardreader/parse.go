package cardreader

import "encoding/binary"

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

// status is the status word of a response APDU, 0 on transmission error.
func status(rsp []byte, err error) uint16 {
	if err != nil || len(rsp) < 2 {
		return 0
	}
	return uint16(rsp[len(rsp)-2])<<8 | uint16(rsp[len(rsp)-1])
}

// parseVerify reads the answer to an empty VERIFY (ISO/IEC 7816-4 §11.5.6):
// 9000 verified, 63Cx x tries left, 6983 blocked.
func parseVerify(sw uint16) PINState {
	switch {
	case sw == 0x9000:
		return PINState{Known: true, Verified: true, RetriesLeft: -1}
	case sw&0xFFF0 == 0x63C0:
		n := int(sw & 0x0F)
		return PINState{Known: true, RetriesLeft: n, Blocked: n == 0}
	case sw == 0x6983:
		return PINState{Known: true, Blocked: true}
	}
	return PINState{}
}
