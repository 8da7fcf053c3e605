package ui

import "testing"

// TestLanguageChoice: the settings' language wins over the system's, and
// "" follows the system (read from the environment on Unix).
func TestLanguageChoice(t *testing.T) {
	t.Cleanup(func() { SetupLanguage("en") })
	t.Setenv("LC_ALL", "")
	t.Setenv("LANGUAGE", "")
	t.Setenv("LC_MESSAGES", "")
	t.Setenv("LANG", "de_DE.UTF-8")
	for _, tc := range []struct{ forced, want string }{
		{"", "Signieren"}, // the system's German
		{"en", "Sign"},
		{"de", "Signieren"},
	} {
		if err := SetupLanguage(tc.forced); err != nil {
			t.Fatal(err)
		}
		if got := T("Sign"); got != tc.want {
			t.Errorf("forced %q: T(Sign) = %q, want %q", tc.forced, got, tc.want)
		}
	}
	t.Setenv("LANG", "fr_FR.UTF-8")
	SetupLanguage("")
	if got := T("Sign"); got != "Sign" {
		t.Errorf("French system: %q, want the English text", got)
	}
	SetupLanguage("de")
	if got := TN("{{.N}} tries left", 1, map[string]any{"N": 1}); got != "Noch 1 Versuch" {
		t.Errorf("German singular: %q", got)
	}
}
