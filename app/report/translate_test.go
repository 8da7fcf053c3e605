package report_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/siegel-app/siegel/app/report"
	"github.com/siegel-app/siegel/internal/testsign"
	"github.com/siegel-app/siegel/signing/verify"
)

// tampered is a signed PDF whose page 1 was replaced later (see
// testsign.TamperedReport), verified.
func tampered(t *testing.T) report.Entry {
	rep := testsign.TamperedReport(t, "Approved")
	if rep.Indication != verify.TotalFailed || len(rep.Signatures) != 1 ||
		!strings.Contains(strings.Join(rep.Signatures[0].Problems, " "), "content of page 1 changed") {
		t.Fatalf("the tampered file verifies as %s: %q", rep.Indication, rep.Signatures[0].Problems)
	}
	return report.Entry{File: rep.File, Report: rep}
}

// TestTranslatedProblems: the summary and the reports of a tampered PDF
// say what was changed in the report's language.
func TestTranslatedProblems(t *testing.T) {
	e := tampered(t)
	for _, tc := range []struct {
		lang string
		want []string
		not  string
	}{
		{"de", []string{"Das Dokument wurde nach dieser Signatur auf eine Weise geändert, die sie nicht erlaubt: Inhalt der Seite 1 geändert (Objekt 6).",
			"Inhalt der Seite 1 geändert (Objekt 6)"}, "was changed after"},
		{"sl", []string{"Dokument je bil po tem podpisu spremenjen na način, ki ga podpis ne dovoljuje: vsebina strani 1: spremenjeno (objekt 6).",
			"vsebina strani 1: spremenjeno (objekt 6)"}, "was changed after"},
		{"en", []string{"The document was changed after this signature in a way it does not allow: content of page 1 changed (object 6)."}, "Inhalt"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			var text bytes.Buffer
			if err := report.WriteText(&text, e, tc.lang, false); err != nil {
				t.Fatal(err)
			}
			var html bytes.Buffer
			m := meta
			m.Lang = tc.lang
			if err := report.WriteHTML(&html, m, []report.Entry{e}); err != nil {
				t.Fatal(err)
			}
			for _, want := range tc.want {
				if !strings.Contains(text.String(), want) {
					t.Errorf("summary lacks %q:\n%s", want, text.String())
				}
				if !strings.Contains(html.String(), want) {
					t.Errorf("HTML lacks %q", want)
				}
			}
			if strings.Contains(text.String(), tc.not) {
				t.Errorf("summary has %q:\n%s", tc.not, text.String())
			}
		})
	}
	// The engine's English stays as it was, for --json.
	if got := e.Report.Signatures[0].Modifications.Changes; len(got) != 1 || got[0] != "content of page 1 changed (object 6)" {
		t.Errorf("English changes now %q", got)
	}
}
