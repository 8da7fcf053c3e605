package ui

import (
	"context"
	"image"
	"testing"

	"fyne.io/fyne/v2/test"
)

type fakeDoc struct{ pages int }

func (d fakeDoc) Pages() int { return d.pages }
func (d fakeDoc) Render(_ context.Context, page int, _ float64) (*image.RGBA, error) {
	return image.NewRGBA(image.Rect(0, 0, 10+page, 10)), nil
}
func (d fakeDoc) Close() error { return nil }

// TestPager: every page of the revision can be looked at, one at a time,
// starting at the stamp's page.
func TestPager(t *testing.T) {
	test.NewTempApp(t)
	var rendered []int
	render := func(page int, show func(image.Image)) {
		rendered = append(rendered, page)
		img, _ := fakeDoc{3}.Render(context.Background(), page, 100)
		show(img)
	}
	p := newPager(fakeDoc{3}, 1, render)
	test.NewTempWindow(t, p.content)
	if p.label.Text != "Page 2 of 3" || p.image.Image.Bounds().Dx() != 11 {
		t.Fatalf("start: %q, image %v", p.label.Text, p.image.Image.Bounds())
	}
	test.Tap(p.next)
	if p.page != 2 || !p.next.Disabled() || p.prev.Disabled() {
		t.Fatalf("after next: page %d, next disabled %v", p.page, p.next.Disabled())
	}
	test.Tap(p.next) // disabled: stays
	test.Tap(p.prev)
	test.Tap(p.prev)
	if p.page != 0 || !p.prev.Disabled() || p.label.Text != "Page 1 of 3" {
		t.Fatalf("after two prev: page %d, %q", p.page, p.label.Text)
	}
	if want := []int{1, 2, 1, 0}; len(rendered) != len(want) {
		t.Errorf("rendered %v, want %v", rendered, want)
	}
}
