package render_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/siegel-app/siegel/app/render"
	"github.com/siegel-app/siegel/internal/testpdf"
)

// One Renderer for the package's tests: loading PDFium costs seconds.
var renderer *render.Renderer

// testCache is kept between runs (outside the user's cache directory) so
// that repeated test runs load PDFium quickly.
var testCache = filepath.Join(os.TempDir(), "siegel-render-test-wazero")

func TestMain(m *testing.M) {
	r, err := render.New(context.Background(), render.Options{CacheDir: testCache})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	renderer = r
	code := m.Run()
	if err := r.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}

func open(t testing.TB, pdf []byte) *render.Document {
	t.Helper()
	d, err := renderer.Open(context.Background(), pdf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// inks counts dark pixels (text, lines) and non-white pixels in r.
func inks(img *image.RGBA, r image.Rectangle) (dark, nonWhite int) {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			p := img.Pix[img.PixOffset(x, y):]
			if p[3] != 255 {
				// Every pixel must be opaque: the page is shown on white.
				return -1, -1
			}
			sum := int(p[0]) + int(p[1]) + int(p[2])
			if sum < 3*100 {
				dark++
			}
			if sum < 3*250 {
				nonWhite++
			}
		}
	}
	return dark, nonWhite
}

func TestTextPages(t *testing.T) {
	d := open(t, testpdf.Pages(3))
	if got := d.Pages(); got != 3 {
		t.Fatalf("Pages() = %d, want 3", got)
	}
	for i := range 3 {
		w, h, err := d.PageSize(i)
		if err != nil {
			t.Fatal(err)
		}
		if w != 595 || h != 842 {
			t.Errorf("PageSize(%d) = %gx%g, want 595x842", i, w, h)
		}
	}
	for _, tc := range []struct {
		dpi  float64
		w, h int
	}{
		{72, 595, 842},
		{144, 1190, 1684},
		{100, 826, 1169},
		{96 * 1.25, 992, 1403}, // a fractional HiDPI scale
	} {
		t.Run(fmt.Sprint(tc.dpi), func(t *testing.T) {
			img, err := d.Render(context.Background(), 1, tc.dpi)
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); b.Dx() != tc.w || b.Dy() != tc.h {
				t.Fatalf("image is %dx%d, want %dx%d", b.Dx(), b.Dy(), tc.w, tc.h)
			}
			s := tc.dpi / 72
			// The title is drawn at (72, 720) pt from the bottom left, 24 pt.
			title := image.Rect(int(72*s), int((842-722)*s-24*s), int(400*s), int((842-715)*s))
			dark, _ := inks(img, title)
			if dark < 50 {
				t.Errorf("title area has %d dark pixels, want text", dark)
			}
			// Below the two lines of text the page is blank.
			_, nonWhite := inks(img, image.Rect(0, int(200*s), tc.w, tc.h))
			if nonWhite != 0 {
				t.Errorf("blank area has %d non-white pixels", nonWhite)
			}
		})
	}
}

func TestImagePage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "image.pdf")
	if err := testpdf.WriteFile(path, 1, 64<<10); err != nil {
		t.Fatal(err)
	}
	pdf, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d := open(t, pdf)
	img, err := d.Render(context.Background(), 0, 72)
	if err != nil {
		t.Fatal(err)
	}
	// The grey image fills 200x200 pt at (72, 400) from the bottom left.
	_, nonWhite := inks(img, image.Rect(80, 842-590, 260, 842-410))
	if want := 180 * 180; nonWhite != want {
		t.Errorf("image area has %d non-white pixels, want %d", nonWhite, want)
	}
}

func TestErrors(t *testing.T) {
	pdf := testpdf.Pages(1)
	for _, tc := range []struct {
		name string
		pdf  []byte
		want error
	}{
		{"garbage", []byte("this is not a PDF at all"), render.ErrUnreadable},
		{"empty", nil, render.ErrUnreadable},
		{"truncated header", pdf[:20], render.ErrUnreadable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := renderer.Open(context.Background(), tc.pdf)
			if err == nil {
				d.Close()
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("Open: %v, want %v", err, tc.want)
			}
		})
	}

	d := open(t, pdf)
	for _, i := range []int{-1, 1} {
		if _, err := d.Render(context.Background(), i, 72); !errors.Is(err, render.ErrPageRange) {
			t.Errorf("Render(%d): %v, want ErrPageRange", i, err)
		}
		if _, _, err := d.PageSize(i); !errors.Is(err, render.ErrPageRange) {
			t.Errorf("PageSize(%d): %v, want ErrPageRange", i, err)
		}
	}
	for _, dpi := range []float64{0, -72, 1e6} {
		if _, err := d.Render(context.Background(), 0, dpi); err == nil {
			t.Errorf("Render at %g dpi succeeded", dpi)
		}
	}
	d.Close()
	if _, err := d.Render(context.Background(), 0, 72); !errors.Is(err, render.ErrClosed) {
		t.Errorf("Render after Close: %v, want ErrClosed", err)
	}
	if err := d.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// slowPDF returns a page that takes PDFium a long time to draw: many
// filled Bézier shapes.
func slowPDF(shapes int) []byte {
	var content bytes.Buffer
	for i := range shapes {
		x := 10 + i%500
		fmt.Fprintf(&content, "0.%d g %d 10 m %d 900 %d -50 580 832 c 5 800 l f\n", i%10, x, x+40, 600-x)
	}
	return onePage("", "", content.Bytes())
}

