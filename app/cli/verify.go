package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/siegel-app/siegel/app"
	"github.com/siegel-app/siegel/app/report"
	"github.com/siegel-app/siegel/app/verifytext"
	"github.com/siegel-app/siegel/signing/trustlist"
	"github.com/siegel-app/siegel/signing/verify"
)

// Exit codes of "siegel verify" (a contract for scripts): ExitOK when
// every signature of every file is TOTAL-PASSED; ExitError (1) when any is
// TOTAL-FAILED; ExitIndeterminate (2) when the rest are INDETERMINATE;
// ExitUnreadable (3) when any file could not be processed, whatever the
// others gave. Wrong usage gives ExitUsage (2) too, with a message on
// stderr and nothing on stdout.
const ExitIndeterminate = 2

// JSON shapes of "siegel verify --json" (a contract for scripts; see
// README).
type jsonVerify struct {
	File       string          `json:"file"`
	Data       string          `json:"data,omitempty"`
	Indication string          `json:"indication"`
	Signatures []jsonSignature `json:"signatures"`
	// TrustSources are the trust anchors consulted (added after the
	// first contract; the fields above are unchanged).
	TrustSources []jsonTrustSource `json:"trustSources,omitempty"`
	// Files of an ASiC-E container, and those no intact signature covers.
	Files    []string `json:"files,omitempty"`
	Unsigned []string `json:"unsigned,omitempty"`
}

// jsonTrustSource is one trust source: "system" (the system's store),
// "file" (--trust), "lotl" (the EU list of trusted lists) or
// "trustedList" (a national list; error says why it was not used).
type jsonTrustSource struct {
	Kind           string `json:"kind"`
	File           string `json:"file,omitempty"`
	Territory      string `json:"territory,omitempty"`
	URL            string `json:"url,omitempty"`
	SequenceNumber int    `json:"sequenceNumber,omitempty"`
	IssueDate      string `json:"issueDate,omitempty"` // RFC 3339
	Error          string `json:"error,omitempty"`
}

type jsonVerifyError struct {
	File  string `json:"file"`
	Error string `json:"error"`
}

type jsonSignature struct {
	Field         string            `json:"field"`
	DocTimestamp  bool              `json:"docTimestamp"`
	Indication    string            `json:"indication"`
	SubIndication string            `json:"subIndication"`
	Intact        bool              `json:"intact"`
	Signer        jsonSigner        `json:"signer"`
	SigningTime   *string           `json:"signingTime"` // RFC 3339; null when none
	TimeSource    string            `json:"timeSource"`  // "timestamp", "claimed" or "none"
	Coverage      string            `json:"coverage"`
	Revision      int               `json:"revision"`
	Modifications jsonModifications `json:"modifications"`
	Level         string            `json:"level"`
	Qualified     string            `json:"qualified"`
	Revocation    jsonRevocation    `json:"revocation"`
	Reason        string            `json:"reason,omitempty"`
	Problems      []string          `json:"problems"`
	// Covers are the files of an ASiC-E container the signature covers.
	Covers []string `json:"covers,omitempty"`
}

type jsonSigner struct {
	Subject string   `json:"subject"`
	Issuer  string   `json:"issuer"`
	Serial  string   `json:"serial"`
	Chain   []string `json:"chain"` // subjects to the trust anchor; empty when none
}

type jsonModifications struct {
	Kind    string   `json:"kind"` // "none", "allowed", "disallowed" or "unknown"
	Changes []string `json:"changes"`
}

type jsonRevocation struct {
	Source string `json:"source"`
	Status string `json:"status"`
}

// stringsFlag collects a repeated flag.
type stringsFlag []string

func (s *stringsFlag) String() string     { return strings.Join(*s, ",") }
func (s *stringsFlag) Set(v string) error { *s = append(*s, v); return nil }

// TrustListHTTPClient fetches the EU trusted lists; nil: the default
// client. A test hook (tests trust their loopback server with it), not a
// setting.
var TrustListHTTPClient *http.Client

