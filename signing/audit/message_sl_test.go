package audit

import (
	"strings"
	"testing"
)

// Every code has a Slovenian sentence of its own, with the number filled
// in for each of Slovenian's number forms.
func TestMessageSL(t *testing.T) {
	for code := range severities {
		for _, n := range []int{1, 2, 3, 5, 101} {
			en, de, sl := message(code, n, "Arial")
			if sl == "" || sl == code || sl == en || sl == de {
				t.Errorf("%s n=%d: Slovenian %q (en %q)", code, n, sl, en)
			}
			if strings.Contains(sl, "%!") {
				t.Errorf("%s n=%d: bad format in %q", code, n, sl)
			}
		}
	}
	for _, tc := range []struct {
		n    int
		want string
	}{
		{1, "Dokument že nosi podpis."},
		{2, "Dokument že nosi 2 podpisa."},
		{4, "Dokument že nosi 4 podpise."},
		{5, "Dokument že nosi 5 podpisov."},
		{102, "Dokument že nosi 102 podpisa."},
	} {
		if _, _, got := message(CodeEarlierSignatures, tc.n, ""); got != tc.want {
			t.Errorf("n=%d: %q, want %q", tc.n, got, tc.want)
		}
	}
}
