package trustlist

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// DefaultLOTLURL is where the European Commission publishes the list of
// trusted lists.
const DefaultLOTLURL = "https://ec.europa.eu/tools/lotl/eu-lotl.xml"

// Defaults for Options.
const (
	DefaultMaxAge   = 24 * time.Hour
	DefaultMaxBytes = 32 << 20 // the largest national lists are a few MB
	defaultTimeout  = 60 * time.Second
	parallelFetches = 4
)

var (
	// ErrNoLOTLSigners: Options.LOTLSigners is empty. The certificates
	// that may sign the EU LOTL are announced in the Official Journal of
	// the EU; Siegel cannot learn them from the network.
	ErrNoLOTLSigners = errors.New("no LOTL signer certificates configured (they are published in the Official Journal of the EU)")
	// ErrNotCached: offline, and the list is not in the cache.
	ErrNotCached = errors.New("not in the trusted list cache")
)

// Options configure Load.
type Options struct {
	// LOTLURL is the list of trusted lists; DefaultLOTLURL when empty.
	LOTLURL string
	// LOTLSigners are the certificates allowed to sign the LOTL. Required.
	LOTLSigners []*x509.Certificate
	// CacheDir keeps the raw lists (signatures are checked again on every
	// load). Empty: no cache.
	CacheDir string
	// MaxAge: a cached list younger than this is used without fetching;
	// DefaultMaxAge when zero.
	MaxAge time.Duration
	// Offline uses only the cache, whatever its age.
	Offline bool
	// HTTPClient fetches the lists; nil means a client with TLS 1.2 or
	// later and a timeout. Lists are fetched over https only.
	HTTPClient *http.Client
	// MaxBytes limits the size of one list; DefaultMaxBytes when zero.
	MaxBytes int64
	// Now is the current time (signer validity, cache age, next update);
	// time.Now when nil.
	Now func() time.Time
}

// Lists are the trusted lists that loaded and verified.
type Lists struct {
	LOTL *TSL
	// TLs are the national lists whose signatures verified.
	TLs []*TSL
	// Failed are the national lists that were rejected or could not be
	// had; the others are usable all the same.
	Failed []*ListError
	// Warnings say where the lists used are less than fresh: a cached
	// copy used because the network failed, a list past its next update.
	Warnings []Note
}

// Note is a warning or failure as an English format (only %s verbs,
// perhaps %[n]s) and its arguments already rendered, so that a caller can
// translate the format and keep the arguments (URLs, dates, lower-layer
// error texts) as they are.
type Note struct {
	Format string
	Args   []string
}

// String is the English sentence.
func (n Note) String() string {
	args := make([]any, len(n.Args))
	for i, a := range n.Args {
		args[i] = a
	}
	return fmt.Sprintf(n.Format, args...)
}

// note renders args as fmt.Sprint would. The format must be a literal:
// the translation catalogue's test finds the formats in this package's
// source by the calls to note.
func note(format string, args ...any) Note {
	n := Note{Format: format, Args: make([]string, len(args))}
	for i, a := range args {
		n.Args[i] = fmt.Sprint(a)
	}
	return n
}

// Err joins the errors of Failed, nil when every list loaded.
func (l *Lists) Err() error {
	var errs []error
	for _, f := range l.Failed {
		errs = append(errs, f)
	}
	return errors.Join(errs...)
}

// ListError is a list that could not be used, naming its territory and
// URL. It unwraps to the cause: ErrSignature, ErrSigner, ErrNotCached,
// ErrFormat, a transport error.
type ListError struct {
	LOTL      bool
	Territory string
	URL       string
	Err       error
}

func (e *ListError) Error() string { return e.Note().String() }

// Note is Error as a Note.
func (e *ListError) Note() Note {
	if e.LOTL {
		return note("list of trusted lists %s: %s", e.URL, e.Err)
	}
	return note("trusted list %s (%s): %s", e.Territory, e.URL, e.Err)
}

// UnusedNote is Error followed by "; its services are not used", as one
// format so that a translation can word the whole sentence.
func (e *ListError) UnusedNote() Note {
	if e.LOTL {
		return note("list of trusted lists %s: %s; its services are not used", e.URL, e.Err)
	}
	return note("trusted list %s (%s): %s; its services are not used", e.Territory, e.URL, e.Err)
}

func (e *ListError) Unwrap() error { return e.Err }

