package app

import (
	"context"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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
	// CRLFiles are certificate revocation lists (DER or PEM) to check
	// with besides the revocation data embedded in the file.
	CRLFiles []string
	// Online allows fetching revocation data (OCSP, CRL) from the
	// certificates' URLs.
	Online bool
	// At is the time to validate at instead of now (for an earlier
	// verification); zero means Now.
	At time.Time
	// Now is the verification time; nil means time.Now.
	Now func() time.Time
	// Data is the signed file of a detached signature (.p7s). Empty: a
	// signature "X.p7s" signs "X" beside it when that exists.
	Data string
}

// Check reports a trust or CRL file that cannot be read, before any
// file is verified.
func (o VerifyOptions) Check() error {
	if _, err := trustRoots(o); err != nil {
		return err
	}
	_, err := readCRLs(o.CRLFiles)
	return err
}

// IsDetached says whether path is verified as a CMS signature file rather
// than a PDF: a .p7s, .p7m or .p7 file, or any file when Data is given.
func (o VerifyOptions) IsDetached(path string) bool {
	if o.Data != "" {
		return true
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".p7s", ".p7m", ".p7":
		return true
	}
	return false
}

// DetachedData is the data file a detached signature signs: opts.Data, or
// "X" for "X.p7s" when it exists; "" when none is known (an enveloping
// .p7m holds its content).
func (o VerifyOptions) DetachedData(path string) string {
	if o.Data != "" {
		return o.Data
	}
	if strings.EqualFold(filepath.Ext(path), ".p7s") {
		data := path[:len(path)-len(".p7s")]
		if st, err := os.Stat(data); err == nil && st.Mode().IsRegular() {
			return data
		}
	}
	return ""
}

// Verify checks the signatures of the PDF at path, or the CMS signature
// file at path (see IsDetached) over its data. An error means the file
// could not be processed (not a PDF, unreadable, no signature:
// verify.ErrNoSignature; a detached signature without its data:
// verify.ErrNoData) or a trust or CRL file could not be read (see Check);
// every other outcome is in the report.
func Verify(ctx context.Context, path string, opts VerifyOptions) (*verify.Report, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("verify %s: %w", path, err)
	}
	roots, err := trustRoots(opts)
	if err != nil {
		return nil, err
	}
	crls, err := readCRLs(opts.CRLFiles)
	if err != nil {
		return nil, err
	}
	vo := verify.Options{Roots: roots, Now: opts.Now, At: opts.At, SkipRevocation: opts.SkipRevocation,
		CRLs: crls, Online: opts.Online}
	if opts.IsDetached(path) {
		return verify.VerifyDetached(path, opts.DetachedData(path), vo)
	}
	return verify.Verify(path, vo)
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

// readCRLs reads the CRL files; the engine parses them (DER or PEM).
func readCRLs(files []string) ([][]byte, error) {
	var out [][]byte
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("CRL file: %w", err)
		}
		if len(data) == 0 {
			return nil, fmt.Errorf("CRL file %s: empty", f)
		}
		out = append(out, data)
	}
	return out, nil
}
