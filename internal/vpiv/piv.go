package vpiv

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"math/big"
)

// Instructions (SP 800-73-4 Part 2 Table 19; GET RESPONSE from ISO/IEC
// 7816-4 §7.6.1).
const (
	insSelect                   = 0xA4
	insGetData                  = 0xCB
	insVerify                   = 0x20
	insChangeReference          = 0x24
	insResetRetryCounter        = 0x2C
	insGeneralAuthenticate      = 0x87
	insGetResponse              = 0xC0
	keyRefPIN              byte = 0x80 // PIV Card Application PIN
	keyRefPUK              byte = 0x81 // PIN Unblocking Key
	algRSA2048             byte = 0x07 // SP 800-78-4 Table 6-2
	algECCP256             byte = 0x11
)

// pivAID is the full PIV Card Application AID (SP 800-73-4 Part 1 §2.2).
var pivAID = []byte{0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00}

// fascn is a FASC-N (TIG SCEPACS) for agency code 9999, system 9999,
// credential 999999 ("SS 9999 FS 9999 FS 999999 FS 0 FS 1 FS 0000000000 3 0000 1
// ES LRC" in 5-bit BCD with odd parity). Agency code 9999 marks a credential
// of a non-federal issuer, for which OpenSC takes the serial number from the
// GUID instead (card-piv.c, piv_get_serial_nr_from_CHUI). It is the value
// YubiKeys ship with.
var fascn = []byte{
	0xD4, 0xE7, 0x39, 0xDA, 0x73, 0x9C, 0xED, 0x39, 0xCE, 0x73, 0x9D, 0x83, 0x68,
	0x58, 0x21, 0x08, 0x42, 0x10, 0x84, 0x21, 0xC8, 0x42, 0x10, 0xC3, 0xEB,
}

// Tags of the data objects (SP 800-73-4 Part 1 Table 3).
var (
	tagDiscovery = []byte{0x7E}
	tagCHUID     = []byte{0x5F, 0xC1, 0x02}
	tagCert9A    = []byte{0x5F, 0xC1, 0x05}
	tagCert9C    = []byte{0x5F, 0xC1, 0x0A}
	tagData      = []byte{0x53} // the template GET DATA answers with
)

// makeObjects builds the data objects as GET DATA returns them.
func (c *Card) makeObjects() {
	// Discovery Object (Part 1 §3.3.2): the PIV AID and the PIN usage
	// policy 40 00 (only the PIV Card Application PIN, no global PIN).
	c.objects[hex.EncodeToString(tagDiscovery)] = tlv(tagDiscovery, cat(
		tlv([]byte{0x4F}, pivAID),
		tlv([]byte{0x5F, 0x2F}, []byte{0x40, 0x00}),
	))
	// CHUID (Part 1 §3.1.2; TIG SCEPACS): FASC-N, GUID, expiration date,
	// an empty issuer signature and the error detection code.
	c.objects[hex.EncodeToString(tagCHUID)] = tlv(tagData, cat(
		tlv([]byte{0x30}, fascn),
		tlv([]byte{0x34}, c.guid),
		tlv([]byte{0x35}, []byte("20301231")),
		tlv([]byte{0x3E}, nil),
		tlv([]byte{0xFE}, nil),
	))
	// X.509 certificate objects (Part 1 Appendix A, tags 70 certificate,
	// 71 CertInfo 00 = not compressed, FE error detection code).
	for tag, slot := range map[string]byte{string(tagCert9A): SlotAuthentication, string(tagCert9C): SlotDigitalSignature} {
		c.objects[hex.EncodeToString([]byte(tag))] = tlv(tagData, cat(
			tlv([]byte{0x70}, c.certs[slot].Raw),
			tlv([]byte{0x71}, []byte{0x00}),
			tlv([]byte{0xFE}, nil),
		))
	}
}

// transmit answers one command APDU with a response APDU.
func (c *Card) transmit(msg []byte) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	cmd, err := parseCommand(msg)
	if err != nil {
		return sw(swWrongLength)
	}
	if cmd.cla&^claChain != 0x00 {
		return sw(swCLANotSupported)
	}
	if cmd.ins != insGetResponse {
		c.pending = nil
	}
	hdr := [3]byte{cmd.ins, cmd.p1, cmd.p2}
	if c.chaining && c.chainHdr != hdr {
		// A chain ends with a command of the same header; anything else
		// abandons it.
		c.chaining, c.chain = false, nil
	}
	if cmd.cla&claChain != 0 {
		if cmd.ins != insGeneralAuthenticate {
			return sw(swChainNotSupported)
		}
		c.chaining, c.chainHdr = true, hdr
		c.chain = append(c.chain, cmd.data...)
		return sw(swOK)
	}
	if c.chaining {
		cmd.data = append(c.chain, cmd.data...)
		c.chaining, c.chain = false, nil
	}
	switch cmd.ins {
	case insGetResponse:
		if len(c.pending) == 0 {
			return sw(swConditions)
		}
		return c.respond(cmd.ne, c.pending)
	case insSelect:
		return c.selectApp(cmd)
	case insGetData:
		return c.getData(cmd)
	case insVerify:
		return c.verify(cmd)
	case insChangeReference:
		return c.changeReference(cmd)
	case insResetRetryCounter:
		return c.resetRetryCounter(cmd)
	case insGeneralAuthenticate:
		return c.generalAuthenticate(cmd)
	}
	return sw(swINSNotSupported)
}

