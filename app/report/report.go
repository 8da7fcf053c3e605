// Package report writes the result of a verification as a document a
// notary can file: for each file and signature the facts "siegel verify"
// prints, with the time of the verification, Siegel's version and the
// trust sources used. It writes self-contained HTML (printable) and PDF
// (its own small writer: text pages in the standard Helvetica font, so
// nothing is embedded and no dependency is needed), in English, German
// or Slovenian.
package report

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/siegel-app/siegel/app/verifytext"
	"github.com/siegel-app/siegel/signing/verify"
)

// Meta describes the verification as a whole.
type Meta struct {
	// Time is when the verification ran.
	Time time.Time
	// At is the time validated at when it was not Time (--at); zero
	// otherwise.
	At time.Time
	// Version is Siegel's version, e.g. "0.1.0 (commit 8994855)".
	Version string
	// Lang is "de" for German, "sl" for Slovenian, anything else English.
	Lang string
	// SystemStore says the system's certificate store was a trust source.
	SystemStore bool
	// TrustFiles and CRLFiles are the files given as trust anchors and
	// revocation lists; Online says revocation data could be fetched.
	TrustFiles, CRLFiles []string
	Online               bool
	// TrustLists are the EU trusted lists consulted, the LOTL first, and
	// those that could not be used, with the reason; their qualified CAs
	// were trust anchors. TrustListWarnings say where the lists used were
	// less than fresh.
	TrustLists        []TrustList
	TrustListWarnings []string
}

// TrustList is one EU trusted list: the list of trusted lists (LOTL) or a
// national list.
type TrustList struct {
	LOTL      bool
	Territory string
	URL       string
	Sequence  int
	Issued    time.Time
	// Err is why the list was not used; "" when it was.
	Err string
}

// Entry is one verified file: its report, or the reason it could not be
// processed.
type Entry struct {
	File   string
	Report *verify.Report
	Err    error
	// Data is the signed data file of a detached signature, if any.
	Data string
}

