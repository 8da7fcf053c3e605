package ui

import (
	"context"
	"fmt"
	"image"
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// viewer shows a rendered document page by page, zoomed and scrolled, so
// the signer can look at every page of what is signed. With onPlace set,
// dragging a rectangle on the page places the visible stamp.
//
// All fields belong to the UI thread. PDFium works in the background
// through bg, one call at a time: after each call the viewer asks for
// what is wanted now, so renders a zoom or page change made stale are
// never started, and a stale result is never shown.
type viewer struct {
	content                fyne.CanvasObject
	prev, next             *widget.Button
	zoomInBtn, zoomOutBtn  *widget.Button
	fitPageBtn, fitWidthBt *widget.Button
	label, zoomLabel       *widget.Label
	scroll                 *container.Scroll
	page                   *pageWidget

	ctx      context.Context
	doc      RenderedDoc
	n, cur   int
	zoom     zoomState
	scale    float64 // units per point now
	viewport fyne.Size
	sizes    map[int][2]float64 // page sizes in points, as PDFium reports them

	bg       func(work func() (apply func()))
	running  bool      // a PDFium call is under way
	shown    renderJob // the latest render shown, kept while on other pages
	shownImg image.Image
	failed   renderJob // the last call that failed: not tried again at once
	closed   bool

	// onPlace is told of a rectangle dragged on page (0-based); nil:
	// dragging does not place a stamp.
	onPlace func(page int, r PageRect)
	stamp   *stampMark // the stamp drawn on the page, nil for none
}

// renderJob is one PDFium call: the page size (dpi 0) or a render.
type renderJob struct {
	page int
	dpi  float64
}

type stampMark struct {
	page int
	r    PageRect
}

// a4 stands in for a page whose size is not known yet.
var a4 = [2]float64{595.28, 841.89}

// newViewer shows page first of doc at "fit page". bg runs work off the UI
// thread and then apply on it (nil: a goroutine and fyne.Do).
func newViewer(ctx context.Context, doc RenderedDoc, first int, bg func(work func() func()), onPlace func(page int, r PageRect)) *viewer {
	if bg == nil {
		bg = func(work func() func()) {
			go func() { apply := work(); fyne.Do(apply) }()
		}
	}
	v := &viewer{ctx: ctx, doc: doc, n: doc.Pages(), bg: bg, onPlace: onPlace,
		zoom: zoomState{mode: zoomFitPage, zoom: 1}, sizes: map[int][2]float64{},
		failed: renderJob{page: -1}, shown: renderJob{page: -1}}
	v.label = widget.NewLabel("")
	v.zoomLabel = widget.NewLabel("")
	v.prev = widget.NewButtonWithIcon("", theme.NavigateBackIcon(), func() { v.showPage(v.cur - 1) })
	v.next = widget.NewButtonWithIcon("", theme.NavigateNextIcon(), func() { v.showPage(v.cur + 1) })
	v.zoomOutBtn = widget.NewButtonWithIcon("", theme.ZoomOutIcon(), v.zoomOut)
	v.zoomInBtn = widget.NewButtonWithIcon("", theme.ZoomInIcon(), v.zoomIn)
	v.fitPageBtn = widget.NewButton(T("Fit page"), func() { v.setZoom(zoomState{mode: zoomFitPage, zoom: v.zoom.zoom}) })
	v.fitWidthBt = widget.NewButton(T("Fit width"), func() { v.setZoom(zoomState{mode: zoomFitWidth, zoom: v.zoom.zoom}) })
	v.page = newPageWidget(v)
	v.scroll = container.NewScroll(v.page)
	bar := container.NewHBox(v.prev, v.label, v.next, layout.NewSpacer(),
		v.zoomOutBtn, v.zoomLabel, v.zoomInBtn, v.fitPageBtn, v.fitWidthBt)
	v.content = container.NewBorder(nil, bar, nil, nil, container.New(viewportLayout{v}, v.scroll))
	v.showPage(min(max(first, 0), v.n-1))
	return v
}

// Close stops rendering and closes the document. Closing waits for a
// render under way, so it happens off the UI thread.
func (v *viewer) Close() {
	if v.closed {
		return
	}
	v.closed = true
	go v.doc.Close()
}

// showPage turns to page (0-based), scrolled to its top.
func (v *viewer) showPage(page int) {
	if page < 0 || page >= v.n {
		return
	}
	v.cur = page
	v.label.SetText(T("Page {{.Page}} of {{.Pages}}", map[string]any{"Page": page + 1, "Pages": v.n}))
	enable(v.prev, page > 0)
	enable(v.next, page < v.n-1)
	// The image of another page would show stretched: blank paper until
	// this page's render comes. Kept, it spares a render on turning back.
	// (Not Hide: Fyne loses the Refresh of an object hidden since before
	// it was first drawn.)
	v.page.img.Image = nil
	if v.shown.page == page {
		v.page.img.Image = v.shownImg
	}
	v.page.img.Refresh()
	v.failed = renderJob{page: -1} // try again what failed on another visit
	v.scroll.ScrollToOffset(fyne.Position{X: v.scroll.Offset.X})
	v.relayout()
}

func enable(b *widget.Button, on bool) {
	if on {
		b.Enable()
	} else {
		b.Disable()
	}
}

// zoomIn and zoomOut step the zoom from what is shown, fit or not.
func (v *viewer) zoomIn() {
	v.setZoom(zoomState{mode: zoomFixed, zoom: zoomIn(v.scale / unitsPerPoint100)})
}

func (v *viewer) zoomOut() {
	v.setZoom(zoomState{mode: zoomFixed, zoom: zoomOut(v.scale / unitsPerPoint100)})
}

// setZoom zooms, keeping the point at the viewport's centre in place.
func (v *viewer) setZoom(z zoomState) {
	before := v.page.Size()
	vp := v.scroll.Size()
	cx := (v.scroll.Offset.X + vp.Width/2) / max(before.Width, 1)
	cy := (v.scroll.Offset.Y + vp.Height/2) / max(before.Height, 1)
	v.zoom = z
	v.relayout()
	after := v.page.Size()
	v.scroll.ScrollToOffset(fyne.NewPos(max(cx*after.Width-vp.Width/2, 0), max(cy*after.Height-vp.Height/2, 0)))
}

// pageSize is the current page's size in points, a stand-in until
// PDFium has told it.
func (v *viewer) pageSize() (pw, ph float64, known bool) {
	if s, ok := v.sizes[v.cur]; ok {
		return s[0], s[1], true
	}
	if s, ok := v.sizes[v.shown.page]; ok {
		return s[0], s[1], false
	}
	return a4[0], a4[1], false
}

// relayout recomputes the scale after a change of page, zoom or viewport
// and asks for the render that goes with it.
func (v *viewer) relayout() {
	pw, ph, _ := v.pageSize()
	s := v.zoom.scale(pw, ph, float64(v.viewport.Width), float64(v.viewport.Height))
	v.zoomLabel.SetText(fmt.Sprintf("%d %%", zoomPercent(s)))
	enable(v.zoomInBtn, s < maxZoom*unitsPerPoint100*0.999)
	enable(v.zoomOutBtn, s > minZoom*unitsPerPoint100*1.001)
	v.scale = s
	v.page.Refresh()
	v.scroll.Refresh() // the page's MinSize changed
	v.schedule()
}

func (v *viewer) setViewport(size fyne.Size) {
	if size == v.viewport {
		return
	}
	v.viewport = size
	v.relayout()
}

// pixelsPerUnit is the screen's pixels per Fyne unit (HiDPI scale).
func (v *viewer) pixelsPerUnit() float64 {
	if a := fyne.CurrentApp(); a != nil {
		if c := a.Driver().CanvasForObject(v.page); c != nil {
			x, _ := c.PixelCoordinateForPosition(fyne.NewPos(100, 0))
			if x > 0 {
				return float64(x) / 100
			}
		}
	}
	return 1
}

// schedule starts the PDFium call the view needs now, unless one is under
// way (its completion calls schedule again).
func (v *viewer) schedule() {
	if v.closed || v.running || v.viewport.IsZero() {
		return
	}
	job := renderJob{page: v.cur}
	if pw, ph, known := v.pageSize(); known {
		job.dpi = renderDPI(v.scale, v.pixelsPerUnit(), pw, ph)
		if job == v.shown {
			return
		}
	}
	if job == v.failed {
		return
	}
	v.running = true
	doc, ctx := v.doc, v.ctx
	v.bg(func() func() {
		if job.dpi == 0 {
			w, h, err := doc.PageSize(job.page)
			return func() {
				v.running = false
				if v.closed {
					return
				}
				if err != nil || w <= 0 || h <= 0 {
					v.failed = job
					return
				}
				v.sizes[job.page] = [2]float64{w, h}
				v.relayout()
			}
		}
		img, err := doc.Render(ctx, job.page, job.dpi)
		return func() {
			v.running = false
			if v.closed {
				return
			}
			if err != nil {
				v.failed = job
			} else if job.page == v.cur {
				v.shown, v.shownImg = job, img
				v.page.img.Image = img
				v.page.img.Refresh()
			}
			v.schedule()
		}
	})
}

// setStamp draws the stamp at r on page (0-based); show false removes it.
func (v *viewer) setStamp(page int, r PageRect, show bool) {
	if !show {
		v.stamp = nil
	} else {
		v.stamp = &stampMark{page: page, r: r}
	}
	v.page.Refresh()
}

// viewportLayout gives the scroll container all the space and tells the
// viewer its size, which the fit zooms depend on.
type viewportLayout struct{ v *viewer }

func (l viewportLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Move(fyne.Position{})
		o.Resize(size)
	}
	l.v.setViewport(size)
}

