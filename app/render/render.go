// Package render draws the pages of a PDF as images, so that the signer sees
// exactly the revision that will be signed (DESIGN.md, "Show").
//
// It runs PDFium compiled to WebAssembly (github.com/klippa-app/go-pdfium in
// WebAssembly mode, on the wazero runtime): no cgo and no shared library to
// ship, the same code on Linux, Windows and macOS, and PDFium sandboxed away
// from the host. The sandbox is kept shut: documents are passed as bytes and
// no host folder is mounted.
//
// A Renderer holds the compiled module; each Document gets its own PDFium
// instance (its own WebAssembly memory). That keeps documents independent:
// two render in parallel, closing one gives its memory back (WebAssembly
// memory never shrinks while an instance lives), and cancelling a render
// stops only the instance that runs it.
//
// The package does not import Fyne; the ui package wraps the images.
package render

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/klippa-app/go-pdfium"
	"github.com/klippa-app/go-pdfium/enums"
	pdfiumerrors "github.com/klippa-app/go-pdfium/errors"
	"github.com/klippa-app/go-pdfium/references"
	"github.com/klippa-app/go-pdfium/requests"
	"github.com/klippa-app/go-pdfium/webassembly"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// Errors returned (wrapped) by this package; test them with errors.Is.
var (
	// ErrUnreadable: PDFium cannot parse the bytes as a PDF.
	ErrUnreadable = errors.New("not a readable PDF")
	// ErrEncrypted: the document needs a password to open.
	ErrEncrypted = errors.New("PDF is encrypted")
	// ErrClosed: the Renderer or Document was closed, or a cancelled render
	// stopped the Document's PDFium instance.
	ErrClosed = errors.New("closed")
	// ErrPageRange: the page index is outside the document.
	ErrPageRange = errors.New("page index out of range")
)

// MaxDocuments is how many documents can be open at once. Open waits (until
// its context ends) for one to close when all are in use.
const MaxDocuments = 16

// maxPixels bounds one render: PDFium in 32-bit WebAssembly cannot allocate
// a bitmap above 2 GB, and a viewer never needs that much. 100 megapixels is
// an A4 page at about 1000 dpi.
const maxPixels = 100 << 20

// Options configures New.
type Options struct {
	// CacheDir holds wazero's compilation cache: loading PDFium takes
	// seconds the first time and about 0.1 s once the cache exists.
	// Empty means os.UserCacheDir()/siegel/wazero.
	CacheDir string
	// Logger receives PDFium's stdout/stderr and timings. Nil discards.
	Logger *slog.Logger
}

// Renderer is PDFium loaded once. It is safe for concurrent use.
type Renderer struct {
	log    *slog.Logger
	pool   pdfium.Pool
	cache  wazero.CompilationCache
	cancel context.CancelFunc

	mu     sync.Mutex
	closed bool
	docs   map[*Document]struct{}
}

// New compiles and loads PDFium. It takes seconds without the compilation
// cache, so callers start it in the background. If ctx ends first, New
// returns ctx's error and finishes loading and unloading in the background.
func New(ctx context.Context, opts Options) (*Renderer, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("render: load PDFium: %w", err)
	}
	cache := openCache(opts.CacheDir, log)

	// The pool context must outlive New (workers derive theirs from it), so
	// it is not the caller's ctx; Close cancels it.
	poolCtx, cancel := context.WithCancel(context.Background())
	type result struct {
		pool pdfium.Pool
		err  error
	}
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		pool, err := webassembly.Init(webassembly.Config{
			Context: poolCtx,
			// One warm instance makes the first Open fast; instances are
			// not reused, so a closed document's memory is returned.
			MinIdle:  1,
			MaxIdle:  1,
			MaxTotal: MaxDocuments,
			// No mounts: PDFium sees no host files (the library's default
			// mounts / ).
			FSConfig: wazero.NewFSConfig(),
			// Exception handling is required by the bundled pdfium.wasm;
			// CloseOnContextDone lets a cancelled render be stopped.
			RuntimeConfig: wazero.NewRuntimeConfig().
				WithCoreFeatures(api.CoreFeaturesV2 | experimental.CoreFeaturesExceptionHandling).
				WithCloseOnContextDone(true).
				WithCompilationCache(cache),
			Stdout: logWriter{log, slog.LevelDebug, "pdfium stdout"},
			Stderr: logWriter{log, slog.LevelWarn, "pdfium stderr"},
		})
		done <- result{pool, err}
	}()
	closeAll := func(pool pdfium.Pool) {
		if pool != nil {
			pool.Close()
		}
		cancel()
		cache.Close(context.Background())
	}
	select {
	case res := <-done:
		if res.err != nil {
			closeAll(nil)
			return nil, fmt.Errorf("render: load PDFium: %w", res.err)
		}
		log.Debug("PDFium loaded", "duration", time.Since(start))
		return &Renderer{log: log, pool: res.pool, cache: cache, cancel: cancel, docs: map[*Document]struct{}{}}, nil
	case <-ctx.Done():
		go func() { closeAll((<-done).pool) }()
		return nil, fmt.Errorf("render: load PDFium: %w", ctx.Err())
	}
}

