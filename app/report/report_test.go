package report_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/siegel-app/siegel/app/report"
	"github.com/siegel-app/siegel/internal/judge"
	"github.com/siegel-app/siegel/signing/verify"
)

// hostile has text a report must carry safely: markup, PDF string
// delimiters, characters outside WinAnsi and a word longer than a line.
func hostile(file string) []report.Entry {
	long := strings.Repeat("0123456789abcdef", 40)
	sig := verify.Signature{
		Field: `<script>alert(1)</script> (x) \ ✓ 日本 Grüße`, Indication: verify.TotalFailed,
		SubIndication: verify.HashFailure, Coverage: verify.WholeRevision, Revision: 3,
		Modifications: verify.Modifications{Kind: verify.ModDisallowed, Changes: []string{"content of page 2 replaced"}},
		Signer:        verify.Signer{Subject: "CN=Jörg (Test)", Issuer: "CN=CA", Serial: "01"},
		SigningTime:   time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), TimeSource: verify.TimeFromTimestamp,
		Problems: []string{"A problem with an unbroken word: " + long},
	}
	return []report.Entry{
		{File: file, Report: &verify.Report{File: file, Indication: verify.TotalFailed, Signatures: []verify.Signature{sig}}},
		{File: "missing.pdf", Err: errors.New("verify missing.pdf: no such file")},
	}
}

var meta = report.Meta{Time: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC), Version: "1.2.3", Lang: "en",
	TrustFiles: []string{"anchors.pem"}, Online: true}

func TestPDF(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.pdf")
	os.WriteFile(in, []byte("%PDF-1.7 not really\n"), 0o644)
	out := filepath.Join(dir, "report.pdf")
	if err := report.WriteFile(out, meta, hostile(in), []string{in}); err != nil {
		t.Fatal(err)
	}
	judge.QPDFCheck(t, out)
	b := judge.PDFText(t, out)
	flat := strings.Join(strings.Fields(b), "")
	for _, want := range []string{"Siegel1.2.3", "2026-11-2610:00:00UTC", "online(OCSP,CRL)", "anchors.pem",
		`(x)\??`, "Grüße", "CN=Jörg(Test)", "2026-01-0203:04:05UTC(fromatimestamp)", "changesthatarenotallowed:contentofpage2replaced",
		"invalid(TOTAL-FAILED/HASH_FAILURE)", "awholerevision;laterchangesfollow(revision3)", strings.Repeat("0123456789abcdef", 40),
		"missing.pdf", "couldnotbeprocessed", "verifymissing.pdf:nosuchfile"} {
		if !strings.Contains(flat, want) {
			t.Errorf("PDF text lacks %q:\n%s", want, b)
		}
	}
	// The German report, and a document of many pages.
	var many []report.Entry
	for i := 0; i < 12; i++ {
		many = append(many, hostile(in)...)
	}
	de := meta
	de.Lang = "de"
	outDE := filepath.Join(dir, "bericht.pdf")
	if err := report.WriteFile(outDE, de, many, nil); err != nil {
		t.Fatal(err)
	}
	judge.QPDFCheck(t, outDE)
	b = judge.PDFText(t, outDE)
	if pages := strings.Count(b, "\f"); pages < 5 || !strings.Contains(b, "Seite 5 / ") ||
		!strings.Contains(b, "Prüfbericht") {
		t.Errorf("%d pages:\n%s", pages, b)
	}
}

func TestHTML(t *testing.T) {
	var b bytes.Buffer
	if err := report.WriteHTML(&b, meta, hostile("a&b.pdf")); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	if strings.Contains(html, "<script>") || !strings.Contains(html, "&lt;script&gt;") || !strings.Contains(html, "a&amp;b.pdf") {
		t.Errorf("not escaped:\n%s", html)
	}
	for _, want := range []string{`<html lang="en">`, "Siegel 1.2.3", "CN=Jörg (Test)", "content of page 2 replaced",
		`class="result failed"`, "verify missing.pdf: no such file"} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "doc.pdf")
	os.WriteFile(in, []byte("input"), 0o644)
	link := filepath.Join(dir, "link.html")
	if err := os.Symlink(in, link); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, out string }{
		{"the input", in},
		{"the input by another name", filepath.Join(dir, "sub", "..", "doc.pdf")},
		{"a link to the input", link},
		{"unknown format", filepath.Join(dir, "r.txt")},
		{"no such folder", filepath.Join(dir, "none", "r.pdf")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := report.WriteFile(tc.out, meta, hostile(in), []string{in}); err == nil {
				t.Error("written")
			}
		})
	}
	if b, _ := os.ReadFile(in); string(b) != "input" {
		t.Error("the input changed")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("files left behind: %v", entries)
	}
	// Replacing an earlier report is fine.
	out := filepath.Join(dir, "r.html")
	for i := 0; i < 2; i++ {
		if err := report.WriteFile(out, meta, hostile(in), []string{in}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSlovenian: "sl" gives the Slovenian report in every format; a
// change phrase the engine gives without a translatable form (as here)
// stays English.
func TestSlovenian(t *testing.T) {
	sl := meta
	sl.Lang = "sl"
	var b bytes.Buffer
	if err := report.WriteHTML(&b, sl, hostile("a.pdf")); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	for _, want := range []string{`<html lang="sl">`, "Poročilo o preverjanju elektronskih podpisov",
		"neveljaven (TOTAL-FAILED/HASH_FAILURE)", "celotna revizija; sledijo poznejše spremembe (revizija 3)",
		"nedovoljene spremembe: content of page 2 replaced", "iz časovnega žiga", "Čas podpisa", "Sidra zaupanja",
		"datoteka anchors.pem", "prek spleta (OCSP, CRL)", "ni preverjeno (ni podatkov o preklicu)", "ni bilo mogoče obdelati"} {
		if !strings.Contains(html, want) {
			t.Errorf("Slovenian HTML lacks %q", want)
		}
	}
	b.Reset()
	if err := report.WriteText(&b, hostile("a.pdf")[0], "sl", false); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"a.pdf: ✗ neveljaven (TOTAL-FAILED), 1 podpis", "Podpisnik", "Preklic"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("Slovenian text lacks %q:\n%s", want, b.String())
		}
	}

	out := filepath.Join(t.TempDir(), "porocilo.pdf")
	if err := report.WriteFile(out, sl, hostile("a.pdf"), nil); err != nil {
		t.Fatal(err)
	}
	judge.QPDFCheck(t, out)
	text := judge.PDFText(t, out)
	flat := strings.Join(strings.Fields(text), "")
	for _, want := range []string{"Poročiloopreverjanju", "Časpodpisa", "Sidrazaupanja", "neveljaven(TOTAL-FAILED/HASH_FAILURE)",
		"celotnarevizija;sledijopoznejšespremembe(revizija3)", "Podpisnik", "stran1/1"} {
		if !strings.Contains(flat, want) {
			t.Errorf("Slovenian PDF lacks %q:\n%s", want, text)
		}
	}
}
