package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/siegel-app/siegel/app/seal"
)

// ExitStopped is the exit code of a seal run that stopped before all files
// were done: a wrong PIN, a removed token, a full disk, an interrupt.
const ExitStopped = 4

func runSeal(env Env, args []string) int {
	fs := newFlagSet(env, "seal", env.T("--key URI --in DIR --out DIR [options]"))
	key := fs.String("key", "", env.T("key `URI`: pkcs11:token=…;id=…?module-path=… (an HSM), pkcs12:/path/file.p12, or csc:https://HOST/csc/v2?credential=ID (a remote seal: documents are signed in batches under one authorisation when the credential allows several)"))
	in := fs.String("in", "", env.T("folder of PDFs to seal, read recursively (`DIR`); never written"))
	out := fs.String("out", "", env.T("folder for the sealed PDFs (`DIR`), same relative paths; holds the journal and siegel-audit.jsonl"))
	pinFile := fs.String("pin-file", "", env.T("read the PIN from `FILE` (for scripts); otherwise it is asked on the terminal, once"))
	workers := fs.Int("workers", 0, env.T("files sealed in parallel, each with its own PKCS#11 session (default two per CPU)"))
	level := fs.String("level", "", env.T("signature `level` B-B or B-T (default B-T with --tsa, else B-B)"))
	tsaURL := fs.String("tsa", "", env.T("RFC 3161 time-stamping authority `URL` (for B-T)"))
	visible := fs.String("visible", "", env.T("visible stamp at `PAGE:X,Y,W,H` (PDF points from the lower-left corner of the page as displayed); invisible by default"))
	reason := fs.String("reason", "", env.T("reason for sealing"))
	signer := fs.String("signer", seal.SignerAuto, env.T("where a pkcs11: key's module runs: `auto` (in this process for SoftHSM2, else the agent), agent, in-process"))
	cf := addCSCFlags(env, fs, env.T("csc: keys"))
	watch := fs.Bool("watch", false, env.T("keep running as a hot folder: seal new files once they are complete, until interrupted"))
	pos, err := parse(env, fs, args)
	if err != nil {
		return usageError(env, fs, err)
	}
	if len(pos) != 0 {
		return usageError(env, fs, env.errorf("unexpected arguments %q: use --in DIR and --out DIR", pos))
	}
	switch {
	case *key == "":
		return usageError(env, fs, env.errorf("--key is required"))
	case *in == "" || *out == "":
		return usageError(env, fs, env.errorf("--in and --out are required"))
	case *workers < 0:
		return usageError(env, fs, env.errorf("--workers must be positive"))
	case *signer != seal.SignerAuto && *signer != seal.SignerAgent && *signer != seal.SignerInProcess:
		return usageError(env, fs, env.errorf("--signer %q: use auto, agent or in-process", *signer))
	}
	st, err := loadSettings()
	if err != nil {
		return fail(env, err)
	}
	opts := seal.Options{
		KeyURI: *key, In: *in, Out: *out, Workers: *workers,
		Level: *level, TSA: *tsaURL, Reason: *reason, Lang: env.language(),
		CardModules: st.CardModules, Watch: *watch, Signer: *signer,
	}
	if opts.CSC, err = cf.forKey(env, *key, nil); err != nil {
		return usageError(env, fs, err)
	}
	defer opts.CSC.Zero()
	if *visible != "" {
		v, err := parseVisible(env, *visible)
		if err != nil {
			return usageError(env, fs, err)
		}
		opts.Visible = v
	}
	if os.Getenv("SIEGEL_SEAL_SETTLE") != "" { // tests: a shorter settle time
		if d, err := time.ParseDuration(os.Getenv("SIEGEL_SEAL_SETTLE")); err == nil {
			opts.Settle, opts.Poll = d, d/4
		}
	}

	ctx, stop := env.context()
	defer stop()
	pr := newSealProgress(env)
	res, err := seal.Run(ctx, opts, seal.Ports{PIN: withOTP(env, pinFunc(env, *pinFile), ""), Progress: pr.update})
	pr.end()
	var se *seal.StopError
	if err != nil && !errors.As(err, &se) {
		return failOp(env, "seal", *in, fmt.Errorf("seal %s: %w", *in, err)) // nothing began
	}
	fmt.Fprintln(env.Stdout, env.Tf("%d sealed, %d skipped, %d failed in %s",
		res.Sealed, res.Skipped, res.Failed, res.Elapsed.Round(time.Millisecond)))
	if len(res.Failures) > 0 {
		fmt.Fprintln(env.Stderr, env.T("Failed:"))
		for _, f := range res.Failures {
			fmt.Fprintf(env.Stderr, "  %s: %s\n", f.Input, env.failureText(f))
		}
	}
	if se != nil {
		fmt.Fprintf(env.Stderr, "siegel: %s\n", env.errText("", "", se))
		fmt.Fprintf(env.Stderr, "siegel: %s\n", env.T("run the same command again to go on where it stopped"))
		return ExitStopped
	}
	if res.Failed > 0 {
		return ExitError
	}
	return ExitOK
}

