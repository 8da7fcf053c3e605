package vpiv

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/siegel-app/siegel/internal/testpki"
)

// Slots (key references, SP 800-73-4 Part 1 Table 4b) the card has keys in.
const (
	SlotAuthentication   byte = 0x9A // PIV Authentication, RSA-2048, PIN once
	SlotDigitalSignature byte = 0x9C // Digital Signature, ECDSA P-256, PIN always
)

// Config is what a card is made with. Zero fields take the defaults.
type Config struct {
	PIN string // 6 to 8 digits; default "123456"
	PUK string // up to 8 bytes; default "12345678"
	// PINRetries and PUKRetries are the tries a counter starts with and is
	// reset to; default 3 each.
	PINRetries, PUKRetries int
	// Holder is the common name in both certificates; default
	// "Erika Mustermann".
	Holder string
	// ATR is the answer to reset; default DefaultATR. Tests of ATR
	// identification set ones no table knows.
	ATR []byte
}

// DefaultATR is a T=1 ATR whose historical bytes read "Siegel PIV". OpenSC
// knows no card by it, so its PIV driver finds the card by SELECT.
var DefaultATR = makeATR([]byte("Siegel PIV"))

// makeATR builds "3B 8n 80 01 <historical bytes> TCK": TD1 announces TD2,
// TD2 announces T=1, which makes the check byte TCK mandatory (ISO/IEC
// 7816-3 §8.2.5: the XOR of T0 to TCK is zero).
func makeATR(hist []byte) []byte {
	atr := append([]byte{0x3B, 0x80 | byte(len(hist)), 0x80, 0x01}, hist...)
	var tck byte
	for _, b := range atr[1:] {
		tck ^= b
	}
	return append(atr, tck)
}

// Dialer connects a card to a vpcd port; *pcsctest.Daemon is one, dialling
// inside pcscd's network namespace.
type Dialer interface {
	Dial(port int) (net.Conn, error)
}

// cardWaiter is a Dialer that can tell when pcscd shows a card in the
// reader behind port (pcsctest.Daemon.WaitCard).
type cardWaiter interface {
	WaitCard(port int, present bool, timeout time.Duration) error
}

// Card is a virtual PIV card. Its methods may be called from any goroutine,
// also while it is inserted.
type Card struct {
	atr     []byte
	rsaKey  *rsa.PrivateKey
	ecKey   *ecdsa.PrivateKey
	certs   map[byte]*x509.Certificate
	objects map[string][]byte // GET DATA tag (hex) → the object as sent
	guid    []byte

	mu         sync.Mutex
	pin, puk   []byte // 8 bytes, padded with FF
	pinMax     int
	pukMax     int
	pinTries   int
	pukTries   int
	signatures int
	stall      chan struct{} // non-nil while signatures stall; closed to release them
	holding    bool          // a signature is being held by StallSignatures
	session                  // volatile state, lost on power off and reset
	slot       *insertion    // the connection while inserted
}

// session is what a card forgets when it loses power.
type session struct {
	verified bool // the PIN was verified (security status of key reference 80)
	// alwaysOK is a PIN verification not yet spent by a signature with the
	// "always" key of slot 9C.
	alwaysOK bool
	pending  []byte // response bytes left for GET RESPONSE
	chain    []byte // data of a command chain so far
	chainHdr [3]byte
	chaining bool
}

// insertion is one connection to vpcd.
type insertion struct {
	d     Dialer
	port  int
	conn  net.Conn
	gone  chan struct{} // closed by Remove
	ready chan struct{} // closed when pcscd has powered the card and read its ATR
	done  chan struct{} // closed when serve has returned
	once  sync.Once
}

// New makes a card with fresh keys: RSA-2048 in slot 9A and ECDSA P-256 in
// slot 9C, each with a certificate for cfg.Holder issued by pki's
// intermediate.
func New(pki *testpki.PKI, cfg Config) (*Card, error) {
	if cfg.PIN == "" {
		cfg.PIN = "123456"
	}
	if cfg.PUK == "" {
		cfg.PUK = "12345678"
	}
	if cfg.PINRetries <= 0 {
		cfg.PINRetries = 3
	}
	if cfg.PUKRetries <= 0 {
		cfg.PUKRetries = 3
	}
	if cfg.PINRetries > 15 || cfg.PUKRetries > 15 {
		return nil, errors.New("new virtual PIV card: at most 15 retries fit in a 63Cx status word")
	}
	if cfg.Holder == "" {
		cfg.Holder = "Erika Mustermann"
	}
	if cfg.ATR == nil {
		cfg.ATR = DefaultATR
	}
	pin, ok := padPIN([]byte(cfg.PIN))
	if !ok {
		return nil, fmt.Errorf("new virtual PIV card: PIN %q is not 6 to 8 digits", cfg.PIN)
	}
	puk, ok := padPUK([]byte(cfg.PUK))
	if !ok {
		return nil, errors.New("new virtual PIV card: PUK is not 1 to 8 bytes")
	}
	c := &Card{
		atr:    append([]byte(nil), cfg.ATR...),
		pin:    pin,
		puk:    puk,
		pinMax: cfg.PINRetries, pukMax: cfg.PUKRetries,
		pinTries: cfg.PINRetries, pukTries: cfg.PUKRetries,
		certs:   map[byte]*x509.Certificate{},
		objects: map[string][]byte{},
		guid:    make([]byte, 16),
	}
	var err error
	if c.rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		return nil, fmt.Errorf("new virtual PIV card: %w", err)
	}
	if c.ecKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return nil, fmt.Errorf("new virtual PIV card: %w", err)
	}
	// As on real PIV cards: the authentication key (9A) is certified for
	// digital signatures only, the signature key (9C) for non-repudiation.
	if c.certs[SlotAuthentication], err = pki.CertifyUsage(cfg.Holder, c.rsaKey.Public(), x509.KeyUsageDigitalSignature); err != nil {
		return nil, fmt.Errorf("new virtual PIV card: certificate for slot 9A: %w", err)
	}
	if c.certs[SlotDigitalSignature], err = pki.Certify(cfg.Holder, c.ecKey.Public()); err != nil {
		return nil, fmt.Errorf("new virtual PIV card: certificate for slot 9C: %w", err)
	}
	if _, err := rand.Read(c.guid); err != nil {
		return nil, fmt.Errorf("new virtual PIV card: %w", err)
	}
	c.makeObjects()
	return c, nil
}

