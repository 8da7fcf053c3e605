package pades

import (
	"strings"
	"testing"
)

// TestFitText: long stamp lines wrap at spaces instead of shrinking to an
// unreadable size, and the result fits the box.
func TestFitText(t *testing.T) {
	lines := []string{"Digitally signed by Siegel demo key — not a legal signature", "Date: 2026-11-26 02:38:00 +00:00"}
	size, got := fitText(lines, 248, 143)
	if size < 10 {
		t.Errorf("size %.1f: long lines shrank the text instead of wrapping", size)
	}
	if len(got) <= len(lines) {
		t.Errorf("lines %q were not wrapped", got)
	}
	if float64(len(got))*size*1.2 > 143 {
		t.Errorf("%d lines at %.1f pt overflow 143 pt", len(got), size)
	}
	for _, l := range got {
		if float64(len([]rune(l)))*size*0.55 > 248 && strings.Contains(l, " ") {
			t.Errorf("line %q too wide at %.1f pt", l, size)
		}
	}
	if strings.Join(strings.Fields(strings.Join(got, " ")), " ") != strings.Join(strings.Fields(strings.Join(lines, " ")), " ") {
		t.Errorf("wrapping changed the words: %q", got)
	}
	// A tiny box still gives the smallest size, never zero.
	if size, _ := fitText(lines, 20, 5); size != 4 {
		t.Errorf("tiny box: size %.1f", size)
	}
}