// sealProgress shows a run: on a terminal one line redrawn in place, else
// a log line per file.
type sealProgress struct {
	env   Env
	w     io.Writer
	tty   bool
	drawn bool
	last  time.Time
}

func newSealProgress(env Env) *sealProgress {
	p := &sealProgress{env: env, w: env.Stdout}
	if f, ok := env.Stdout.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.tty = true
	}
	return p
}

func (p *sealProgress) update(pr seal.Progress) {
	if !p.tty {
		if l := pr.Last; l != nil {
			switch l.Outcome {
			case seal.OutcomeFailed:
				fmt.Fprintf(p.w, "%-7s %s: %s\n", p.env.T("failed"), l.Input, p.env.failureText(*l))
			default:
				fmt.Fprintf(p.w, "%-7s %s\n", outcomeText(p.env, l.Outcome), l.Input)
			}
		}
		return
	}
	// Redraw at most 10 times a second, and always the last file.
	if pr.Last != nil && pr.Done < pr.Total && time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	fmt.Fprintf(p.w, "\r\x1b[K%s", progressLine(p.env, pr, 30))
	p.drawn = true
}

func (p *sealProgress) end() {
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}

// progressLine is "[#####-----] 120/200 45.2/s ETA 2s, 3 failed".
func progressLine(env Env, pr seal.Progress, width int) string {
	filled := 0
	if pr.Total > 0 {
		filled = width * pr.Done / pr.Total
	}
	bar := strings.Repeat("#", filled) + strings.Repeat("-", width-filled)
	rate := 0.0
	if s := pr.Elapsed.Seconds(); s > 0 {
		rate = float64(pr.Done) / s
	}
	line := fmt.Sprintf("[%s] %d/%d %.1f/s", bar, pr.Done, pr.Total, rate)
	if rate > 0 && pr.Total > pr.Done {
		eta := time.Duration(float64(pr.Total-pr.Done) / rate * float64(time.Second))
		line += " " + env.Tf("ETA %s", eta.Round(time.Second).String())
	}
	if pr.Failed > 0 {
		line += ", " + env.Tf("%d failed", pr.Failed)
	}
	if pr.Paused {
		line += " " + env.T("(paused)")
	}
	return line
}

// outcomeText names a file's outcome (seal.Outcome…) in the run's
// language; the audit log keeps the English word.
func outcomeText(env Env, outcome string) string {
	switch outcome {
	case seal.OutcomeSealed:
		return env.T("sealed")
	case seal.OutcomeSkipped:
		return env.T("skipped")
	case seal.OutcomeFailed:
		return env.T("failed")
	}
	return outcome
}

// failureText is why a file failed: the seal's English reason, or in
// another language its cause in words (see errText).
func (env Env) failureText(f seal.FileResult) string {
	if f.Err == nil {
		return f.Reason
	}
	return env.errText("", "", f.Err)
}
