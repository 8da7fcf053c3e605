package vpiv

import (
	"encoding/binary"
	"errors"
)

// Status words (ISO/IEC 7816-4 §5.1.3; SP 800-73-4 Part 2 Appendix A).
const (
	swOK                = 0x9000
	swBytesLeft         = 0x6100 // 61xx: xx more bytes for GET RESPONSE
	swTriesLeft         = 0x63C0 // 63Cx: verification failed, x tries left
	swWrongLength       = 0x6700
	swChainNotSupported = 0x6884
	swSecurityStatus    = 0x6982
	swBlocked           = 0x6983
	swConditions        = 0x6985
	swWrongData         = 0x6A80
	swNotFound          = 0x6A82
	swWrongP1P2         = 0x6A86
	swRefNotFound       = 0x6A88
	swINSNotSupported   = 0x6D00
	swCLANotSupported   = 0x6E00
)

// claChain is the command chaining bit of CLA (ISO/IEC 7816-4 §5.4.1).
const claChain = 0x10

// command is a parsed command APDU (ISO/IEC 7816-4 §5.1).
type command struct {
	cla, ins, p1, p2 byte
	data             []byte
	ne               int // bytes expected in the answer; 0 when Le is absent
}

var errAPDULength = errors.New("malformed APDU")

// parseCommand parses the four cases of short and extended APDUs.
func parseCommand(b []byte) (command, error) {
	if len(b) < 4 {
		return command{}, errAPDULength
	}
	c := command{cla: b[0], ins: b[1], p1: b[2], p2: b[3]}
	body := b[4:]
	switch {
	case len(body) == 0: // case 1
		return c, nil
	case len(body) == 1: // case 2 short
		c.ne = int(body[0])
		if c.ne == 0 {
			c.ne = 256
		}
		return c, nil
	case body[0] != 0: // case 3 or 4 short
		lc := int(body[0])
		switch len(body) {
		case 1 + lc:
		case 2 + lc:
			c.ne = int(body[1+lc])
			if c.ne == 0 {
				c.ne = 256
			}
		default:
			return c, errAPDULength
		}
		c.data = body[1 : 1+lc]
		return c, nil
	case len(body) == 3: // case 2 extended
		c.ne = int(binary.BigEndian.Uint16(body[1:]))
		if c.ne == 0 {
			c.ne = 65536
		}
		return c, nil
	case len(body) > 3: // case 3 or 4 extended
		lc := int(binary.BigEndian.Uint16(body[1:]))
		if lc == 0 {
			return c, errAPDULength
		}
		switch len(body) {
		case 3 + lc:
		case 5 + lc:
			c.ne = int(binary.BigEndian.Uint16(body[3+lc:]))
			if c.ne == 0 {
				c.ne = 65536
			}
		default:
			return c, errAPDULength
		}
		c.data = body[3 : 3+lc]
		return c, nil
	}
	return c, errAPDULength
}

func sw(code int) []byte { return []byte{byte(code >> 8), byte(code)} }

// tlv encodes a BER-TLV (ISO/IEC 7816-4 §5.2; SP 800-73-4 Part 2 §3.1):
// tags of one or more bytes as given, definite lengths of one to three
// bytes.
func tlv(tag []byte, value []byte) []byte {
	out := append([]byte(nil), tag...)
	switch n := len(value); {
	case n < 0x80:
		out = append(out, byte(n))
	case n < 0x100:
		out = append(out, 0x81, byte(n))
	default:
		out = append(out, 0x82, byte(n>>8), byte(n))
	}
	return append(out, value...)
}

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// parseTLVs splits b into its top-level BER-TLV objects. Tags are returned
// with all their bytes.
func parseTLVs(b []byte) (map[string][]byte, error) {
	out := map[string][]byte{}
	for len(b) > 0 {
		tagLen := 1
		if b[0]&0x1F == 0x1F { // multi-byte tag
			for tagLen < len(b) && b[tagLen]&0x80 != 0 {
				tagLen++
			}
			tagLen++
		}
		if tagLen >= len(b) {
			return nil, errors.New("truncated TLV tag")
		}
		tag := string(b[:tagLen])
		b = b[tagLen:]
		n, hdr := 0, 1
		switch {
		case b[0] < 0x80:
			n = int(b[0])
		case b[0] == 0x81 && len(b) >= 2:
			n, hdr = int(b[1]), 2
		case b[0] == 0x82 && len(b) >= 3:
			n, hdr = int(binary.BigEndian.Uint16(b[1:])), 3
		default:
			return nil, errors.New("bad TLV length")
		}
		if len(b) < hdr+n {
			return nil, errors.New("truncated TLV value")
		}
		out[tag] = b[hdr : hdr+n]
		b = b[hdr+n:]
	}
	return out, nil
}