// respond sends as much of data as the command expects, and keeps the rest
// for GET RESPONSE, announced by 61xx (00 for 256 or more).
func (c *Card) respond(ne int, data []byte) []byte {
	n := min(ne, len(data))
	out := append([]byte(nil), data[:n]...)
	c.pending = append([]byte(nil), data[n:]...)
	if len(c.pending) == 0 {
		return append(out, sw(swOK)...)
	}
	return append(out, sw(swBytesLeft|min(len(c.pending), 0x100)&0xFF)...)
}

// selectApp is SELECT (Part 2 §3.1.1): the PIV AID, right-truncated or
// full, answered with the application property template.
func (c *Card) selectApp(cmd command) []byte {
	if cmd.p1 != 0x04 || cmd.p2 != 0x00 {
		return sw(swWrongP1P2)
	}
	if len(cmd.data) < 5 || !bytes.HasPrefix(pivAID, cmd.data) {
		return sw(swNotFound)
	}
	apt := tlv([]byte{0x61}, cat(
		tlv([]byte{0x4F}, pivAID[5:]), // the PIX with the version
		tlv([]byte{0x79}, tlv([]byte{0x4F}, pivAID[:5])),
		tlv([]byte{0x50}, []byte("Siegel virtual PIV")),
		tlv([]byte{0xAC}, cat(
			tlv([]byte{0x80}, []byte{algRSA2048}),
			tlv([]byte{0x80}, []byte{algECCP256}),
			tlv([]byte{0x06}, nil),
		)),
	))
	return c.respond(cmd.ne, apt)
}

// getData is GET DATA (Part 2 §3.1.2): P1-P2 3FFF, data 5C <tag>.
func (c *Card) getData(cmd command) []byte {
	if cmd.p1 != 0x3F || cmd.p2 != 0xFF {
		return sw(swWrongP1P2)
	}
	t, err := parseTLVs(cmd.data)
	if err != nil || t["\x5C"] == nil {
		return sw(swWrongData)
	}
	obj, ok := c.objects[hex.EncodeToString(t["\x5C"])]
	if !ok {
		return sw(swNotFound)
	}
	return c.respond(cmd.ne, obj)
}

// verify is VERIFY (Part 2 §3.2.1) of the PIV Card Application PIN.
func (c *Card) verify(cmd command) []byte {
	if cmd.p2 != keyRefPIN {
		return sw(swRefNotFound)
	}
	switch {
	case cmd.p1 == 0xFF && len(cmd.data) == 0: // reset the security status
		c.verified, c.alwaysOK = false, false
		return sw(swOK)
	case cmd.p1 != 0x00:
		return sw(swWrongP1P2)
	case len(cmd.data) == 0: // the state, without a try
		switch {
		case c.pinTries == 0:
			return sw(swBlocked)
		case c.verified:
			return sw(swOK)
		}
		return sw(swTriesLeft | c.pinTries)
	case len(cmd.data) != 8:
		return sw(swWrongData)
	case c.pinTries == 0:
		return sw(swBlocked)
	}
	if !c.tryPIN(cmd.data) {
		return sw(swTriesLeft | c.pinTries) // 63C0 for the try that blocks it
	}
	c.verified, c.alwaysOK = true, true
	return sw(swOK)
}

// tryPIN checks a padded PIN of a PIN that is not blocked; a wrong one
// spends a try and ends the verified state.
func (c *Card) tryPIN(padded []byte) bool {
	if subtle.ConstantTimeCompare(padded, c.pin) == 1 {
		c.pinTries = c.pinMax
		return true
	}
	c.pinTries--
	c.verified, c.alwaysOK = false, false
	return false
}

// changeReference is CHANGE REFERENCE DATA (Part 2 §3.2.2): old value and
// new value, each padded to 8 bytes.
func (c *Card) changeReference(cmd command) []byte {
	if cmd.p1 != 0x00 {
		return sw(swWrongP1P2)
	}
	if len(cmd.data) != 16 {
		return sw(swWrongData)
	}
	old, nw := cmd.data[:8], cmd.data[8:]
	switch cmd.p2 {
	case keyRefPIN:
		if c.pinTries == 0 {
			return sw(swBlocked)
		}
		if _, ok := padPIN(unpad(nw)); !ok || !bytes.Equal(nw, pad(unpad(nw))) {
			return sw(swWrongData)
		}
		if !c.tryPIN(old) {
			return sw(swTriesLeft | c.pinTries)
		}
		c.pin = append([]byte(nil), nw...)
		return sw(swOK)
	case keyRefPUK:
		if c.pukTries == 0 {
			return sw(swBlocked)
		}
		if !c.tryPUK(old) {
			return sw(swTriesLeft | c.pukTries)
		}
		c.puk = append([]byte(nil), nw...)
		return sw(swOK)
	}
	return sw(swRefNotFound)
}