// onePage returns a one-page A4 PDF with extra entries in the page
// dictionary, the given resources and content.
func onePage(extra, resources string, content []byte) []byte {
	var b bytes.Buffer
	var offs []int
	obj := func(s string) {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offs), s)
	}
	b.WriteString("%PDF-1.7\n")
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] %s /Resources << %s >> /Contents 4 0 R >>", extra, resources))
	obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f\r\n", len(offs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n\r\n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, xref)
	return b.Bytes()
}

func TestCancel(t *testing.T) {
	t.Run("before", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := renderer.Open(ctx, testpdf.Pages(1)); !errors.Is(err, context.Canceled) {
			t.Errorf("Open: %v, want context.Canceled", err)
		}
		d := open(t, testpdf.Pages(1))
		if _, err := d.Render(ctx, 0, 72); !errors.Is(err, context.Canceled) {
			t.Errorf("Render: %v, want context.Canceled", err)
		}
		// A render that did not start leaves the document usable.
		if _, err := d.Render(context.Background(), 0, 72); err != nil {
			t.Errorf("Render after a cancelled one: %v", err)
		}
		if _, err := render.New(ctx, render.Options{CacheDir: testCache}); !errors.Is(err, context.Canceled) {
			t.Errorf("New: %v, want context.Canceled", err)
		}
	})
	t.Run("during", func(t *testing.T) {
		d := open(t, slowPDF(50000))
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := d.Render(ctx, 0, 300)
		took := time.Since(start)
		if err == nil {
			t.Skipf("the slow page rendered in %v, before the deadline", took)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Render: %v, want context.DeadlineExceeded", err)
		}
		if took > 3*time.Second {
			t.Errorf("Render returned %v after its deadline", took)
		}
		if _, err := d.Render(context.Background(), 0, 72); !errors.Is(err, render.ErrClosed) {
			t.Errorf("Render after an interrupted one: %v, want ErrClosed", err)
		}
		// The renderer goes on working.
		if _, err := open(t, testpdf.Pages(1)).Render(context.Background(), 0, 72); err != nil {
			t.Errorf("Render of another document: %v", err)
		}
	})
}

func TestConcurrent(t *testing.T) {
	docs := []*render.Document{open(t, testpdf.Pages(2)), open(t, testpdf.Pages(3))}
	want := make([]*image.RGBA, len(docs))
	for i, d := range docs {
		img, err := d.Render(context.Background(), 1, 100)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = img
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4*len(docs))
	for g := range 2 * len(docs) {
		d, w := docs[g%len(docs)], want[g%len(docs)]
		wg.Go(func() {
			for range 5 {
				img, err := d.Render(context.Background(), 1, 100)
				if err != nil {
					errs <- err
					return
				}
				if !bytes.Equal(img.Pix, w.Pix) {
					errs <- errors.New("concurrent render differs from the first")
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// The two documents differ ("page 2 of 2" and "page 2 of 3").
	if bytes.Equal(want[0].Pix, want[1].Pix) {
		t.Error("the two documents rendered the same")
	}
}

func BenchmarkNew(b *testing.B) {
	for _, bc := range []struct {
		name  string
		cache func(b *testing.B) string
	}{
		{"cold", func(b *testing.B) string { return b.TempDir() }},
		{"cached", func(b *testing.B) string { return testCache }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				dir := bc.cache(b)
				b.StartTimer()
				r, err := render.New(context.Background(), render.Options{CacheDir: dir})
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				r.Close()
				b.StartTimer()
			}
		})
	}
}

func BenchmarkRenderText100DPI(b *testing.B) {
	d := open(b, testpdf.Pages(1))
	for b.Loop() {
		if _, err := d.Render(context.Background(), 0, 100); err != nil {
			b.Fatal(err)
		}
	}
}

func TestRendererClose(t *testing.T) {
	r, err := render.New(context.Background(), render.Options{CacheDir: testCache})
	if err != nil {
		t.Fatal(err)
	}
	d, err := r.Open(context.Background(), testpdf.Pages(1))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Render(context.Background(), 0, 72); !errors.Is(err, render.ErrClosed) {
		t.Errorf("Render after the renderer closed: %v, want ErrClosed", err)
	}
	if _, err := r.Open(context.Background(), testpdf.Pages(1)); !errors.Is(err, render.ErrClosed) {
		t.Errorf("Open after Close: %v, want ErrClosed", err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// A page with a transparency group and a half-transparent fill shows on
// opaque white. (PDFium's FPDFPage_HasTransparency is false for this page,
// so the compositing in copyOnWhite is not reached here.)
func TestTransparentPage(t *testing.T) {
	d := open(t, onePage("/Group << /S /Transparency /CS /DeviceRGB >>", "/ExtGState << /GS1 << /ca 0.5 >> >>",
		[]byte("/GS1 gs 1 0 0 rg 100 100 200 200 re f")))
	img, err := d.Render(context.Background(), 0, 72)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		x, y int
		want [4]uint8
	}{
		{10, 10, [4]uint8{255, 255, 255, 255}},
		{200, 842 - 200, [4]uint8{255, 128, 128, 255}}, // half-transparent red on white
	} {
		p := img.Pix[img.PixOffset(tc.x, tc.y):]
		got := [4]uint8{p[0], p[1], p[2], p[3]}
		for c := range 4 {
			if d := int(got[c]) - int(tc.want[c]); d < -2 || d > 2 {
				t.Errorf("pixel (%d,%d) = %v, want %v", tc.x, tc.y, got, tc.want)
				break
			}
		}
	}
}
