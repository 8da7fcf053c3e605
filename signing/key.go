package signing

import (
	"context"
	"crypto"
	"crypto/x509"
	"io"
)

// Key is a private key wherever it lives. Sign receives a digest; opts says
// which hash (or PSS). Chain returns the certificate chain, leaf first.
type Key interface {
	crypto.Signer
	Chain() []*x509.Certificate
	Close() error
}

// ContextSigner is implemented by keys whose signing can wait on a person
// (a pin-pad) or a network (a remote service), so that it can be cancelled.
type ContextSigner interface {
	SignContext(ctx context.Context, rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error)
}

// SignContext signs with k, honouring ctx when k supports it. Keys that do
// not are called directly: ctx is checked before the call only.
func SignContext(ctx context.Context, k crypto.Signer, rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if cs, ok := k.(ContextSigner); ok {
		return cs.SignContext(ctx, rand, digest, opts)
	}
	if err := ctx.Err(); err != nil {
		return nil, ErrCancelled
	}
	return k.Sign(rand, digest, opts)
}

// ReaderKey is implemented by keys on a card in a PC/SC reader; Reader
// names the reader, so that the PIN counter can be read from the card.
type ReaderKey interface {
	Reader() string
}

// BatchSigner is implemented by keys that sign several digests under one
// authorisation (a remote credential with multisign): one PIN or OTP and
// one request for the lot. MaxBatch is the most digests one call takes;
// 1 means every digest needs its own authorisation.
type BatchSigner interface {
	SignDigests(ctx context.Context, digests [][]byte, opts crypto.SignerOpts) ([][]byte, error)
	MaxBatch() int
}