func (l viewportLayout) MinSize(objects []fyne.CanvasObject) fyne.Size {
	return fyne.NewSize(64, 64)
}

// pageWidget is the page, on white paper, with the stamp's rectangle over
// it. It is as large as the page at the viewer's scale (the scroll
// container makes it larger when the viewport is: the page is centred).
type pageWidget struct {
	widget.BaseWidget
	v      *viewer
	paper  *canvas.Rectangle
	img    *canvas.Image
	mark   *canvas.Rectangle
	layout pageLayout // as last laid out

	dragging   bool
	pressed    bool
	start, end fyne.Position
}

var (
	_ fyne.Draggable     = (*pageWidget)(nil)
	_ desktop.Mouseable  = (*pageWidget)(nil)
	_ desktop.Cursorable = (*pageWidget)(nil)
	_ fyne.Scrollable    = (*pageWidget)(nil)
)

func newPageWidget(v *viewer) *pageWidget {
	p := &pageWidget{v: v}
	p.paper = canvas.NewRectangle(color.White)
	p.paper.StrokeColor = color.NRGBA{A: 0x60}
	p.paper.StrokeWidth = 1
	p.img = canvas.NewImageFromImage(nil)
	p.img.FillMode = canvas.ImageFillStretch // the box has the page's shape
	p.mark = canvas.NewRectangle(color.Transparent)
	p.mark.StrokeWidth = 2
	p.mark.Hide()
	p.ExtendBaseWidget(p)
	return p
}

