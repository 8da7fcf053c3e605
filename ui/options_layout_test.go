package ui

import (
	"testing"
)

// TestVisibleStampLayout: ticking "Visible stamp" lays the form out at
// once. The rows it shows were once left at a stale, negative width, and
// drawing the window then panicked in Fyne's software painter.
func TestVisibleStampLayout(t *testing.T) {
	w := newTestWindow(t, Deps{})
	defer w.Close()
	w.view.stamp.visible.SetChecked(true)
	if s := w.view.stamp.x.Size(); s.Width <= 0 {
		t.Errorf("x entry %v wide after showing the stamp fields", s.Width)
	}
	w.win.Canvas().Capture() // panicked before
}
