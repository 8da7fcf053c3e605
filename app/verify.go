package app

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/siegel-app/siegel/signing/trustlist"
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
	// TrustLists, when set, adds the EU trusted lists: the qualified CAs
	// they list become trust anchors and they decide the qualified
	// status. Verify loads them unless Lists is set.
	TrustLists *TrustListOptions
	// Lists are trusted lists already loaded (LoadTrustLists), for
	// verifying several files with one load; they take precedence over
	// TrustLists.
	Lists *TrustLists
}

// Check reports a trust, CRL or LOTL signers file that cannot be read,
// before any file is verified.
func (o VerifyOptions) Check() error {
	if _, err := trustRoots(o); err != nil {
		return err
	}
	if _, err := readCRLs(o.CRLFiles); err != nil {
		return err
	}
	if o.TrustLists != nil && o.Lists == nil {
		if _, err := o.TrustLists.signers(); err != nil {
			return err
		}
	}
	return nil
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

// Verify checks the signatures of the PDF at path, the ASiC-E container
// (.asice, .sce), or the CMS signature file at path (see IsDetached) over
// its data. An error means the file
// could not be processed (not a PDF, unreadable, no signature:
// verify.ErrNoSignature; a detached signature without its data:
// verify.ErrNoData) or a trust or CRL file could not be read (see Check);
// every other outcome is in the report. With opts.TrustLists (and no
// opts.Lists) the EU trusted lists are loaded first; a LOTL that cannot be
// had or trusted is an error, national lists that fail are not (load them
// with LoadTrustLists to see those failures and the warnings).
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
	lists := opts.Lists
	if lists == nil && opts.TrustLists != nil {
		if lists, err = LoadTrustLists(ctx, *opts.TrustLists); err != nil {
			return nil, err
		}
	}
	if lists != nil {
		at := opts.At
		if at.IsZero() {
			at = time.Now()
			if opts.Now != nil {
				at = opts.Now()
			}
		}
		// The anchors are the CAs granted at the verification time, for
		// every signature of the file. A refinement would check each
		// chain against the service's status at that signature's time
		// (TS 119 615 §4.3); the Qualifier below already does so for the
		// qualified status.
		vo.ExtraRoots = lists.Lists.Anchors(at)
		vo.Qualifier = lists.qualify
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".asice", ".sce":
		// An ASiC-E container holds its data files (ETSI EN 319 162-1).
		return verify.VerifyASiC(path, vo)
	}
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

// TrustListOptions say where the EU trusted lists come from (package
// signing/trustlist).
type TrustListOptions struct {
	// LOTLURL is the list of trusted lists; trustlist.DefaultLOTLURL when
	// empty.
	LOTLURL string
	// LOTLSigners is a PEM file with the certificates allowed to sign the
	// LOTL, as the Official Journal of the EU announces them. Required:
	// Siegel has none built in and cannot learn them from the network.
	LOTLSigners string
	// CacheDir keeps the lists between runs; empty: DefaultTrustListCache.
	CacheDir string
	// MaxAge: a cached list younger than this is used without fetching;
	// zero: trustlist.DefaultMaxAge.
	MaxAge time.Duration
	// Offline uses only the cache, whatever its age; no cache is an error.
	Offline bool
	// HTTPClient fetches the lists; nil: trustlist's default client. Tests
	// set it to trust their loopback server.
	HTTPClient *http.Client
	// Now is the current time for the lists' signers and cache ages; nil:
	// time.Now.
	Now func() time.Time
}

// ErrNoLOTLSigners: trusted lists were asked for without a LOTL signers
// file. It wraps trustlist.ErrNoLOTLSigners.
var ErrNoLOTLSigners = fmt.Errorf("EU trusted lists: %w: pass --lotl-signers FILE.pem", trustlist.ErrNoLOTLSigners)

// DefaultTrustListCache is the user's cache folder
// (~/.cache/siegel/trusted-lists on Linux); "" when there is none.
func DefaultTrustListCache() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "siegel", "trusted-lists")
}

// signers reads the LOTL signers file.
func (o TrustListOptions) signers() ([]*x509.Certificate, error) {
	if o.LOTLSigners == "" {
		return nil, ErrNoLOTLSigners
	}
	data, err := os.ReadFile(o.LOTLSigners)
	if err != nil {
		return nil, fmt.Errorf("LOTL signers file: %w", err)
	}
	var certs []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("LOTL signers file %s: %w", o.LOTLSigners, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("LOTL signers file %s: no PEM certificate in it", o.LOTLSigners)
	}
	return certs, nil
}

// TrustLists are EU trusted lists as loaded, with what went wrong on the
// way (TrustLists.Lists.Failed, .Warnings).
type TrustLists struct {
	Lists *trustlist.Lists
	// Loaded is when they were loaded (for reloading after MaxAge).
	Loaded time.Time
}

