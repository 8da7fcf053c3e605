package render_test

import (
	"context"
	"log/slog"
	"os"

	"github.com/siegel-app/siegel/app/render"
)

// Load PDFium once (in the background in a GUI), then render the pages of
// the revision to be signed.
func Example() {
	ctx := context.Background()
	r, err := render.New(ctx, render.Options{Logger: slog.Default()})
	if err != nil {
		slog.Error("PDF preview unavailable", "err", err)
		return
	}
	defer r.Close()

	pdf, err := os.ReadFile("prepared.pdf")
	if err != nil {
		return
	}
	d, err := r.Open(ctx, pdf)
	if err != nil {
		slog.Error("cannot show the document", "err", err)
		return
	}
	defer d.Close()
	for i := range d.Pages() {
		img, err := d.Render(ctx, i, 100*1.5) // 100 dpi × the screen's scale
		if err != nil {
			return
		}
		_ = img // hand to the UI
	}
}
