package report

import (
	"reflect"
	"slices"
	"testing"

	"github.com/siegel-app/siegel/signing/verify"
)

// TestCoverageLabels: every coverage the engine gives has its own words,
// in every language; none falls through to "part of the file".
func TestCoverageLabels(t *testing.T) {
	for _, lang := range []string{"en", "de", "sl"} {
		l := labelsFor(lang)
		seen := map[string]verify.Coverage{}
		for _, c := range []verify.Coverage{verify.WholeFile, verify.WholeRevision, verify.WholeContainer, verify.Partial} {
			w := l.coverage(c)
			if prev, ok := seen[w]; ok {
				t.Errorf("%s: %q and %q both read %q", lang, prev, c, w)
			}
			seen[w] = c
		}
	}
}

// TestLabelsFor: the language of a report comes from the start of the
// code, however the caller spells it.
func TestLabelsFor(t *testing.T) {
	for _, tc := range []struct{ lang, want string }{
		{"", "en"}, {"en", "en"}, {"fr", "en"}, {"de", "de"}, {"de-AT", "de"}, {"DE", "de"},
		{"sl", "sl"}, {"sl-SI", "sl"}, {"sl_SI.UTF-8", "sl"}, {"SL", "sl"},
	} {
		if got := labelsFor(tc.lang).lang; got != tc.want {
			t.Errorf("labelsFor(%q) is %q, want %q", tc.lang, got, tc.want)
		}
	}
}

// TestLabelsComplete: every language has every word of the English
// labels, each revocation source and status, and no word left in
// English: a missing one would leave a gap in a report, an English one a
// mixed-language report.
func TestLabelsComplete(t *testing.T) {
	en := reflect.ValueOf(english)
	typ := en.Type()
	for _, lang := range []string{"de", "sl"} {
		l := reflect.ValueOf(labelsFor(lang))
		for i := range typ.NumField() {
			name, fe, fl := typ.Field(i).Name, en.Field(i), l.Field(i)
			switch fe.Kind() {
			case reflect.String:
				if fl.String() == "" {
					t.Errorf("%s: %s is empty", lang, name)
				} else if fl.String() == fe.String() {
					t.Errorf("%s: %s is the English %q", lang, name, fe.String())
				}
			case reflect.Map:
				for _, k := range fe.MapKeys() {
					v := fl.MapIndex(k)
					if !v.IsValid() || v.String() == "" {
						t.Errorf("%s: %s has no word for %v", lang, name, k)
					} else if v.String() == fe.MapIndex(k).String() {
						t.Errorf("%s: %s for %v is the English %q", lang, name, k, v.String())
					}
				}
			default:
				t.Fatalf("field %s of kind %s: extend this test", name, fe.Kind())
			}
		}
		// The words of one language are told apart where a report shows
		// them side by side.
		l2 := labelsFor(lang)
		for _, group := range [][]string{
			{l2.passed, l2.failedWord, l2.indeterminate},
			{l2.intact, l2.notIntact},
			{l2.modNone, l2.modAllowed, l2.modDisallowed, l2.modUnknown},
			{l2.signer, l2.issuer, l2.serial, l2.chain, l2.signingTime, l2.covers, l2.changes, l2.level,
				l2.qualified, l2.revocation, l2.reason, l2.result, l2.integrity},
		} {
			for i, w := range group {
				if slices.Contains(group[i+1:], w) {
					t.Errorf("%s: %q stands for two things", lang, w)
				}
			}
		}
	}
}

// TestSignatureCount: the number of signatures takes the plural form of
// its language; Slovenian has four.
func TestSignatureCount(t *testing.T) {
	for _, tc := range []struct {
		lang string
		n    int
		want string
	}{
		{"en", 1, "1 signature"}, {"en", 2, "2 signatures"}, {"en", 0, "0 signatures"},
		{"de", 1, "1 Signatur"}, {"de", 3, "3 Signaturen"},
		{"sl", 1, "1 podpis"}, {"sl", 2, "2 podpisa"}, {"sl", 3, "3 podpisi"}, {"sl", 4, "4 podpisi"},
		{"sl", 5, "5 podpisov"}, {"sl", 0, "0 podpisov"}, {"sl", 101, "101 podpis"}, {"sl", 102, "102 podpisa"},
	} {
		if got := labelsFor(tc.lang).signatureCount(tc.n); got != tc.want {
			t.Errorf("%s, %d: %q, want %q", tc.lang, tc.n, got, tc.want)
		}
	}
}
