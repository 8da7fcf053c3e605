package report

import (
	"testing"

	"github.com/siegel-app/siegel/signing/verify"
)

// TestCoverageLabels: every coverage the engine gives has its own words,
// in both languages; none falls through to "part of the file".
func TestCoverageLabels(t *testing.T) {
	for _, lang := range []string{"en", "de"} {
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