// Load gets the LOTL and the national lists it points to, from the cache
// or the network, and checks each list's XML signature: the LOTL against
// Options.LOTLSigners, each national list against the certificates its
// LOTL pointer names. A national list that fails is reported in
// Lists.Failed and the others load; an error means the LOTL itself could
// not be had or trusted.
func Load(ctx context.Context, opts Options) (*Lists, error) {
	if len(opts.LOTLSigners) == 0 {
		return nil, ErrNoLOTLSigners
	}
	if opts.LOTLURL == "" {
		opts.LOTLURL = DefaultLOTLURL
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = DefaultMaxAge
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{
			Timeout: defaultTimeout,
			Transport: &http.Transport{
				Proxy:               http.ProxyFromEnvironment,
				TLSClientConfig:     &tls.Config{MinVersion: tls.VersionTLS12},
				TLSHandshakeTimeout: 15 * time.Second,
			},
		}
	}
	ld := &loader{opts: opts}
	out := &Lists{}

	lotl, warns, err := ld.get(ctx, opts.LOTLURL, func(data []byte) (*TSL, error) {
		tl, err := ld.verify(data, opts.LOTLSigners)
		if err == nil && !tl.IsLOTL() {
			err = fmt.Errorf("%w: TSLType %s is not a list of trusted lists", ErrFormat, tl.Type)
		}
		return tl, err
	})
	out.Warnings = append(out.Warnings, warns...)
	if err != nil {
		return nil, &ListError{LOTL: true, Territory: "EU", URL: opts.LOTLURL, Err: err}
	}
	lotl.Source = opts.LOTLURL
	out.LOTL = lotl
	out.Warnings = append(out.Warnings, ld.staleness(lotl)...)

	ptrs := nationalPointers(lotl)
	type result struct {
		tl    *TSL
		warns []Note
		err   *ListError
	}
	results := make([]result, len(ptrs))
	sem := make(chan struct{}, parallelFetches)
	var wg sync.WaitGroup
	for i, p := range ptrs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			tl, warns, err := ld.get(ctx, p.Location, func(data []byte) (*TSL, error) {
				if len(p.Signers) == 0 {
					return nil, fmt.Errorf("%w: the LOTL names no certificate for it", ErrSigner)
				}
				tl, err := ld.verify(data, p.Signers)
				if err != nil {
					return nil, err
				}
				if tl.IsLOTL() {
					return nil, fmt.Errorf("%w: a list of trusted lists where a national list was expected", ErrFormat)
				}
				if p.Territory != "" && !strings.EqualFold(tl.Territory, p.Territory) {
					return nil, fmt.Errorf("%w: territory %s where the LOTL points to %s", ErrFormat, tl.Territory, p.Territory)
				}
				return tl, nil
			})
			results[i].warns = warns
			if err != nil {
				results[i].err = &ListError{Territory: p.Territory, URL: p.Location, Err: err}
				return
			}
			tl.Source = p.Location
			results[i].tl = tl
			results[i].warns = append(results[i].warns, ld.staleness(tl)...)
		}()
	}
	wg.Wait()
	for _, r := range results {
		out.Warnings = append(out.Warnings, r.warns...)
		if r.err != nil {
			out.Failed = append(out.Failed, r.err)
		} else {
			out.TLs = append(out.TLs, r.tl)
		}
	}
	return out, nil
}

// nationalPointers are the LOTL's pointers to XML national lists (the
// LOTL also points to itself and to the PDF form of each list), once each.
func nationalPointers(lotl *TSL) []Pointer {
	var out []Pointer
	seen := map[string]bool{}
	for _, p := range lotl.Pointers {
		if p.Location == "" || seen[p.Location] || strings.HasSuffix(p.Type, tslTypeListOfTheLists) {
			continue
		}
		xmlType := p.MimeType == mimeTSLXML || (p.MimeType == "" && strings.HasSuffix(strings.ToLower(p.Location), ".xml"))
		if !xmlType {
			continue
		}
		seen[p.Location] = true
		out = append(out, p)
	}
	return out
}

type loader struct {
	opts Options
}

// verify checks the signature and parses only what it covers.
func (ld *loader) verify(data []byte, signers []*x509.Certificate) (*TSL, error) {
	signed, signer, err := verifyXML(data, signers, ld.opts.Now())
	if err != nil {
		if errors.Is(err, ErrSigner) {
			return nil, fmt.Errorf("%w; allowed: %s", err, signerNames(signers))
		}
		return nil, err
	}
	tl, err := Parse(signed)
	if err != nil {
		return nil, err
	}
	tl.Signer = signer
	return tl, nil
}

func (ld *loader) staleness(tl *TSL) []Note {
	now := ld.opts.Now()
	if !tl.NextUpdate.IsZero() && now.After(tl.NextUpdate) {
		return []Note{note("trusted list %s (%s) was due to be replaced on %s; the copy used may be out of date",
			tl.Territory, tl.Source, tl.NextUpdate.Format(time.RFC3339))}
	}
	return nil
}

