package ui

import (
	"context"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
)

// docsRenderer opens a fresh fakeDoc for each document and keeps them.
type docsRenderer struct {
	mu   sync.Mutex
	docs []*fakeDoc
}

func (r *docsRenderer) Open(context.Context, []byte) (RenderedDoc, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	d := &fakeDoc{pages: 1}
	r.docs = append(r.docs, d)
	return d, nil
}

func (r *docsRenderer) all() []*fakeDoc {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*fakeDoc(nil), r.docs...)
}

// nextOf waits for the screen want, passing over page previews.
func nextOf(t *testing.T, shown chan any, want string) any {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		s, ok := await(shown, time.Until(deadline))
		if !ok {
			t.Fatalf("%s never shown", want)
		}
		p := s.([2]any)
		if p[0] == "preview" {
			continue
		}
		if p[0] != want {
			t.Fatalf("showed %v (%v), want %s", p[0], p[1], want)
		}
		return p[1]
	}
}

// TestReviewClosesItsDocument: the prepared revision's preview is closed
// when the Review is left, so no renderer copy of it outlives it; the
// main window's document stays open.
func TestReviewClosesItsDocument(t *testing.T) {
	r := &docsRenderer{}
	w, _, shown := signSetup(t, Deps{Renderer: r})
	w.StartSign()
	pv := nextOf(t, shown, "pin").(*pinView)
	test.Type(pv.entry, "secret")
	pv.entry.OnSubmitted(pv.entry.Text)
	rv := nextOf(t, shown, "review").(*reviewView)
	// Wait until the Review's preview is up, so that cancelling closes a
	// document that is shown rather than one still opening.
	deadline := time.Now().Add(20 * time.Second)
	for up := false; !up; {
		s, ok := await(shown, time.Until(deadline))
		if !ok {
			t.Fatal("the Review's preview never came up")
		}
		p := s.([2]any)
		if v, ok := p[1].(*viewer); ok && p[0] == "preview" {
			up = len(rv.previewContainer.Objects) == 1 && rv.previewContainer.Objects[0] == v.content
		}
	}
	docs := r.all()
	if len(docs) != 2 {
		t.Fatalf("%d documents opened, want the main one and the Review's", len(docs))
	}
	test.Tap(rv.cancel)
	nextOf(t, shown, "result")
	// The viewer closes its document on a goroutine of its own.
	if !pumpUntil(30*time.Second, docs[1].isClosed) {
		t.Error("the Review's document was left open")
	}
	if docs[0].isClosed() {
		t.Error("the main window's document was closed")
	}
}

func (d *fakeDoc) isClosed() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.closed
}
