package pades

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"image"
	_ "image/jpeg" // stamp images may be JPEG
	_ "image/png"
	"strings"

	"golang.org/x/text/encoding/charmap"
)

// appearance writes the stamp's normal appearance: a form XObject
// (ISO 32000-1 §8.10) with a frame, the optional image on the left and the
// text lines in Helvetica on the right, drawn upright in v.W×v.H. matrix,
// when not nil, is the form matrix that keeps it upright on a rotated page;
// the viewer fits the turned bounding box to the widget's /Rect
// (ISO 32000-1 §12.5.5). Returns its reference.
func appearance(w *writer, v *Visible, matrix Array) (Ref, error) {
	res := Dict{"Font": Dict{"F1": Dict{
		"Type": Name("Font"), "Subtype": Name("Type1"),
		"BaseFont": Name("Helvetica"), "Encoding": Dict{"Type": Name("Encoding"),
			"BaseEncoding": Name("WinAnsiEncoding"), "Differences": centralEurope},
	}}}
	var img *imageXObject
	if len(v.Image) > 0 {
		var err error
		if img, err = decodeImage(v.Image); err != nil {
			return Ref{}, err
		}
	}
	apRef := w.alloc()
	var c bytes.Buffer
	// A mostly opaque light background keeps the text legible over the
	// page's own text (what it covers stays faintly visible), and a thin
	// frame makes the stamp read as one.
	res["ExtGState"] = Dict{"GS1": Dict{"Type": Name("ExtGState"), "ca": 0.85}}
	fmt.Fprintf(&c, "q /GS1 gs 0.97 0.98 1 rg 0 0 %s %s re f Q\n", formatReal(v.W), formatReal(v.H))
	fmt.Fprintf(&c, "q 0.2 0.3 0.6 RG 0.8 w 0.4 0.4 %s %s re S Q\n", formatReal(v.W-0.8), formatReal(v.H-0.8))
	textX := 4.0
	if img != nil {
		imRef := w.alloc()
		var smask *Ref
		if img.alpha != nil {
			r := w.alloc()
			smask = &r
		}
		d := Dict{"Type": Name("XObject"), "Subtype": Name("Image"), "Width": int64(img.w), "Height": int64(img.h),
			"ColorSpace": Name("DeviceRGB"), "BitsPerComponent": int64(8), "Filter": Name("FlateDecode")}
		if smask != nil {
			d["SMask"] = *smask
		}
		w.stream(imRef, d, img.rgb)
		if smask != nil {
			w.stream(*smask, Dict{"Type": Name("XObject"), "Subtype": Name("Image"), "Width": int64(img.w), "Height": int64(img.h),
				"ColorSpace": Name("DeviceGray"), "BitsPerComponent": int64(8), "Filter": Name("FlateDecode")}, img.alpha)
		}
		res["XObject"] = Dict{"Im1": imRef}
		// Fit the image into the left part, keeping its aspect ratio.
		boxW, boxH := v.W*0.4-4, v.H-4
		if len(v.Lines) == 0 {
			boxW = v.W - 4
		}
		s := min(boxW/float64(img.w), boxH/float64(img.h))
		iw, ih := float64(img.w)*s, float64(img.h)*s
		fmt.Fprintf(&c, "q %s 0 0 %s %s %s cm /Im1 Do Q\n", formatReal(iw), formatReal(ih),
			formatReal(2+(boxW-iw)/2), formatReal(2+(boxH-ih)/2))
		textX = boxW + 6
	}
	if len(v.Lines) > 0 {
		size, lines := fitText(v.Lines, v.W-textX-4, v.H-4)
		y := v.H - 2 - size
		c.WriteString("BT 0 g\n")
		fmt.Fprintf(&c, "/F1 %s Tf\n", formatReal(size))
		for _, l := range lines {
			fmt.Fprintf(&c, "1 0 0 1 %s %s Tm ", formatReal(textX), formatReal(y))
			writeValue(&c, String(winAnsi(l)))
			c.WriteString(" Tj\n")
			y -= size * 1.2
		}
		c.WriteString("ET\n")
	}
	form := Dict{"Type": Name("XObject"), "Subtype": Name("Form"),
		"BBox": Array{0, 0, v.W, v.H}, "Resources": res}
	if matrix != nil {
		form["Matrix"] = matrix
	}
	w.stream(apRef, form, c.Bytes())
	return apRef, nil
}

