package agent

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/siegel-app/siegel/signing"
	"github.com/siegel-app/siegel/signing/pkcs11"
)

var (
	_ signing.Key           = (*Key)(nil)
	_ signing.ContextSigner = (*Key)(nil)
)

// Key is a private key on a PKCS#11 token, opened in an agent. Its chain
// is kept here; signatures are made in the agent. When the agent stops,
// the Key is dead: its calls fail at once with an error wrapping
// ErrStopped, and it must be opened again.
type Key struct {
	p      *proc
	h      uint64 // the key's handle in the child
	name   string // for messages, as pkcs11 names keys
	token  string
	chain  []*x509.Certificate
	reader string
	pin    signing.PINFunc

	// sem is held by the one signature under way, until the child answers
	// or stops, also when its caller gave up before: the child's session
	// does one thing at a time, and a second request waiting there would
	// run down its watchdog while the first waits for a person.
	sem chan struct{}

	mu     sync.Mutex
	closed bool

	signatures atomic.Int64
}

// Reader returns the name of the PC/SC reader the card is in, as the
// module's slot description tells (signing.ReaderKey); empty when unknown.
func (k *Key) Reader() string { return k.reader }

// Public returns the public key of the certificate.
func (k *Key) Public() crypto.PublicKey { return k.chain[0].PublicKey }

// Chain returns the certificate chain, leaf first.
func (k *Key) Chain() []*x509.Certificate { return slices.Clone(k.chain) }

// Signatures returns how many times the key called C_Sign in the agent, as
// of the last answer: a signature whose answer never came is not counted.
func (k *Key) Signatures() int { return int(k.signatures.Load()) }

// Sign is SignContext without a context.
func (k *Key) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return k.SignContext(context.Background(), rand, digest, opts)
}

// SignContext signs digest in the agent, as pkcs11.Key.SignContext does:
// RSA PKCS#1 v1.5, RSA-PSS when opts is *rsa.PSSOptions, ECDSA as ASN.1
// DER. PIN prompts are made here, through the Key's PINFunc. When ctx ends
// it returns at once; a signature made after that is discarded. It is
// never repeated after a failure.
func (k *Key) SignContext(ctx context.Context, _ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	fail := func(err error) ([]byte, error) {
		return nil, fmt.Errorf("sign with PKCS#11 key %q on token %q: %w", k.name, k.token, err)
	}
	if err := ctx.Err(); err != nil {
		return fail(cancelled(err))
	}
	if opts == nil {
		return fail(fmt.Errorf("no hash given: %w", signing.ErrUnsupported))
	}
	req := signRequest{Handle: k.h, Digest: digest, Hash: opts.HashFunc()}
	if pss, ok := opts.(*rsa.PSSOptions); ok {
		req.PSS, req.SaltLength = true, pss.SaltLength
	}
	select {
	case k.sem <- struct{}{}:
	case <-ctx.Done():
		return fail(cancelled(ctx.Err()))
	}
	release := func() { <-k.sem }
	k.mu.Lock()
	closed := k.closed
	k.mu.Unlock()
	if closed {
		release()
		return fail(errors.New("key is closed"))
	}
	if err := k.p.stopped(); err != nil {
		release()
		return fail(fmt.Errorf("the agent that opened the key has stopped, open it again: %w", err))
	}
	late := func(r *result) {
		k.count(r)
		if r.Err == nil {
			k.p.log.Debug("pkcs11 agent: a signature came after its caller left; discarded", "key", k.name)
		}
	}
	res, err := k.p.roundTrip(ctx, request{
		typ: tSign, body: marshal(req), pin: k.pin, sign: true, release: release, late: late,
	})
	if err != nil {
		return fail(err)
	}
	k.count(res)
	if res.Err != nil {
		return nil, res.Err.err() // the child's message names the key
	}
	return res.Signature, nil
}

// count takes the child's count from an answer. Answers can be taken in
// another order than they were made (the session is free before the
// caller reads its answer), so the count only grows.
func (k *Key) count(r *result) {
	n := int64(r.Signatures)
	for {
		old := k.signatures.Load()
		if n <= old || k.signatures.CompareAndSwap(old, n) {
			return
		}
	}
}

// Close closes the key in the agent, which logs out of the token when it
// was the agent's last key there. A signature under way finishes, and the
// agent closes the session after it. Close of a key whose agent has
// stopped does nothing: the session ended with the process.
func (k *Key) Close() error {
	k.mu.Lock()
	if k.closed {
		k.mu.Unlock()
		return nil
	}
	k.closed = true
	k.mu.Unlock()
	if k.p.stopped() != nil {
		return nil
	}
	res, err := k.p.roundTrip(context.Background(), request{typ: tClose, body: marshal(closeRequest{Handle: k.h})})
	if err != nil {
		return fmt.Errorf("close PKCS#11 key %q on token %q: %w", k.name, k.token, err)
	}
	return res.Err.err()
}

// names returns how messages name the key and its token: as pkcs11 does,
// the URI's object label, else the certificate holder; the token label,
// else its serial.
func names(uri string, leaf *x509.Certificate) (key, token string) {
	u, err := pkcs11.ParseURI(uri)
	if err != nil {
		return leaf.Subject.CommonName, ""
	}
	key = u.Object
	if key == "" {
		key = leaf.Subject.CommonName
	}
	token = u.Token
	if token == "" && u.Serial != "" {
		token = "serial " + u.Serial
	}
	return key, token
}
