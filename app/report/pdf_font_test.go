package report_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/siegel-app/siegel/app/report"
	"github.com/siegel-app/siegel/internal/judge"
)

// TestPDFCentralEurope: a Slovenian report keeps č (and ć, đ, š, ž),
// which WinAnsiEncoding lacks in part, as poppler reads the text back.
func TestPDFCentralEurope(t *testing.T) {
	dir := t.TempDir()
	name := "Poročilo-ČĆćđŠšŽž.pdf"
	out := filepath.Join(dir, "porocilo.pdf")
	sl := meta
	sl.Lang = "sl"
	if err := report.WriteFile(out, sl, hostile(name), nil); err != nil {
		t.Fatal(err)
	}
	judge.QPDFCheck(t, out)
	b := judge.PDFText(t, out)
	flat := strings.Join(strings.Fields(b), "")
	if !strings.Contains(flat, name) {
		t.Errorf("PDF text lacks the file name %q:\n%s", name, b)
	}
}