func runVerify(env Env, args []string) int {
	fs := newFlagSet(env, "verify", env.T("[--json] [--trust FILE.pem]... [--crl FILE]... [--online] [--at TIME] [--data DATA] [--eu-trust-lists --lotl-signers FILE.pem [--lotl-url URL] [--trust-list-cache DIR] [--offline]] [--report OUT.pdf|OUT.html] [--lang en|de|sl] [--dir DIR] FILE..."))
	asJSON := fs.Bool("json", false, env.T("print JSON: an object per file (an array for several files)"))
	var trust, crls stringsFlag
	fs.Var(&trust, "trust", env.T("trust the certificates in this PEM `file` besides the system's store (repeatable)"))
	fs.Var(&crls, "crl", env.T("check revocation with this CRL `file` (repeatable)"))
	online := fs.Bool("online", false, env.T("fetch revocation data (OCSP, CRL) from the certificates' addresses"))
	at := fs.String("at", "", env.T("validate as of `TIME` (RFC 3339, or YYYY-MM-DD for 00:00 UTC) instead of now"))
	data := fs.String("data", "", env.T("the signed `DATA` file of a detached signature (.p7s); default: the .p7s name without .p7s"))
	reportPath := fs.String("report", "", env.T("also write a report a notary can file to `FILE` (.html or .pdf)"))
	lang := fs.String("lang", "", env.T("language of the messages, the summary and the report: en, de or sl (default from SIEGEL_LANG, LC_ALL, LC_MESSAGES or LANG)"))
	extract := fs.Int("extract-revision", 0, env.T("write revision `N` (a signature's \"revision\") of the PDF to --out instead of verifying"))
	out := fs.String("out", "", env.T("the `FILE` --extract-revision writes; it must not exist"))
	euTL := fs.Bool("eu-trust-lists", false, env.T("trust the qualified CAs of the EU trusted lists and take the qualified status from them (needs --lotl-signers)"))
	lotlSigners := fs.String("lotl-signers", "", env.T("the certificates allowed to sign the EU list of trusted lists, as the Official Journal of the EU publishes them, in `FILE.pem`"))
	lotlURL := fs.String("lotl-url", "", env.Tf("the EU list of trusted lists at `URL` (default %s)", trustlist.DefaultLOTLURL))
	tlCache := fs.String("trust-list-cache", "", env.Tf("keep the trusted lists in `DIR` (default %s)", app.DefaultTrustListCache()))
	offline := fs.Bool("offline", false, env.T("use only the trusted lists an earlier run cached, however old"))
	dir := fs.String("dir", "", env.T("also verify every PDF, .p7s, .p7m, .asice and .sce file under `DIR` (recursively), listed by result"))
	files, err := parse(env, fs, args)
	if err != nil {
		return usageError(env, fs, err)
	}
	if *dir != "" && (*data != "" || *extract != 0) {
		return usageError(env, fs, env.errorf("--dir does not go with --data or --extract-revision"))
	}
	if len(files) == 0 && *dir == "" {
		fs.Usage()
		return usageError(env, fs, env.errorf("no file given"))
	}
	if *out != "" && *extract == 0 {
		return usageError(env, fs, env.errorf("--out goes with --extract-revision"))
	}
	if *data != "" && len(files) != 1 {
		return usageError(env, fs, env.errorf("--data needs exactly one signature file"))
	}
	if *reportPath != "" {
		if e := strings.ToLower(*reportPath); !strings.HasSuffix(e, ".pdf") && !strings.HasSuffix(e, ".html") && !strings.HasSuffix(e, ".htm") {
			return usageError(env, fs, env.errorf("--report must name a .pdf or .html file"))
		}
	}
	if *lang == "" {
		*lang = env.language()
	} else if l := supported(*lang); l == "" || l != *lang {
		return usageError(env, fs, env.errorf("--lang must be en, de or sl"))
	} else {
		env.lang = l // the rest of the run speaks it too
	}
	if !*euTL {
		for _, f := range []struct {
			name string
			set  bool
		}{{"--lotl-signers", *lotlSigners != ""}, {"--lotl-url", *lotlURL != ""}, {"--trust-list-cache", *tlCache != ""}, {"--offline", *offline}} {
			if f.set {
				return usageError(env, fs, env.errorf("%s goes with --eu-trust-lists", f.name))
			}
		}
	}
	opts := app.VerifyOptions{TrustFiles: trust, CRLFiles: crls, Online: *online, Data: *data}
	if *euTL {
		opts.TrustLists = &app.TrustListOptions{LOTLURL: *lotlURL, LOTLSigners: *lotlSigners, CacheDir: *tlCache,
			Offline: *offline, HTTPClient: TrustListHTTPClient}
	}
	if *at != "" {
		t, err := parseTime(env, *at)
		if err != nil {
			return usageError(env, fs, err)
		}
		opts.At = t
	}
	if *extract != 0 {
		return extractRevision(env, fs, files, *extract, *out)
	}
	if err := opts.Check(); err != nil {
		fmt.Fprintf(env.Stderr, "siegel: %s\n", env.errText("verify", "", fmt.Errorf("verify: %w", err)))
		return ExitUnreadable
	}
	if *dir != "" {
		found, err := filesIn(*dir, opts)
		if err != nil {
			fmt.Fprintf(env.Stderr, "siegel: %s\n", env.errText("verify", "", fmt.Errorf("verify: %w", err)))
			return ExitUnreadable
		}
		files = append(files, found...)
	}

	ctx, cancel := env.context()
	defer cancel()
	var tlMeta []report.TrustList
	var tlWarnings []string
	if opts.TrustLists != nil {
		// Loaded once for all files; a LOTL that cannot be had or trusted
		// ends the run, a national list that fails is a warning.
		lists, err := app.LoadTrustLists(ctx, *opts.TrustLists)
		if err != nil {
			fmt.Fprintf(env.Stderr, "siegel: %s\n", env.errText("verify", "", fmt.Errorf("verify: %w", err)))
			return ExitUnreadable
		}
		opts.Lists = lists
		// In the run's language, for stderr and the report; JSON has
		// none of these sentences (the sources' errors stay English).
		tlWarnings = verifytext.TrustLists(*lang, lists.ProblemNotes())
		for _, w := range tlWarnings {
			fmt.Fprintf(env.Stderr, "siegel: %s: %s\n", env.T("warning"), w)
		}
		for _, s := range lists.Sources() {
			tlMeta = append(tlMeta, report.TrustList{LOTL: s.LOTL, Territory: s.Territory, URL: s.URL,
				Sequence: s.Sequence, Issued: s.Issued, Err: s.Err})
		}
	}
	started := time.Now()
	colour := isTerminal(env.Stdout) && os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb"
	entries := make([]report.Entry, 0, len(files))
	for _, file := range files {
		e := report.Entry{File: file}
		if opts.IsDetached(file) {
			e.Data = opts.DetachedData(file)
		}
		e.Report, e.Err = app.Verify(ctx, file, opts)
		if e.Err != nil {
			// Framed "verify FILE: …" once; the JSON and the report
			// keep this English text, the terminal gets errText.
			if !strings.HasPrefix(e.Err.Error(), "verify ") {
				e.Err = fmt.Errorf("verify %s: %w", file, e.Err)
			}
			fmt.Fprintf(env.Stderr, "siegel: %s\n", env.errText("verify", file, e.Err))
		} else if !*asJSON && *dir == "" {
			// Each file's summary as soon as it is known, in order with
			// the error lines.
			if err := report.WriteText(env.Stdout, e, *lang, colour); err != nil {
				fmt.Fprintf(env.Stderr, "siegel: %s\n", env.errText("verify", "", fmt.Errorf("verify: %w", err)))
				return ExitUnreadable
			}
		}
		entries = append(entries, e)
	}

	if *dir != "" {
		// Sorted by result, worst first, so that what needs a look leads.
		slices.SortStableFunc(entries, func(a, b report.Entry) int { return resultRank(a) - resultRank(b) })
		if !*asJSON {
			if err := writeGrouped(env, env.Stdout, entries, *lang, colour); err != nil {
				fmt.Fprintf(env.Stderr, "siegel: %s\n", env.errText("verify", "", fmt.Errorf("verify: %w", err)))
				return ExitUnreadable
			}
		}
	}
	if *asJSON {
		out := make([]any, 0, len(entries))
		for _, e := range entries {
			if e.Err != nil {
				out = append(out, jsonVerifyError{File: e.File, Error: e.Err.Error()})
			} else {
				j := verifyJSON(e)
				j.TrustSources = trustSourcesJSON(trust, tlMeta)
				out = append(out, j)
			}
		}
		var v any = out
		if len(out) == 1 && *dir == "" {
			v = out[0]
		}
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(v); err != nil {
			fmt.Fprintf(env.Stderr, "siegel: %s\n", env.errText("verify", "", fmt.Errorf("verify: %w", err)))
			return ExitUnreadable
		}
	}

	code := verifyExit(entries)
	if *reportPath != "" {
		m := report.Meta{Time: started, At: opts.At, Version: versionString(), Lang: *lang,
			SystemStore: true, TrustFiles: trust, CRLFiles: crls, Online: *online,
			TrustLists: tlMeta, TrustListWarnings: tlWarnings}
		inputs := append([]string{}, files...)
		inputs = append(inputs, trust...)
		inputs = append(inputs, crls...)
		if *lotlSigners != "" {
			inputs = append(inputs, *lotlSigners)
		}
		for _, e := range entries {
			if e.Data != "" {
				inputs = append(inputs, e.Data)
			}
		}
		if err := report.WriteFile(*reportPath, m, entries, inputs); err != nil {
			fmt.Fprintf(env.Stderr, "siegel: %s\n", env.errText("", "", err))
			return ExitUnreadable
		}
	}
	return code
}

