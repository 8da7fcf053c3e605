package cli_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestInspectLanguages: "siegel inspect" words its findings in the run's
// language; --json carries English, German and Slovenian.
func TestInspectLanguages(t *testing.T) {
	plain, _, _ := inspectDocs(t)
	for lang, want := range map[string]string{
		"de_DE.UTF-8": "Warnung   Eine Schrift ist nicht eingebettet (Helvetica)",
		"sl_SI.UTF-8": "opozorilo Pisava ni vdelana (Helvetica)",
		"C":           "warning   A font is not embedded (Helvetica)",
	} {
		t.Run(lang, func(t *testing.T) {
			t.Setenv("SIEGEL_LANG", "")
			t.Setenv("LANGUAGE", "")
			t.Setenv("LC_ALL", lang)
			code, out, errOut := runCLI(t, "inspect", plain)
			if code != 0 || !strings.Contains(out, want) {
				t.Errorf("exit %d, want %q in:\n%s%s", code, want, out, errOut)
			}
		})
	}
	t.Setenv("LC_ALL", "C")
	_, out, _ := runCLI(t, "inspect", "--json", plain)
	var j struct {
		Findings []struct{ Message, MessageDE, MessageSL string }
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if len(j.Findings) == 0 || !strings.HasPrefix(j.Findings[0].MessageSL, "Pisava ni vdelana") ||
		!strings.HasPrefix(j.Findings[0].Message, "A font is") || !strings.HasPrefix(j.Findings[0].MessageDE, "Eine Schrift") {
		t.Errorf("JSON findings %+v", j.Findings)
	}
}
