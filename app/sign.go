package app

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/siegel-app/siegel/cardreader"
	"github.com/siegel-app/siegel/signing"
	"github.com/siegel-app/siegel/signing/audit"
	"github.com/siegel-app/siegel/signing/cms"
	"github.com/siegel-app/siegel/signing/csc"
	"github.com/siegel-app/siegel/signing/keys"
	"github.com/siegel-app/siegel/signing/pades"
	"github.com/siegel-app/siegel/signing/revocation"
	"github.com/siegel-app/siegel/signing/tsa"
)

// Signature levels of PAdES baseline (ETSI EN 319 142-1 §6).
const (
	LevelBB = "B-B"
	LevelBT = "B-T"
	// LevelBLT adds the document security store with the chains and their
	// revocation data (§6.3); LevelBLTA a document timestamp after it (§6.4).
	LevelBLT  = "B-LT"
	LevelBLTA = "B-LTA"
)

// timestampAllowance is the room reserved in the placeholder for the
// RFC 3161 token of a B-T signature. Tokens with the TSA's chain are
// 3-7 KB in practice; a token that does not fit is an error, never a
// second signature.
const timestampAllowance = 16 * 1024

// SignRequest is everything a signature needs.
type SignRequest struct {
	KeyURI string
	// Key, when set, is used instead of opening KeyURI; the caller keeps
	// ownership and closes it (the GUI keeps a chosen card's key open).
	Key     signing.Key
	In, Out string
	Force   bool // replace an existing output

	Level string // B-B, B-T, B-LT or B-LTA; empty: B-T when TSA is set, else B-B
	TSA   string // RFC 3161 time-stamping authority URL

	Reason, Location, Contact string
	Certify                   int // 0 approval; 1-3 certification with DocMDP P

	// Visible places a stamp; its Lines are filled from the certificate
	// when empty. ImagePath is an optional PNG or JPEG for the stamp.
	Visible   *pades.Visible
	ImagePath string
	// Lang is the language of the stamp text: "de" or "en" (default).
	Lang string
	// CardModules are configured vendor modules for "card:" keys.
	CardModules []string
	// CSC authorizes "csc:" keys at the remote service; its ClientSecret
	// is zeroed once used.
	CSC *csc.Auth
	// AcceptFindings signs although the content audit found content that
	// may show differently elsewhere or change after signing (blocking
	// findings). The signer decides this knowingly; the GUI may instead
	// set Review.AcceptFindings after showing them.
	AcceptFindings bool

	Now func() time.Time // for tests; nil means time.Now
}

// Review is what the signer is shown before the key is used.
type Review struct {
	In, Out string
	// Findings of the content audit of the document, most severe first.
	Findings []audit.Finding
	// AcceptFindings is set by a Review port whose person saw blocking
	// findings and chose to sign anyway.
	AcceptFindings bool
	// StampPage is the page (1-based) of a visible stamp, 0 when invisible:
	// the page to show first.
	StampPage int
	Prepared  string // path of the prepared revision, to render
	Digest    []byte // SHA-256 of the signed byte ranges
	Signer    *x509.Certificate
	Chain     []*x509.Certificate
	Level     string
	Reason    string
	Field     string
}

// Ports are how a use case talks back to its caller.
type Ports struct {
	PIN signing.PINFunc
	// Review is shown the prepared revision; returning an error (e.g. one
	// wrapping signing.ErrCancelled) stops before anything is signed.
	Review func(ctx context.Context, r *Review) error
	// Progress reports steps; may be nil.
	Progress func(step string)
	Logger   *slog.Logger
}

// SignResult describes the written file.
type SignResult struct {
	Out    string
	Level  string
	Digest []byte
	Signer *x509.Certificate
}

