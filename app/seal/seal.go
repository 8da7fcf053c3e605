package seal

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/siegel-app/siegel/app"
	"github.com/siegel-app/siegel/signing"
	"github.com/siegel-app/siegel/signing/cms"
	"github.com/siegel-app/siegel/signing/csc"
	"github.com/siegel-app/siegel/signing/keys"
	"github.com/siegel-app/siegel/signing/pades"
	"github.com/siegel-app/siegel/signing/pkcs11"
	"github.com/siegel-app/siegel/signing/tsa"
)

// timestampAllowance is the room for a B-T timestamp token, as app.Sign
// reserves it.
const timestampAllowance = 16 * 1024

// Options describe a sealing run.
type Options struct {
	// KeyURI names the key; Key, when set, is used instead (one session)
	// and stays the caller's to close.
	KeyURI string
	Key    signing.Key
	In     string // folder of inputs, read recursively; never written
	Out    string // folder of outputs, same relative paths; made if missing

	// Workers sign in parallel; zero means two per CPU. A PKCS#11 key is
	// opened once per worker, so that as many sessions sign at once; the
	// files are hashed, prepared and written by Workers plus one per CPU
	// goroutines, so that the sessions need not wait for the disk. The
	// PIN is asked once: login state is per token and process.
	Workers int

	Level string // "B-B" or "B-T"; empty: B-T with TSA, else B-B
	TSA   string

	Reason, Location, Contact string
	// Visible places a stamp; its Lines are filled from the certificate
	// when empty. ImagePath is an optional PNG or JPEG for it.
	Visible   *pades.Visible
	ImagePath string
	Lang      string
	// CardModules are configured vendor modules for "card:" keys.
	CardModules []string
	// Signer says where a "pkcs11:" key's module runs: SignerAgent in
	// the agent process (signing/pkcs11/agent), which survives a module
	// that hangs when a card is pulled, at the cost of a round trip per
	// signature; SignerInProcess in this process, as fast as the module
	// allows, but a hung module hangs the run and a crashing one ends it
	// (the journal makes the next run resume). Empty or SignerAuto: in
	// process for modules that serve no removable cards (InProcessModule),
	// else the agent. "card:" keys always use the agent.
	Signer string

	// Watch keeps the run going as a hot folder until ctx ends: files are
	// sealed once their size and modification time have stayed the same
	// for Settle (default 2 s) and they can be opened. Poll is how often
	// the folder is looked at (default 500 ms).
	Watch        bool
	Settle, Poll time.Duration

	Now func() time.Time // for tests; nil means time.Now

	// CSC authorizes "csc:" keys at the service (client credentials or a
	// username and password); its secrets are zeroed once used.
	CSC *csc.Auth
}

// Choices of Options.Signer.
const (
	SignerAuto      = "auto"
	SignerAgent     = "agent"
	SignerInProcess = "in-process"
)

