package ui

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"

	"github.com/siegel-app/siegel/app"
	"github.com/siegel-app/siegel/cardreader"
	"github.com/siegel-app/siegel/internal/testpdf"
	"github.com/siegel-app/siegel/internal/testpki"
	"github.com/siegel-app/siegel/signing"
)

// signSetup opens a one-page PDF in a window that signs with a PKCS#12
// file; screens the window shows arrive on the returned channel.
func signSetup(t *testing.T, deps Deps) (*Window, string, chan any) {
	t.Helper()
	pki := testpki.MustShared(t)
	dir := t.TempDir()
	in, p12 := filepath.Join(dir, "contract.pdf"), filepath.Join(dir, "erika.p12")
	der, err := pki.PKCS12(pki.SignerRSA, "secret")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(p12, der, 0o600)
	os.WriteFile(in, testpdf.Pages(1), 0o644)

	newTestApp(t)
	if deps.Sign == nil {
		deps.Sign = app.Sign
	}
	w := newTestWindow(t, deps)
	t.Cleanup(w.Close)
	shown := noticesOf(w)
	w.Open(in)
	w.keys.AddFile(p12)
	return w, in, shown
}

func next(t *testing.T, shown chan any, want string) any {
	t.Helper()
	s, ok := await(shown, 20*time.Second)
	if !ok {
		t.Fatalf("%s never shown", want)
	}
	p := s.([2]any)
	if p[0] != want {
		t.Fatalf("showed %v (%v), want %s", p[0], p[1], want)
	}
	return p[1]
}

// TestSignFlow: the password (a PKCS#12 file must be decrypted to know
// its signer), the review, then the signed copy beside the input; the
// digest shown is the digest signed.
func TestSignFlow(t *testing.T) {
	var reviewed []byte
	deps := Deps{Sign: func(ctx context.Context, req app.SignRequest, p app.Ports) (*app.SignResult, error) {
		review := p.Review
		p.Review = func(ctx context.Context, r *app.Review) error {
			reviewed = r.Digest
			return review(ctx, r)
		}
		return app.Sign(ctx, req, p)
	}}
	w, in, shown := signSetup(t, deps)
	w.StartSign()
	pv := next(t, shown, "pin").(*pinView)
	test.Type(pv.entry, "secret")
	pv.entry.OnSubmitted(pv.entry.Text)
	rv := next(t, shown, "review").(*reviewView)
	if w.win.Content() != rv.content {
		t.Fatal("review screen not in the window")
	}
	if len(reviewed) != 32 {
		t.Fatalf("review shown before the digest was known")
	}
	test.Tap(rv.sign)
	if err, _ := next(t, shown, "result").(error); err != nil {
		t.Fatalf("sign: %v", err)
	}
	out := DefaultOut(in)
	data, err := os.ReadFile(out)
	if err != nil || !bytes.HasPrefix(data, []byte("%PDF")) {
		t.Fatalf("signed copy: %v", err)
	}
	if len(reviewed) != 32 || !strings.Contains(w.message.Text, out) {
		t.Errorf("digest %x, message %q", reviewed, w.message.Text)
	}
	if pv.entry.Text != "" {
		t.Error("password left in the entry")
	}
}

// TestCancelAtReview: Cancel on the Review screen signs nothing.
func TestCancelAtReview(t *testing.T) {
	w, in, shown := signSetup(t, Deps{})
	w.StartSign()
	pv := next(t, shown, "pin").(*pinView)
	test.Type(pv.entry, "secret")
	pv.entry.OnSubmitted(pv.entry.Text)
	rv := next(t, shown, "review").(*reviewView)
	test.Tap(rv.cancel)
	err, _ := next(t, shown, "result").(error)
	if !errors.Is(err, signing.ErrCancelled) {
		t.Fatalf("err = %v, want cancelled", err)
	}
	if _, err := os.Stat(DefaultOut(in)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("output written after cancel: %v", err)
	}
	if w.win.Content() != w.main {
		t.Error("main screen not back")
	}
}

