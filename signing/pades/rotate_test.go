package pades_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siegel-app/siegel/internal/judge"
	"github.com/siegel-app/siegel/internal/testenv"
	"github.com/siegel-app/siegel/internal/testpdf"
	"github.com/siegel-app/siegel/internal/testpki"
	"github.com/siegel-app/siegel/signing/cms"
	"github.com/siegel-app/siegel/signing/pades"
)

var (
	stampTop    = color.NRGBA{R: 0xd0, G: 0x10, B: 0x10, A: 0xff} // red
	stampBottom = color.NRGBA{R: 0x10, G: 0xa0, B: 0x20, A: 0xff} // green
	pageColour  = color.NRGBA{R: 0xff, G: 0xff, B: 0x66, A: 0xff} // the page's own fill, yellow
)

// rotatedPDF is a one-page document whose page tree node carries
// pagesExtra and whose page carries pageExtra (boxes, /Rotate). The page
// paints everything yellow, so the stamp stands out where poppler draws it.
func rotatedPDF(pagesExtra, pageExtra string) []byte {
	content := "1 1 0.4 rg -2000 -2000 5000 5000 re f"
	return testpdf.Build([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 " + pagesExtra + " >>",
		"<< /Type /Page /Parent 2 0 R /Resources << >> /Contents 4 0 R " + pageExtra + " >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
	}, "")
}

// TestVisibleRotated: a stamp placed at a rectangle of the page as
// displayed (crop box, /Rotate applied, possibly inherited from the page
// tree) is drawn there by poppler, upright: the image on its left, its red
// upper half above its green lower half.
func TestVisibleRotated(t *testing.T) {
	tools := testenv.Need(t, "pdftoppm", "qpdf", "pdfsig")
	pki := testpki.MustShared(t)
	tests := []struct {
		name                 string
		pagesExtra, pageExtr string
		dispW, dispH         int // the page as displayed, in points
	}{
		{"rotate 0", "", "/MediaBox [0 0 400 300]", 400, 300},
		{"rotate 90", "", "/MediaBox [0 0 400 300] /Rotate 90", 300, 400},
		{"rotate 180", "", "/MediaBox [0 0 400 300] /Rotate 180", 400, 300},
		{"rotate 270", "", "/MediaBox [0 0 400 300] /Rotate 270", 300, 400},
		{"offset media box", "", "/MediaBox [100 50 500 350]", 400, 300},
		{"offset crop box", "", "/MediaBox [0 0 600 500] /CropBox [120 80 420 380]", 300, 300},
		{"crop box rotate 90", "", "/MediaBox [0 0 600 500] /CropBox [50 40 450 340] /Rotate 90", 300, 400},
		{"inherited rotate 180 and media box", "/MediaBox [-30 20 370 320] /Rotate 180", "", 400, 300},
		{"inherited rotate -90 and crop box", "/MediaBox [0 0 600 500] /CropBox [60 70 460 370] /Rotate -90", "", 300, 400},
		{"rotate 450 overrides inherited 0", "/Rotate 0 /MediaBox [0 0 400 300]", "/Rotate 450", 300, 400},
	}
	// The image fills the stamp's left part at scale 1: appearance.go
	// gives it W×0.4-4 by H-4 points at (2, 2).
	const x, y, w, h = 40.0, 70.0, 200.0, 60.0
	img := testpdf.HalvesPNG(76, 56, stampTop, stampBottom)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
			if err := os.WriteFile(in, rotatedPDF(tc.pagesExtra, tc.pageExtr), 0o644); err != nil {
				t.Fatal(err)
			}
			signVisible(t, pki, in, out, &pades.Visible{Page: 1, X: x, Y: y, W: w, H: h,
				Lines: []string{"Erika Mustermann", "2026-11-26"}, Image: img})
			judge.QPDFCheck(t, out)
			if sigs := judge.PDFSig(t, out); len(sigs) != 1 || !sigs[0].Valid {
				t.Fatalf("pdfsig: %+v", sigs)
			}

			page := render(t, tools["pdftoppm"], out)
			if b := page.Bounds(); b.Dx() != tc.dispW || b.Dy() != tc.dispH {
				t.Fatalf("poppler shows the page as %dx%d, want %dx%d", b.Dx(), b.Dy(), tc.dispW, tc.dispH)
			}
			// at returns the colour at a point given from the stamp's
			// lower-left corner as displayed, y up.
			at := func(dx, dy float64) color.NRGBA {
				px, py := int(x+dx), tc.dispH-1-int(y+dy)
				return color.NRGBAModel.Convert(page.At(px, py)).(color.NRGBA)
			}
			checks := []struct {
				what   string
				dx, dy float64
				want   color.NRGBA
				is     bool // false: the colour must not be want
			}{
				{"image top half, upper left of the stamp", 20, 45, stampTop, true},
				{"image bottom half, lower left of the stamp", 20, 15, stampBottom, true},
				{"image top half, nearer the centre", 60, 50, stampTop, true},
				{"image bottom half, nearer the centre", 60, 8, stampBottom, true},
				{"right quarter (text side) is no image", w - 30, 15, stampBottom, false},
				{"right quarter (text side) is no image", w - 30, 45, stampTop, false},
				{"stamp background just inside the right edge", w - 3, h / 2, pageColour, false},
				{"page left of the stamp", -4, h / 2, pageColour, true},
				{"page right of the stamp", w + 4, h / 2, pageColour, true},
				{"page below the stamp", w / 2, -4, pageColour, true},
				{"page above the stamp", w / 2, h + 4, pageColour, true},
			}
			for _, c := range checks {
				got := at(c.dx, c.dy)
				if near(got, c.want) != c.is {
					verb := "want"
					if !c.is {
						verb = "want anything but"
					}
					t.Errorf("%s (%g,%g from the stamp's corner): colour %v, %s %v", c.what, c.dx, c.dy, got, verb, c.want)
				}
			}
			if t.Failed() {
				keep := filepath.Join(os.TempDir(), "siegel-"+strings.ReplaceAll(tc.name, " ", "-")+".pdf")
				if data, err := os.ReadFile(out); err == nil && os.WriteFile(keep, data, 0o644) == nil {
					t.Logf("signed file kept as %s", keep)
				}
			}
		})
	}
}