// openCache opens wazero's compilation cache in dir, or an in-memory cache
// when the directory cannot be made: slower to start, but it still works.
func openCache(dir string, log *slog.Logger) wazero.CompilationCache {
	if dir == "" {
		base, err := os.UserCacheDir()
		if err == nil {
			dir = filepath.Join(base, "siegel", "wazero")
		}
	}
	if dir != "" {
		err := os.MkdirAll(dir, 0o700)
		if err == nil {
			var c wazero.CompilationCache
			if c, err = wazero.NewCompilationCacheWithDir(dir); err == nil {
				return c
			}
		}
		log.Warn("wazero compilation cache unavailable", "dir", dir, "err", err)
	}
	return wazero.NewCompilationCache()
}

// Close closes all open documents and unloads PDFium.
func (r *Renderer) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	docs := make([]*Document, 0, len(r.docs))
	for d := range r.docs {
		docs = append(docs, d)
	}
	r.mu.Unlock()
	for _, d := range docs {
		d.Close()
	}
	err := r.pool.Close()
	r.cancel()
	if cerr := r.cache.Close(context.Background()); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("render: close: %w", err)
	}
	return nil
}

// Document is an open PDF. Its methods are safe for concurrent use; calls
// run one at a time.
type Document struct {
	r     *Renderer
	mu    sync.Mutex
	inst  pdfium.Pdfium // nil once closed or killed
	doc   references.FPDF_DOCUMENT
	pages int
}

// Open loads pdf into a PDFium instance of its own. PDFium copies the bytes
// into its memory, so pdf may be reused afterwards.
func (r *Renderer) Open(ctx context.Context, pdf []byte) (*Document, error) {
	r.mu.Lock()
	closed := r.closed
	r.mu.Unlock()
	if closed {
		return nil, fmt.Errorf("render: open: renderer %w", ErrClosed)
	}
	inst, err := r.pool.GetInstanceWithContext(ctx)
	if err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return nil, fmt.Errorf("render: open: get PDFium instance: %w", err)
	}
	d := &Document{r: r, inst: inst}
	ok := false
	defer func() {
		if !ok {
			inst.Close()
		}
	}()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("render: open: %w", err)
	}
	od, err := inst.OpenDocument(&requests.OpenDocument{File: &pdf})
	if err != nil {
		return nil, fmt.Errorf("render: open: %w", classify(err))
	}
	d.doc = od.Document
	pc, err := inst.FPDF_GetPageCount(&requests.FPDF_GetPageCount{Document: d.doc})
	if err != nil {
		return nil, fmt.Errorf("render: open: count pages: %w", classify(err))
	}
	d.pages = pc.PageCount

	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, fmt.Errorf("render: open: renderer %w", ErrClosed)
	}
	r.docs[d] = struct{}{}
	ok = true
	return d, nil
}

// classify maps PDFium's load errors to this package's errors, keeping the
// cause in the chain.
func classify(err error) error {
	switch {
	case errors.Is(err, pdfiumerrors.ErrFormat), errors.Is(err, pdfiumerrors.ErrFile):
		return fmt.Errorf("%w: %w", ErrUnreadable, err)
	case errors.Is(err, pdfiumerrors.ErrPassword), errors.Is(err, pdfiumerrors.ErrSecurity):
		return fmt.Errorf("%w: %w", ErrEncrypted, err)
	case errors.Is(err, pdfiumerrors.ErrPage):
		return fmt.Errorf("%w: %w", ErrPageRange, err)
	}
	return err
}

// Pages returns the number of pages.
func (d *Document) Pages() int { return d.pages }

func (d *Document) page(i int) (requests.Page, error) {
	if i < 0 || i >= d.pages {
		return requests.Page{}, fmt.Errorf("%w: %d of %d", ErrPageRange, i, d.pages)
	}
	return requests.Page{ByIndex: &requests.PageByIndex{Document: d.doc, Index: i}}, nil
}

// PageSize returns the size of page i (0-based) in points, as displayed
// (after /Rotate).
func (d *Document) PageSize(i int) (wPt, hPt float64, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.inst == nil {
		return 0, 0, fmt.Errorf("render: page size: document %w", ErrClosed)
	}
	p, err := d.page(i)
	if err != nil {
		return 0, 0, fmt.Errorf("render: page size: %w", err)
	}
	s, err := d.inst.GetPageSize(&requests.GetPageSize{Page: p})
	if err != nil {
		return 0, 0, fmt.Errorf("render: page size of page %d: %w", i, classify(err))
	}
	return s.Width, s.Height, nil
}

