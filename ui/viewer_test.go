package ui

import (
	"context"
	"fmt"
	"image"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"

	"github.com/siegel-app/siegel/internal/testpdf"
)

// fakeDoc is the renderer port: A4 pages (page 2 landscape), images of
// the size PDFium would draw, and a record of what was asked.
type fakeDoc struct {
	mu      sync.Mutex
	pages   int
	renders []renderJob
	closed  bool
}

func (d *fakeDoc) Pages() int { return d.pages }

func (d *fakeDoc) PageSize(page int) (float64, float64, error) {
	if page < 0 || page >= d.pages {
		return 0, 0, fmt.Errorf("fake: page %d of %d", page, d.pages)
	}
	if page == 2 {
		return a4H, a4W, nil
	}
	return a4W, a4H, nil
}

func (d *fakeDoc) Render(_ context.Context, page int, dpi float64) (*image.RGBA, error) {
	w, h, err := d.PageSize(page)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	d.renders = append(d.renders, renderJob{page, dpi})
	d.mu.Unlock()
	return image.NewRGBA(image.Rect(0, 0, int(math.Round(w*dpi/72)), int(math.Round(h*dpi/72)))), nil
}

func (d *fakeDoc) Close() error {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
	return nil
}

func (d *fakeDoc) last() renderJob {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.renders) == 0 {
		return renderJob{page: -1}
	}
	return d.renders[len(d.renders)-1]
}

// now runs the viewer's PDFium calls at once, on the calling goroutine.
func now(work func() func()) { work()() }

// showViewer puts v in a window of size.
func showViewer(t *testing.T, v *viewer, size fyne.Size) fyne.Window {
	t.Helper()
	w := test.NewTempWindow(t, v.content)
	w.Resize(size)
	return w
}

// TestViewerPaging: every page can be looked at, one at a time, starting
// at the stamp's page; each page is rendered once it is shown.
func TestViewerPaging(t *testing.T) {
	newTestApp(t)
	doc := &fakeDoc{pages: 3}
	v := newViewer(context.Background(), doc, 1, now, nil)
	showViewer(t, v, fyne.NewSize(600, 700))
	if v.label.Text != "Page 2 of 3" || v.page.img.Image == nil || doc.last().page != 1 {
		t.Fatalf("start: %q, image %v, rendered %v", v.label.Text, v.page.img.Image, doc.renders)
	}
	test.Tap(v.next)
	if v.cur != 2 || !v.next.Disabled() || v.prev.Disabled() || doc.last().page != 2 {
		t.Fatalf("after next: page %d, next disabled %v, rendered %v", v.cur, v.next.Disabled(), doc.renders)
	}
	// Page 3 is landscape: the image has its shape.
	if b := v.page.img.Image.Bounds(); b.Dx() <= b.Dy() {
		t.Errorf("landscape page drawn %v", b)
	}
	test.Tap(v.next) // disabled: stays
	test.Tap(v.prev)
	test.Tap(v.prev)
	if v.cur != 0 || !v.prev.Disabled() || v.label.Text != "Page 1 of 3" || doc.last().page != 0 {
		t.Fatalf("after two prev: page %d, %q, rendered %v", v.cur, v.label.Text, doc.renders)
	}
	v.Close()
	test.Tap(v.next)
	if n := len(doc.renders); doc.last().page != 0 {
		t.Errorf("rendered after close: %v (%d)", doc.renders, n)
	}
}