// Sign prepares the signature, has it reviewed, signs the shown digest
// once, embeds it and moves the result to req.Out. The input is never
// written; on any error no output is left behind.
func Sign(ctx context.Context, req SignRequest, ports Ports) (res *SignResult, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("sign %s: %w", req.In, err)
		}
	}()
	level, err := resolveLevel(req.Level, req.TSA)
	if err != nil {
		return nil, err
	}
	if err := checkPaths(req); err != nil {
		return nil, err
	}
	var image []byte
	if req.ImagePath != "" {
		if image, err = os.ReadFile(req.ImagePath); err != nil {
			return nil, fmt.Errorf("stamp image: %w", err)
		}
	}
	now := time.Now
	if req.Now != nil {
		now = req.Now
	}
	progress := func(s string) {
		if ports.Progress != nil {
			ports.Progress(s)
		}
	}

	key := req.Key
	card := &cardPIN{pin: ports.PIN}
	if key == nil {
		progress("opening key")
		if key, err = keys.Open(ctx, req.KeyURI, keys.Options{PIN: card.ask, Logger: ports.Logger, CardModules: req.CardModules, CSC: req.CSC}); err != nil {
			return nil, err
		}
		defer key.Close()
	}
	if rk, ok := key.(signing.ReaderKey); ok {
		card.reader = rk.Reader()
	}
	chain := key.Chain()
	if len(chain) == 0 {
		return nil, signing.ErrNoCertificate
	}
	leaf := chain[0]
	if t := now(); t.Before(leaf.NotBefore) || t.After(leaf.NotAfter) {
		return nil, fmt.Errorf("certificate of %q is not valid now (valid %s to %s)",
			leaf.Subject.CommonName, leaf.NotBefore.Format(time.DateOnly), leaf.NotAfter.Format(time.DateOnly))
	}

	cmsOpts := cms.Options{}
	var client *tsa.Client
	if level != LevelBB {
		client = &tsa.Client{URL: req.TSA}
		cmsOpts.Timestamper = client.Timestamp
	}
	size := cms.MaxSize(chain, key.Public(), cmsOpts)
	if level != LevelBB {
		size += timestampAllowance
	}

	opts := pades.Options{
		Reason: req.Reason, Location: req.Location, Contact: req.Contact,
		Time: now(), Certify: req.Certify, ContentsSize: size,
	}
	if req.Visible != nil {
		v := *req.Visible
		if len(v.Lines) == 0 {
			v.Lines = StampLines(leaf, opts.Time, req.Reason, req.Lang)
		}
		v.Image = image
		opts.Visible = &v
	}
	progress("preparing")
	p, err := pades.Prepare(req.In, req.Out, opts)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			p.Discard()
		}
	}()

	// The content audit (DESIGN.md): what could make the document shown
	// differ from what another viewer shows, or change after signing.
	progress("checking content")
	report, err := audit.Inspect(req.In)
	if err != nil {
		return nil, err
	}
	r := &Review{In: req.In, Out: req.Out, Prepared: p.Path, Digest: p.Digest, Signer: leaf,
		Chain: chain, Level: "PAdES-" + level, Reason: req.Reason, Field: p.FieldName,
		Findings: report.Findings}
	if opts.Visible != nil {
		r.StampPage = opts.Visible.Page
	}
	if ports.Review != nil {
		if err := ports.Review(ctx, r); err != nil {
			return nil, err
		}
	}
	if report.Blocking() && !req.AcceptFindings && !r.AcceptFindings {
		return nil, &BlockingContentError{Findings: report.Findings}
	}

	// The prepared file could have been changed while the person looked
	// at it: check before a PIN is asked or the key is used.
	if err := p.Check(); err != nil {
		return nil, err
	}
	progress("signing")
	der, err := cms.SignDetached(ctx, key, chain, p.Digest, cmsOpts)
	if err != nil {
		return nil, card.explain(err)
	}
	progress("writing")
	if err := p.Embed(der); err != nil {
		return nil, err
	}
	digest := p.Digest
	if level == LevelBLT || level == LevelBLTA {
		progress("fetching revocation")
		if err := addDSS(ctx, p, chain, der); err != nil {
			return nil, err
		}
	}
	if level == LevelBLTA {
		progress("time-stamping document")
		if err := addDocTimeStamp(ctx, p, client); err != nil {
			return nil, err
		}
	}
	if err := p.Commit(req.Out, req.Force); err != nil {
		return nil, err
	}
	return &SignResult{Out: req.Out, Level: "PAdES-" + level, Digest: digest, Signer: leaf}, nil
}

