//go:build cgo

package ui

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/siegel-app/siegel/app"
	"github.com/siegel-app/siegel/internal/judge"
	"github.com/siegel-app/siegel/internal/softhsm"
	"github.com/siegel-app/siegel/internal/testpdf"
	"github.com/siegel-app/siegel/internal/testpki"
	"github.com/siegel-app/siegel/signing/cms"
	"github.com/siegel-app/siegel/signing/pades"
)

// TestSoftHSMReviewFlow drives the window as a signer would, with a key
// on a SoftHSM2 token found by the window's own token listing: the
// Review screen comes before the PIN, the digest it shows is the digest
// in the signature, and a prepared revision changed on disk while the
// Review is shown is refused before the PIN is asked.
func TestSoftHSMReviewFlow(t *testing.T) {
	pki := testpki.MustShared(t)
	tok := softhsm.NewToken(t, "siegel-ui-flow", "1234")
	tok.ImportKey(t, []byte{7}, "flow", pki.SignerRSA, pki.Chain(pki.SignerRSA), false)
	uri := tok.URI([]byte{7})

	for _, tamper := range []bool{false, true} {
		dir := t.TempDir()
		in := filepath.Join(dir, "offer.pdf")
		os.WriteFile(in, testpdf.Pages(2), 0o644)
		w := newTestWindow(t, Deps{
			Settings:   app.Settings{CardModules: []string{tok.ModulePath}},
			Sign:       app.Sign,
			ListTokens: app.ListTokens,
		})
		shown := noticesOf(w)
		w.Open(in)
		selectKey(t, w, uri)
		w.StartSign()

		rv := next(t, shown, "review").(*reviewView)
		digest := shownDigest(t, rv.content)
		if tamper {
			prepared := preparedFile(t, dir)
			f, err := os.OpenFile(prepared, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteAt([]byte("X"), 300)
			f.Close()
		}
		test.Tap(rv.sign)
		out := DefaultOut(in)
		if tamper {
			// next fails if the PIN dialog came first.
			err, _ := next(t, shown, "result").(error)
			if !errors.Is(err, pades.ErrPreparedChanged) {
				t.Fatalf("changed revision: err = %v, want ErrPreparedChanged", err)
			}
			if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("output written from a changed revision: %v", err)
			}
			w.Close()
			continue
		}
		pv := next(t, shown, "pin").(*pinView)
		test.Type(pv.entry, "1234")
		pv.entry.OnSubmitted(pv.entry.Text)
		if err, _ := next(t, shown, "result").(error); err != nil {
			t.Fatalf("sign: %v", err)
		}
		sd, err := cms.Parse(judge.Signatures(t, out)[0].CMS)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(sd.MessageDigest, digest) {
			t.Errorf("signed digest %X, Review showed %X", sd.MessageDigest, digest)
		}
		w.Close()
	}
}

// selectKey waits for the token listing to bring uri into the key list
// and selects it, as a click would.
func selectKey(t *testing.T, w *Window, uri string) {
	t.Helper()
	found := pumpUntil(30*time.Second, func() bool {
		for i, it := range w.keys.Items() {
			if it.URI == uri {
				w.keyList.Select(i)
				return true
			}
		}
		return false
	})
	if !found {
		t.Fatalf("key %s never listed", uri)
	}
}

// shownDigest reads the digest off the Review screen: the one label in
// monospace, hex in groups.
func shownDigest(t *testing.T, o fyne.CanvasObject) []byte {
	t.Helper()
	var text string
	walk(o, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok && l.TextStyle.Monospace {
			text = l.Text
		}
	})
	d, err := hex.DecodeString(strings.ReplaceAll(text, " ", ""))
	if err != nil || len(d) != 32 {
		t.Fatalf("digest on the Review screen %q: %v", text, err)
	}
	return d
}

func walk(o fyne.CanvasObject, fn func(fyne.CanvasObject)) {
	fn(o)
	switch c := o.(type) {
	case *fyne.Container:
		for _, o := range c.Objects {
			walk(o, fn)
		}
	case *container.Split:
		walk(c.Leading, fn)
		walk(c.Trailing, fn)
	case *container.Scroll:
		walk(c.Content, fn)
	}
}

// preparedFile is the one temporary file pades.Prepare left in dir.
func preparedFile(t *testing.T, dir string) string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, ".*.tmp"))
	if len(m) != 1 {
		t.Fatalf("prepared files in %s: %v", dir, m)
	}
	return m[0]
}