func (p *pageWidget) CreateRenderer() fyne.WidgetRenderer { return &pageRenderer{p} }

func (p *pageWidget) currentLayout(size fyne.Size) pageLayout {
	pw, ph, _ := p.v.pageSize()
	return newPageLayout(pw, ph, p.v.scale, float64(size.Width), float64(size.Height))
}

// MouseDown remembers where a drag starts: the first drag event comes
// only once the pointer has moved a few units.
func (p *pageWidget) MouseDown(e *desktop.MouseEvent) {
	if e.Button == desktop.MouseButtonPrimary {
		p.pressed, p.start = true, e.Position
	}
}

func (p *pageWidget) MouseUp(*desktop.MouseEvent) { p.pressed = false }

// Dragged draws the rectangle being dragged, or, where dragging places
// nothing, moves the page like a hand.
func (p *pageWidget) Dragged(e *fyne.DragEvent) {
	if p.v.onPlace == nil {
		s := p.v.scroll
		s.ScrollToOffset(fyne.NewPos(s.Offset.X-e.Dragged.DX, s.Offset.Y-e.Dragged.DY))
		return
	}
	if !p.dragging {
		p.dragging = true
		if !p.pressed {
			// No MouseDown (another driver): the first event moved from the start.
			p.start = e.Position.Subtract(e.Dragged)
		}
	}
	p.end = e.Position
	r := p.layout.dragRect(float64(p.start.X), float64(p.start.Y), float64(p.end.X), float64(p.end.Y))
	p.v.stamp = &stampMark{page: p.v.cur, r: r}
	p.Refresh()
}

