package testpdf

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
)

// HalvesPNG returns an opaque w×h PNG whose upper half is top and lower
// half bottom: a stamp image whose orientation a rendering test can read.
func HalvesPNG(w, h int, top, bottom color.Color) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		c := top
		if y >= h/2 {
			c = bottom
		}
		for x := 0; x < w; x++ {
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}