func resolveLevel(level, tsaURL string) (string, error) {
	switch strings.ToUpper(level) {
	case "":
		if tsaURL != "" {
			return LevelBT, nil
		}
		return LevelBB, nil
	case LevelBB:
		return LevelBB, nil
	case LevelBT, LevelBLT, LevelBLTA:
		l := strings.ToUpper(level)
		if tsaURL == "" {
			return "", fmt.Errorf("level %s needs a time-stamping authority (--tsa URL)", l)
		}
		return l, nil
	default:
		return "", fmt.Errorf("unknown signature level %q (use B-B, B-T, B-LT or B-LTA)", level)
	}
}

// checkPaths catches what would otherwise fail only after a PIN was asked.
func checkPaths(req SignRequest) error {
	if req.In == "" || req.Out == "" {
		return errors.New("input and output files are required")
	}
	st, err := os.Stat(req.In)
	if err != nil {
		return err
	}
	if st.IsDir() {
		return fmt.Errorf("%s is a directory", req.In)
	}
	if ost, err := os.Stat(req.Out); err == nil {
		if os.SameFile(st, ost) {
			return pades.ErrSameFile
		}
		if !req.Force {
			return fmt.Errorf("%s: %w", req.Out, pades.ErrOutputExists)
		}
	}
	dir := filepath.Dir(req.Out)
	if dst, err := os.Stat(dir); err != nil {
		return fmt.Errorf("output directory: %w", err)
	} else if !dst.IsDir() {
		return fmt.Errorf("output directory %s is not a directory", dir)
	}
	return nil
}

// StampLines is the default text of a visible signature: holder, date,
// reason, in German or English.
func StampLines(cert *x509.Certificate, t time.Time, reason, lang string) []string {
	name := cert.Subject.CommonName
	if name == "" {
		name = cert.Subject.String()
	}
	signed, date, why := "Digitally signed by ", "Date: ", "Reason: "
	layout := "2006-01-02 15:04:05 -07:00"
	switch {
	case strings.HasPrefix(lang, "de"):
		signed, date, why = "Digital signiert von ", "Datum: ", "Grund: "
		layout = "02.01.2006 15:04:05 -07:00"
	case strings.HasPrefix(lang, "sl"):
		// "Podpisnik" (the signer) needs no grammatical gender.
		signed, date, why = "Podpisnik: ", "Datum: ", "Razlog: "
		layout = "2. 1. 2006 15:04:05 -07:00"
	}
	lines := []string{signed + name, date + t.Format(layout)}
	if reason != "" {
		lines = append(lines, why+reason)
	}
	return lines
}

// cardPIN fills in what PKCS#11 cannot tell about a card's PIN: the tries
// left, read from the card over PC/SC (PIV cards tell it without a PIN
// attempt), in the prompt and in a wrong-PIN error.
type cardPIN struct {
	pin    signing.PINFunc
	reader string // set once the key is open; "" for keys not on a card
}

func (c *cardPIN) state() (cardreader.PINState, bool) {
	if c.reader == "" {
		return cardreader.PINState{}, false
	}
	st, err := cardreader.PINStateOf(c.reader)
	return st, err == nil && st.Known
}

func (c *cardPIN) ask(ctx context.Context, req signing.PINRequest) ([]byte, error) {
	if c.pin == nil {
		return nil, fmt.Errorf("no way to ask for the PIN: %w", signing.ErrCancelled)
	}
	if st, ok := c.state(); ok && !req.PINPad && !st.Verified {
		req.RetriesLeft, req.FinalTry = st.RetriesLeft, req.FinalTry || st.FinalTry()
	}
	return c.pin(ctx, req)
}

