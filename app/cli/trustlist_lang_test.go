package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVerifyTrustListWarningLanguages: a national list that fails is a
// warning in the run's language on stderr and in the report.
func TestVerifyTrustListWarningLanguages(t *testing.T) {
	f := newTLFixture(t)
	f.w.Tamper(t)
	for lang, want := range map[string][]string{
		"de": {"siegel: Warnung: Vertrauensliste DE (" + f.w.TLURL + "): ", "; ihre Dienste werden nicht verwendet"},
		"sl": {"zaupanja vreden seznam DE (" + f.w.TLURL + "): ", "; njegove storitve se ne uporabljajo"},
	} {
		out := filepath.Join(f.dir, "tampered-"+lang+".html")
		code, stdout, stderr := run(t, f.lists("--lang", lang, "--trust", f.root, "--crl", f.crlRoot, "--report", out, f.qes)...)
		if code != 0 || !strings.Contains(stdout, "TOTAL-PASSED") {
			t.Errorf("%s: exit %d:\n%s\n%s", lang, code, stdout, stderr)
		}
		if strings.Contains(stderr, "trusted list DE") || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("%s: stderr %q", lang, stderr)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%s: stderr %q lacks %q", lang, stderr, w)
			}
			// The report escapes HTML; the URL and the sentence have
			// nothing to escape.
			if w = strings.TrimPrefix(w, "siegel: Warnung: "); !strings.Contains(string(b), w) {
				t.Errorf("%s: report lacks %q", lang, w)
			}
		}
	}
	// --json keeps English: the rejected list's reason in trustSources.
	_, stdout, _ := run(t, f.lists("--lang", "de", "--json", "--trust", f.root, "--crl", f.crlRoot, f.qes)...)
	if !strings.Contains(stdout, `"error": "`) || strings.Contains(stdout, "Vertrauensliste") {
		t.Errorf("--json not English:\n%s", stdout)
	}
}