// extractRevision writes revision n of the one PDF in files to out: the
// document exactly as it was signed. Exit 0 written, 3 not (no such
// revision, not a PDF, out exists), 2 usage.
func extractRevision(env Env, fs *flag.FlagSet, files []string, n int, out string) int {
	switch {
	case n < 1:
		return usageError(env, fs, env.errorf("--extract-revision needs a revision number from 1"))
	case out == "":
		return usageError(env, fs, env.errorf("--extract-revision needs --out FILE"))
	case len(files) != 1:
		return usageError(env, fs, env.errorf("--extract-revision needs exactly one PDF"))
	}
	if err := verify.ExtractRevision(files[0], n, out); err != nil {
		fmt.Fprintf(env.Stderr, "siegel: %s\n", env.errText("", "", err))
		return ExitUnreadable
	}
	fmt.Fprintln(env.Stdout, env.Tf("%s: revision %d written to %s", files[0], n, out))
	return ExitOK
}

// verifyExit is the worst outcome over the files: unprocessable, then
// failed, then indeterminate.
func verifyExit(entries []report.Entry) int {
	code := ExitOK
	for _, e := range entries {
		switch {
		case e.Err != nil:
			return ExitUnreadable
		case e.Report.Indication == verify.TotalFailed:
			code = ExitError
		case e.Report.Indication != verify.TotalPassed && code == ExitOK:
			code = ExitIndeterminate
		}
	}
	return code
}

