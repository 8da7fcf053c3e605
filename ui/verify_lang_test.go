package ui

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/siegel-app/siegel/internal/testpdf"
	"github.com/siegel-app/siegel/internal/testsign"
	"github.com/siegel-app/siegel/signing/audit"
	"github.com/siegel-app/siegel/signing/verify"
)

// tamperedReport is a signed PDF whose page 1 was replaced later (see
// testsign.TamperedReport), verified.
func tamperedReport(t *testing.T) *verify.Report { return testsign.TamperedReport(t, "") }

// TestVerifyModelLanguages: the engine's problems and change phrases
// appear in the GUI's language.
func TestVerifyModelLanguages(t *testing.T) {
	rep := tamperedReport(t)
	t.Cleanup(func() { SetupLanguage("en") })
	for _, tc := range []struct {
		lang, problem, changes string
	}{
		{"de", "Das Dokument wurde nach dieser Signatur auf eine Weise geändert, die sie nicht erlaubt: Inhalt der Seite 1 geändert (Objekt 6).",
			"Inhalt der Seite 1 geändert (Objekt 6)"},
		{"sl", "Dokument je bil po tem podpisu spremenjen na način, ki ga podpis ne dovoljuje: vsebina strani 1: spremenjeno (objekt 6).",
			"vsebina strani 1: spremenjeno (objekt 6)"},
		{"en", "The document was changed after this signature in a way it does not allow: content of page 1 changed (object 6).",
			"content of page 1 changed (object 6)"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			if err := SetupLanguage(tc.lang); err != nil {
				t.Fatal(err)
			}
			m := NewVerifyModel(rep.File, rep, nil)
			if len(m.Cards) != 1 {
				t.Fatalf("%d cards", len(m.Cards))
			}
			c := m.Cards[0]
			if !slices.Contains(c.Problems, tc.problem) {
				t.Errorf("problems %q lack %q", c.Problems, tc.problem)
			}
			var changes string
			for _, f := range c.Fields {
				if f.Label == T("Changes after signing") {
					changes = f.Value
				}
			}
			if !strings.Contains(changes, tc.changes) {
				t.Errorf("changes after signing %q lack %q", changes, tc.changes)
			}
		})
	}
}

// TestReviewFindingLanguages: the content audit's findings in the Review
// follow the GUI's language.
func TestReviewFindingLanguages(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plain.pdf")
	if err := os.WriteFile(path, testpdf.Pages(1), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := audit.Inspect(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := rep.Has(audit.CodeFontsNotEmbedded); !ok {
		t.Fatalf("no %s finding for a PDF with Helvetica: %+v", audit.CodeFontsNotEmbedded, rep.Findings)
	}
	r := reviewFixture()
	r.Findings = rep.Findings
	t.Cleanup(func() { SetupLanguage("en") })
	for lang, want := range map[string]string{"de": "Eine Schrift ist nicht eingebettet", "sl": "Pisava ni vdelana", "en": "A font is not embedded"} {
		if err := SetupLanguage(lang); err != nil {
			t.Fatal(err)
		}
		m := NewReviewModel(r, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
		var texts []string
		for _, f := range m.Findings {
			texts = append(texts, f.Text)
		}
		if !strings.Contains(strings.Join(texts, "\n"), want) {
			t.Errorf("%s: findings %q lack %q", lang, texts, want)
		}
	}
}