// TestViewerZoom: the zoom decides the resolution PDFium is asked for,
// and the page's size in the scroll container.
func TestViewerZoom(t *testing.T) {
	newTestApp(t)
	doc := &fakeDoc{pages: 1}
	v := newViewer(context.Background(), doc, 0, now, nil)
	showViewer(t, v, fyne.NewSize(600, 700))
	vp := v.viewport
	if vp.Width < 500 || vp.Height < 550 {
		t.Fatalf("viewport %v", vp)
	}
	fit := zoomState{mode: zoomFitPage}.scale(a4W, a4H, float64(vp.Width), float64(vp.Height))
	if got, want := doc.last().dpi, renderDPI(fit, 1, a4W, a4H); got != want || v.scale != fit {
		t.Fatalf("fit page: dpi %v, want %v; scale %v, want %v", got, want, v.scale, fit)
	}
	if v.scroll.Content.Size().Height > vp.Height {
		t.Errorf("fit page scrolls: page %v in %v", v.scroll.Content.Size(), vp)
	}

	for _, tc := range []struct {
		name    string
		do      func()
		dpi     float64
		percent string
	}{
		{"100 %", func() { v.setZoom(zoomState{mode: zoomFixed, zoom: 1}) }, 96, "100 %"},
		{"zoom in", func() { test.Tap(v.zoomInBtn) }, 108, "110 %"}, // 105.6 dpi, rounded up
		{"zoom in again", v.zoomIn, 120, "125 %"},
		{"zoom out", func() { test.Tap(v.zoomOutBtn) }, 108, "110 %"},
		{"400 %", func() { v.setZoom(zoomState{mode: zoomFixed, zoom: 4}) }, 384, "400 %"},
		{"50 %", func() { v.setZoom(zoomState{mode: zoomFixed, zoom: 0.5}) }, 48, "50 %"},
	} {
		tc.do()
		if got := doc.last().dpi; got != tc.dpi || v.zoomLabel.Text != tc.percent {
			t.Errorf("%s: dpi %v, want %v; label %q", tc.name, got, tc.dpi, v.zoomLabel.Text)
		}
		if b := v.page.img.Image.Bounds(); b.Dx() != int(math.Round(a4W*tc.dpi/72)) {
			t.Errorf("%s: image %v not the render at %v dpi", tc.name, b, tc.dpi)
		}
	}
	if !v.zoomOutBtn.Disabled() {
		t.Error("zoom out possible below 50 %")
	}

	v.setZoom(zoomState{mode: zoomFixed, zoom: 2})
	if sz := v.scroll.Content.Size(); sz.Height < float32(a4H*2*unitsPerPoint100) || sz.Width < float32(a4W*2*unitsPerPoint100) {
		t.Errorf("at 200 %% the page is %v", sz)
	}
	test.Tap(v.fitWidthBt)
	wantScale := (float64(vp.Width) - 2*pageMargin) / a4W
	if math.Abs(v.scale-wantScale) > 1e-6 || doc.last().dpi != renderDPI(wantScale, 1, a4W, a4H) {
		t.Errorf("fit width: scale %v, want %v; dpi %v", v.scale, wantScale, doc.last().dpi)
	}
	n := len(doc.renders)
	test.Tap(v.fitWidthBt)
	if len(doc.renders) != n {
		t.Error("the same view rendered again")
	}
}

// TestViewerStaleRenders: PDFium works one call at a time; a zoom during
// a render asks for the new resolution after it, and a page turned away
// from is not shown when its render comes back.
func TestViewerStaleRenders(t *testing.T) {
	newTestApp(t)
	doc := &fakeDoc{pages: 3}
	var queue []func() func()
	bg := func(work func() func()) { queue = append(queue, work) }
	run := func() {
		t.Helper()
		if len(queue) == 0 {
			t.Fatal("nothing asked of PDFium")
		}
		work := queue[0]
		queue = queue[1:]
		work()()
	}
	v := newViewer(context.Background(), doc, 0, bg, nil)
	showViewer(t, v, fyne.NewSize(600, 700))
	run() // page size
	run() // render at "fit page"
	first := doc.last()

	test.Tap(v.zoomInBtn) // nothing under way: asked at once
	if len(queue) != 1 {
		t.Fatalf("%d calls queued after zoom", len(queue))
	}
	test.Tap(v.zoomInBtn) // under way: waits
	test.Tap(v.zoomInBtn)
	if len(queue) != 1 {
		t.Fatalf("%d calls queued while one was under way", len(queue))
	}
	run() // the render of the first zoom in; then the latest zoom's
	run()
	if len(queue) != 0 {
		t.Fatalf("%d more calls", len(queue))
	}
	want := renderDPI(v.scale, 1, a4W, a4H)
	if got := doc.renders; len(got) != 3 || got[0] != first || got[2].dpi != want {
		t.Fatalf("renders %v, want the last at %v dpi", got, want)
	}

	test.Tap(v.next) // page 2: its size first
	if v.page.img.Image != nil {
		t.Error("page 1 shown as page 2")
	}
	test.Tap(v.prev) // back before it came
	run()            // page 2's size
	if len(queue) != 0 || v.cur != 0 || v.page.img.Image == nil {
		t.Fatalf("page %d (image %v), %d calls queued: page 1 was up to date", v.cur, v.page.img.Image != nil, len(queue))
	}
	img := v.page.img.Image
	test.Tap(v.next)
	test.Tap(v.prev) // back while page 2 renders
	run()
	if len(queue) != 0 || doc.last().page != 1 {
		t.Fatalf("renders %v, %d calls queued", doc.renders, len(queue))
	}
	if v.shown.page != 0 || v.page.img.Image != img {
		t.Errorf("page 2's render shown on page 1: shown %v", v.shown)
	}
}

