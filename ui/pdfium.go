package ui

import (
	"context"
	"sync"

	"github.com/siegel-app/siegel/app/render"
)

var _ RenderedDoc = (*render.Document)(nil)

// pdfium is the PageRenderer of the app: app/render's PDFium in
// WebAssembly. Loading it takes from a tenth of a second (compilation
// cached) to seconds (first start), so it starts loading at once in the
// background and the first preview waits for it.
type pdfium struct {
	once  sync.Once
	ready chan struct{}
	r     *render.Renderer
	err   error
}

// NewPDFium starts loading the renderer in the background.
func NewPDFium() PageRenderer {
	p := &pdfium{ready: make(chan struct{})}
	go p.load()
	return p
}

func (p *pdfium) load() {
	p.once.Do(func() {
		p.r, p.err = render.New(context.Background(), render.Options{})
		close(p.ready)
	})
}

func (p *pdfium) Open(ctx context.Context, pdf []byte) (RenderedDoc, error) {
	select {
	case <-p.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if p.err != nil {
		return nil, p.err
	}
	doc, err := p.r.Open(ctx, pdf)
	if err != nil {
		return nil, err // not a typed nil in the interface
	}
	return doc, nil
}
