package ui

import (
	"embed"
	"os"
	"strings"

	"fyne.io/fyne/v2/lang"

	"github.com/siegel-app/siegel/ui/internal/posixlocale"
)

// Fyne's lang has read the locale by now (package initialisation order);
// give child processes the original environment back.
func init() { posixlocale.Restore() }

//go:embed translations
var translations embed.FS

// SetupLanguage loads the English and German strings and chooses the
// language: forced ("de" or "en", from the settings) wins over the system
// locale, which Fyne reads from LC_ALL, LC_MESSAGES, LANG and LANGUAGE on
// Unix; "" follows the system. It may be called again at run time (on the
// UI thread) to switch: strings fetched with T afterwards are in the new
// language. On Windows and macOS go-locale asks the system, not the
// environment, so there forced has no effect yet.
func SetupLanguage(forced string) error {
	if forced != "" {
		// Fyne's lang has no setter for the language; it reads the
		// environment when translations are added. The environment is
		// put back afterwards, so that choosing "system" later finds the
		// system's locale and child processes see the original one.
		for _, k := range []string{"LC_ALL", "LANGUAGE"} {
			if v, ok := os.LookupEnv(k); ok {
				defer os.Setenv(k, v)
			} else {
				defer os.Unsetenv(k)
			}
			os.Setenv(k, forced)
		}
	}
	posixlocale.Apply() // lang reads the locale again here
	defer posixlocale.Restore()
	return lang.AddTranslationsFS(translations, "translations")
}

// T translates s, a Go template filled from data (one map or struct).
func T(s string, data ...any) string { return lang.L(s, data...) }

// TN translates s in the plural form for n (data as for T).
func TN(s string, n int, data ...any) string { return lang.N(s, n, data...) }

// isGerman reports whether German strings are in use, for the stamp text.
func isGerman() bool { return strings.HasPrefix(T("lang-code"), "de") }
