// Package testpdf writes small, valid PDF documents for tests and
// benchmarks, so that no sample documents need to be committed.
package testpdf

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
)

// Pages returns a PDF with n pages of text and a classic cross-reference
// table.
func Pages(n int) []byte {
	var b bytes.Buffer
	if err := Write(&b, n, 0); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// WriteFile writes a PDF with n pages to path. When padding > 0 the first
// page also carries an image XObject of that many bytes, to make large
// files the way scanned documents are large.
func WriteFile(path string, n int, padding int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := Write(bw, n, padding); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// Write writes the PDF to w. Objects: 1 catalog, 2 pages, 3 font,
// 4 image (when padding > 0), then a page and its content per page.
func Write(w io.Writer, n int, padding int64) error {
	cw := &countingWriter{w: w}
	var offsets []int64
	obj := func(id int, body string) {
		for len(offsets) < id {
			offsets = append(offsets, 0)
		}
		offsets[id-1] = cw.n
		fmt.Fprintf(cw, "%d 0 obj\n%s\nendobj\n", id, body)
	}
	fmt.Fprint(cw, "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	first := 5
	kids := ""
	for i := 0; i < n; i++ {
		kids += fmt.Sprintf("%d 0 R ", first+2*i)
	}
	obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	obj(2, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", kids, n))
	obj(3, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
	if padding > 0 {
		// A grey image of padding bytes, 1000 samples wide.
		width := int64(1000)
		height := (padding + width - 1) / width
		offsets = append(offsets[:3], cw.n)
		fmt.Fprintf(cw, "4 0 obj\n<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Length %d >>\nstream\n", width, height, width*height)
		chunk := bytes.Repeat([]byte{0x80, 0x90, 0xa0, 0xb0}, 1<<16)
		for left := width * height; left > 0; {
			m := min(left, int64(len(chunk)))
			if _, err := cw.Write(chunk[:m]); err != nil {
				return err
			}
			left -= m
		}
		fmt.Fprint(cw, "\nendstream\nendobj\n")
	} else {
		obj(4, "null")
	}
	for i := 0; i < n; i++ {
		res := "/Font << /F1 3 0 R >>"
		content := fmt.Sprintf("BT /F1 24 Tf 72 720 Td (Siegel test page %d of %d) Tj ET\nBT /F1 11 Tf 72 690 Td (What you see is what you sign.) Tj ET", i+1, n)
		if padding > 0 && i == 0 {
			res += " /XObject << /Im1 4 0 R >>"
			content += "\nq 200 0 0 200 72 400 cm /Im1 Do Q"
		}
		obj(first+2*i, fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << %s >> /Contents %d 0 R >>", res, first+2*i+1))
		obj(first+2*i+1, fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
	}
	xref := cw.n
	fmt.Fprintf(cw, "xref\n0 %d\n0000000000 65535 f\r\n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(cw, "%010d 00000 n\r\n", o)
	}
	_, err := fmt.Fprintf(cw, "trailer\n<< /Size %d /Root 1 0 R /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>] >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return err
}

// StampPNG returns a small PNG with a transparent background, for visible
// signature tests.
func StampPNG() []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 64, 40))
	for y := 0; y < 40; y++ {
		for x := 0; x < 64; x++ {
			if (x-32)*(x-32)+(y-20)*(y-20) < 18*18 {
				img.Set(x, y, color.NRGBA{R: 0x20, G: 0x40, B: 0xa0, A: 0xff})
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}