// TestVisibleOutsideRotatedPage: the stamp must lie on the page as
// displayed; a rectangle that would fit the unrotated page does not fit
// the turned one, and the error names the displayed size.
func TestVisibleOutsideRotatedPage(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.pdf")
	os.WriteFile(in, rotatedPDF("", "/MediaBox [0 0 400 300] /Rotate 90"), 0o644)
	tests := []struct {
		name    string
		v       pades.Visible
		wantErr string
	}{
		{"wider than the turned page", pades.Visible{Page: 1, X: 250, Y: 10, W: 100, H: 40}, "300 x 400 points as displayed"},
		{"below the page", pades.Visible{Page: 1, X: 10, Y: -5, W: 100, H: 40}, "lies outside page 1"},
		{"fits exactly", pades.Visible{Page: 1, X: 0, Y: 0, W: 300, H: 400}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := pades.Prepare(in, filepath.Join(dir, "out.pdf"), pades.Options{ContentsSize: 64, Visible: &tc.v})
			if p != nil {
				p.Discard()
			}
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func signVisible(t *testing.T, pki *testpki.PKI, in, out string, v *pades.Visible) {
	t.Helper()
	p, err := pades.Prepare(in, out, pades.Options{ContentsSize: 8192, Visible: v})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Discard()
	sig, err := cms.SignDetached(context.Background(), pki.SignerEC.Key, pki.Chain(pki.SignerEC), p.Digest, cms.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Embed(sig); err != nil {
		t.Fatal(err)
	}
	if err := p.Commit(out, false); err != nil {
		t.Fatal(err)
	}
}

// render draws page 1 with poppler at 72 dpi, one pixel a point, showing
// the crop box as viewers do.
func render(t *testing.T, pdftoppm, path string) image.Image {
	t.Helper()
	prefix := filepath.Join(t.TempDir(), "page")
	if msg, err := exec.Command(pdftoppm, "-r", "72", "-png", "-cropbox", "-singlefile", "-f", "1", "-l", "1", path, prefix).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, msg)
	}
	data, err := os.ReadFile(prefix + ".png")
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("pdftoppm output: %v", err)
	}
	return img
}

// near reports whether two colours differ by little in every channel, as
// rendering and colour conversion allow.
func near(a, b color.NRGBA) bool {
	d := func(x, y uint8) int {
		if x > y {
			return int(x - y)
		}
		return int(y - x)
	}
	return d(a.R, b.R) <= 24 && d(a.G, b.G) <= 24 && d(a.B, b.B) <= 24
}