func verifyJSON(e report.Entry) jsonVerify {
	rep := e.Report
	j := jsonVerify{File: rep.File, Data: e.Data, Indication: string(rep.Indication), Signatures: []jsonSignature{}}
	j.Files, j.Unsigned = rep.Files, rep.Unsigned
	for _, s := range rep.Signatures {
		js := jsonSignature{Field: s.Field, DocTimestamp: s.DocTimestamp, Indication: string(s.Indication),
			SubIndication: string(s.SubIndication), Intact: s.Intact,
			Signer:     jsonSigner{Subject: s.Signer.Subject, Issuer: s.Signer.Issuer, Serial: s.Signer.Serial, Chain: []string{}},
			TimeSource: s.TimeSource, Coverage: string(s.Coverage), Revision: s.Revision,
			Modifications: jsonModifications{Kind: report.ModKind(s), Changes: s.Modifications.Changes},
			Level:         s.Level, Qualified: s.Qualified, Reason: s.Reason, Problems: s.Problems}
		for _, c := range s.Signer.Chain {
			js.Signer.Chain = append(js.Signer.Chain, c.Subject.String())
		}
		js.Covers = s.Covers
		if !s.SigningTime.IsZero() {
			t := s.SigningTime.Format(time.RFC3339)
			js.SigningTime = &t
		}
		if js.TimeSource == "" {
			js.TimeSource = "none"
		}
		if js.Qualified == "" {
			js.Qualified = verify.QUnknown
		}
		r := report.Revocation(s.Revocation)
		js.Revocation = jsonRevocation{Source: r.Source, Status: r.Status}
		if js.Modifications.Changes == nil {
			js.Modifications.Changes = []string{}
		}
		if js.Problems == nil {
			js.Problems = []string{}
		}
		j.Signatures = append(j.Signatures, js)
	}
	return j
}