// drag drags on the page widget from one point of the page to another
// (in points), as the desktop driver does: a press, moves, a release.
func drag(v *viewer, x0, y0, x1, y1 float64) {
	l := v.page.layout
	at := func(x, y float64) fyne.Position {
		return fyne.NewPos(float32(l.ox+x*l.scale), float32(l.oy+(l.ph-y)*l.scale))
	}
	start, end := at(x0, y0), at(x1, y1)
	mid := fyne.NewPos((start.X+end.X)/2, (start.Y+end.Y)/2)
	v.page.MouseDown(&desktop.MouseEvent{PointEvent: fyne.PointEvent{Position: start}, Button: desktop.MouseButtonPrimary})
	v.page.Dragged(&fyne.DragEvent{PointEvent: fyne.PointEvent{Position: mid}, Dragged: fyne.NewDelta(mid.X-start.X, mid.Y-start.Y)})
	v.page.Dragged(&fyne.DragEvent{PointEvent: fyne.PointEvent{Position: end}, Dragged: fyne.NewDelta(end.X-mid.X, end.Y-mid.Y)})
	v.page.DragEnd()
	v.page.MouseUp(&desktop.MouseEvent{PointEvent: fyne.PointEvent{Position: end}, Button: desktop.MouseButtonPrimary})
}

// TestViewerDrag: a rectangle dragged at any zoom is placed in points;
// the mark is drawn where the rectangle is.
func TestViewerDrag(t *testing.T) {
	newTestApp(t)
	type placed struct {
		page int
		r    PageRect
	}
	var got []placed
	v := newViewer(context.Background(), &fakeDoc{pages: 2}, 1, now, func(page int, r PageRect) { got = append(got, placed{page, r}) })
	showViewer(t, v, fyne.NewSize(600, 700))
	for _, z := range []zoomState{{mode: zoomFitPage}, {mode: zoomFixed, zoom: 2}, {mode: zoomFixed, zoom: 0.5}, {mode: zoomFitWidth}} {
		got = nil
		v.setZoom(z)
		drag(v, 300.4, 100, 100, 160.2)
		want := PageRect{X: 100, Y: 100, W: 200, H: 60}
		if len(got) != 1 || got[0] != (placed{1, want}) {
			t.Fatalf("zoom %+v: placed %+v, want %+v on page 1", z, got, want)
		}
		if !v.page.mark.Visible() {
			t.Fatalf("zoom %+v: no mark", z)
		}
		// The mark's top-left corner is the rectangle's upper-left.
		l := v.page.layout
		if p := v.page.mark.Position(); math.Abs(float64(p.X)-(l.ox+100*l.scale)) > 0.5 || math.Abs(float64(p.Y)-(l.oy+(a4H-160)*l.scale)) > 0.5 {
			t.Errorf("zoom %+v: mark at %v", z, p)
		}
	}
	test.Tap(v.prev)
	if v.page.mark.Visible() {
		t.Error("stamp of page 2 drawn on page 1")
	}
}

// TestViewerReviewPans: without onPlace (the Review screen) a drag moves
// the page instead of placing anything.
func TestViewerReviewPans(t *testing.T) {
	newTestApp(t)
	v := newViewer(context.Background(), &fakeDoc{pages: 1}, 0, now, nil)
	showViewer(t, v, fyne.NewSize(600, 700))
	v.setZoom(zoomState{mode: zoomFixed, zoom: 3})
	v.scroll.ScrollToOffset(fyne.NewPos(100, 100))
	v.page.Dragged(&fyne.DragEvent{Dragged: fyne.NewDelta(30, 40)})
	v.page.DragEnd()
	if v.stamp != nil || v.page.mark.Visible() {
		t.Error("a stamp was placed in the review")
	}
	if o := v.scroll.Offset; o.X != 70 || o.Y != 60 {
		t.Errorf("offset %v after dragging by (30, 40) from (100, 100)", o)
	}
}

