package ui

import (
	"bytes"
	"embed"
	"encoding/json"
	"strings"
	"sync"
	"text/template"

	"fyne.io/fyne/v2/lang"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"github.com/siegel-app/siegel/ui/internal/posixlocale"
)

// Fyne's lang has read the locale by now (package initialisation order):
// child processes get the original environment back. Fyne's own strings
// are set with Siegel's (SetupLanguage, applyFyneLanguage).
func init() { posixlocale.Restore() }

//go:embed translations
var translations embed.FS

// Siegel's strings have their own localizer (go-i18n, as Fyne's lang uses
// inside), so that the language chosen in the settings wins on every
// platform: Fyne's lang follows the system locale only, and on Windows
// and macOS that is not even read from the environment. Fyne's own
// widget strings (file dialog, OK/Cancel of its dialogs) are made to
// follow as well (applyFyneLanguage).
var (
	i18nMu    sync.RWMutex
	localizer *i18n.Localizer
)

// SetupLanguage loads the strings of every file in translations (English,
// German, Slovenian) and chooses the language: forced ("de", "en" or "sl",
// from the settings) wins over the system locale; "" follows the system,
// and a system language without a file gets English. It may be called
// again at run time to switch: strings fetched with T afterwards are in
// the new language.
func SetupLanguage(forced string) error {
	b := i18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	files, err := translations.ReadDir("translations")
	if err != nil {
		return err
	}
	for _, f := range files {
		data, err := translations.ReadFile("translations/" + f.Name())
		if err != nil {
			return err
		}
		if _, err := b.ParseMessageFileBytes(data, f.Name()); err != nil {
			return err
		}
	}
	prefs := []string{forced}
	if forced == "" {
		prefs = []string{systemLanguage()}
	}
	l := i18n.NewLocalizer(b, prefs...)
	i18nMu.Lock()
	localizer = l
	i18nMu.Unlock()
	return applyFyneLanguage(T("lang-code"))
}

// systemLanguage is the system's language as Fyne reads it.
func systemLanguage() string {
	posixlocale.Apply() // "C.UTF-8" is no language, not an error
	defer posixlocale.Restore()
	return lang.SystemLocale().LanguageString()
}

// T translates s, a Go template filled from data (one map or struct).
func T(s string, data ...any) string { return localize(s, 0, false, data) }

// TN translates s in the plural form for n (data as for T).
func TN(s string, n int, data ...any) string { return localize(s, n, true, data) }

func localize(s string, n int, plural bool, data []any) string {
	var d any
	if len(data) > 0 {
		d = data[0]
	}
	i18nMu.RLock()
	l := localizer
	i18nMu.RUnlock()
	if l != nil {
		cfg := &i18n.LocalizeConfig{DefaultMessage: &i18n.Message{ID: s, Other: s}, TemplateData: d}
		if plural {
			cfg.DefaultMessage.One = s
			cfg.PluralCount = n
		}
		if out, err := l.Localize(cfg); err == nil {
			return out
		}
	}
	// Not set up, or a broken template: the English text, filled in.
	t, err := template.New("").Parse(s)
	if err != nil {
		return s
	}
	var b bytes.Buffer
	if t.Execute(&b, d) != nil {
		return s
	}
	return b.String()
}

// isGerman reports whether German strings are in use, for the stamp text.
func isGerman() bool { return strings.HasPrefix(T("lang-code"), "de") }