// trustSourcesJSON lists the system's store, the trust files and the
// trusted lists.
func trustSourcesJSON(files []string, lists []report.TrustList) []jsonTrustSource {
	out := []jsonTrustSource{{Kind: "system"}}
	for _, f := range files {
		out = append(out, jsonTrustSource{Kind: "file", File: f})
	}
	for _, l := range lists {
		s := jsonTrustSource{Kind: "trustedList", Territory: l.Territory, URL: l.URL, SequenceNumber: l.Sequence, Error: l.Err}
		if l.LOTL {
			s.Kind = "lotl"
		}
		if !l.Issued.IsZero() {
			s.IssueDate = l.Issued.UTC().Format(time.RFC3339)
		}
		out = append(out, s)
	}
	return out
}

// parseTime reads --at: RFC 3339, or a date for its start in UTC.
func parseTime(env Env, s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	return time.Time{}, env.errorf("--at %q: not an RFC 3339 time (2026-11-26T10:00:00Z) or a date (2026-11-26)", s)
}

// isTerminal says whether w is a terminal, for colour.
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// versionString is the version with the commit, for reports.
func versionString() string {
	commit := Commit
	if info, ok := debug.ReadBuildInfo(); ok && commit == "" {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				commit = s.Value
			}
		}
	}
	if commit == "" {
		return Version
	}
	if len(commit) > 12 {
		commit = commit[:12]
	}
	return Version + " (commit " + commit + ")"
}

// filesIn lists the files under dir that verify reads, in lexical order:
// PDFs, CMS signatures and ASiC-E containers. Hidden files and folders
// (such as the temporary files of a sealing run) are left out, and so is
// the data file of a detached signature beside it, which is verified
// with its signature.
func filesIn(dir string, opts app.VerifyOptions) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("read folder %s: %w", path, err)
		}
		if path != dir && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		switch strings.ToLower(filepath.Ext(path)) {
		case ".pdf", ".p7s", ".p7m", ".asice", ".sce":
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	data := map[string]bool{}
	for _, f := range files {
		if strings.EqualFold(filepath.Ext(f), ".p7s") {
			if d := opts.DetachedData(f); d != "" {
				data[d] = true
			}
		}
	}
	return slices.DeleteFunc(files, func(f string) bool { return data[f] }), nil
}

// resultRank orders files by result: failed, indeterminate, passed, then
// those that could not be processed.
func resultRank(e report.Entry) int {
	switch {
	case e.Err != nil:
		return 3
	case e.Report.Indication == verify.TotalFailed:
		return 0
	case e.Report.Indication == verify.TotalPassed:
		return 2
	}
	return 1
}

func writeGrouped(env Env, w io.Writer, entries []report.Entry, lang string, colour bool) error {
	titles := [4]string{env.T("Failed"), env.T("Indeterminate"), env.T("Passed"), env.T("Could not be verified")}
	var counts [4]int
	for _, e := range entries {
		counts[resultRank(e)]++
	}
	last := -1
	for _, e := range entries {
		r := resultRank(e)
		if r != last {
			if last >= 0 {
				fmt.Fprintln(w)
			}
			fmt.Fprintf(w, "== %s (%d) ==\n", titles[r], counts[r])
			last = r
		}
		if e.Err != nil {
			fmt.Fprintln(w, env.errText("verify", e.File, e.Err))
			continue
		}
		if err := report.WriteText(w, e, lang, colour); err != nil {
			return err
		}
	}
	if last >= 0 {
		fmt.Fprintln(w)
	}
	_, err := fmt.Fprintln(w, env.Tf("%d files: %d failed, %d indeterminate, %d passed, %d could not be verified",
		len(entries), counts[0], counts[1], counts[2], counts[3]))
	return err
}
