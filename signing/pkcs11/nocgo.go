//go:build !cgo

package pkcs11

import (
	"context"
	"crypto"
	"crypto/x509"
	"fmt"
	"io"

	"github.com/siegel-app/siegel/signing"
)

// Without cgo no module can be loaded; this keeps the packages above
// building (and their tests running) with CGO_ENABLED=0.

var errNoCgo = fmt.Errorf("PKCS#11 needs a build with cgo: %w", signing.ErrUnsupported)

var _ signing.Key = (*Key)(nil)

// Key is a private key on a PKCS#11 token; without cgo none can be opened.
type Key struct{}

// Open reports signing.ErrUnsupported: this build has no cgo.
func Open(ctx context.Context, uri string, opts Options) (*Key, error) {
	return nil, fmt.Errorf("open PKCS#11 key: %w", errNoCgo)
}

// ListTokens reports signing.ErrUnsupported: this build has no cgo.
func ListTokens(modulePath string) ([]TokenInfo, error) {
	return nil, fmt.Errorf("list PKCS#11 tokens: %w", errNoCgo)
}

func (k *Key) Public() crypto.PublicKey   { return nil }
func (k *Key) Chain() []*x509.Certificate { return nil }
func (k *Key) Signatures() int            { return 0 }
func (k *Key) Close() error               { return nil }
func (k *Key) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return nil, errNoCgo
}

// SignContext reports signing.ErrUnsupported.
func (k *Key) SignContext(ctx context.Context, rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return nil, errNoCgo
}