// get returns the list at u: from the cache when fresh or offline, else
// from the network (cached on success), else from a stale cache with a
// warning. A list is returned only when check accepts it.
func (ld *loader) get(ctx context.Context, u string, check func([]byte) (*TSL, error)) (*TSL, []Note, error) {
	var warns []Note
	cached, fetched, cacheErr := ld.readCache(u)
	if cacheErr != nil && !errors.Is(cacheErr, os.ErrNotExist) {
		warns = append(warns, note("trusted list cache for %s unreadable: %s", u, cacheErr))
	}
	now := ld.opts.Now()
	if cached != nil && (ld.opts.Offline || now.Sub(fetched) < ld.opts.MaxAge) {
		tl, err := check(cached)
		if err == nil {
			return tl, warns, nil
		}
		if ld.opts.Offline {
			return nil, warns, fmt.Errorf("cached copy: %w", err)
		}
		warns = append(warns, note("cached copy of %s rejected (%s); fetching it again", u, err))
		cached = nil
	}
	if ld.opts.Offline {
		return nil, warns, ErrNotCached
	}
	data, err := ld.fetch(ctx, u)
	if err != nil {
		if cached != nil {
			if tl, cerr := check(cached); cerr == nil {
				warns = append(warns, note("fetching %s failed (%s); using the copy cached on %s",
					u, err, fetched.UTC().Format(time.RFC3339)))
				return tl, warns, nil
			}
		}
		return nil, warns, err
	}
	tl, err := check(data)
	if err != nil {
		return nil, warns, err
	}
	// An older list than the one already had (a replayed copy, which
	// its signature does not tell apart) does not replace it.
	if cached != nil {
		if old, cerr := check(cached); cerr == nil && old.SequenceNumber > tl.SequenceNumber {
			warns = append(warns, note("%s served sequence number %s, older than the cached %s; keeping the cached copy",
				u, tl.SequenceNumber, old.SequenceNumber))
			return old, warns, nil
		}
	}
	if err := ld.writeCache(u, data); err != nil {
		warns = append(warns, note("caching %s failed: %s", u, err))
	}
	return tl, warns, nil
}

func (ld *loader) fetch(ctx context.Context, u string) ([]byte, error) {
	pu, err := url.Parse(u)
	if err != nil {
		return nil, fmt.Errorf("fetch: %w", err)
	}
	if pu.Scheme != "https" {
		return nil, fmt.Errorf("fetch: refusing %q: trusted lists are fetched over https only", u)
	}
	ctx, cancel := context.WithTimeout(ctx, defaultTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch: %w", err)
	}
	resp, err := ld.opts.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch: %w", err)
	}
	defer resp.Body.Close()
	if resp.TLS == nil || resp.TLS.Version < tls.VersionTLS12 {
		return nil, fmt.Errorf("fetch: %s: not TLS 1.2 or later", u)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch: %s: HTTP status %s", u, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, ld.opts.MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("fetch: %s: %w", u, err)
	}
	if int64(len(data)) > ld.opts.MaxBytes {
		return nil, fmt.Errorf("fetch: %s: larger than %d bytes", u, ld.opts.MaxBytes)
	}
	return data, nil
}

// cachePath names a list's cache file by the hash of its URL. The file's
// modification time is its fetch time, so content and age change in one
// rename.
func (ld *loader) cachePath(u string) string {
	h := sha256.Sum256([]byte(u))
	return filepath.Join(ld.opts.CacheDir, hex.EncodeToString(h[:16])+".xml")
}

func (ld *loader) readCache(u string) ([]byte, time.Time, error) {
	if ld.opts.CacheDir == "" {
		return nil, time.Time{}, os.ErrNotExist
	}
	p := ld.cachePath(u)
	f, err := os.Open(p)
	if err != nil {
		return nil, time.Time{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, time.Time{}, err
	}
	data, err := io.ReadAll(io.LimitReader(f, ld.opts.MaxBytes+1))
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("%s: %w", p, err)
	}
	if int64(len(data)) > ld.opts.MaxBytes {
		return nil, time.Time{}, fmt.Errorf("%s: larger than %d bytes", p, ld.opts.MaxBytes)
	}
	return data, st.ModTime(), nil
}

// writeCache replaces the cache file atomically: a temporary file in the
// same directory, synced, dated, then renamed over the old one.
func (ld *loader) writeCache(u string, data []byte) error {
	if ld.opts.CacheDir == "" {
		return nil
	}
	if err := os.MkdirAll(ld.opts.CacheDir, 0o755); err != nil {
		return err
	}
	p := ld.cachePath(u)
	f, err := os.CreateTemp(ld.opts.CacheDir, ".tl-*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a successful rename, a no-op
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("%s: %w", tmp, err)
	}
	now := ld.opts.Now()
	if err := os.Chtimes(tmp, now, now); err != nil {
		return fmt.Errorf("%s: %w", tmp, err)
	}
	if err := os.Rename(tmp, p); err != nil {
		return err
	}
	if d, err := os.Open(ld.opts.CacheDir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