// DragEnd places the stamp where the rectangle was dragged.
func (p *pageWidget) DragEnd() {
	if !p.dragging {
		return
	}
	p.dragging, p.pressed = false, false
	r := p.layout.dragRect(float64(p.start.X), float64(p.start.Y), float64(p.end.X), float64(p.end.Y))
	p.v.setStamp(p.v.cur, r, true)
	p.v.onPlace(p.v.cur, r)
}

// Scrolled zooms with Ctrl (Cmd) held and scrolls otherwise: the scroll
// container does not see the wheel once the page takes it.
func (p *pageWidget) Scrolled(e *fyne.ScrollEvent) {
	if d, ok := fyne.CurrentApp().Driver().(desktop.Driver); ok &&
		d.CurrentKeyModifiers()&fyne.KeyModifierShortcutDefault != 0 && e.Scrolled.DY != 0 {
		if e.Scrolled.DY > 0 {
			p.v.zoomIn()
		} else {
			p.v.zoomOut()
		}
		return
	}
	p.v.scroll.Scrolled(e)
}

func (p *pageWidget) Cursor() desktop.Cursor {
	if p.v.onPlace != nil {
		return desktop.CrosshairCursor
	}
	return desktop.DefaultCursor
}

type pageRenderer struct{ p *pageWidget }

func (r *pageRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.p.paper, r.p.img, r.p.mark}
}

func (r *pageRenderer) MinSize() fyne.Size {
	w, h := r.p.currentLayout(fyne.Size{}).minSize()
	return fyne.NewSize(float32(w), float32(h))
}

func (r *pageRenderer) Layout(size fyne.Size) {
	p := r.p
	l := p.currentLayout(size)
	p.layout = l
	pos := fyne.NewPos(float32(l.ox), float32(l.oy))
	sz := fyne.NewSize(float32(l.pw*l.scale), float32(l.ph*l.scale))
	p.paper.Move(pos)
	p.paper.Resize(sz)
	p.img.Move(pos)
	p.img.Resize(sz)
	if m := p.v.stamp; m != nil && m.page == p.v.cur {
		x, y, w, h := l.toUnits(m.r)
		p.mark.Move(fyne.NewPos(float32(x), float32(y)))
		p.mark.Resize(fyne.NewSize(float32(w), float32(h)))
		p.mark.Show()
	} else {
		p.mark.Hide()
	}
}

func (r *pageRenderer) Refresh() {
	th := r.p.Theme()
	v := fyne.CurrentApp().Settings().ThemeVariant()
	c := th.Color(theme.ColorNamePrimary, v)
	r.p.mark.StrokeColor = c
	cr, cg, cb, _ := c.RGBA()
	r.p.mark.FillColor = color.NRGBA{R: uint8(cr >> 8), G: uint8(cg >> 8), B: uint8(cb >> 8), A: 0x30}
	r.Layout(r.p.Size())
	canvas.Refresh(r.p.paper)
	canvas.Refresh(r.p.mark)
}

func (r *pageRenderer) Destroy() {}
