package main

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// TestCommittedIcons fails when assets/icons or assets/icon.png were not
// regenerated after the drawing changed (go run ./packaging/icongen).
func TestCommittedIcons(t *testing.T) {
	for _, size := range Sizes {
		name := filepath.Join("..", "..", "assets", "icons", fmt.Sprintf("siegel-%d.png", size))
		t.Run(filepath.Base(name), func(t *testing.T) {
			got := decode(t, name)
			if b := got.Bounds(); b.Dx() != size || b.Dy() != size {
				t.Fatalf("%s is %dx%d, want %dx%d", name, b.Dx(), b.Dy(), size, size)
			}
			samePixels(t, name, got, Draw(size))
		})
	}
	samePixels(t, "assets/icon.png", decode(t, filepath.Join("..", "..", "assets", "icon.png")), Draw(512))
}

// TestMotif checks what makes the icon read at every size: a transparent
// corner, the red seal and a white tick.
func TestMotif(t *testing.T) {
	for _, size := range Sizes {
		img := Draw(size)
		if a := img.NRGBAAt(0, 0).A; a != 0 {
			t.Errorf("%d px: corner alpha %d, want transparent", size, a)
		}
		// Half-way between the centre and the top edge is seal, whatever
		// the style (it lies inside the inner ring of the full drawing).
		if c := img.NRGBAAt(size/2, size/4); !near(c, seal) {
			t.Errorf("%d px: seal at (%d,%d) is %v, want %v", size, size/2, size/4, c, seal)
		}
		st := styleFor(size)
		bx, by := int(st.tick[1][0]*float64(size)), int(st.tick[1][1]*float64(size)-st.tickW*float64(size)/4)
		if c := img.NRGBAAt(bx, by); !near(c, tick) {
			t.Errorf("%d px: tick at (%d,%d) is %v, want %v", size, bx, by, c, tick)
		}
	}
}

func decode(t *testing.T, name string) image.Image {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
	return img
}

func samePixels(t *testing.T, name string, got image.Image, want *image.NRGBA) {
	t.Helper()
	if got.Bounds() != want.Bounds() {
		t.Fatalf("%s: bounds %v, want %v; run go run ./packaging/icongen", name, got.Bounds(), want.Bounds())
	}
	b := want.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			// A little tolerance: where the compiler fuses multiply-adds
			// (arm64), a sample on an edge may fall the other way.
			if g := color.NRGBAModel.Convert(got.At(x, y)).(color.NRGBA); !within(g, want.NRGBAAt(x, y), 16) {
				t.Fatalf("%s: pixel (%d,%d) is %v, the drawing gives %v; run go run ./packaging/icongen", name, x, y, g, want.NRGBAAt(x, y))
			}
		}
	}
}

func near(a, b color.NRGBA) bool { return within(a, b, 8) }

// within says whether every channel of a and b differs by at most max.
func within(a, b color.NRGBA, max int) bool {
	d := func(x, y uint8) int {
		if x > y {
			return int(x - y)
		}
		return int(y - x)
	}
	return d(a.R, b.R) <= max && d(a.G, b.G) <= max && d(a.B, b.B) <= max && d(a.A, b.A) <= max
}
