package ui

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/siegel-app/siegel/signing"
	"github.com/siegel-app/siegel/signing/audit"
)

var update = flag.Bool("update", false, "rewrite the markup goldens in testdata/")

// assertMarkup compares the window's markup with testdata/name, or
// rewrites it with -update.
func assertMarkup(t *testing.T, name string, w fyne.Window) {
	t.Helper()
	if *update {
		path := filepath.Join("testdata", name)
		if err := os.WriteFile(path, []byte(test.RenderToMarkup(w.Canvas())), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	test.AssertRendersToMarkup(t, name, w.Canvas())
}

func TestReviewScreen(t *testing.T) {
	newTestApp(t)
	m := NewReviewModel(reviewFixture(), time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	var signed, cancelled int
	v := newReviewView(m, previewPlaceholder(), func() { signed++ }, func() { cancelled++ })
	w := test.NewTempWindow(t, v.content)
	w.Resize(fyne.NewSize(900, 560))
	assertMarkup(t, "review.xml", w)

	test.Tap(v.cancel)
	if signed != 0 || cancelled != 1 {
		t.Fatalf("after Cancel: signed %d, cancelled %d", signed, cancelled)
	}
	test.Tap(v.sign)
	if signed != 1 {
		t.Fatalf("after Sign: signed %d", signed)
	}
}

func TestPINDialog(t *testing.T) {
	for _, tc := range []struct {
		name      string
		req       signing.PINRequest
		wantEntry bool
	}{
		{"pin.xml", signing.PINRequest{Token: "D-Trust Card 5", Key: "Erika Mustermann", RetriesLeft: 3}, true},
		{"pin-final.xml", signing.PINRequest{Token: "D-Trust Card 5", Key: "Erika Mustermann", RetriesLeft: 1, FinalTry: true}, true},
		{"pin-pad.xml", signing.PINRequest{Token: "D-Trust Card 5", Key: "Erika Mustermann", RetriesLeft: -1, PINPad: true}, false},
		{"pin-blocked.xml", signing.PINRequest{Token: "D-Trust Card 5", Key: "Erika Mustermann", RetriesLeft: 0}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			newTestApp(t)
			v := newPINView(NewPINModel(tc.req))
			if (v.entry != nil) != tc.wantEntry {
				t.Fatalf("entry field shown: %v, want %v", v.entry != nil, tc.wantEntry)
			}
			w := test.NewTempWindow(t, v.content)
			w.Resize(fyne.NewSize(420, 220))
			assertMarkup(t, tc.name, w)
		})
	}
}

// TestReviewBlockingFindings: a blocking finding is shown and Sign works
// only after the person ticks that they accept it.
func TestReviewBlockingFindings(t *testing.T) {
	newTestApp(t)
	r := reviewFixture()
	r.Findings = []audit.Finding{
		{Code: audit.CodeJavaScript, Severity: audit.Blocking, Message: "The document contains JavaScript."},
		{Code: audit.CodeFontsNotEmbedded, Severity: audit.Warning, Message: "A font is not embedded."},
	}
	m := NewReviewModel(r, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	if !m.Blocking || len(m.Findings) != 2 || !m.Findings[0].Blocking || m.Findings[1].Blocking {
		t.Fatalf("model %+v", m)
	}
	signed := 0
	v := newReviewView(m, previewPlaceholder(), func() { signed++ }, func() {})
	test.NewTempWindow(t, v.content)
	test.Tap(v.sign)
	if signed != 0 {
		t.Fatal("Sign worked before the blocking finding was accepted")
	}
	test.Tap(v.accept)
	test.Tap(v.sign)
	if signed != 1 {
		t.Fatalf("after accepting: signed %d", signed)
	}
}
