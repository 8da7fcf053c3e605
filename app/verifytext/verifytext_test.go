package verifytext

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/siegel-app/siegel/signing/audit"
	"github.com/siegel-app/siegel/signing/trustlist"
	"github.com/siegel-app/siegel/signing/verify"
)

// TestCatalogue: every key of signing/verify and signing/trustlist has a
// German and a Slovenian format with the same verbs, and no catalogue
// keeps a key the engine no longer says.
func TestCatalogue(t *testing.T) {
	keys := sourceKeys(t)
	if len(keys) < 100 {
		t.Fatalf("only %d keys found in signing/verify: is the search still right?", len(keys))
	}
	tlKeys := trustListKeys(t)
	if len(tlKeys) < 8 {
		t.Fatalf("only %d keys found in signing/trustlist: is the search still right?", len(tlKeys))
	}
	for _, k := range tlKeys {
		// A Note's arguments are strings.
		for _, v := range verify.Verbs(k) {
			if v != "%s" {
				t.Errorf("signing/trustlist: %q has verb %q, not %%s", k, v)
			}
		}
	}
	keys = append(keys, tlKeys...)
	for _, lang := range Languages {
		cat := catalogues[lang]
		for _, k := range keys {
			f, ok := cat[k]
			if !ok || f == "" {
				t.Errorf("%s: no translation of %q", lang, k)
				continue
			}
			kv, fv := verify.Verbs(k), verify.Verbs(f)
			if !slices.Equal(kv, fv) {
				t.Errorf("%s: %q has verbs %q, its key %q has %q", lang, f, fv, k, kv)
			}
		}
		for k := range cat {
			if !slices.Contains(keys, k) {
				t.Errorf("%s: %q is not said by signing/verify or signing/trustlist any more", lang, k)
			}
		}
	}
}

func TestText(t *testing.T) {
	// A translation may reorder the arguments.
	catalogues["xx"] = map[string]string{"form field %s changed although signature %s locks it": "signature %[2]s locks %[1]s"}
	defer delete(catalogues, "xx")
	tt := verify.Text{Key: "form field %s changed although signature %s locks it", Args: []verify.Text{{Lit: "A"}, {Lit: "B"}}}
	if got := Text("xx", tt); got != "signature B locks A" {
		t.Errorf("reordered: %q", got)
	}
	if got := Text("de", tt); got != "Formularfeld A geändert, obwohl Signatur B es sperrt" {
		t.Errorf("de: %q", got)
	}
	if got := Text("en", tt); got != "form field A changed although signature B locks it" {
		t.Errorf("en: %q", got)
	}
	// Unknown keys stay English.
	unknown := verify.Text{Key: "no such key %d", Args: []verify.Text{{Lit: "7"}}}
	if got := Text("sl", unknown); got != "no such key 7" {
		t.Errorf("unknown key: %q", got)
	}
}

func TestTrustList(t *testing.T) {
	n := (&trustlist.ListError{Territory: "DE", URL: "https://example.test/de.xml", Err: errors.New("signature broken")}).UnusedNote()
	for lang, want := range map[string]string{
		"de":    "Vertrauensliste DE (https://example.test/de.xml): signature broken; ihre Dienste werden nicht verwendet",
		"sl_SI": "zaupanja vreden seznam DE (https://example.test/de.xml): signature broken; njegove storitve se ne uporabljajo",
		"en":    "trusted list DE (https://example.test/de.xml): signature broken; its services are not used",
		"fr":    "trusted list DE (https://example.test/de.xml): signature broken; its services are not used",
	} {
		if got := TrustList(lang, n); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
	// Arguments reordered by a translation stay with their verbs.
	catalogues["xx"] = map[string]string{"caching %s failed: %s": "%[2]s while caching %[1]s"}
	defer delete(catalogues, "xx")
	if got := TrustList("xx", trustlist.Note{Format: "caching %s failed: %s", Args: []string{"U", "E"}}); got != "E while caching U" {
		t.Errorf("reordered: %q", got)
	}
	// A format the catalogue lacks stays English.
	if got := TrustLists("de", []trustlist.Note{{Format: "no such %s", Args: []string{"x"}}}); !slices.Equal(got, []string{"no such x"}) {
		t.Errorf("unknown format: %q", got)
	}
}

func TestLang(t *testing.T) {
	for in, want := range map[string]string{"de": "de", "de_AT.UTF-8": "de", "sl-SI": "sl", "SL": "sl", "en": "en", "fr": "en", "": "en", "C": "en"} {
		if got := Lang(in); got != want {
			t.Errorf("Lang(%q) = %q, want %q", in, got, want)
		}
	}
}

// A Signature whose Texts do not match its Problems (not made by the
// engine) keeps its English problems.
func TestProblemsFallback(t *testing.T) {
	s := verify.Signature{Problems: []string{"Made up."}}
	if got := Problems("de", s); !slices.Equal(got, s.Problems) {
		t.Errorf("got %q", got)
	}
}

func TestFinding(t *testing.T) {
	f := audit.Finding{Message: "en", MessageDE: "de", MessageSL: "sl"}
	for lang, want := range map[string]string{"de_DE": "de", "sl": "sl", "en": "en", "fr": "en"} {
		if got := Finding(lang, f); got != want {
			t.Errorf("%s: %q", lang, got)
		}
	}
	if got := Finding("sl", audit.Finding{Message: "en"}); got != "en" {
		t.Errorf("no Slovenian: %q", got)
	}
	if strings.TrimSpace(Finding("sl", f)) == "" {
		t.Error("empty")
	}
}