func (c *Card) tryPUK(padded []byte) bool {
	if subtle.ConstantTimeCompare(padded, c.puk) == 1 {
		c.pukTries = c.pukMax
		return true
	}
	c.pukTries--
	return false
}

// resetRetryCounter is RESET RETRY COUNTER (Part 2 §3.2.3): the PUK and a
// new PIN unblock the PIN and reset its counter.
func (c *Card) resetRetryCounter(cmd command) []byte {
	if cmd.p1 != 0x00 || cmd.p2 != keyRefPIN {
		return sw(swWrongP1P2)
	}
	if len(cmd.data) != 16 {
		return sw(swWrongData)
	}
	puk, nw := cmd.data[:8], cmd.data[8:]
	if c.pukTries == 0 {
		return sw(swBlocked)
	}
	if _, ok := padPIN(unpad(nw)); !ok || !bytes.Equal(nw, pad(unpad(nw))) {
		return sw(swWrongData)
	}
	if !c.tryPUK(puk) {
		return sw(swTriesLeft | c.pukTries)
	}
	c.pin = append([]byte(nil), nw...)
	c.pinTries = c.pinMax
	return sw(swOK)
}

// generalAuthenticate is GENERAL AUTHENTICATE (Part 2 §3.2.4) for a
// signature: data 7C { 82 00, 81 <challenge> }, answer 7C { 82 <response> }.
// For RSA the challenge is the padded block (the host pads, PKCS#1 or PSS)
// and the response is its raw private-key operation; for ECDSA the
// challenge is the hash and the response a DER ECDSA-Sig-Value.
func (c *Card) generalAuthenticate(cmd command) []byte {
	outer, err := parseTLVs(cmd.data)
	if err != nil || outer["\x7C"] == nil {
		return sw(swWrongData)
	}
	in, err := parseTLVs(outer["\x7C"])
	if err != nil {
		return sw(swWrongData)
	}
	resp, hasResp := in["\x82"]
	challenge := in["\x81"]
	if !hasResp || len(resp) != 0 || challenge == nil {
		return sw(swWrongData) // other authentication modes are not supported
	}
	var sig []byte
	switch cmd.p2 {
	case SlotAuthentication:
		if cmd.p1 != algRSA2048 {
			return sw(swWrongP1P2)
		}
		if !c.verified {
			return sw(swSecurityStatus)
		}
		if sig = c.rsaRaw(challenge); sig == nil {
			return sw(swWrongData)
		}
	case SlotDigitalSignature:
		if cmd.p1 != algECCP256 {
			return sw(swWrongP1P2)
		}
		// PIN policy "always": one verification per signature.
		if !c.verified || !c.alwaysOK {
			return sw(swSecurityStatus)
		}
		if sig, err = ecdsa.SignASN1(rand.Reader, c.ecKey, challenge); err != nil {
			return sw(swWrongData)
		}
		c.alwaysOK = false
	default:
		return sw(swRefNotFound)
	}
	c.signatures++
	return c.respond(cmd.ne, tlv([]byte{0x7C}, tlv([]byte{0x82}, sig)))
}

// rsaRaw is the RSA private-key operation on a block as long as the
// modulus, by the Chinese remainder theorem; nil if the block is not a
// number below the modulus. Timing does not matter for a test card.
func (c *Card) rsaRaw(block []byte) []byte {
	k := c.rsaKey
	size := k.Size()
	m := new(big.Int).SetBytes(block)
	if len(block) != size || m.Cmp(k.N) >= 0 {
		return nil
	}
	p, q := k.Primes[0], k.Primes[1]
	one := big.NewInt(1)
	dp := new(big.Int).Mod(k.D, new(big.Int).Sub(p, one))
	dq := new(big.Int).Mod(k.D, new(big.Int).Sub(q, one))
	qinv := new(big.Int).ModInverse(q, p)
	m1 := new(big.Int).Exp(m, dp, p)
	m2 := new(big.Int).Exp(m, dq, q)
	h := new(big.Int).Sub(m1, m2)
	h.Mul(h, qinv).Mod(h, p)
	s := h.Mul(h, q).Add(h, m2)
	return s.FillBytes(make([]byte, size))
}

// padPIN pads a PIN of 6 to 8 digits with FF to 8 bytes (Part 2 §2.4.3).
func padPIN(pin []byte) ([]byte, bool) {
	if len(pin) < 6 || len(pin) > 8 {
		return nil, false
	}
	for _, b := range pin {
		if b < '0' || b > '9' {
			return nil, false
		}
	}
	return pad(pin), true
}

// padPUK pads a PUK of up to 8 bytes with FF.
func padPUK(puk []byte) ([]byte, bool) {
	if len(puk) == 0 || len(puk) > 8 {
		return nil, false
	}
	return pad(puk), true
}

func pad(b []byte) []byte {
	out := bytes.Repeat([]byte{0xFF}, 8)
	copy(out, b)
	return out
}

func unpad(b []byte) []byte { return bytes.TrimRight(b, "\xFF") }