// WriteFile writes the report for entries to path, as HTML (.html, .htm)
// or PDF (.pdf) by its extension. It writes a temporary file beside path
// and renames it, so path is either the old file or the whole report; it
// refuses to write over any of inputs (the verified files).
func WriteFile(path string, m Meta, entries []Entry, inputs []string) error {
	var write func(io.Writer, Meta, []Entry) error
	switch strings.ToLower(filepath.Ext(path)) {
	case ".html", ".htm":
		write = WriteHTML
	case ".pdf":
		write = WritePDF
	default:
		return fmt.Errorf("report %s: the name must end in .html or .pdf", path)
	}
	if err := notAnInput(path, inputs); err != nil {
		return err
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".siegel-report-*"+filepath.Ext(path))
	if err != nil {
		return fmt.Errorf("report %s: %w", path, err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := write(tmp, m, entries); err != nil {
		return fmt.Errorf("report %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("report %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("report %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("report %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("report %s: %w", path, err)
	}
	done = true
	return nil
}

// notAnInput compares by file identity where the files exist (links and
// other spellings of a name), else by the cleaned absolute path.
func notAnInput(path string, inputs []string) error {
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			return filepath.Clean(p)
		}
		return a
	}
	out, outErr := os.Stat(path)
	for _, in := range inputs {
		same := abs(in) == abs(path)
		if st, err := os.Stat(in); err == nil && outErr == nil {
			same = same || os.SameFile(st, out)
		}
		if same {
			return fmt.Errorf("report %s: refusing to overwrite the verified file %s", path, in)
		}
	}
	return nil
}

// The document both writers render: language-specific words, computed
// once.

type fact struct{ Label, Value string }

// status is "passed", "failed" or "indeterminate", the CSS class and
// the colour in the PDF.
type sigView struct {
	Title    string
	Status   string
	Result   string
	Facts    []fact
	Problems []string
}

type fileView struct {
	File   string
	Facts  []fact
	Status string
	Result string
	Error  string
	Sigs   []sigView
}

type docView struct {
	Lang          string
	Title         string
	Intro         string
	Meta          []fact
	Files         []fileView
	ResultLabel   string
	ProblemsLabel string
	Footer        string
}

func build(m Meta, entries []Entry) docView {
	l := labelsFor(m.Lang)
	d := docView{Lang: l.lang, Title: l.title, Intro: l.intro, ProblemsLabel: l.problems, ResultLabel: l.result,
		Footer: fmt.Sprintf("Siegel %s · %s", m.Version, stamp(m.Time))}
	d.Meta = append(d.Meta, fact{l.verifiedAt, stamp(m.Time)})
	if !m.At.IsZero() {
		d.Meta = append(d.Meta, fact{l.validatedAt, stamp(m.At)})
	}
	d.Meta = append(d.Meta, fact{l.software, "Siegel " + m.Version})
	var anchors []string
	if m.SystemStore {
		anchors = append(anchors, l.systemStore)
	}
	for _, f := range m.TrustFiles {
		anchors = append(anchors, l.file+" "+f+digestNote(f))
	}
	if len(m.TrustLists) > 0 {
		anchors = append(anchors, l.euAnchors)
	}
	if len(anchors) == 0 {
		anchors = append(anchors, l.none)
	}
	d.Meta = append(d.Meta, fact{l.anchors, strings.Join(anchors, "; ")})
	// One row per list: the real LOTL points to some thirty.
	for i, tl := range m.TrustLists {
		label := ""
		if i == 0 {
			label = l.trustLists
		}
		d.Meta = append(d.Meta, fact{label, l.trustList(tl)})
	}
	for i, w := range m.TrustListWarnings {
		label := ""
		if i == 0 {
			label = l.tlWarnings
		}
		d.Meta = append(d.Meta, fact{label, w})
	}
	revs := []string{l.embedded}
	for _, f := range m.CRLFiles {
		revs = append(revs, l.crlFile+" "+f+digestNote(f))
	}
	if m.Online {
		revs = append(revs, l.online)
	} else {
		revs = append(revs, l.offline)
	}
	d.Meta = append(d.Meta, fact{l.revSources, strings.Join(revs, "; ")})

	for _, e := range entries {
		fv := fileView{File: e.File}
		if dg := fileDigest(e.File); dg != "" {
			fv.Facts = append(fv.Facts, fact{"SHA-256", dg})
		}
		if e.Data != "" {
			v := e.Data
			if dg := fileDigest(e.Data); dg != "" {
				v += " (SHA-256 " + dg + ")"
			}
			fv.Facts = append(fv.Facts, fact{l.signedData, v})
		}
		if e.Err != nil || e.Report == nil {
			fv.Status, fv.Result = "failed", l.notProcessed
			if e.Err != nil {
				fv.Error = e.Err.Error()
			}
			d.Files = append(d.Files, fv)
			continue
		}
		fv.Status, fv.Result = statusOf(e.Report.Indication), l.indication(e.Report.Indication, "")
		fv.Facts = append(fv.Facts, fact{l.signatures, strconv.Itoa(len(e.Report.Signatures))})
		for i, s := range e.Report.Signatures {
			fv.Sigs = append(fv.Sigs, sigFacts(l, i+1, s))
		}
		d.Files = append(d.Files, fv)
	}
	return d
}

func sigFacts(l labels, n int, s verify.Signature) sigView {
	s = verifytext.Localize(l.lang, s) // the engine's problems and changes in the report's language
	kind := l.signature
	if s.DocTimestamp {
		kind = l.docTimestamp
	}
	title := fmt.Sprintf("%s %d", kind, n)
	if s.Field != "" {
		title += fmt.Sprintf(", %s %s", l.field, s.Field)
	}
	v := sigView{Title: title, Status: statusOf(s.Indication), Result: l.indication(s.Indication, s.SubIndication),
		Problems: s.Problems}
	add := func(label, value string) { v.Facts = append(v.Facts, fact{label, value}) }
	add(l.result, v.Result)
	if s.Intact {
		add(l.integrity, l.intact)
	} else {
		add(l.integrity, l.notIntact)
	}
	if s.Signer.Subject != "" {
		add(l.signer, s.Signer.Subject)
		add(l.issuer, s.Signer.Issuer)
		add(l.serial, s.Signer.Serial)
	} else {
		add(l.signer, l.unknown)
	}
	if len(s.Signer.Chain) > 0 {
		var names []string
		for _, c := range s.Signer.Chain {
			names = append(names, c.Subject.CommonName)
		}
		add(l.chain, strings.Join(names, " → "))
	} else {
		add(l.chain, l.noChain)
	}
	switch s.TimeSource {
	case verify.TimeFromTimestamp:
		add(l.signingTime, stamp(s.SigningTime)+" ("+l.fromTimestamp+")")
	case verify.TimeClaimed:
		add(l.signingTime, stamp(s.SigningTime)+" ("+l.claimed+")")
	default:
		add(l.signingTime, l.notStated)
	}
	cov := l.coverage(s.Coverage)
	if s.Revision > 0 {
		cov += fmt.Sprintf(" (%s %d)", l.revision, s.Revision)
	}
	add(l.covers, cov)
	add(l.changes, l.modifications(s))
	if s.Level != "" {
		add(l.level, s.Level)
	}
	q := s.Qualified
	if q == "" || q == verify.QUnknown {
		q = l.qualUnknown // the other statuses are the regulation's own terms
	}
	add(l.qualified, q)
	add(l.revocation, l.revocationText(s.Revocation))
	if s.Reason != "" {
		add(l.reason, s.Reason)
	}
	return v
}

func statusOf(i verify.Indication) string {
	switch i {
	case verify.TotalPassed:
		return "passed"
	case verify.TotalFailed:
		return "failed"
	}
	return "indeterminate"
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// fileDigest is the SHA-256 of a file in hex, so the report names the
// exact bytes that were verified; "" when it cannot be read.
func fileDigest(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
}

func digestNote(path string) string {
	if d := fileDigest(path); d != "" {
		return " (SHA-256 " + d + ")"
	}
	return ""
}
