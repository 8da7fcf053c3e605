package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// viewerState is the Window's part of the page viewers (UI thread).
type viewerState struct {
	stamp stampFields
	last  *viewer // the latest viewer outside the main screen
	// bg runs PDFium calls for the viewers; nil: a goroutine each of the
	// window's work, then fyne.Do. Tests make it synchronous.
	bg func(work func() func())
	// latest is the latest load started for each box.
	latest map[*fyne.Container]*int
}

// loading starts loading a document into box; current reports whether it
// is still the latest one for box when the document is open.
func (s *viewerState) loading(box *fyne.Container) (current func() bool) {
	if s.latest == nil {
		s.latest = map[*fyne.Container]*int{}
	}
	token := new(int)
	s.latest[box] = token
	return func() bool { return s.latest[box] == token }
}

// stampFields are the form's widgets of the visible stamp, so a stamp
// dragged on the page shows in the form.
type stampFields struct {
	visible            *widget.Check
	page, x, y, wd, ht *widget.Entry
}

// newViewerFor shows doc in box. Only the main window's preview places
// the stamp by dragging: the Review screen shows the prepared revision,
// where PDFium draws the real stamp.
func (w *Window) newViewerFor(box *fyne.Container, doc RenderedDoc, first int) *viewer {
	var place func(int, PageRect)
	if box == w.preview {
		place = w.placeStamp
	}
	bg := w.view.bg
	if bg == nil {
		bg = func(work func() func()) {
			w.work.Go(func() { apply := work(); fyne.Do(apply) })
		}
	}
	v := newViewer(w.ctx, doc, first, bg, place)
	w.previews[box] = v
	if box == w.preview {
		w.stampEdited()
	} else {
		w.view.last = v
	}
	return v
}

// placeStamp takes a rectangle dragged on the page into the form.
func (w *Window) placeStamp(page int, r PageRect) {
	w.opts.setStamp(page, r)
	f := w.view.stamp
	if f.visible == nil {
		return
	}
	// The entries' OnChanged set the same values again.
	f.visible.SetChecked(true)
	o := w.opts
	for _, p := range []struct {
		e *widget.Entry
		s string
	}{{f.page, o.Page}, {f.x, o.X}, {f.y, o.Y}, {f.wd, o.W}, {f.ht, o.H}} {
		p.e.SetText(p.s)
	}
}

// stampEdited draws the form's stamp on the main preview.
func (w *Window) stampEdited() {
	v := w.previews[w.preview]
	if v == nil {
		return
	}
	page, r, ok := w.opts.stampRect()
	v.setStamp(page, r, ok && w.opts.Visible)
}

// activeViewer is the viewer on screen: the main preview, or the latest
// other one (the Review screen's) while the main screen is not shown.
func (w *Window) activeViewer() *viewer {
	if w.win.Content() == w.main || w.view.last == nil || w.view.last.closed {
		return w.previews[w.preview]
	}
	return w.view.last
}

// viewerShortcuts: Ctrl/Cmd + and - zoom, 0 fits the page, 1 is 100 %, 2
// fits the width; Page Up and Page Down turn pages (Ctrl/Cmd with them
// too, for when a text field has the keyboard).
func (w *Window) viewerShortcuts() {
	c := w.win.Canvas()
	mod := fyne.KeyModifierShortcutDefault
	do := func(f func(v *viewer)) func(fyne.Shortcut) {
		return func(fyne.Shortcut) {
			if v := w.activeViewer(); v != nil {
				f(v)
			}
		}
	}
	zoomIn := do((*viewer).zoomIn)
	for _, k := range []fyne.KeyName{fyne.KeyEqual, fyne.KeyPlus} {
		c.AddShortcut(&desktop.CustomShortcut{KeyName: k, Modifier: mod}, zoomIn)
		c.AddShortcut(&desktop.CustomShortcut{KeyName: k, Modifier: mod | fyne.KeyModifierShift}, zoomIn)
	}
	c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyMinus, Modifier: mod}, do((*viewer).zoomOut))
	c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.Key0, Modifier: mod},
		do(func(v *viewer) { v.setZoom(zoomState{mode: zoomFitPage, zoom: v.zoom.zoom}) }))
	c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.Key1, Modifier: mod},
		do(func(v *viewer) { v.setZoom(zoomState{mode: zoomFixed, zoom: 1}) }))
	c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.Key2, Modifier: mod},
		do(func(v *viewer) { v.setZoom(zoomState{mode: zoomFitWidth, zoom: v.zoom.zoom}) }))
	prev := do(func(v *viewer) { v.showPage(v.cur - 1) })
	next := do(func(v *viewer) { v.showPage(v.cur + 1) })
	c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyPageUp, Modifier: mod}, prev)
	c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyPageDown, Modifier: mod}, next)
	// Keys without a modifier reach the canvas only when no widget has
	// the keyboard; Fyne has no shortcuts for them.
	typed := c.OnTypedKey()
	c.SetOnTypedKey(func(e *fyne.KeyEvent) {
		switch e.Name {
		case fyne.KeyPageUp:
			prev(nil)
		case fyne.KeyPageDown:
			next(nil)
		default:
			if typed != nil {
				typed(e)
			}
		}
	})
}
