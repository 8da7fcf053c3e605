package ui

import (
	"image"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// pager shows one page of a rendered document at a time, with buttons to
// the previous and next page: the signer can look at every page of the
// revision to be signed.
type pager struct {
	content    fyne.CanvasObject
	prev, next *widget.Button
	label      *widget.Label
	image      *canvas.Image
	page, n    int
	render     func(page int, show func(image.Image))
}

// newPager shows page first of doc; render draws a page in the background
// and calls show on the UI thread.
func newPager(doc RenderedDoc, first int, render func(page int, show func(image.Image))) *pager {
	p := &pager{n: doc.Pages(), render: render, label: widget.NewLabel("")}
	p.image = canvas.NewImageFromImage(nil)
	p.image.FillMode = canvas.ImageFillContain
	p.prev = widget.NewButtonWithIcon("", theme.NavigateBackIcon(), func() { p.show(p.page - 1) })
	p.next = widget.NewButtonWithIcon("", theme.NavigateNextIcon(), func() { p.show(p.page + 1) })
	bar := container.NewHBox(p.prev, p.label, p.next)
	p.content = container.NewBorder(nil, container.NewCenter(bar), nil, nil, p.image)
	p.show(first)
	return p
}

func (p *pager) show(page int) {
	if page < 0 || page >= p.n {
		return
	}
	p.page = page
	p.label.SetText(T("Page {{.Page}} of {{.Pages}}", map[string]any{"Page": page + 1, "Pages": p.n}))
	if page == 0 {
		p.prev.Disable()
	} else {
		p.prev.Enable()
	}
	if page == p.n-1 {
		p.next.Disable()
	} else {
		p.next.Enable()
	}
	p.render(page, func(img image.Image) {
		if p.page != page {
			return // the person paged on meanwhile
		}
		p.image.Image = img
		p.image.Refresh()
	})
}
