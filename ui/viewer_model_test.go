package ui

import (
	"math"
	"testing"
)

const a4W, a4H = 595.0, 842.0

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// TestZoomScale: fixed zooms are units per point times the zoom; the
// fits fill the viewport less the margin, on the limiting side.
func TestZoomScale(t *testing.T) {
	for _, tc := range []struct {
		name   string
		z      zoomState
		vw, vh float64
		want   float64
	}{
		{"100 %", zoomState{zoomFixed, 1}, 300, 300, unitsPerPoint100},
		{"250 %", zoomState{zoomFixed, 2.5}, 300, 300, 2.5 * unitsPerPoint100},
		{"above 400 % clamps", zoomState{zoomFixed, 9}, 300, 300, 4 * unitsPerPoint100},
		{"fit page, height limits", zoomState{zoomFitPage, 1}, 1000, 858, 1},
		{"fit page, width limits", zoomState{zoomFitPage, 1}, 313.5, 2000, 0.5},
		{"fit width ignores height", zoomState{zoomFitWidth, 1}, 611, 100, 1},
		{"fit in a tiny box stops at 10 %", zoomState{zoomFitPage, 1}, 20, 20, 0.1 * unitsPerPoint100},
		{"fit in a huge box stops at 400 %", zoomState{zoomFitWidth, 1}, 1e5, 100, 4 * unitsPerPoint100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.z.scale(a4W, a4H, tc.vw, tc.vh); !near(got, tc.want) {
				t.Errorf("scale = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestZoomSteps(t *testing.T) {
	for _, tc := range []struct {
		from, in, out float64
	}{
		{1, 1.1, 0.9},
		{0.8, 0.9, 0.75},   // between steps: the neighbours
		{0.3, 0.5, 0.5},    // below the range (a fit): in to the first step
		{4, 4, 3},          // at the top: stays
		{0.5, 0.67, 0.5},   // at the bottom: stays
		{1.0001, 1.1, 0.9}, // rounding of a fit does not skip a step
	} {
		if got := zoomIn(tc.from); got != tc.in {
			t.Errorf("zoomIn(%v) = %v, want %v", tc.from, got, tc.in)
		}
		if got := zoomOut(tc.from); got != tc.out {
			t.Errorf("zoomOut(%v) = %v, want %v", tc.from, got, tc.out)
		}
	}
	if got := zoomPercent(1.5 * unitsPerPoint100); got != 150 {
		t.Errorf("zoomPercent = %d", got)
	}
}

// TestRenderDPI: sharp on the screen, in steps, capped for huge pages.
func TestRenderDPI(t *testing.T) {
	for _, tc := range []struct {
		name         string
		scale, ppu   float64
		pw, ph, want float64
	}{
		{"100 % on a plain screen", unitsPerPoint100, 1, a4W, a4H, 96},
		{"100 % on a 2× screen", unitsPerPoint100, 2, a4W, a4H, 192},
		{"rounded up to a step", 1, 1, a4W, a4H, 72},
		{"50 %", 0.5 * unitsPerPoint100, 1, a4W, a4H, 48},
		{"odd scale", 1.01, 1, a4W, a4H, 84},
		{"never below one step", 0.01, 1, a4W, a4H, 12},
		{"no screen scale known", unitsPerPoint100, 0, a4W, a4H, 96},
		// 400 % on a 2× screen: 768 dpi would be 71 Mpixels for A4.
		{"capped", 4 * unitsPerPoint100, 2, a4W, a4H, math.Floor(72 * math.Sqrt(maxRenderPixels/(a4W*a4H)))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := renderDPI(tc.scale, tc.ppu, tc.pw, tc.ph)
			if got != tc.want {
				t.Fatalf("dpi = %v, want %v", got, tc.want)
			}
			if px := tc.pw * tc.ph * (got / 72) * (got / 72); px > maxRenderPixels {
				t.Errorf("%v pixels", px)
			}
		})
	}
}

// TestPageLayout: a page smaller than its widget is centred; larger, it
// starts at the margin; points and units convert both ways.
func TestPageLayout(t *testing.T) {
	for _, tc := range []struct {
		name           string
		scale, bw, bh  float64
		wantOX, wantOY float64
	}{
		{"100 % in its min size", unitsPerPoint100, a4W*unitsPerPoint100 + 16, a4H*unitsPerPoint100 + 16, 8, 8},
		{"letterboxed left and right", 0.5, 700, 437, (700 - 297.5) / 2, 8},
		{"letterboxed top and bottom", 0.5, 313.5, 1000, 8, (1000 - 421) / 2.0},
		{"zoomed in, scrolled", 3, 500, 500, 8, 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newPageLayout(a4W, a4H, tc.scale, tc.bw, tc.bh)
			if !near(l.ox, tc.wantOX) || !near(l.oy, tc.wantOY) {
				t.Fatalf("offset (%v, %v), want (%v, %v)", l.ox, l.oy, tc.wantOX, tc.wantOY)
			}
			// The page's corners.
			if x, y := l.toPoints(l.ox, l.oy); !near(x, 0) || !near(y, a4H) {
				t.Errorf("top-left is (%v, %v) pt", x, y)
			}
			if x, y := l.toPoints(l.ox+a4W*tc.scale, l.oy+a4H*tc.scale); !near(x, a4W) || !near(y, 0) {
				t.Errorf("bottom-right is (%v, %v) pt", x, y)
			}
			r := PageRect{X: 50, Y: 60, W: 200, H: 70}
			x, y, w, h := l.toUnits(r)
			if !near(w, 200*tc.scale) || !near(h, 70*tc.scale) {
				t.Errorf("size %v×%v units", w, h)
			}
			// The rectangle's top-left corner in units is (X, Y+H) in points.
			if px, py := l.toPoints(x, y); !near(px, 50) || !near(py, 130) {
				t.Errorf("round trip gives (%v, %v)", px, py)
			}
		})
	}
	w, h := newPageLayout(a4W, a4H, 2, 0, 0).minSize()
	if w != a4W*2+16 || h != a4H*2+16 {
		t.Errorf("min size %v×%v", w, h)
	}
}

// TestDragRect: any drag direction, clamped to the page, at least
// minStampPt, whole points.
func TestDragRect(t *testing.T) {
	// 50 %: 0.5 units a point; the page at (8, 8) in a 313.5×437 widget.
	l := newPageLayout(a4W, a4H, 0.5, 313.5, 437)
	at := func(xPt, yPt float64) (float64, float64) { return 8 + xPt*0.5, 8 + (a4H-yPt)*0.5 }
	for _, tc := range []struct {
		name           string
		x0, y0, x1, y1 float64 // points, turned into units
		want           PageRect
	}{
		{"down and right", 100, 700, 300, 640, PageRect{100, 640, 200, 60}},
		{"up and left", 300, 640, 100, 700, PageRect{100, 640, 200, 60}},
		{"fractions round", 100.4, 700.2, 300.2, 640.3, PageRect{100, 640, 200, 60}},
		{"beyond the right and bottom edges", 500, 100, 800, -50, PageRect{500, 0, 95, 100}},
		{"beyond the left and top edges", 50, 800, -40, 900, PageRect{0, 800, 50, 42}},
		{"a click gives the minimum", 200, 400, 200, 400, PageRect{200, 388, 12, 12}},
		{"minimum grown leftwards when dragged left", 200, 400, 195, 398, PageRect{188, 388, 12, 12}},
		{"minimum kept on the page at a corner", 594, 2, 595, 1, PageRect{583, 0, 12, 12}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x0, y0 := at(tc.x0, tc.y0)
			x1, y1 := at(tc.x1, tc.y1)
			got := l.dragRect(x0, y0, x1, y1)
			if got != tc.want {
				t.Errorf("rect %+v, want %+v", got, tc.want)
			}
			if got.X < 0 || got.Y < 0 || got.X+got.W > a4W || got.Y+got.H > a4H || got.W < minStampPt || got.H < minStampPt {
				t.Errorf("%+v not a stamp on the page", got)
			}
		})
	}
	// At 200 % the same points give the same rectangle.
	l2 := newPageLayout(a4W, a4H, 2, 100, 100)
	if got := l2.dragRect(8+100*2, 8+(a4H-700)*2, 8+300*2, 8+(a4H-640)*2); got != (PageRect{100, 640, 200, 60}) {
		t.Errorf("at 200 %%: %+v", got)
	}
}

// TestOptionsStamp: a placed stamp goes into the form as the numbers
// Request reads, and back.
func TestOptionsStamp(t *testing.T) {
	o := &Options{}
	o.setStamp(2, PageRect{X: 100, Y: 640.5, W: 200, H: 60})
	if !o.Visible || o.Page != "3" || o.X != "100" || o.Y != "640.5" || o.W != "200" || o.H != "60" {
		t.Fatalf("options %+v", o)
	}
	page, r, ok := o.stampRect()
	if !ok || page != 2 || r != (PageRect{100, 640.5, 200, 60}) {
		t.Errorf("stampRect = %d, %+v, %v", page, r, ok)
	}
	o.W = "wide"
	if _, _, ok := o.stampRect(); ok {
		t.Error("a word as width made a rectangle")
	}
}