// LoadTrustLists loads the LOTL and the national lists it points to. An
// error means the LOTL could not be had or trusted, naming its URL and the
// cause; national lists that failed are in Lists.Failed.
func LoadTrustLists(ctx context.Context, o TrustListOptions) (*TrustLists, error) {
	signers, err := o.signers()
	if err != nil {
		return nil, err
	}
	if o.LOTLURL == "" {
		o.LOTLURL = trustlist.DefaultLOTLURL
	}
	if o.CacheDir == "" {
		o.CacheDir = DefaultTrustListCache()
	}
	l, err := trustlist.Load(ctx, trustlist.Options{LOTLURL: o.LOTLURL, LOTLSigners: signers, CacheDir: o.CacheDir,
		MaxAge: o.MaxAge, Offline: o.Offline, HTTPClient: o.HTTPClient, Now: o.Now})
	if err != nil {
		if o.Offline && errors.Is(err, trustlist.ErrNotCached) {
			return nil, fmt.Errorf("EU trusted lists (offline, cache %s): %w; run once without --offline to fill the cache", o.CacheDir, err)
		}
		return nil, fmt.Errorf("EU trusted lists: %w", err)
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	return &TrustLists{Lists: l, Loaded: now()}, nil
}

// Problems are the national lists that could not be used and the
// warnings about the lists used, as English sentences (for JSON and logs;
// ProblemNotes for translation).
func (t *TrustLists) Problems() []string {
	var out []string
	for _, n := range t.ProblemNotes() {
		out = append(out, n.String())
	}
	return out
}

// ProblemNotes are Problems as notes, to be rendered in the user's
// language (app/verifytext.TrustList).
func (t *TrustLists) ProblemNotes() []trustlist.Note {
	if t == nil || t.Lists == nil {
		return nil
	}
	var out []trustlist.Note
	for _, f := range t.Lists.Failed {
		out = append(out, f.UnusedNote())
	}
	return append(out, t.Lists.Warnings...)
}

// TrustListSource is one list used or rejected, for reports.
type TrustListSource struct {
	LOTL      bool
	Territory string
	URL       string
	Sequence  int
	Issued    time.Time
	// Err is why the list was not used; "" when it was.
	Err string
}

// Sources are the LOTL, then the national lists used, then those that
// failed.
func (t *TrustLists) Sources() []TrustListSource {
	if t == nil || t.Lists == nil {
		return nil
	}
	var out []TrustListSource
	add := func(tl *trustlist.TSL, lotl bool) {
		out = append(out, TrustListSource{LOTL: lotl, Territory: tl.Territory, URL: tl.Source,
			Sequence: tl.SequenceNumber, Issued: tl.IssueDate})
	}
	if t.Lists.LOTL != nil {
		add(t.Lists.LOTL, true)
	}
	for _, tl := range t.Lists.TLs {
		add(tl, false)
	}
	for _, f := range t.Lists.Failed {
		out = append(out, TrustListSource{Territory: f.Territory, URL: f.URL, Err: f.Err.Error()})
	}
	return out
}

// qualify is verify.Options.Qualifier from the lists.
func (t *TrustLists) qualify(chain []*x509.Certificate, at time.Time) (verify.Qualification, bool) {
	r := t.Lists.Qualified(chain, at)
	if !r.Found {
		return verify.Qualification{}, false
	}
	// verify has no "type undecided": a qualified certificate for both
	// or neither of signatures and seals is reported without QSCD, so it
	// comes out AdES-QC as Result.Level says.
	decided := r.ForESig != r.ForESeal
	return verify.Qualification{Qualified: r.Qualified, Seal: r.ForESeal && !r.ForESig,
		QSCD: r.QSCD && decided, Source: "EU trusted list " + r.Territory}, true
}

// TrustListCache loads the trusted lists once per process and again when
// they are older than MaxAge (the GUI verifies many files over a long
// session). The zero value is ready; it is safe for concurrent use.
type TrustListCache struct {
	mu    sync.Mutex
	key   cacheKey
	lists *TrustLists
}

// Get returns the lists loaded with o, loading them when o changed or
// they are older than o.MaxAge (trustlist.DefaultMaxAge when zero).
func (c *TrustListCache) Get(ctx context.Context, o TrustListOptions) (*TrustLists, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	maxAge := o.MaxAge
	if maxAge <= 0 {
		maxAge = trustlist.DefaultMaxAge
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	key := cacheKey{o.LOTLURL, o.LOTLSigners, o.CacheDir, o.Offline, o.HTTPClient}
	if c.lists != nil && c.key == key && now().Sub(c.lists.Loaded) < maxAge {
		return c.lists, nil
	}
	l, err := LoadTrustLists(ctx, o)
	if err != nil {
		return nil, err
	}
	c.key, c.lists = key, l
	return l, nil
}

// cacheKey is what makes loaded lists differ (MaxAge and Now only decide
// when to reload).
type cacheKey struct {
	url, signers, dir string
	offline           bool
	client            *http.Client
}