// InProcessModule tells the PKCS#11 modules SignerAuto loads in this
// process: software HSMs, which hold no card that could be pulled and
// never hang (SoftHSM2). Modules of cards, tokens and network HSMs stay
// in the agent unless SignerInProcess is asked for.
func InProcessModule(path string) bool {
	name := strings.ToLower(path[strings.LastIndexAny(path, `/\`)+1:])
	return strings.HasPrefix(name, "libsofthsm2.") || strings.HasPrefix(name, "softhsm2")
}

// FileResult is what happened to one input.
type FileResult struct {
	Input   string // relative to In, slash-separated
	Output  string // relative to Out, for sealed and skipped files
	Outcome string // OutcomeSealed, OutcomeSkipped or OutcomeFailed
	Reason  string // why it failed, in English as the audit log keeps it
	// Err is the cause behind Reason, for callers that put it in the
	// user's language (errors.Is: the Err… reasons below, pades.ErrDamaged,
	// …); nil for the outcomes of a journal or log read back.
	Err error
}

// Reasons a file fails without an error of a lower layer.
var (
	ErrVanished       = errors.New("vanished before it was read")
	ErrOutputEarlier  = errors.New("the output exists, sealed from an earlier version of this input; remove it to seal the new one")
	ErrOutputForeign  = errors.New("the output exists and was not written by siegel seal; it is left alone")
	ErrOutputAppeared = errors.New("the output appeared while it was sealed; it is left alone")
)

// Progress is reported after each file is recorded, and when the run
// starts, pauses, resumes or ends.
type Progress struct {
	Total                   int // files found so far (grows in watch mode)
	Done                    int // Sealed + Skipped + Failed
	Sealed, Skipped, Failed int
	Current                 string      // the file most recently started
	Last                    *FileResult // the file just recorded, else nil
	Elapsed                 time.Duration
	Paused                  bool
}

// Ports are how Run talks back. Progress is called from one goroutine at
// a time and should return quickly.
type Ports struct {
	PIN      signing.PINFunc
	Progress func(Progress)
	// Gate, when set, pauses the run between files (Pause/Resume).
	Gate   *Gate
	Logger *slog.Logger
}

// Result sums up a run; Failures lists the failed files with reasons.
type Result struct {
	Progress
	Failures []FileResult
	// Removed counts temporary files an earlier, killed run left behind.
	Removed int
}

// StopError ends a run that cannot go on: a wrong PIN, a removed token, a
// full disk, a failing time-stamping authority or cancellation. Files
// sealed before it stay sealed and recorded; a new run goes on from there.
type StopError struct {
	File string // the file it happened on, if any
	Err  error
}

func (e *StopError) Error() string {
	if e.File != "" {
		return fmt.Sprintf("sealing stopped at %s: %v", e.File, e.Err)
	}
	return fmt.Sprintf("sealing stopped: %v", e.Err)
}

func (e *StopError) Unwrap() error { return e.Err }

// Gate pauses workers between files. The zero Gate is open.
type Gate struct {
	mu     sync.Mutex
	paused bool
	ch     chan struct{} // closed on Resume
	notify func(bool)
}

// Pause holds workers before their next file; files under way finish.
func (g *Gate) Pause() {
	g.mu.Lock()
	if !g.paused {
		g.paused, g.ch = true, make(chan struct{})
	}
	n := g.notify
	g.mu.Unlock()
	if n != nil {
		n(true)
	}
}

// Resume lets workers go on.
func (g *Gate) Resume() {
	g.mu.Lock()
	if g.paused {
		g.paused = false
		close(g.ch)
	}
	n := g.notify
	g.mu.Unlock()
	if n != nil {
		n(false)
	}
}

// Paused tells whether the gate is closed.
func (g *Gate) Paused() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.paused
}

func (g *Gate) wait(ctx context.Context) error {
	if g == nil {
		return ctx.Err()
	}
	g.mu.Lock()
	paused, ch := g.paused, g.ch
	g.mu.Unlock()
	if paused {
		select {
		case <-ch:
		case <-ctx.Done():
		}
	}
	return ctx.Err()
}

// job is a file to seal.
type job struct {
	rel string // slash-separated
}

// done is a file through the pipeline, to be recorded.
type done struct {
	FileResult
	inSHA, outSHA string
	outPath       string // set when renamed into place: made durable first
}

type run struct {
	opts   Options
	ports  Ports
	log    *slog.Logger
	now    func() time.Time
	level  string
	key    string // URI as recorded
	cert   Certificate
	chain  []*x509.Certificate
	cmsOpt cms.Options
	pdf    pades.Options

	jr      *journal
	intents map[string]bool // read-only once workers run
	mu      sync.Mutex      // guards sealed, which record adds to
	sealed  map[string]sealedEntry
	signer  *signer

	stopOnce sync.Once
	stopErr  error
	stop     context.CancelFunc

	dirs    sync.Map      // output folders known to exist
	total   atomic.Int64  // files queued so far: scan and watch add before they send
	settled atomic.Int64  // files the workers are through with
	current atomic.Value  // string
	paused  chan struct{} // the gate opened or closed: report it
}

// Run seals the PDFs under opts.In into opts.Out. It returns an error
// (a *StopError when the run began) only when it could not go on; files
// that failed are in Result.Failures and the run went on past them.
// Cancelling ctx stops the run like an error does, except in watch mode,
// where it is the normal end.
func Run(ctx context.Context, opts Options, ports Ports) (*Result, error) {
	r := &run{opts: opts, ports: ports, log: ports.Logger, now: opts.Now, paused: make(chan struct{}, 1)}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if r.now == nil {
		r.now = time.Now
	}
	if opts.Workers <= 0 {
		r.opts.Workers = 2 * runtime.NumCPU()
	}
	res := &Result{}
	defer relaxGC()()
	if err := r.setup(ctx, res); err != nil {
		return res, err
	}
	defer r.jr.close()
	defer r.signer.close()
	alog, sealed, torn, err := openAuditLog(r.opts.Out)
	if err != nil {
		return res, err
	}
	defer alog.close()
	if torn {
		r.log.Warn("seal: cut off an incomplete last line of the audit log (a killed run)")
	}
	r.sealed = sealed

	workCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	r.stop = cancel

	// More files are under way than the key has sessions, so that one
	// file's reading, preparing and writing overlaps another's signature
	// and no session waits for the disk.
	files := r.opts.Workers + runtime.NumCPU()
	if b := r.signer.batch; b != nil {
		// A batch is as large as the documents prepared at once.
		files = max(files, min(b.max, maxBatchFiles))
		b.ready = func(n int) bool {
			return n >= files || int64(n) >= r.total.Load()-r.settled.Load()
		}
		go b.loop(workCtx)
	}
	jobs := make(chan job, files)
	// Room for two batches, so that workers go on while one is made
	// durable.
	results := make(chan done, 2*flushFiles)
	var wg sync.WaitGroup
	for range files {
		wg.Go(func() {
			for j := range jobs {
				if err := ports.Gate.wait(workCtx); err != nil {
					r.settled.Add(1)
					continue // drain
				}
				d, ok := r.seal(workCtx, j)
				r.settled.Add(1)
				if ok {
					results <- d
				}
			}
		})
	}
	if ports.Gate != nil {
		ports.Gate.mu.Lock()
		ports.Gate.notify = func(bool) {
			select {
			case r.paused <- struct{}{}:
			default: // a report is due anyway
			}
		}
		ports.Gate.mu.Unlock()
		defer func() {
			ports.Gate.mu.Lock()
			ports.Gate.notify = nil
			ports.Gate.mu.Unlock()
		}()
	}
	go func() {
		defer close(jobs)
		var err error
		if r.opts.Watch {
			err = r.watch(workCtx, jobs)
		} else {
			err = r.scan(workCtx, jobs)
		}
		if err != nil {
			r.fail("", err)
		}
	}()
	go func() {
		wg.Wait()
		close(results)
	}()

	r.record(alog, results, res)
	if r.stopErr != nil {
		return res, r.stopErr
	}
	if err := ctx.Err(); err != nil && !r.opts.Watch {
		return res, &StopError{Err: fmt.Errorf("%w", signing.ErrCancelled)}
	}
	return res, nil
}

// fail stops the run with err, once.
func (r *run) fail(file string, err error) {
	r.stopOnce.Do(func() {
		r.stopErr = &StopError{File: file, Err: err}
		r.stop()
	})
}

func (r *run) setup(ctx context.Context, res *Result) error {
	o := &r.opts
	if o.In == "" || o.Out == "" {
		return errors.New("input and output folders are required")
	}
	in, err := filepath.Abs(o.In)
	if err != nil {
		return err
	}
	out, err := filepath.Abs(o.Out)
	if err != nil {
		return err
	}
	o.In, o.Out = in, out
	if st, err := os.Stat(in); err != nil {
		return fmt.Errorf("input folder: %w", err)
	} else if !st.IsDir() {
		return fmt.Errorf("input folder %s is not a folder", in)
	}
	if in == out {
		return fmt.Errorf("output folder %s must not be the input folder", out)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("output folder: %w", err)
	}
	if r.level, err = resolveLevel(o.Level, o.TSA); err != nil {
		return err
	}
	var image []byte
	if o.ImagePath != "" {
		if image, err = os.ReadFile(o.ImagePath); err != nil {
			return fmt.Errorf("stamp image: %w", err)
		}
	}
	if r.jr, r.intents, err = openJournal(out); err != nil {
		return err
	}
	if res.Removed, err = removeTemps(out); err != nil {
		r.jr.close()
		return fmt.Errorf("output folder: remove temporary files: %w", err)
	}
	if res.Removed > 0 {
		r.log.Info("seal: removed temporary files of an earlier run", "count", res.Removed)
	}
	if r.signer, err = openSigner(ctx, *o, r.ports, r.log); err != nil {
		r.jr.close()
		return err
	}
	r.chain = r.signer.chain
	leaf := r.chain[0]
	if t := r.now(); t.Before(leaf.NotBefore) || t.After(leaf.NotAfter) {
		r.signer.close()
		r.jr.close()
		return fmt.Errorf("certificate of %q is not valid now (valid %s to %s)",
			leaf.Subject.CommonName, leaf.NotBefore.Format(time.DateOnly), leaf.NotAfter.Format(time.DateOnly))
	}
	sum := sha256.Sum256(leaf.Raw)
	r.cert = Certificate{Subject: leaf.Subject.String(), Serial: leaf.SerialNumber.Text(16), SHA256: hex.EncodeToString(sum[:])}
	r.key = recordedURI(o.KeyURI)
	if r.level != app.LevelBB {
		client := &tsa.Client{URL: o.TSA}
		r.cmsOpt.Timestamper = client.Timestamp
	}
	size := cms.MaxSize(r.chain, leaf.PublicKey, r.cmsOpt)
	if r.level != app.LevelBB {
		size += timestampAllowance
	}
	r.pdf = pades.Options{Reason: o.Reason, Location: o.Location, Contact: o.Contact,
		ContentsSize: size, NoSync: true, FileDigests: true,
		InputMode: true} // outputs as readable as their inputs
	if o.Visible != nil {
		v := *o.Visible
		v.Image = image
		r.pdf.Visible = &v
	}
	return nil
}

func resolveLevel(level, tsaURL string) (string, error) {
	switch strings.ToUpper(level) {
	case "":
		if tsaURL != "" {
			return app.LevelBT, nil
		}
		return app.LevelBB, nil
	case app.LevelBB:
		return app.LevelBB, nil
	case app.LevelBT:
		if tsaURL == "" {
			return "", errors.New("level B-T needs a time-stamping authority (--tsa URL)")
		}
		return app.LevelBT, nil
	case app.LevelBLT, app.LevelBLTA:
		return "", fmt.Errorf("level %s is not supported for sealing yet (use B-B or B-T)", strings.ToUpper(level))
	}
	return "", fmt.Errorf("unknown signature level %q (use B-B or B-T)", level)
}

// recordedURI is the key URI as the audit log keeps it: PKCS#11 URIs in
// their normal form (they never carry a PIN: pkcs11.ParseURI refuses
// pin-value and pin-source).
func recordedURI(uri string) string {
	if u, err := pkcs11.ParseURI(uri); err == nil {
		return u.String()
	}
	if strings.HasPrefix(uri, "pkcs11:") {
		return "pkcs11:"
	}
	return uri
}

// isPDF tells the files seal takes: *.pdf, not hidden (temporary files
// start with '.').
func isPDF(name string) bool {
	return !strings.HasPrefix(name, ".") && strings.EqualFold(filepath.Ext(name), ".pdf")
}

// walk lists the PDFs under In in lexical order, leaving out the output
// folder when it lies inside.
func (r *run) walk(fn func(rel string, d fs.DirEntry) error) error {
	return filepath.WalkDir(r.opts.In, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == r.opts.In {
				return fmt.Errorf("input folder: %w", err)
			}
			r.log.Warn("seal: cannot read", "path", p, "error", err)
			return nil
		}
		if d.IsDir() {
			if p == r.opts.Out || p != r.opts.In && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !isPDF(d.Name()) {
			return nil
		}
		rel, err := filepath.Rel(r.opts.In, p)
		if err != nil {
			return err
		}
		return fn(filepath.ToSlash(rel), d)
	})
}

func (r *run) scan(ctx context.Context, jobs chan<- job) error {
	var list []string
	if err := r.walk(func(rel string, _ fs.DirEntry) error {
		list = append(list, rel)
		return nil
	}); err != nil {
		return err
	}
	r.total.Store(int64(len(list)))
	for _, rel := range list {
		select {
		case jobs <- job{rel: rel}:
		case <-ctx.Done():
			return nil
		}
	}
	return nil
}

// stopCause tells the errors that end the run rather than one file: the
// output file system is full, read-only or failing.
func stopCause(err error) bool {
	for _, e := range []error{syscall.ENOSPC, syscall.EDQUOT, syscall.EROFS, syscall.EIO} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

func failed(rel string, err error) done {
	return done{FileResult: FileResult{Input: rel, Outcome: OutcomeFailed, Reason: err.Error(), Err: err}}
}

// seal takes one file through hash, prepare, sign, embed and rename. ok is
// false when the run stopped meanwhile and there is nothing to record.
func (r *run) seal(ctx context.Context, j job) (d done, ok bool) {
	r.current.Store(j.rel)
	in := filepath.Join(r.opts.In, filepath.FromSlash(j.rel))
	out := filepath.Join(r.opts.Out, filepath.FromSlash(j.rel))
	outRel := j.rel
	// A failure of the output side that is not about this file stops the
	// run; others fail the file.
	fileErr := func(err error) (done, bool) {
		if stopCause(err) {
			r.fail(j.rel, err)
			return done{}, false
		}
		return failed(j.rel, err), true
	}
	// The input digest comes from Prepare, which reads the input once,
	// except when an output exists and the digest decides what to do.
	var inSHA string
	replace := false
	if _, err := os.Lstat(out); err == nil {
		if inSHA, err = hashFile(in); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return failed(j.rel, ErrVanished), true
			}
			return failed(j.rel, err), true
		}
		r.mu.Lock()
		prior, sealedBefore := r.sealed[j.rel]
		r.mu.Unlock()
		switch {
		case sealedBefore && prior.sha == inSHA:
			return done{FileResult: FileResult{Input: j.rel, Output: prior.output, Outcome: OutcomeSkipped}, inSHA: inSHA}, true
		case sealedBefore:
			return failed(j.rel, ErrOutputEarlier), true
		case r.intents[outRel]:
			replace = true // renamed by a run killed before it recorded the file
		default:
			return failed(j.rel, ErrOutputForeign), true
		}
	}
	if dir := filepath.Dir(out); !r.known(dir) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fileErr(fmt.Errorf("output folder: %w", err))
		}
		r.dirs.Store(dir, true)
	}
	opts := r.pdf
	opts.Time = r.now()
	if opts.Visible != nil && len(opts.Visible.Lines) == 0 {
		v := *opts.Visible
		v.Lines = app.StampLines(r.chain[0], opts.Time, r.opts.Reason, r.opts.Lang)
		opts.Visible = &v
	}
	p, err := pades.Prepare(in, out, opts)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return failed(j.rel, ErrVanished), true
		}
		return fileErr(err)
	}
	if inSHA == "" {
		inSHA = hex.EncodeToString(p.InputSHA256)
	}
	committed := false
	defer func() {
		if !committed {
			p.Discard()
		}
	}()
	if ctx.Err() != nil {
		return done{}, false
	}
	der, err := r.signer.sign(ctx, p.Digest, r.cmsOpt)
	if err != nil {
		if ctx.Err() == nil || !errors.Is(err, signing.ErrCancelled) {
			r.fail(j.rel, err)
		}
		return done{}, false
	}
	if err := p.Embed(der); err != nil {
		return fileErr(err)
	}
	if err := r.jr.append(journalEntry{Op: "intent", File: outRel, SHA: inSHA}); err != nil {
		r.fail(j.rel, err)
		return done{}, false
	}
	if err := p.Commit(out, replace); err != nil {
		if errors.Is(err, pades.ErrOutputExists) {
			return failed(j.rel, ErrOutputAppeared), true
		}
		return fileErr(err)
	}
	committed = true
	// The digest of what Embed wrote; reading the output back would only
	// read the page cache.
	outSHA := hex.EncodeToString(p.OutputSHA256())
	return done{FileResult: FileResult{Input: j.rel, Output: outRel, Outcome: OutcomeSealed},
		inSHA: inSHA, outSHA: outSHA, outPath: out}, true
}

func hashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// flushEvery bounds how many files wait for one syncfs, and how long.
const (
	flushFiles = 256
	flushAfter = 200 * time.Millisecond
)

// record collects what the workers did and writes it to the audit log in
// batches: outputs made durable first (one syncfs), then their lines.
func (r *run) record(alog *auditLog, results <-chan done, res *Result) {
	start := time.Now()
	var batch []done
	report := func(last *FileResult) {
		res.Total = int(r.total.Load())
		res.Done = res.Sealed + res.Skipped + res.Failed
		res.Total = max(res.Total, res.Done)
		res.Elapsed = time.Since(start)
		res.Current, _ = r.current.Load().(string)
		res.Paused = r.ports.Gate != nil && r.ports.Gate.Paused()
		if r.ports.Progress != nil {
			p := res.Progress
			p.Last = last
			r.ports.Progress(p)
		}
	}
	flush := func() {
		if len(batch) == 0 {
			return
		}
		var paths []string
		for _, d := range batch {
			if d.outPath != "" {
				paths = append(paths, d.outPath)
			}
		}
		if len(paths) > 0 {
			if err := durable(r.opts.Out, paths); err != nil {
				r.fail("", fmt.Errorf("output folder: %w", err))
				batch = batch[:0]
				return
			}
		}
		recs := make([]Record, len(batch))
		t := r.now().UTC().Format(time.RFC3339Nano)
		for i, d := range batch {
			outcome := d.Outcome
			if d.Outcome == OutcomeFailed {
				outcome = OutcomeFailed + ": " + d.Reason
			}
			recs[i] = Record{Time: t, Input: d.Input, InputSHA256: d.inSHA, Output: d.Output,
				OutputSHA256: d.outSHA, Key: r.key, Certificate: r.cert, Level: "PAdES-" + r.level, Outcome: outcome}
		}
		recs, err := alog.write(recs)
		if err != nil {
			r.fail("", err)
			batch = batch[:0]
			return
		}
		if err := r.jr.append(journalEntry{Op: "head", Seq: alog.seq, Hash: alog.last}); err != nil {
			r.fail("", err)
		}
		for i, d := range batch {
			switch d.Outcome {
			case OutcomeSealed:
				res.Sealed++
				if r.opts.Watch {
					// A hot folder sees a file again when it changes. A run
					// over a folder lists each file once and keeps no
					// memory of it, so memory does not grow with the folder.
					r.mu.Lock()
					r.sealed[d.Input] = sealedEntry{sha: d.inSHA, output: d.Output}
					r.mu.Unlock()
				}
			case OutcomeSkipped:
				res.Skipped++
			case OutcomeFailed:
				res.Failed++
				res.Failures = append(res.Failures, d.FileResult)
			}
			_ = recs[i]
			fr := d.FileResult
			report(&fr)
		}
		batch = batch[:0]
	}
	report(nil)
	tick := time.NewTicker(flushAfter)
	defer tick.Stop()
	for {
		select {
		case d, ok := <-results:
			if !ok {
				flush()
				report(nil)
				return
			}
			batch = append(batch, d)
			if len(batch) >= flushFiles {
				flush()
			}
		case <-r.paused:
			report(nil)
		case <-tick.C:
			flush()
			if r.opts.Watch {
				report(nil)
			}
		}
	}
}

// signer signs with one key per worker. The first signature goes alone:
// it is where the PIN is asked and the token logged in, and a wrong PIN
// must end the run after one try, not one per session.
type signer struct {
	chain []*x509.Certificate
	pool  chan signing.Key
	owned []signing.Key

	first    sync.Mutex
	loggedIn atomic.Bool
	firstErr error

	batch *batcher // set when the key signs batches
}

func openSigner(ctx context.Context, o Options, ports Ports, log *slog.Logger) (*signer, error) {
	s := &signer{}
	defer func() {
		// A key that signs many digests under one authorisation gets
		// them gathered: one PIN (or OTP) and one request per batch.
		if len(s.chain) == 0 {
			return
		}
		var k signing.Key
		select {
		case k = <-s.pool:
			s.pool <- k
		default:
			return
		}
		if bs, ok := k.(signing.BatchSigner); ok && bs.MaxBatch() > 1 {
			s.batch = &batcher{key: k, bs: bs, max: bs.MaxBatch(), reqs: make(chan *batchReq)}
		}
	}()
	if o.Key != nil {
		s.pool = make(chan signing.Key, 1)
		s.pool <- o.Key
		s.chain = o.Key.Chain()
	} else {
		if o.KeyURI == "" {
			return nil, errors.New("no key given")
		}
		// Several sessions only for PKCS#11 keys; other keys sign in
		// memory or remotely, one at a time.
		n := 1
		if strings.HasPrefix(strings.ToLower(o.KeyURI), "pkcs11:") {
			n = o.Workers
		}
		open, err := opener(o, ports, log)
		if o.CSC != nil {
			open = func(ctx context.Context) (signing.Key, error) {
				return keys.Open(ctx, o.KeyURI, keys.Options{PIN: ports.PIN, Logger: log, CSC: o.CSC})
			}
		}
		if err != nil {
			return nil, err
		}
		s.pool = make(chan signing.Key, n)
		for range n {
			k, err := open(ctx)
			if err != nil {
				s.close()
				return nil, err
			}
			s.owned = append(s.owned, k)
			s.pool <- k
		}
		s.chain = s.owned[0].Chain()
	}
	if len(s.chain) == 0 {
		s.close()
		return nil, signing.ErrNoCertificate
	}
	return s, nil
}

// opener returns how the run opens its key, by Options.Signer.
func opener(o Options, ports Ports, log *slog.Logger) (func(context.Context) (signing.Key, error), error) {
	viaKeys := func(ctx context.Context) (signing.Key, error) {
		return keys.Open(ctx, o.KeyURI, keys.Options{PIN: ports.PIN, Logger: log, CardModules: o.CardModules})
	}
	mode := strings.ToLower(o.Signer)
	switch mode {
	case "", SignerAuto, SignerAgent, SignerInProcess:
	default:
		return nil, fmt.Errorf("unknown signer %q (use %s, %s or %s)", o.Signer, SignerAuto, SignerAgent, SignerInProcess)
	}
	if mode == SignerAgent || !strings.HasPrefix(strings.ToLower(o.KeyURI), "pkcs11:") {
		return viaKeys, nil
	}
	u, err := pkcs11.ParseURI(o.KeyURI)
	if err != nil {
		return nil, fmt.Errorf("open PKCS#11 key: %w", err)
	}
	if mode != SignerInProcess && !InProcessModule(u.ModulePath) {
		return viaKeys, nil
	}
	log.Info("seal: PKCS#11 module loaded in this process", "module", u.ModulePath)
	return func(ctx context.Context) (signing.Key, error) {
		k, err := pkcs11.Open(ctx, o.KeyURI, pkcs11.Options{PIN: ports.PIN, Logger: log})
		if err != nil {
			return nil, err // not a typed nil in the interface
		}
		return k, nil
	}, nil
}

func (s *signer) sign(ctx context.Context, digest []byte, opts cms.Options) ([]byte, error) {
	if s.batch != nil {
		// The batcher asks once per batch; a failed batch fails every
		// later one, so a wrong PIN is tried once.
		return cms.SignDetached(ctx, batchKey{s.batch}, s.chain, digest, opts)
	}
	if !s.loggedIn.Load() {
		s.first.Lock()
		if s.firstErr != nil {
			s.first.Unlock()
			return nil, s.firstErr
		}
		if !s.loggedIn.Load() {
			defer s.first.Unlock()
			der, err := s.signWith(ctx, digest, opts)
			if err != nil {
				s.firstErr = err
				return nil, err
			}
			s.loggedIn.Store(true)
			return der, nil
		}
		s.first.Unlock()
	}
	return s.signWith(ctx, digest, opts)
}

func (s *signer) signWith(ctx context.Context, digest []byte, opts cms.Options) ([]byte, error) {
	var k signing.Key
	select {
	case k = <-s.pool:
	case <-ctx.Done():
		return nil, signing.ErrCancelled
	}
	defer func() { s.pool <- k }()
	return cms.SignDetached(ctx, k, s.chain, digest, opts)
}

func (s *signer) close() {
	for _, k := range slices.Backward(s.owned) {
		_ = k.Close()
	}
	s.owned = nil
}

func (r *run) known(dir string) bool {
	_, ok := r.dirs.Load(dir)
	return ok
}

// maxBatchFiles bounds the documents prepared at once for a batch: each
// is a temporary file in OUT until its signature comes.
const maxBatchFiles = 32

// batchWait is how long a batch waits for documents still being prepared
// once one is ready; usually it closes sooner, when every file under way
// has arrived.
const batchWait = 2 * time.Second

// batcher gathers the digests workers ask to sign at about the same time
// and signs them with one SignDigests (CSC: one credentials/authorize for
// numSignatures n, with the hashes bound, and one signatures/signHash).
// A batch closes when it holds max digests, or every file under way, or
// after batchWait. After a failed batch every request fails with its
// error: the run stops, and a wrong PIN or OTP is not tried again.
type batcher struct {
	key   signing.Key
	bs    signing.BatchSigner
	max   int
	ready func(n int) bool // nothing more is coming soon with n waiting
	reqs  chan *batchReq

	mu  sync.Mutex
	err error
}

type batchReq struct {
	digest []byte
	opts   crypto.SignerOpts
	res    chan batchRes // buffered: the loop never waits on a caller
}

type batchRes struct {
	sig []byte
	err error
}

func (b *batcher) loop(ctx context.Context) {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		var batch []*batchReq
		select {
		case r := <-b.reqs:
			batch = append(batch, r)
		case <-ctx.Done():
			return
		}
		deadline := time.Now().Add(batchWait)
	gather:
		for len(batch) < b.max && !b.ready(len(batch)) && time.Now().Before(deadline) {
			select {
			case r := <-b.reqs:
				batch = append(batch, r)
			case <-tick.C:
			case <-ctx.Done():
				break gather
			}
		}
		b.sign(ctx, batch)
	}
}

func (b *batcher) sign(ctx context.Context, batch []*batchReq) {
	b.mu.Lock()
	err := b.err
	b.mu.Unlock()
	var sigs [][]byte
	if err == nil {
		digests := make([][]byte, len(batch))
		for i, r := range batch {
			if r.opts.HashFunc() != batch[0].opts.HashFunc() {
				err = fmt.Errorf("digests of %s and %s in one batch", batch[0].opts.HashFunc(), r.opts.HashFunc())
			}
			digests[i] = r.digest
		}
		if err == nil {
			sigs, err = b.bs.SignDigests(ctx, digests, batch[0].opts)
		}
		if err == nil && len(sigs) != len(batch) {
			err = fmt.Errorf("%d signatures for %d digests", len(sigs), len(batch))
		}
		if err != nil {
			b.mu.Lock()
			b.err = err
			b.mu.Unlock()
		}
	}
	for i, r := range batch {
		if err != nil {
			r.res <- batchRes{err: err}
		} else {
			r.res <- batchRes{sig: sigs[i]}
		}
	}
}

// batchKey is the batcher as the one key cms.SignDetached signs with.
type batchKey struct{ b *batcher }

func (k batchKey) Public() crypto.PublicKey   { return k.b.key.Public() }
func (k batchKey) Chain() []*x509.Certificate { return k.b.key.Chain() }
func (k batchKey) Close() error               { return nil }

func (k batchKey) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return k.SignContext(context.Background(), nil, digest, opts)
}

func (k batchKey) SignContext(ctx context.Context, _ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	k.b.mu.Lock()
	err := k.b.err
	k.b.mu.Unlock()
	if err != nil {
		return nil, err
	}
	r := &batchReq{digest: digest, opts: opts, res: make(chan batchRes, 1)}
	select {
	case k.b.reqs <- r:
	case <-ctx.Done():
		return nil, signing.ErrCancelled
	}
	select {
	case res := <-r.res:
		return res.sig, res.err
	case <-ctx.Done():
		return nil, signing.ErrCancelled
	}
}
