package vpiv

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/siegel-app/siegel/internal/testpki"
)

// These tests speak APDUs to the card directly, without pcscd: they run
// everywhere and pin the card's behaviour to SP 800-73-4.

func newCard(t *testing.T, cfg Config) *Card {
	t.Helper()
	c, err := New(testpki.MustShared(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func h(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// apdu sends one command and splits the answer into data and status word.
func apdu(t *testing.T, c *Card, cmd []byte) ([]byte, int) {
	t.Helper()
	r := c.transmit(cmd)
	if len(r) < 2 {
		t.Fatalf("%X: answer %X has no status word", cmd, r)
	}
	return r[:len(r)-2], int(r[len(r)-2])<<8 | int(r[len(r)-1])
}

// collect sends cmd and follows 61xx with GET RESPONSE, as OpenSC does.
func collect(t *testing.T, c *Card, cmd []byte) ([]byte, int) {
	t.Helper()
	data, st := apdu(t, c, cmd)
	for st&0xFF00 == swBytesLeft {
		more, s := apdu(t, c, []byte{0x00, insGetResponse, 0, 0, byte(st)})
		data, st = append(data, more...), s
	}
	return data, st
}

func verifyCmd(pin string) []byte {
	return cat(h("00 20 00 80 08"), pad([]byte(pin)))
}

func TestParseCommand(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		data    string
		ne      int
		wantErr bool
	}{
		{name: "case 1", in: "00 20 00 80"},
		{name: "case 2", in: "00 C0 00 00 10", ne: 16},
		{name: "case 2, Le 00", in: "00 C0 00 00 00", ne: 256},
		{name: "case 3", in: "00 20 00 80 02 31 32", data: "3132"},
		{name: "case 4", in: "00 CB 3F FF 01 7E 00", data: "7E", ne: 256},
		{name: "case 2 extended", in: "00 C0 00 00 00 00 00", ne: 65536},
		{name: "case 3 extended", in: "00 87 07 9A 00 00 02 AA BB", data: "AABB"},
		{name: "case 4 extended", in: "00 87 07 9A 00 00 02 AA BB 01 00", data: "AABB", ne: 256},
		{name: "too short", in: "00 20 00", wantErr: true},
		{name: "Lc longer than data", in: "00 20 00 80 05 31", wantErr: true},
		{name: "extended Lc 0", in: "00 20 00 80 00 00 00 31", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseCommand(h(tt.in))
			if tt.wantErr {
				if err == nil {
					t.Fatalf("parsed %+v, want an error", c)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(c.data, h(tt.data)) || c.ne != tt.ne {
				t.Errorf("data %X ne %d, want %s and %d", c.data, c.ne, tt.data, tt.ne)
			}
		})
	}
}

func TestSelectAndGetData(t *testing.T) {
	c := newCard(t, Config{})
	for _, aid := range []string{"A0 00 00 03 08", "A0 00 00 03 08 00 00 10 00", "A0 00 00 03 08 00 00 10 00 01 00"} {
		data, st := collect(t, c, cat(h("00 A4 04 00"), []byte{byte(len(h(aid)))}, h(aid), h("00")))
		if st != swOK || !bytes.HasPrefix(data, h("61")) {
			t.Errorf("SELECT %s: %X %04X, want an application property template", aid, data, st)
		}
	}
	if _, st := apdu(t, c, h("00 A4 04 00 06 D2 76 00 01 24 01 00")); st != swNotFound {
		t.Errorf("SELECT of the OpenPGP AID: %04X, want 6A82", st)
	}

	tests := []struct {
		name   string
		tag    string
		want   []byte // a part the object must contain
		wantSW int
	}{
		{"CHUID holds the GUID and a FASC-N of agency 9999", "5FC102", cat(h("30 19"), fascn, h("34 10"), c.GUID()), swOK},
		{"discovery object", "7E", h("7E 12 4F 0B A0 00 00 03 08 00 00 10 00 01 00 5F 2F 02 40 00"), swOK},
		{"certificate 9A", "5FC105", cat(h("70 82"), []byte{byte(len(c.Certificate(0x9A).Raw) >> 8), byte(len(c.Certificate(0x9A).Raw))}, c.Certificate(0x9A).Raw), swOK},
		{"certificate 9C", "5FC10A", c.Certificate(0x9C).Raw, swOK},
		{"key management certificate is absent", "5FC10B", nil, swNotFound},
		{"card capability container is absent", "5FC107", nil, swNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tag := h(tt.tag)
			cmd := cat(h("00 CB 3F FF"), []byte{byte(2 + len(tag)), 0x5C, byte(len(tag))}, tag, h("00"))
			data, st := collect(t, c, cmd)
			if st != tt.wantSW {
				t.Fatalf("status %04X, want %04X", st, tt.wantSW)
			}
			if !bytes.Contains(data, tt.want) {
				t.Errorf("object %X does not contain %X", data, tt.want)
			}
		})
	}
	if _, st := apdu(t, c, h("00 C0 00 00 00")); st != swConditions {
		t.Errorf("GET RESPONSE with nothing pending: %04X, want 6985", st)
	}
}

func TestPINCounters(t *testing.T) {
	c := newCard(t, Config{PIN: "654321", PUK: "87654321"})
	steps := []struct {
		name    string
		cmd     []byte
		wantSW  int
		retries int
	}{
		{"state before any try", h("00 20 00 80"), 0x63C3, 3},
		{"wrong PIN", verifyCmd("111111"), 0x63C2, 2},
		{"right PIN resets the counter", verifyCmd("654321"), swOK, 3},
		{"state when verified", h("00 20 00 80"), swOK, 3},
		{"P1=FF resets the security status", h("00 20 FF 80"), swOK, 3},
		{"state after reset", h("00 20 00 80"), 0x63C3, 3},
		{"PIN too long for the card", cat(h("00 20 00 80 09"), []byte("123456789")), swWrongData, 3},
		{"global PIN is not supported", cat(h("00 20 00 00 08"), pad([]byte("654321"))), swRefNotFound, 3},
		{"wrong PIN 1", verifyCmd("111111"), 0x63C2, 2},
		{"wrong PIN 2", verifyCmd("111111"), 0x63C1, 1},
		{"wrong PIN 3 blocks", verifyCmd("111111"), 0x63C0, 0},
		{"blocked", verifyCmd("654321"), swBlocked, 0},
		{"state when blocked", h("00 20 00 80"), swBlocked, 0},
		{"change PIN when blocked", cat(h("00 24 00 80 10"), pad([]byte("654321")), pad([]byte("222222"))), swBlocked, 0},
		{"unblock with a wrong PUK", cat(h("00 2C 00 80 10"), pad([]byte("00000000")), pad([]byte("222222"))), 0x63C2, 0},
		{"unblock with a PIN that is not digits", cat(h("00 2C 00 80 10"), pad([]byte("87654321")), pad([]byte("abcdef"))), swWrongData, 0},
		{"unblock with the PUK", cat(h("00 2C 00 80 10"), pad([]byte("87654321")), pad([]byte("222222"))), swOK, 3},
		{"old PIN is gone", verifyCmd("654321"), 0x63C2, 2},
		{"new PIN", verifyCmd("222222"), swOK, 3},
		{"change PIN with a wrong old PIN", cat(h("00 24 00 80 10"), pad([]byte("999999")), pad([]byte("333333"))), 0x63C2, 2},
		{"change PIN", cat(h("00 24 00 80 10"), pad([]byte("222222")), pad([]byte("33333333"))), swOK, 3},
		{"changed PIN", verifyCmd("33333333"), swOK, 3},
		{"change PUK", cat(h("00 24 00 81 10"), pad([]byte("87654321")), pad([]byte("11112222"))), swOK, 3},
		{"VERIFY of the PUK is refused", cat(h("00 20 00 81 08"), pad([]byte("11112222"))), swRefNotFound, 3},
	}
	for _, s := range steps {
		_, st := apdu(t, c, s.cmd)
		if st != s.wantSW || c.PINRetries() != s.retries {
			t.Fatalf("%s: status %04X with %d tries left, want %04X and %d", s.name, st, c.PINRetries(), s.wantSW, s.retries)
		}
	}
	if c.PUKRetries() != 3 {
		t.Errorf("PUK tries %d after the right PUK, want 3", c.PUKRetries())
	}
}

// sign sends GENERAL AUTHENTICATE as OpenSC does: chained short APDUs.
func sign(t *testing.T, c *Card, alg, slot byte, challenge []byte) ([]byte, int) {
	t.Helper()
	tmpl := tlv([]byte{0x7C}, cat(tlv([]byte{0x82}, nil), tlv([]byte{0x81}, challenge)))
	for len(tmpl) > 255 {
		if _, st := apdu(t, c, cat([]byte{0x10, insGeneralAuthenticate, alg, slot, 255}, tmpl[:255])); st != swOK {
			t.Fatalf("chained part: %04X", st)
		}
		tmpl = tmpl[255:]
	}
	data, st := collect(t, c, cat([]byte{0x00, insGeneralAuthenticate, alg, slot, byte(len(tmpl))}, tmpl, []byte{0}))
	if st != swOK {
		return nil, st
	}
	outer, err := parseTLVs(data)
	if err != nil {
		t.Fatal(err)
	}
	in, err := parseTLVs(outer["\x7C"])
	if err != nil {
		t.Fatal(err)
	}
	return in["\x82"], st
}

// pkcs1Block is the EMSA-PKCS1-v1_5 block for a SHA-256 digest, what OpenSC
// sends for CKM_RSA_PKCS after padding it itself.
func pkcs1Block(digest []byte) []byte {
	di := cat(h("3031300d060960864801650304020105000420"), digest)
	block := bytes.Repeat([]byte{0xFF}, 256)
	block[0], block[1] = 0x00, 0x01
	copy(block[256-len(di)-1:], cat([]byte{0}, di))
	return block
}

func TestGeneralAuthenticate(t *testing.T) {
	c := newCard(t, Config{})
	d := sha256.Sum256([]byte("signed by a virtual card"))
	rsaPub := c.Certificate(SlotAuthentication).PublicKey.(*rsa.PublicKey)
	ecPub := c.Certificate(SlotDigitalSignature).PublicKey.(*ecdsa.PublicKey)

	if _, st := sign(t, c, algRSA2048, SlotAuthentication, pkcs1Block(d[:])); st != swSecurityStatus {
		t.Fatalf("RSA without PIN: %04X, want 6982", st)
	}
	apdu(t, c, verifyCmd("123456"))
	for i := range 2 { // 9A: the PIN once
		sig, st := sign(t, c, algRSA2048, SlotAuthentication, pkcs1Block(d[:]))
		if st != swOK {
			t.Fatalf("RSA signature %d: %04X", i, st)
		}
		if err := rsa.VerifyPKCS1v15(rsaPub, crypto.SHA256, d[:], sig); err != nil {
			t.Fatalf("RSA signature %d: %v", i, err)
		}
	}
	// 9C: the PIN before each signature.
	sig, st := sign(t, c, algECCP256, SlotDigitalSignature, d[:])
	if st != swOK || !ecdsa.VerifyASN1(ecPub, d[:], sig) {
		t.Fatalf("EC signature after VERIFY: %04X, verifies %v", st, st == swOK && ecdsa.VerifyASN1(ecPub, d[:], sig))
	}
	if _, st := sign(t, c, algECCP256, SlotDigitalSignature, d[:]); st != swSecurityStatus {
		t.Fatalf("second EC signature without VERIFY: %04X, want 6982", st)
	}
	if _, st := apdu(t, c, h("00 20 00 80")); st != swOK {
		t.Errorf("the PIN is still verified for 9A after a 9C signature: %04X, want 9000", st)
	}
	apdu(t, c, verifyCmd("123456"))
	if _, st := sign(t, c, algECCP256, SlotDigitalSignature, d[:]); st != swOK {
		t.Fatalf("EC signature after a new VERIFY: %04X", st)
	}
	if c.Signatures() != 4 {
		t.Errorf("Signatures() = %d, want 4", c.Signatures())
	}

	refusals := []struct {
		name      string
		alg, slot byte
		challenge []byte
		wantSW    int
	}{
		{"RSA block as large as the modulus", algRSA2048, SlotAuthentication, bytes.Repeat([]byte{0xFF}, 256), swWrongData},
		{"RSA block too short", algRSA2048, SlotAuthentication, d[:], swWrongData},
		{"algorithm of the other key", algECCP256, SlotAuthentication, d[:], swWrongP1P2},
		{"empty slot 9D", algRSA2048, 0x9D, pkcs1Block(d[:]), swRefNotFound},
	}
	for _, r := range refusals {
		if _, st := sign(t, c, r.alg, r.slot, r.challenge); st != r.wantSW {
			t.Errorf("%s: %04X, want %04X", r.name, st, r.wantSW)
		}
	}
}

func TestUnknownCommands(t *testing.T) {
	c := newCard(t, Config{})
	tests := []struct {
		name   string
		cmd    string
		wantSW int
	}{
		{"YubiKey GET VERSION", "00 FD 00 00 00", swINSNotSupported},
		{"proprietary class", "80 CA 00 00 00", swCLANotSupported},
		{"chained SELECT", "10 A4 04 00 05 A0 00 00 03 08", swChainNotSupported},
		{"malformed", "00 CB 3F FF 05 5C", swWrongLength},
	}
	for _, tt := range tests {
		if _, st := apdu(t, c, h(tt.cmd)); st != tt.wantSW {
			t.Errorf("%s: %04X, want %04X", tt.name, st, tt.wantSW)
		}
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	for _, cfg := range []Config{{PIN: "12345"}, {PIN: "12345a"}, {PUK: "123456789"}, {PINRetries: 16}} {
		if _, err := New(testpki.MustShared(t), cfg); err == nil {
			t.Errorf("New(%+v) succeeded", cfg)
		}
	}
}

// pipeDialer connects a card to the other end of an in-memory pipe, where
// the test plays vpcd.
type pipeDialer struct{ reader chan net.Conn }

func (p *pipeDialer) Dial(int) (net.Conn, error) {
	card, reader := net.Pipe()
	p.reader <- reader
	return card, nil
}

type failDialer struct{}

func (failDialer) Dial(int) (net.Conn, error) { return nil, errors.New("no reader") }

// TestVPCDProtocol plays vpcd: power on, ATR, an APDU, a stalled signature
// ended by removal, and re-insertion with the PIN state kept.
func TestVPCDProtocol(t *testing.T) {
	c := newCard(t, Config{ATR: h("3B 06 53 49 45 47 45 4C")})
	if err := c.Insert(failDialer{}, 0); err == nil || c.Inserted() {
		t.Fatalf("Insert with a failing dialer: %v, inserted %v", err, c.Inserted())
	}
	p := &pipeDialer{reader: make(chan net.Conn, 1)}
	inserted := make(chan error, 1)
	go func() { inserted <- c.Insert(p, 0) }()
	r := <-p.reader
	exchange := func(msg []byte) []byte {
		t.Helper()
		if err := writeMsg(r, msg); err != nil {
			t.Fatal(err)
		}
		resp, err := readMsg(r)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	if err := writeMsg(r, []byte{ctrlOn}); err != nil {
		t.Fatal(err)
	}
	if got := exchange([]byte{ctrlATR}); !bytes.Equal(got, c.ATR()) {
		t.Fatalf("ATR %X, want %X", got, c.ATR())
	}
	if err := <-inserted; err != nil {
		t.Fatalf("Insert: %v", err)
	}
	if err := c.Insert(p, 0); err == nil {
		t.Error("a second Insert succeeded")
	}
	if got := exchange(verifyCmd("000000")); !bytes.Equal(got, h("63C2")) {
		t.Fatalf("wrong PIN: %X", got)
	}
	if got := exchange(verifyCmd("123456")); !bytes.Equal(got, h("9000")) {
		t.Fatalf("right PIN: %X", got)
	}
	if err := writeMsg(r, []byte{ctrlReset}); err != nil {
		t.Fatal(err)
	}
	if got := exchange(h("00 20 00 80")); !bytes.Equal(got, h("63C3")) {
		t.Fatalf("PIN state after reset: %X, want 63C3 (not verified)", got)
	}
	exchange(verifyCmd("000000"))

	c.StallSignatures(true)
	d := sha256.Sum256(nil)
	ga := cat(h("00 87 11 9C 24 7C 22 82 00 81 20"), d[:], h("00"))
	if err := writeMsg(r, ga); err != nil {
		t.Fatal(err)
	}
	answered := make(chan struct{})
	go func() {
		readMsg(r)
		close(answered)
	}()
	select {
	case <-answered:
		t.Fatal("a stalled signature was answered")
	case <-time.After(50 * time.Millisecond):
	}
	c.Remove()
	<-answered // the reader side sees the connection close
	if c.Inserted() {
		t.Fatal("inserted after Remove")
	}
	c.StallSignatures(false)
	if c.PINRetries() != 2 {
		t.Errorf("PIN tries %d after removal, want 2 (kept)", c.PINRetries())
	}
}
