// Package judge runs the independent tools that judge what Siegel writes:
// poppler's pdfsig, qpdf --check and openssl. Tests trust these, not our
// own reading of our own output.
package judge

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/siegel-app/siegel/internal/testenv"
)

// Signature is one signature as pdfsig reports it.
type Signature struct {
	Valid       bool   // "Signature is Valid."
	Total       bool   // "Total document signed"
	SubFilter   string // as pdfsig names it, e.g. "ETSI.CAdES.detached"
	SignerName  string
	Raw         string
	Certificate string // "Certificate Validation" line
}

var sigHead = regexp.MustCompile(`(?m)^Signature #\d+:`)

// PDFSig runs pdfsig on path and returns its signatures in file order.
func PDFSig(t testing.TB, path string) []Signature {
	t.Helper()
	bin := testenv.Need(t, "pdfsig")["pdfsig"]
	out, err := exec.Command(bin, path).CombinedOutput()
	if err != nil && !bytes.Contains(out, []byte("Signature #")) {
		t.Fatalf("pdfsig %s: %v\n%s", path, err, out)
	}
	text := string(out)
	idx := sigHead.FindAllStringIndex(text, -1)
	var sigs []Signature
	for i, loc := range idx {
		end := len(text)
		if i+1 < len(idx) {
			end = idx[i+1][0]
		}
		block := text[loc[0]:end]
		s := Signature{Raw: block}
		s.Valid = strings.Contains(block, "Signature Validation: Signature is Valid.")
		s.Total = strings.Contains(block, "Total document signed")
		for _, line := range strings.Split(block, "\n") {
			line = strings.TrimSpace(line)
			if v, ok := strings.CutPrefix(line, "- Signature Type: "); ok {
				s.SubFilter = v
			}
			if v, ok := strings.CutPrefix(line, "- Signer Certificate Common Name: "); ok {
				s.SignerName = v
			}
			if v, ok := strings.CutPrefix(line, "- Certificate Validation: "); ok {
				s.Certificate = v
			}
		}
		sigs = append(sigs, s)
	}
	return sigs
}

// QPDFCheck fails the test unless qpdf --check accepts path without
// warnings.
func QPDFCheck(t testing.TB, path string) {
	t.Helper()
	bin := testenv.Need(t, "qpdf")["qpdf"]
	out, err := exec.Command(bin, "--check", path).CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("No syntax or stream encoding errors found")) {
		t.Fatalf("qpdf --check %s: %v\n%s", path, err, out)
	}
}

// PDFText is the text poppler's pdftotext reads from path, UTF-8, with
// the layout kept; a failure fails the test.
func PDFText(t testing.TB, path string) string {
	t.Helper()
	bin := testenv.Need(t, "pdftotext")["pdftotext"]
	out, err := exec.Command(bin, "-enc", "UTF-8", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext %s: %v\n%s", path, err, out)
	}
	return string(out)
}

// OpenSSL runs openssl with args and returns its combined output; a
// non-zero exit fails the test.
func OpenSSL(t testing.TB, args ...string) string {
	t.Helper()
	bin := testenv.Need(t, "openssl")["openssl"]
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// CMSPrint returns openssl's structural dump of a DER CMS.
func CMSPrint(t testing.TB, der []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "sig.p7s")
	if err := os.WriteFile(p, der, 0o644); err != nil {
		t.Fatal(err)
	}
	return OpenSSL(t, "cms", "-cmsout", "-print", "-inform", "DER", "-in", p)
}
