package cli

import (
	"embed"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/siegel-app/siegel/app/msgcat"
)

// Languages the command line speaks. English is the source text: the
// message keys are the English messages themselves, so a message missing
// from a catalogue still reads correctly, in English.
var languages = []string{"en", "de", "sl"}

//go:embed translations/*.json
var translationFiles embed.FS

// catalogues maps a language to its translations (English key → text),
// loaded once from translations/LANG.json.
var catalogues = loadCatalogues()

func loadCatalogues() map[string]map[string]string {
	cats, err := msgcat.Load(translationFiles, "translations", languages[1:])
	if err != nil {
		panic("cli: " + err.Error()) // embedded: caught by the catalogue tests
	}
	return cats
}

// supported returns the language code of a locale name such as
// "de_AT.UTF-8", "sl_SI", "sl" or "de-CH", or "" when the CLI does not
// speak it or the name is "C" or "POSIX" (no preference).
func supported(locale string) string {
	l := msgcat.Base(locale)
	for _, s := range languages {
		if l == s {
			return s
		}
	}
	return ""
}

// resolveLang decides the language of a run, once, in this order:
//  1. SIEGEL_LANG (en, de or sl, or a locale name such as de_DE.UTF-8);
//  2. the POSIX locale of messages: the first set of LC_ALL, LC_MESSAGES
//     and LANG, with GNU LANGUAGE (a colon list) preferred when that
//     locale is not C or POSIX;
//  3. the GUI's forced language (Settings.Language), when the
//     environment names none the CLI speaks (unset, C, POSIX, or another
//     language);
//  4. English.
//
// A command's --lang (siegel verify) overrides all of these.
func resolveLang(getenv func(string) string) string {
	if l := supported(getenv("SIEGEL_LANG")); l != "" {
		return l
	}
	posix := ""
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if posix = getenv(v); posix != "" {
			break
		}
	}
	if p := strings.ToUpper(posix); p != "" && p != "POSIX" && p != "C" && !strings.HasPrefix(p, "C.") {
		for _, l := range strings.Split(getenv("LANGUAGE"), ":") {
			if s := supported(l); s != "" {
				return s
			}
		}
		if s := supported(posix); s != "" {
			return s
		}
	}
	if st, err := loadSettings(); err == nil {
		if s := supported(st.Language); s != "" {
			return s
		}
	}
	return "en"
}

// getenv is the environment of the run: Env.Getenv, or the process's.
func (env Env) getenv(key string) string {
	if env.Getenv != nil {
		return env.Getenv(key)
	}
	return os.Getenv(key)
}

// language is the run's language; "en" before Run decided it.
func (env Env) language() string {
	if env.lang == "" {
		return "en"
	}
	return env.lang
}

// T translates an English message into the run's language. Keys are
// string literals so that the catalogue test finds them in the source.
func (env Env) T(msg string) string {
	return translate(env.language(), msg)
}

// Tf translates an English format and formats it.
func (env Env) Tf(format string, args ...any) string {
	return fmt.Sprintf(translate(env.language(), format), args...)
}

// errorf is a usage or input error in the run's language.
func (env Env) errorf(format string, args ...any) error {
	return errors.New(env.Tf(format, args...))
}

func translate(lang, msg string) string {
	if s, ok := catalogues[lang][msg]; ok && s != "" {
		return s
	}
	return msg
}