// fitText finds the largest font size (at most 12 pt) at which lines,
// wrapped at spaces, fit a w×h box, and returns the wrapped lines.
// Helvetica averages about 0.55 em per character.
func fitText(lines []string, w, h float64) (float64, []string) {
	var wrapped []string
	for size := 12.0; size > 4; size -= 0.5 {
		wrapped = wrap(lines, max(1, int(w/(size*0.55))))
		if float64(len(wrapped))*size*1.2 <= h {
			return size, wrapped
		}
	}
	// Too small a box: the smallest size, clipped by the bounding box.
	return 4, wrap(lines, max(1, int(w/(4*0.55))))
}

// wrap breaks each line at spaces into pieces of at most n characters; a
// word longer than n stays whole.
func wrap(lines []string, n int) []string {
	var out []string
	for _, l := range lines {
		cur := ""
		for _, word := range strings.Fields(l) {
			switch {
			case cur == "":
				cur = word
			case len([]rune(cur))+1+len([]rune(word)) <= n:
				cur += " " + word
			default:
				out = append(out, cur)
				cur = word
			}
		}
		out = append(out, cur)
	}
	return out
}

// centralEurope gives codes that WinAnsiEncoding leaves undefined the
// glyphs of č and its neighbours (Š, š, Ž, ž are WinAnsi's own), which
// the standard fonts have (Adobe's Core 14 AFMs): Slovenian, Croatian
// and Czech names need them on a stamp.
var (
	centralEurope = Array{int64(0x81), Name("Ccaron"), int64(0x8D), Name("ccaron"),
		int64(0x8F), Name("Cacute"), int64(0x90), Name("cacute"), int64(0x9D), Name("dcroat")}
	centralEuropeCodes = map[rune]byte{'Č': 0x81, 'č': 0x8D, 'Ć': 0x8F, 'ć': 0x90, 'đ': 0x9D}
)

// winAnsi encodes s for the stamp font: WinAnsiEncoding and centralEurope;
// other characters become '?'.
func winAnsi(s string) string {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		b, ok := charmap.Windows1252.EncodeRune(r)
		if !ok {
			b, ok = centralEuropeCodes[r]
		}
		if !ok {
			b = '?'
		}
		out = append(out, b)
	}
	return string(out)
}

type imageXObject struct {
	w, h       int
	rgb, alpha []byte // zlib-compressed samples
}

// decodeImage turns a PNG or JPEG into Flate-compressed RGB samples and,
// when the image has transparency, a soft mask.
func decodeImage(data []byte) (*imageXObject, error) {
	im, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("stamp image: %w", err)
	}
	b := im.Bounds()
	if b.Dx() <= 0 || b.Dy() <= 0 || b.Dx()*b.Dy() > 40_000_000 {
		return nil, fmt.Errorf("stamp image: unsupported size %dx%d", b.Dx(), b.Dy())
	}
	rgb := make([]byte, 0, b.Dx()*b.Dy()*3)
	alpha := make([]byte, 0, b.Dx()*b.Dy())
	opaque := true
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := im.At(x, y).RGBA()
			if a != 0xffff {
				opaque = false
			}
			// Un-premultiply: PDF image samples are straight colour.
			if a != 0 {
				r, g, bl = r*0xffff/a, g*0xffff/a, bl*0xffff/a
			}
			rgb = append(rgb, byte(r>>8), byte(g>>8), byte(bl>>8))
			alpha = append(alpha, byte(a>>8))
		}
	}
	out := &imageXObject{w: b.Dx(), h: b.Dy(), rgb: deflate(rgb)}
	if !opaque {
		out.alpha = deflate(alpha)
	}
	return out, nil
}

func deflate(b []byte) []byte {
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}
