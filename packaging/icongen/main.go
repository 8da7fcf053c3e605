// Icongen draws Siegel's application icon — a red rosette seal with a
// white tick — at every size a desktop asks for, anti-aliased by
// supersampling, with the standard library only.
//
//	go run ./packaging/icongen -out assets
//
// writes assets/icons/siegel-{16,24,32,48,64,128,256,512}.png and
// assets/icon.png (the 512 px one, which Fyne embeds). Below 32 px the
// motif is simplified (fewer, deeper scallops, no inner ring, a thicker
// tick) because the full drawing turns to mush at that size.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
)

// Sizes are the hicolor theme sizes Siegel ships.
var Sizes = []int{16, 24, 32, 48, 64, 128, 256, 512}

var (
	seal = color.NRGBA{0xb0, 0x1e, 0x2a, 0xff} // the seal's wax red
	ring = color.NRGBA{0xe0, 0x5a, 0x4f, 0xff}
	tick = color.NRGBA{0xff, 0xff, 0xff, 0xff}
)

// style is the drawing in units of the icon's edge (0..1, y down).
type style struct {
	lobes        int
	radius, amp  float64 // rosette radius and scallop depth
	ring         bool
	ringR, ringW float64
	tick         [3][2]float64 // polyline: start, bottom, end
	tickW        float64
}

// full is the drawing of the original 256 px icon, measured from it.
var full = style{
	lobes: 12, radius: 117.75 / 256, amp: 5.5 / 256,
	ring: true, ringR: 96.5 / 256, ringW: 8.0 / 256,
	tick:  [3][2]float64{{82 / 256., 135 / 256.}, {113 / 256., 164 / 256.}, {175 / 256., 97 / 256.}},
	tickW: 22 / 256.,
}

// small keeps a few scallops deep enough to show as bumps and a tick
// about two pixels wide at 16 px.
var small = style{
	lobes: 8, radius: 0.445, amp: 0.035,
	tick:  [3][2]float64{{0.27, 0.52}, {0.43, 0.68}, {0.73, 0.36}},
	tickW: 0.15,
}

func styleFor(size int) style {
	switch {
	case size < 32:
		return small
	case size < 64:
		st := full
		st.tickW = 0.11 // at least three pixels, or the tick looks faint
		return st
	}
	return full
}

// Draw returns the icon at size×size pixels.
func Draw(size int) *image.NRGBA {
	st := styleFor(size)
	ss := 8 // samples per pixel edge
	if size >= 128 {
		ss = 4 // 16 samples a pixel are plenty where edges span many pixels
	}
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	n := float64(ss)
	for py := 0; py < size; py++ {
		for px := 0; px < size; px++ {
			var r, g, b, a float64 // premultiplied sums
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					x := (float64(px) + (float64(sx)+0.5)/n) / float64(size)
					y := (float64(py) + (float64(sy)+0.5)/n) / float64(size)
					if c, ok := st.at(x, y); ok {
						r += float64(c.R)
						g += float64(c.G)
						b += float64(c.B)
						a += 255
					}
				}
			}
			if a == 0 {
				continue
			}
			// Un-premultiply: every covered sample is opaque.
			img.SetNRGBA(px, py, color.NRGBA{
				R: uint8(math.Round(r * 255 / a)),
				G: uint8(math.Round(g * 255 / a)),
				B: uint8(math.Round(b * 255 / a)),
				A: uint8(math.Round(a / (n * n))),
			})
		}
	}
	return img
}

// at is the colour of the point (x, y), and false outside the seal.
func (st style) at(x, y float64) (color.NRGBA, bool) {
	dx, dy := x-0.5, y-0.5
	d := math.Hypot(dx, dy)
	theta := math.Atan2(dy, dx)
	// A scallop crest points straight up (theta = -pi/2).
	edge := st.radius + st.amp*math.Cos(float64(st.lobes)*(theta+math.Pi/2))
	if d > edge {
		return color.NRGBA{}, false
	}
	if segDist(x, y, st.tick[0], st.tick[1]) <= st.tickW/2 || segDist(x, y, st.tick[1], st.tick[2]) <= st.tickW/2 {
		return tick, true
	}
	if st.ring && math.Abs(d-st.ringR) <= st.ringW/2 {
		return ring, true
	}
	return seal, true
}

// segDist is the distance from (x, y) to the segment a–b; a stroke of
// half-width w is every point within w of it, which gives round caps and
// joins.
func segDist(x, y float64, a, b [2]float64) float64 {
	vx, vy := b[0]-a[0], b[1]-a[1]
	t := ((x-a[0])*vx + (y-a[1])*vy) / (vx*vx + vy*vy)
	t = math.Max(0, math.Min(1, t))
	return math.Hypot(x-(a[0]+t*vx), y-(a[1]+t*vy))
}

// Encode returns the PNG of the icon at size, compressed the same way on
// every run so the committed files only change when the drawing does.
func Encode(size int) ([]byte, error) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, Draw(size)); err != nil {
		return nil, fmt.Errorf("encode %d px icon: %w", size, err)
	}
	return buf.Bytes(), nil
}

func main() {
	out := flag.String("out", "assets", "the assets folder to write icons/ and icon.png into")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "icongen:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	dir := filepath.Join(out, "icons")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	for _, size := range Sizes {
		data, err := Encode(size)
		if err != nil {
			return err
		}
		names := []string{filepath.Join(dir, fmt.Sprintf("siegel-%d.png", size))}
		if size == 512 {
			names = append(names, filepath.Join(out, "icon.png"))
		}
		for _, name := range names {
			if err := os.WriteFile(name, data, 0o644); err != nil {
				return fmt.Errorf("write %s: %w", name, err)
			}
		}
	}
	return nil
}
