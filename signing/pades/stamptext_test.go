package pades_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siegel-app/siegel/internal/judge"
	"github.com/siegel-app/siegel/internal/testenv"
	"github.com/siegel-app/siegel/internal/testpki"
	"github.com/siegel-app/siegel/signing/pades"
)

// TestStampCentralEurope: a stamp naming a Slovenian signer keeps Č, č
// and the other letters its font encoding adds to WinAnsi, as poppler
// reads them once qpdf has flattened the stamp into the page.
func TestStampCentralEurope(t *testing.T) {
	tools := testenv.Need(t, "qpdf")
	pki := testpki.MustShared(t)
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
	if err := os.WriteFile(in, rotatedPDF("", "/MediaBox [0 0 400 300]"), 0o644); err != nil {
		t.Fatal(err)
	}
	line := "Digitalno podpisal: Čeh Ćosić đurđa Šuštar Žiga č"
	signVisible(t, pki, in, out, &pades.Visible{Page: 1, X: 20, Y: 20, W: 360, H: 120, Lines: []string{line}})
	judge.QPDFCheck(t, out)
	flat := filepath.Join(dir, "flat.pdf")
	if msg, err := exec.Command(tools["qpdf"], "--flatten-annotations=all", out, flat).CombinedOutput(); err != nil {
		t.Fatalf("qpdf --flatten-annotations: %v\n%s", err, msg)
	}
	got := strings.Join(strings.Fields(judge.PDFText(t, flat)), " ")
	for _, word := range strings.Fields(line) {
		if !strings.Contains(got, word) {
			t.Errorf("stamp text %q lacks %q", got, word)
		}
	}
}