func (c *cardPIN) explain(err error) error {
	var pe *signing.PINError
	if !errors.As(err, &pe) || pe.RetriesLeft >= 0 {
		return err
	}
	st, ok := c.state()
	if !ok {
		return err
	}
	told := *pe
	told.RetriesLeft, told.Locked = st.RetriesLeft, pe.Locked || st.Blocked
	told.FinalTry = pe.FinalTry || st.FinalTry()
	if told.Locked {
		told.RetriesLeft = 0
	}
	return &cardPINError{PINError: &told, reader: c.reader, cause: err}
}

// cardPINError is a wrong or locked PIN as the card tells it, in one line;
// the backend's error stays in the chain.
type cardPINError struct {
	*signing.PINError
	reader string
	cause  error
}

func (e *cardPINError) Error() string {
	return fmt.Sprintf("card in reader %q: %s", e.reader, e.PINError.Error())
}

func (e *cardPINError) Unwrap() []error { return []error{e.PINError, e.cause} }

// ErrBlockingContent is content the audit says cannot be shown reliably.
var ErrBlockingContent = errors.New("the document has content that may show differently elsewhere or change after signing")

// BlockingContentError lists the blocking findings; it is ErrBlockingContent.
type BlockingContentError struct {
	Findings []audit.Finding
}

func (e *BlockingContentError) Error() string {
	var codes []string
	for _, f := range e.Findings {
		if f.Severity == audit.Blocking {
			codes = append(codes, f.Code)
		}
	}
	return fmt.Sprintf("%s (%s): look at it with siegel inspect, and sign only if you accept it (--accept-findings)",
		ErrBlockingContent, strings.Join(codes, ", "))
}

func (e *BlockingContentError) Unwrap() error { return ErrBlockingContent }

// addDSS appends the document security store for the embedded signature
// der (ETSI EN 319 142-1 §6.3): the signer's chain, the chain of the TSA
// that stamped the signature, and revocation data for both, fetched after
// the signature so that it speaks for the time of signing. A revoked or
// unknown certificate fails the signature.
func addDSS(ctx context.Context, p *pades.Prepared, chain []*x509.Certificate, der []byte) error {
	sd, err := cms.Parse(der)
	if err != nil {
		return err
	}
	rc := &revocation.Client{}
	// A key's chain may end below the root (cards often hold no root);
	// the issuers are then fetched from caIssuers.
	signerChain, err := rc.Chain(ctx, chain[0], chain[1:])
	if err != nil {
		return err
	}
	chains := [][]*x509.Certificate{signerChain}
	if sd.TimestampToken != nil {
		tsd, _, err := cms.ParseTimestampToken(sd.TimestampToken)
		if err != nil {
			return err
		}
		if tsd.Signer() == nil {
			return errors.New("signature timestamp: the token lacks the TSA certificate")
		}
		tsaChain, err := rc.Chain(ctx, tsd.Signer(), slices.Concat(tsd.Certificates, signerChain))
		if err != nil {
			return fmt.Errorf("signature timestamp: %w", err)
		}
		chains = append(chains, tsaChain)
	}
	data, err := rc.Fetch(ctx, chains...)
	if err != nil {
		return err
	}
	var dss pades.DSS
	for _, c := range chains {
		for _, cert := range c {
			dss.Certs = append(dss.Certs, cert.Raw)
		}
	}
	for _, cert := range data.Certs {
		dss.Certs = append(dss.Certs, cert.Raw)
	}
	dss.OCSPs, dss.CRLs = data.OCSPs, data.CRLs
	return p.AppendDSS(dss)
}

// addDocTimeStamp appends a document timestamp over everything written so
// far (ETSI EN 319 142-1 §6.4), from the same TSA.
func addDocTimeStamp(ctx context.Context, p *pades.Prepared, client *tsa.Client) error {
	if err := p.Append(pades.Options{DocTimeStamp: true, ContentsSize: timestampAllowance}); err != nil {
		return err
	}
	tok, err := client.TimestampDigest(ctx, p.Digest)
	if err != nil {
		return fmt.Errorf("document timestamp: %w", err)
	}
	return p.Embed(tok)
}
