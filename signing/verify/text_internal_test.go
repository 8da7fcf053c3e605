package verify

import (
	"errors"
	"fmt"
	"slices"
	"testing"
)

// tf renders in English exactly what fmt.Sprintf did, so Problems and
// Changes read as before.
func TestTextEnglish(t *testing.T) {
	for _, tc := range []struct {
		format string
		args   []any
	}{
		{"The digest method %q for %s is not supported.", []any{"sha1", "a.txt"}},
		{"The signed reference %d (%q) does not verify: %v.", []any{3, "#xades", errors.New("digest mismatch")}},
		{"pages added (%d signed, %d now)", []any{2, 3}},
		{"no verbs, 100%% sure", nil},
		{"page %d /%s changed", []any{1, "Rotate"}},
	} {
		if got, want := tf(tc.format, tc.args...).String(), fmt.Sprintf(tc.format, tc.args...); got != want {
			t.Errorf("tf(%q) = %q, want %q", tc.format, got, want)
		}
	}
	nested := tf("%s could not be checked for revocation: %s.", tf("The certificate of the authority %q", "CA 1"),
		[]Text{tf("in the file"), lit("x: y")})
	if got := nested.String(); got != `The certificate of the authority "CA 1" could not be checked for revocation: in the file; x: y.` {
		t.Errorf("nested: %q", got)
	}
	var empty Text
	if got := tf("revoked%s.", empty).String(); got != "revoked." {
		t.Errorf("empty argument: %q", got)
	}
}

func TestTextFormat(t *testing.T) {
	tr := func(m map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { s, ok := m[k]; return s, ok }
	}
	x := tf("%s %s (object %d)", tf("content of page %d", 2), tf("changed"), 7)
	de := tr(map[string]string{"%s %s (object %d)": "%s %s (Objekt %d)", "content of page %d": "Inhalt der Seite %d", "changed": "geändert"})
	if got := x.Format(de); got != "Inhalt der Seite 2 geändert (Objekt 7)" {
		t.Errorf("de: %q", got)
	}
	// Reordered, and a key the catalogue lacks stays English.
	re := tr(map[string]string{"%s %s (object %d)": "(%[3]d) %[2]s: %[1]s"})
	if got := x.Format(re); got != "(7) changed: content of page 2" {
		t.Errorf("reordered: %q", got)
	}
	// A translation with too few arguments shows the verb rather than
	// panicking or dropping text.
	short := tr(map[string]string{"changed": "%s geändert"})
	if got := tf("changed").Format(short); got != "%s geändert" {
		t.Errorf("short: %q", got)
	}
}

func TestVerbs(t *testing.T) {
	for format, want := range map[string][]string{
		"%s was revoked on %s%s, after %s; (%s).": {"%s", "%s", "%s", "%s", "%s"},
		"The signed reference %d (%q): %v.":       {"%d", "%q", "%v"},
		"(%[3]d) %[2]s: %[1]q":                    {"%q", "%s", "%d"},
		"100%% sure":                              nil,
		"%-9s|%5.2f":                              {"%-9s", "%5.2f"},
	} {
		if got := Verbs(format); !slices.Equal(got, want) {
			t.Errorf("Verbs(%q) = %q, want %q", format, got, want)
		}
	}
}

// Problems and Texts stay in step, also when the last problem is
// reworded.
func TestNoteKeepsTexts(t *testing.T) {
	var s Signature
	s.set(TotalFailed, HashFailure, tf("The signed bytes were changed: their digest is not the one signed."))
	s.note(Text{}) // nothing: no problem
	s.replaceLast(tf("The signed file %s is missing from the container.", "a.txt"))
	if len(s.Problems) != 1 || len(s.Texts) != 1 || s.Problems[0] != s.Texts[0].String() ||
		s.Problems[0] != "The signed file a.txt is missing from the container." {
		t.Errorf("problems %q, texts %+v", s.Problems, s.Texts)
	}
}
