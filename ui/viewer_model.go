package ui

import (
	"math"
	"strconv"
)

// The page viewer's arithmetic, free of Fyne: zoom, where the page sits in
// the widget, and the conversion between widget units (origin top-left, y
// down) and PDF points (origin at the page's lower-left corner, y up, as
// pades.Visible takes them).

// zoomMode says how the viewer chooses its scale.
type zoomMode int

const (
	zoomFitPage  zoomMode = iota // the whole page in the viewport
	zoomFitWidth                 // the page's width in the viewport, scrolling down
	zoomFixed                    // zoomState.zoom
)

const (
	// unitsPerPoint100 is the scale at 100 %: 96 units per inch, the
	// actual size most PDF viewers show at 100 % on a standard screen.
	unitsPerPoint100 = 96.0 / 72
	minZoom, maxZoom = 0.5, 4.0
	// minFitZoom lets "fit page" shrink below minZoom in a small window.
	minFitZoom = 0.1
	// pageMargin (units) keeps the page's edge visible around it.
	pageMargin = 8.0
	// minStampPt is the smallest side of a dragged stamp, in points: a
	// click or a slip of the mouse still gives a rectangle one can see.
	minStampPt = 12.0
	// maxRenderPixels caps one rendered page (4 bytes a pixel): beyond it
	// the page is drawn at a lower resolution and scaled up.
	maxRenderPixels = 24e6
	// dpiStep: render resolutions are rounded up to a multiple of it, so
	// resizing the window by a few units renders nothing again.
	dpiStep = 12.0
)

// zoomSteps are the zoom levels zoom in and out go through.
var zoomSteps = []float64{0.5, 0.67, 0.75, 0.9, 1, 1.1, 1.25, 1.5, 1.75, 2, 2.5, 3, 4}

// PageRect is a rectangle on a PDF page in points, from the page's
// lower-left corner, y up.
type PageRect struct{ X, Y, W, H float64 }

// zoomState is the viewer's zoom: a mode, and the zoom of zoomFixed
// (1 is 100 %).
type zoomState struct {
	mode zoomMode
	zoom float64
}

// scale is units per point for a page of pw×ph points shown in a viewport
// of vw×vh units.
func (z zoomState) scale(pw, ph, vw, vh float64) float64 {
	if z.mode == zoomFixed {
		return clamp(z.zoom, minZoom, maxZoom) * unitsPerPoint100
	}
	if pw <= 0 || ph <= 0 {
		return unitsPerPoint100
	}
	s := (vw - 2*pageMargin) / pw
	if z.mode == zoomFitPage {
		s = min(s, (vh-2*pageMargin)/ph)
	}
	return clamp(s, minFitZoom*unitsPerPoint100, maxZoom*unitsPerPoint100)
}

// zoomIn is the next zoom step above current (a zoom, 1 is 100 %).
func zoomIn(current float64) float64 {
	for _, z := range zoomSteps {
		if z > current*1.001 {
			return z
		}
	}
	return maxZoom
}

// zoomOut is the next zoom step below current.
func zoomOut(current float64) float64 {
	for i := len(zoomSteps) - 1; i >= 0; i-- {
		if zoomSteps[i] < current*0.999 {
			return zoomSteps[i]
		}
	}
	return minZoom
}

// zoomPercent is the zoom at scale, as shown next to the zoom buttons.
func zoomPercent(scale float64) int {
	return int(math.Round(scale / unitsPerPoint100 * 100))
}

// renderDPI is the resolution to render a page of pw×ph points at, so
// that it is sharp at scale (units per point) on a screen of
// pixelsPerUnit: rounded up to dpiStep, capped at maxRenderPixels.
func renderDPI(scale, pixelsPerUnit, pw, ph float64) float64 {
	if pixelsPerUnit <= 0 {
		pixelsPerUnit = 1
	}
	// The epsilon keeps 96.00000000000001 at 96.
	dpi := math.Ceil(scale*72*pixelsPerUnit/dpiStep-1e-9) * dpiStep
	dpi = max(dpi, dpiStep)
	if pw > 0 && ph > 0 {
		if limit := 72 * math.Sqrt(maxRenderPixels/(pw*ph)); dpi > limit {
			dpi = max(math.Floor(limit), 1)
		}
	}
	return dpi
}

// pageLayout is a page of pw×ph points drawn at scale units per point with
// its top-left corner at (ox, oy) in a widget: centred when the widget is
// larger than the page (letterboxed), pageMargin from the edge otherwise.
type pageLayout struct {
	pw, ph, scale, ox, oy float64
}

// newPageLayout places the page in a widget of bw×bh units.
func newPageLayout(pw, ph, scale, bw, bh float64) pageLayout {
	return pageLayout{pw: pw, ph: ph, scale: scale,
		ox: max(pageMargin, (bw-pw*scale)/2),
		oy: max(pageMargin, (bh-ph*scale)/2)}
}

// minSize is the size the page with its margin needs, in units.
func (l pageLayout) minSize() (w, h float64) {
	return l.pw*l.scale + 2*pageMargin, l.ph*l.scale + 2*pageMargin
}

// toPoints converts a widget position to page points (not clamped).
func (l pageLayout) toPoints(x, y float64) (px, py float64) {
	return (x - l.ox) / l.scale, l.ph - (y-l.oy)/l.scale
}

// toUnits converts a page rectangle to the widget's units: its top-left
// corner and size.
func (l pageLayout) toUnits(r PageRect) (x, y, w, h float64) {
	return l.ox + r.X*l.scale, l.oy + (l.ph-r.Y-r.H)*l.scale, r.W * l.scale, r.H * l.scale
}

// dragRect is the stamp rectangle dragged from widget position (x0, y0)
// to (x1, y1): on the page, at least minStampPt on each side (grown away
// from the start corner), in whole points.
func (l pageLayout) dragRect(x0, y0, x1, y1 float64) PageRect {
	ax, ay := l.toPoints(x0, y0)
	bx, by := l.toPoints(x1, y1)
	x, w := span(ax, bx, l.pw, 1)
	y, h := span(ay, by, l.ph, -1) // down on the screen is down the page
	return PageRect{X: x, Y: y, W: w, H: h}
}

// span is one side of a dragged rectangle from a to b on a page of length
// points: both ends clamped to the page, at least minStampPt long (grown
// from a towards b, or in direction dir for a click), rounded to whole
// points and still on the page.
func span(a, b, length, dir float64) (start, size float64) {
	a, b = clamp(a, 0, length), clamp(b, 0, length)
	limit := math.Floor(length)
	size = min(max(math.Abs(b-a), minStampPt), limit)
	start = a
	if b < a || (b == a && dir < 0) {
		start = a - size
	}
	start, size = math.Round(start), math.Round(size)
	return clamp(start, 0, limit-size), size
}

func clamp(v, lo, hi float64) float64 { return max(lo, min(v, hi)) }

// stampRect is the visible stamp of the form as a 0-based page and a
// rectangle; ok is false when the numbers do not make one.
func (o *Options) stampRect() (page int, r PageRect, ok bool) {
	v, err := o.visible()
	if err != nil {
		return 0, PageRect{}, false
	}
	return v.Page - 1, PageRect{X: v.X, Y: v.Y, W: v.W, H: v.H}, true
}

// setStamp puts a placed stamp (0-based page) into the form's fields.
func (o *Options) setStamp(page int, r PageRect) {
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	o.Visible = true
	o.Page, o.X, o.Y, o.W, o.H = strconv.Itoa(page+1), f(r.X), f(r.Y), f(r.W), f(r.H)
}
