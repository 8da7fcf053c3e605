package ui

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

func readJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

// shownStrings are the literal arguments of T and TN in the package's code.
func shownStrings(t *testing.T) []string {
	return literalArgs(t, regexp.MustCompile(`\bTN?\(("(?:[^"\\]|\\.)*")`))
}

// pluralStrings are the literal first arguments of TN: their translations
// need every plural form of the language.
func pluralStrings(t *testing.T) map[string]bool {
	out := map[string]bool{}
	for _, s := range literalArgs(t, regexp.MustCompile(`\bTN\(("(?:[^"\\]|\\.)*")`)) {
		out[s] = true
	}
	return out
}

// literalArgs are the string literals re's first group matches in the
// package's code (not its tests), unquoted.
func literalArgs(t *testing.T, re *regexp.Regexp) []string {
	t.Helper()
	files, _ := filepath.Glob("*.go")
	var out []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllSubmatch(src, -1) {
			s, err := strconv.Unquote(string(m[1]))
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
	}
	return out
}

// pluralForms are the CLDR cardinal categories that whole numbers reach
// in lang ("one", "other" in English; "one", "two", "few", "other" in
// Slovenian), the forms go-i18n asks a TN string for.
func pluralForms(t *testing.T, lang string) []string {
	t.Helper()
	names := map[plural.Form]string{plural.Zero: "zero", plural.One: "one", plural.Two: "two",
		plural.Few: "few", plural.Many: "many", plural.Other: "other"}
	tag := language.MustParse(lang)
	seen := map[string]bool{}
	for n := range 1000 {
		seen[names[plural.Cardinal.MatchPlural(tag, n, 0, 0, 0, 0)]] = true
	}
	return slices.Sorted(maps.Keys(seen))
}

var placeholder = regexp.MustCompile(`{{[^}]*}}`)

func placeholders(s string) []string {
	return slices.Sorted(slices.Values(placeholder.FindAllString(s, -1)))
}

// TestStringsTranslationFiles: every string the package shows is in every
// language's file (English, German, Slovenian), with the template fields
// of the English text, and TN strings with each plural form of the
// language; the files keep their keys sorted. A missing string would show
// English to a German or Slovenian user; a missing plural form would show
// English for some counts only.
func TestStringsTranslationFiles(t *testing.T) {
	shown, plurals := shownStrings(t), pluralStrings(t)
	for _, lang := range []string{"en", "de", "sl"} {
		path := "translations/" + lang + ".json"
		file := readJSON(t, path)
		if got := file["lang-code"]; got != lang {
			t.Errorf("%s: lang-code %q", path, got)
		}
		forms := pluralForms(t, lang)
		for _, s := range shown {
			v, ok := file[s]
			switch {
			case !ok:
				t.Errorf("%s: no translation for %q", path, s)
			case plurals[s]:
				m, ok := v.(map[string]any)
				if !ok {
					t.Errorf("%s: %q is used with TN and needs the plural forms %v", path, s, forms)
					continue
				}
				if got := slices.Sorted(maps.Keys(m)); !slices.Equal(got, forms) {
					t.Errorf("%s: %q has the plural forms %v, want %v", path, s, got, forms)
				}
				for form, text := range m {
					text, _ := text.(string)
					if text == "" || !slices.Equal(placeholders(text), placeholders(s)) {
						t.Errorf("%s: %q, form %s: %q lacks or adds a template field", path, s, form, text)
					}
				}
			default:
				text, ok := v.(string)
				if !ok || text == "" || !slices.Equal(placeholders(text), placeholders(s)) {
					t.Errorf("%s: %q: %v lacks or adds a template field, or is no text", path, s, v)
				}
			}
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.Token() // {
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			keys = append(keys, k.(string))
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
		}
		if !slices.IsSorted(keys) {
			t.Errorf("%s: keys are not sorted", path)
		}
	}
}