// ATR returns the card's answer to reset.
func (c *Card) ATR() []byte { return append([]byte(nil), c.atr...) }

// GUID returns the 16-byte GUID of the card's CHUID. OpenSC 0.23 derives
// the token serial from it.
func (c *Card) GUID() []byte { return append([]byte(nil), c.guid...) }

// PINRetries returns the tries left before the PIN blocks.
func (c *Card) PINRetries() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pinTries
}

// PUKRetries returns the tries left before the PUK blocks.
func (c *Card) PUKRetries() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pukTries
}

// Blocked reports whether the PIN is blocked (no tries left).
func (c *Card) Blocked() bool { return c.PINRetries() == 0 }

// Signatures returns how many GENERAL AUTHENTICATE operations succeeded.
func (c *Card) Signatures() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.signatures
}

// Certificate returns the certificate of slot 0x9A or 0x9C, else nil.
func (c *Card) Certificate(slot byte) *x509.Certificate { return c.certs[slot] }

// Stalled reports whether a signature request is being held by
// StallSignatures: the moment to pull the card.
func (c *Card) Stalled() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.holding
}

// Inserted reports whether the card is connected to a reader.
func (c *Card) Inserted() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.slot != nil
}

// StallSignatures makes GENERAL AUTHENTICATE wait, without an answer,
// until Remove or StallSignatures(false): for tests of a card pulled while
// it signs.
func (c *Card) StallSignatures(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case on && c.stall == nil:
		c.stall = make(chan struct{})
	case !on && c.stall != nil:
		close(c.stall)
		c.stall = nil
	}
}

// Insert connects the card to the reader behind port (pcsctest.Port0 or
// Port1) and serves it until Remove, or until pcscd closes the connection
// (pcscd stopped). It returns once pcscd has powered the card and read its
// ATR, so that PC/SC clients see it. Inserting a card that is inserted is an
// error.
func (c *Card) Insert(d Dialer, port int) error {
	c.mu.Lock()
	if c.slot != nil {
		c.mu.Unlock()
		return errors.New("insert virtual PIV card: already inserted")
	}
	// Reserve the slot before dialling so that two Inserts cannot race.
	ins := &insertion{d: d, port: port, gone: make(chan struct{}), ready: make(chan struct{}), done: make(chan struct{})}
	c.slot = ins
	c.mu.Unlock()

	conn, err := d.Dial(port)
	c.mu.Lock()
	if err != nil {
		c.slot = nil
		close(ins.done)
		c.mu.Unlock()
		return fmt.Errorf("insert virtual PIV card: %w", err)
	}
	ins.conn = conn
	c.mu.Unlock()
	go c.serve(ins)

	// vpcd accepts a card only when pcscd polls the reader (every 0.4 s);
	// pcscd then powers it up and reads the ATR. Waiting for that here
	// spares every test a poll.
	select {
	case <-ins.ready:
		if w, ok := d.(cardWaiter); ok {
			if err := w.WaitCard(port, true, insertTimeout); err != nil {
				c.Remove()
				return fmt.Errorf("insert virtual PIV card: %w", err)
			}
		}
		return nil
	case <-ins.done:
		return errors.New("insert virtual PIV card: the reader closed the connection before powering the card")
	case <-time.After(insertTimeout):
		c.Remove()
		return fmt.Errorf("insert virtual PIV card: pcscd did not power the card within %v (wrong port, or another card in that reader?)", insertTimeout)
	}
}

const insertTimeout = 10 * time.Second

// Remove pulls the card: it closes the connection, which vpcd reports to
// pcscd as a removal, and waits until the card has stopped serving and, with
// a pcsctest.Daemon, until pcscd shows the reader empty (see
// pcsctest.Daemon.WaitCard for why). The card forgets its session (PIN
// verification) as a real card loses power. Remove on a card that is not
// inserted does nothing.
func (c *Card) Remove() {
	c.mu.Lock()
	ins := c.slot
	var conn net.Conn
	if ins != nil {
		conn = ins.conn
	}
	c.mu.Unlock()
	if ins == nil {
		return
	}
	ins.once.Do(func() { close(ins.gone) })
	if conn != nil {
		conn.Close() // else serve has not started and closes it itself
	}
	<-ins.done
	if w, ok := ins.d.(cardWaiter); ok && conn != nil {
		// Nothing to report to: a pcscd that does not notice within the
		// timeout fails the test's next step instead.
		_ = w.WaitCard(ins.port, false, insertTimeout)
	}
}

// powerLoss forgets the volatile state; c.mu is held.
func (c *Card) powerLoss() { c.session = session{} }
