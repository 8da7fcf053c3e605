package app

import (
	"context"
	"crypto/x509"
	"fmt"
	"os"
	"time"

	"github.com/siegel-app/siegel/signing/verify"
)

// VerifyOptions are the trust sources and policy of a verification.
type VerifyOptions struct {
	// TrustFiles are PEM files whose certificates are trust anchors
	// besides the system's store (e.g. a company CA).
	TrustFiles []string
	// NoSystemRoots leaves the system's store out: only TrustFiles count.
	NoSystemRoots bool
	// SkipRevocation accepts chains without revocation data (see
	// verify.Options).
	SkipRevocation bool
	// Now is the verification time; nil means time.Now.
	Now func() time.Time
}

// Verify checks the signatures of the PDF at path. An error means the
// file could not be processed (not a PDF, unreadable, no signature:
// verify.ErrNoSignature) or a trust file could not be read; every other
// outcome is in the report.
func Verify(ctx context.Context, path string, opts VerifyOptions) (*verify.Report, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("verify %s: %w", path, err)
	}
	roots, err := trustRoots(opts)
	if err != nil {
		return nil, err
	}
	return verify.Verify(path, verify.Options{Roots: roots, Now: opts.Now, SkipRevocation: opts.SkipRevocation})
}

// trustRoots is the system's store (copied, so that added anchors stay
// local) plus the certificates of the trust files.
func trustRoots(opts VerifyOptions) (*x509.CertPool, error) {
	if len(opts.TrustFiles) == 0 && !opts.NoSystemRoots {
		return nil, nil // verify takes nil as the system store
	}
	pool := x509.NewCertPool()
	if !opts.NoSystemRoots {
		// Where the system store cannot be listed (SystemCertPool fails
		// on some platforms) only the trust files count.
		if sys, err := x509.SystemCertPool(); err == nil && sys != nil {
			pool = sys.Clone()
		}
	}
	for _, f := range opts.TrustFiles {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("trust file: %w", err)
		}
		if !pool.AppendCertsFromPEM(data) {
			return nil, fmt.Errorf("trust file %s: no PEM certificate in it", f)
		}
	}
	return pool, nil
}