// fakeRenderer opens every PDF as doc.
type fakeRenderer struct{ doc *fakeDoc }

func (r fakeRenderer) Open(context.Context, []byte) (RenderedDoc, error) { return r.doc, nil }

// TestWindowPlaceStamp: dragging on the main window's preview sets the
// visible stamp of the signature options and the form's fields; typing in
// the form moves the drawn rectangle; the keyboard zooms and turns pages.
func TestWindowPlaceStamp(t *testing.T) {
	in := filepath.Join(t.TempDir(), "contract.pdf")
	if err := os.WriteFile(in, testpdf.Pages(3), 0o644); err != nil {
		t.Fatal(err)
	}
	doc := &fakeDoc{pages: 3}
	w := newTestWindow(t, Deps{Renderer: fakeRenderer{doc}})
	t.Cleanup(w.Close)
	w.view.bg = now
	shown := noticesOf(w)
	w.Open(in)
	s, ok := await(shown, 20*time.Second)
	if !ok {
		t.Fatal("preview never shown")
	}
	v, _ := s.([2]any)[1].(*viewer)
	if v == nil || v.onPlace == nil {
		t.Fatalf("main preview %v cannot place the stamp", v)
	}

	test.Tap(v.next)
	drag(v, 350, 120, 550, 60)
	o := w.opts
	if !o.Visible || o.Page != "2" || o.X != "350" || o.Y != "60" || o.W != "200" || o.H != "60" {
		t.Fatalf("options after drag: %+v", o)
	}
	f := w.view.stamp
	if !f.visible.Checked || f.page.Text != "2" || f.x.Text != "350" || f.y.Text != "60" || f.wd.Text != "200" || f.ht.Text != "60" {
		t.Errorf("form: visible %v, %q %q %q %q %q", f.visible.Checked, f.page.Text, f.x.Text, f.y.Text, f.wd.Text, f.ht.Text)
	}
	req, err := o.Request(in, DefaultOut(in), "pkcs12:/k.p12")
	if err != nil || req.Visible == nil || req.Visible.Page != 2 || req.Visible.X != 350 || req.Visible.Y != 60 || req.Visible.W != 200 || req.Visible.H != 60 {
		t.Errorf("request: %+v, %v", req.Visible, err)
	}

	f.x.SetText("100")
	if v.stamp == nil || v.stamp.r.X != 100 || !v.page.mark.Visible() {
		t.Errorf("typed x: stamp %+v", v.stamp)
	}
	f.visible.SetChecked(false)
	if v.page.mark.Visible() {
		t.Error("stamp drawn after unticking Visible stamp")
	}

	sc := w.win.Canvas().(fyne.Shortcutable)
	mod := fyne.KeyModifierShortcutDefault
	sc.TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.Key1, Modifier: mod})
	sc.TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyEqual, Modifier: mod})
	if v.zoom.mode != zoomFixed || v.zoom.zoom != 1.1 || doc.last().dpi != 108 {
		t.Errorf("after Ctrl+1, Ctrl+=: zoom %+v, dpi %v", v.zoom, doc.last().dpi)
	}
	sc.TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyMinus, Modifier: mod})
	if v.zoom.zoom != 1 {
		t.Errorf("after Ctrl+-: zoom %+v", v.zoom)
	}
	sc.TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.Key0, Modifier: mod})
	if v.zoom.mode != zoomFitPage {
		t.Errorf("after Ctrl+0: zoom %+v", v.zoom)
	}
	w.win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyPageDown})
	if v.cur != 2 {
		t.Errorf("after Page Down: page %d", v.cur)
	}
	w.win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyPageUp})
	sc.TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyPageUp, Modifier: mod})
	if v.cur != 0 {
		t.Errorf("after Page Up twice: page %d", v.cur)
	}

	// The review's preview shows the prepared revision: no dragging.
	box := w.preview
	other := &fyne.Container{}
	rv := w.newViewerFor(other, &fakeDoc{pages: 1}, 0)
	if rv.onPlace != nil || w.previews[box] != v {
		t.Error("a viewer outside the main screen places the stamp")
	}
	rv.Close()
}