// Render draws page i (0-based) at dpi, annotations included (a visible
// signature is one), on a white background. The image is
// round(size in points × dpi / 72) pixels on each side.
//
// If ctx ends while PDFium is drawing, the Document's instance is stopped:
// Render returns ctx's error and the Document is closed (open it again).
func (d *Document) Render(ctx context.Context, i int, dpi float64) (*image.RGBA, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.inst == nil {
		return nil, fmt.Errorf("render: render page %d: document %w", i, ErrClosed)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("render: render page %d: %w", i, err)
	}
	if !(dpi > 0 && dpi <= 4800) {
		return nil, fmt.Errorf("render: render page %d: dpi %g out of range (0, 4800]", i, dpi)
	}
	p, err := d.page(i)
	if err != nil {
		return nil, fmt.Errorf("render: render: %w", err)
	}

	// PDFium cannot watch ctx: a watcher kills the instance (wazero then
	// aborts the running call, thanks to WithCloseOnContextDone). It covers
	// loading the page too, which parses the whole content stream.
	inst := d.inst
	stop := make(chan struct{})
	killed := make(chan bool, 1)
	go func() {
		select {
		case <-ctx.Done():
			inst.Kill()
			killed <- true
		case <-stop:
			killed <- false
		}
	}()
	img, err := draw(inst, p, dpi)
	close(stop)
	// Wait for the watcher: a kill racing the end of the render must not
	// leave a dead instance behind a live Document.
	if <-killed {
		d.forget()
		return nil, fmt.Errorf("render: render page %d: %w", i, ctx.Err())
	}
	if err != nil {
		return nil, fmt.Errorf("render: render page %d: %w", i, err)
	}
	return img, nil
}

// draw renders page p at dpi with inst; the Document's lock is held.
func draw(inst pdfium.Pdfium, p requests.Page, dpi float64) (*image.RGBA, error) {
	s, err := inst.GetPageSize(&requests.GetPageSize{Page: p})
	if err != nil {
		return nil, classify(err)
	}
	// Pixels from a float dpi (HiDPI scales are fractional); go-pdfium's
	// RenderPageInDPI takes only whole numbers.
	w := int(math.Round(s.Width * dpi / 72))
	h := int(math.Round(s.Height * dpi / 72))
	if w < 1 || h < 1 || w*h > maxPixels {
		return nil, fmt.Errorf("%dx%d pixels at %g dpi is too large", w, h, dpi)
	}
	res, err := inst.RenderPageInPixels(&requests.RenderPageInPixels{
		Page:        p,
		Width:       w,
		Height:      h,
		RenderFlags: enums.FPDF_RENDER_FLAG_ANNOT,
		// Widgets, a visible signature among them, are drawn only by
		// PDFium's form-fill layer (FPDF_FFLDraw), not by FPDF_ANNOT.
		RenderForm: true,
	})
	if err != nil {
		return nil, classify(err)
	}
	defer res.Cleanup()
	// The pixels live in WebAssembly memory until Cleanup: copy them out.
	img := copyOnWhite(res.Result.Image, res.Result.HasTransparency)
	if img == nil {
		return nil, errors.New("PDFium returned no image")
	}
	return img, nil
}

// copyOnWhite copies src into a new image. A page with transparency comes
// back on a transparent background (non-premultiplied BGRA from PDFium);
// it is composited on white, as paper and other viewers show it.
func copyOnWhite(src *image.RGBA, transparent bool) *image.RGBA {
	if src == nil {
		return nil
	}
	b := src.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	rowLen := 4 * b.Dx()
	for y := 0; y < b.Dy(); y++ {
		s := src.Pix[y*src.Stride : y*src.Stride+rowLen]
		o := dst.Pix[y*dst.Stride : y*dst.Stride+rowLen]
		copy(o, s)
		if !transparent {
			continue
		}
		for x := 0; x < rowLen; x += 4 {
			a := uint32(o[x+3])
			for c := 0; c < 3; c++ {
				o[x+c] = uint8((uint32(o[x+c])*a + 255*(255-a) + 127) / 255)
			}
			o[x+3] = 255
		}
	}
	return dst
}

// forget drops a killed instance; d.mu is held.
func (d *Document) forget() {
	d.inst = nil
	d.r.mu.Lock()
	delete(d.r.docs, d)
	d.r.mu.Unlock()
}

// Close releases the document and its PDFium instance. Closing twice, or
// after a cancelled render, returns nil.
func (d *Document) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.inst == nil {
		return nil
	}
	inst := d.inst
	d.forget()
	// Closing the instance frees the document with the instance's memory.
	if err := inst.Close(); err != nil {
		return fmt.Errorf("render: close document: %w", err)
	}
	return nil
}

// logWriter hands PDFium's output to slog instead of the process's
// stdout/stderr (the CLI's stdout carries results).
type logWriter struct {
	log   *slog.Logger
	level slog.Level
	msg   string
}

func (w logWriter) Write(p []byte) (int, error) {
	w.log.Log(context.Background(), w.level, w.msg, "text", string(p))
	return len(p), nil
}