// TestSignNeedsKey: without a key nothing starts.
func TestSignNeedsKey(t *testing.T) {
	called := false
	w := newTestWindow(t, Deps{Sign: func(context.Context, app.SignRequest, app.Ports) (*app.SignResult, error) {
		called = true
		return nil, nil
	}})
	defer w.Close()
	w.StartSign()
	if called || w.message.Text == "" {
		t.Errorf("sign called %v, message %q", called, w.message.Text)
	}
}

// TestCardEvents: cards arrive in the list from the watcher.
func TestCardEvents(t *testing.T) {
	done := make(chan struct{})
	w := newTestWindow(t, Deps{Watch: func(ctx context.Context, emit func(cardreader.Event)) error {
		emit(cardreader.Event{Kind: cardreader.CardInserted, Reader: cardreader.Reader{Name: "R1", Card: &cardreader.Card{Name: "eID"}}})
		close(done)
		<-ctx.Done()
		return nil
	}})
	defer w.Close()
	<-done
	settle() // the event's fyne.Do was queued before done
	if n := w.keyList.Length(); n != 1 {
		t.Fatalf("list has %d rows", n)
	}
	w.keyList.Select(0)
	if w.keys.Selected != "card:R1" {
		t.Errorf("selected %q", w.keys.Selected)
	}
}

// TestDropAndNoOverwrite: a dropped PDF and key file are taken; an
// existing signed copy is not replaced without asking.
func TestDropAndNoOverwrite(t *testing.T) {
	dir := t.TempDir()
	in, p12 := filepath.Join(dir, "a.pdf"), filepath.Join(dir, "k.p12")
	os.WriteFile(in, testpdf.Pages(1), 0o644)
	os.WriteFile(DefaultOut(in), []byte("earlier"), 0o644)
	calls := 0
	w := newTestWindow(t, Deps{Sign: func(context.Context, app.SignRequest, app.Ports) (*app.SignResult, error) {
		calls++
		return nil, signing.ErrCancelled
	}})
	defer w.Close()
	w.dropped(fyne.NewPos(10, 10), []fyne.URI{storage.NewFileURI(in), storage.NewFileURI(p12)})
	if w.doc != in || w.keys.Selected != "pkcs12:"+p12 || w.out.Text != DefaultOut(in) {
		t.Fatalf("after drop: doc %q, key %q, out %q", w.doc, w.keys.Selected, w.out.Text)
	}
	w.StartSign()
	if calls != 0 {
		t.Error("signed over an existing file without asking")
	}
	if data, _ := os.ReadFile(DefaultOut(in)); string(data) != "earlier" {
		t.Error("existing file changed")
	}
}

// TestTokensRelistedOnCardEvents: a card or USB token arriving lists the
// PKCS#11 tokens again, once for a burst of events.
func TestTokensRelistedOnCardEvents(t *testing.T) {
	old := relistDelay
	relistDelay = 200 * time.Millisecond
	t.Cleanup(func() { relistDelay = old })
	var mu sync.Mutex
	lists := 0
	emitted := make(chan struct{})
	w := newTestWindow(t, Deps{
		ListTokens: func(context.Context, []string) ([]app.ModuleTokens, error) {
			mu.Lock()
			lists++
			mu.Unlock()
			return nil, nil
		},
		Watch: func(ctx context.Context, emit func(cardreader.Event)) error {
			for _, k := range []cardreader.EventKind{cardreader.ReaderAdded, cardreader.CardInserted} {
				emit(cardreader.Event{Kind: k, Reader: cardreader.Reader{Name: "Token", Card: &cardreader.Card{}}})
			}
			close(emitted)
			<-ctx.Done()
			return nil
		},
	})
	defer w.Close()
	<-emitted
	count := func() int { mu.Lock(); defer mu.Unlock(); return lists }
	pumpUntil(10*time.Second, func() bool { return count() >= 2 })
	pumpFor(5 * relistDelay) // a second relisting would come by now
	if n := count(); n != 2 {
		t.Errorf("tokens listed %d times, want 2 (at start, after the events)", n)
	}
}
