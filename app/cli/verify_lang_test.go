package cli_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestVerifyLanguagesCLI: "siegel verify --lang" prints the engine's
// problems translated; --json keeps them in English.
func TestVerifyLanguagesCLI(t *testing.T) {
	f := newVerifyFixture(t)
	for lang, want := range map[string]string{
		"de": "      - Die signierten Bytes wurden verändert: Ihr Hashwert ist nicht der signierte.",
		"sl": "      - Podpisani bajti so bili spremenjeni: njihova zgoščena vrednost ni tista, ki je bila podpisana.",
		"en": "      - The signed bytes were changed: their digest is not the one signed.",
	} {
		if _, stdout, _ := run(t, f.trusted("--lang", lang, f.flipped)...); !strings.Contains(stdout, want) {
			t.Errorf("--lang %s: output lacks %q:\n%s", lang, want, stdout)
		}
	}
	// Revocation not known: a sentence built from translated parts.
	for lang, want := range map[string]string{
		"de": `- Das Zertifikat der Stelle "Siegel Test Intermediate CA" konnte nicht auf Widerruf geprüft werden: der Sperrstatus wurde nicht online abgefragt.`,
		"sl": `- Potrdilo overitelja "Siegel Test Intermediate CA": stanja preklica ni bilo mogoče preveriti (ni bilo poizvedbe prek spleta).`,
	} {
		if _, stdout, _ := run(t, "verify", "--lang", lang, "--trust", f.root, f.signed); !strings.Contains(stdout, want) {
			t.Errorf("%s: revocation problem lacks %q:\n%s", lang, want, stdout)
		}
	}
	_, stdout, _ := run(t, f.trusted("--lang", "sl", "--json", f.flipped)...)
	var js []struct {
		Signatures []struct{ Problems []string }
	}
	var one struct {
		Signatures []struct{ Problems []string }
	}
	if err := json.Unmarshal([]byte(stdout), &one); err != nil {
		if err := json.Unmarshal([]byte(stdout), &js); err != nil || len(js) == 0 {
			t.Fatalf("JSON: %v\n%s", err, stdout)
		}
		one = js[0]
	}
	if len(one.Signatures) == 0 || !strings.Contains(strings.Join(one.Signatures[0].Problems, " "), "The signed bytes were changed") {
		t.Errorf("--json problems not English: %s", stdout)
	}
}
