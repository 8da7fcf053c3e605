package pades

import (
	"fmt"
	"math"
)

// page finds the n-th page (1-based) by walking the page tree
// (ISO 32000-1 §7.7.3), using /Count to skip whole subtrees.
func (d *document) page(n int) (Ref, Dict, error) {
	ref, page, _, err := d.pageInherited(n)
	return ref, page, err
}

// inheritable are the page attributes a page takes from its ancestors in
// the page tree when it has none of its own (ISO 32000-1 §7.7.3.4).
var inheritable = []Name{"Resources", "MediaBox", "CropBox", "Rotate"}

// pageInherited is page, and also returns the inheritable attributes in
// effect for the page: its own, else those of the nearest ancestor.
func (d *document) pageInherited(n int) (Ref, Dict, Dict, error) {
	inherited := Dict{}
	pagesRef, ok := d.root["Pages"].(Ref)
	if !ok {
		return Ref{}, nil, nil, fmt.Errorf("%w: catalog has no page tree", ErrDamaged)
	}
	want := n
	if n < 1 {
		return Ref{}, nil, nil, fmt.Errorf("page %d does not exist", n)
	}
	seen := map[uint32]bool{}
	ref := pagesRef
	var read any // ref's object when the kids loop already read it
	for depth := 0; depth < 64; depth++ {
		if seen[ref.ID] {
			return Ref{}, nil, nil, fmt.Errorf("%w: page tree has a cycle", ErrDamaged)
		}
		seen[ref.ID] = true
		o := read
		if o == nil {
			var err error
			if o, err = d.object(ref); err != nil {
				return Ref{}, nil, nil, err
			}
		}
		node, ok := o.(Dict)
		if !ok {
			return Ref{}, nil, nil, fmt.Errorf("%w: page tree node %d is not a dictionary", ErrDamaged, ref.ID)
		}
		if node["Type"] == Name("Page") {
			if n == 1 {
				for _, k := range inheritable {
					if v, ok := node[k]; ok {
						inherited[k] = v
					}
				}
				return ref, node, inherited, nil
			}
			break
		}
		for _, k := range inheritable {
			if v, ok := node[k]; ok {
				inherited[k] = v
			}
		}
		kids, err := d.array(node["Kids"])
		if err != nil {
			return Ref{}, nil, nil, err
		}
		next := Ref{}
		for _, k := range kids {
			kr, ok := k.(Ref)
			if !ok {
				return Ref{}, nil, nil, fmt.Errorf("%w: page tree entry is not a reference", ErrDamaged)
			}
			ko, err := d.object(kr)
			if err != nil {
				return Ref{}, nil, nil, err
			}
			kd, _ := ko.(Dict)
			count := int64(1)
			if kd["Type"] != Name("Page") {
				count, _ = kd["Count"].(int64)
			}
			if int64(n) <= count {
				next, read = kr, ko
				break
			}
			n -= int(count)
		}
		if next == (Ref{}) {
			break
		}
		ref = next
	}
	total := int64(0)
	if o, err := d.object(pagesRef); err == nil {
		if pd, ok := o.(Dict); ok {
			total, _ = pd["Count"].(int64)
		}
	}
	return Ref{}, nil, nil, fmt.Errorf("page %d does not exist (the document has %d pages)", want, total)
}

// array returns v as an array, following one reference.
func (d *document) array(v any) (Array, error) {
	switch a := v.(type) {
	case nil:
		return nil, nil
	case Array:
		return a, nil
	case Ref:
		o, err := d.object(a)
		if err != nil {
			return nil, err
		}
		if arr, ok := o.(Array); ok {
			return arr, nil
		}
	}
	return nil, fmt.Errorf("%w: expected an array, found %T", ErrDamaged, v)
}

// pageGeometry is how a viewer shows a page: the visible region of
// default user space and the clockwise turn applied to it.
type pageGeometry struct {
	llx, lly, urx, ury float64 // the crop box, normalised
	rotate             int     // 0, 90, 180 or 270
}

// letter is the media box viewers (PDFium, pdf.js) assume when a page has
// none, though ISO 32000-1 §7.7.3.3 requires one.
var letter = [4]float64{0, 0, 612, 792}

// geometry reads the page's effective crop box and rotation from its
// inherited attributes (ISO 32000-1 §7.7.3.3, §14.11.2): the crop box,
// clipped to the media box as PDFium and poppler do, or the media box.
func (d *document) geometry(attrs Dict) (pageGeometry, error) {
	media, ok, err := d.rect(attrs["MediaBox"])
	if err != nil {
		return pageGeometry{}, fmt.Errorf("page /MediaBox: %w", err)
	}
	if !ok {
		media = letter
	}
	box := media
	crop, ok, err := d.rect(attrs["CropBox"])
	if err != nil {
		return pageGeometry{}, fmt.Errorf("page /CropBox: %w", err)
	}
	if ok {
		c := [4]float64{max(crop[0], media[0]), max(crop[1], media[1]), min(crop[2], media[2]), min(crop[3], media[3])}
		if c[0] < c[2] && c[1] < c[3] {
			box = c
		}
	}
	g := pageGeometry{llx: box[0], lly: box[1], urx: box[2], ury: box[3]}
	if r, ok := d.number(attrs["Rotate"]); ok {
		// A multiple of 90 (ISO 32000-1 Table 30), possibly negative;
		// anything else is ignored, as viewers do.
		if deg := int(r); float64(deg) == r && deg%90 == 0 {
			g.rotate = (deg%360 + 360) % 360
		}
	}
	return g, nil
}

// size is the page's width and height as displayed.
func (g pageGeometry) size() (w, h float64) {
	w, h = g.urx-g.llx, g.ury-g.lly
	if g.rotate == 90 || g.rotate == 270 {
		return h, w
	}
	return w, h
}

// toUser turns a rectangle given from the lower-left corner of the page as
// displayed into default user space (x, y of its lower-left corner, width,
// height). The display turns user space clockwise by rotate, so this turns
// it back: at 90°, display x runs along user y and display y against user x.
func (g pageGeometry) toUser(x, y, w, h float64) (ux, uy, uw, uh float64) {
	cw, ch := g.urx-g.llx, g.ury-g.lly
	switch g.rotate {
	case 90:
		return g.llx + cw - y - h, g.lly + x, h, w
	case 180:
		return g.llx + cw - x - w, g.lly + ch - y - h, w, h
	case 270:
		return g.llx + y, g.lly + ch - x - w, h, w
	}
	return g.llx + x, g.lly + y, w, h
}

// matrix is the form matrix (ISO 32000-1 §8.10.1) that turns an appearance
// drawn upright back against the page's rotation, so it shows upright;
// nil when the page is not rotated.
func (g pageGeometry) matrix() Array {
	switch g.rotate {
	case 90:
		return Array{int64(0), int64(1), int64(-1), int64(0), int64(0), int64(0)}
	case 180:
		return Array{int64(-1), int64(0), int64(0), int64(-1), int64(0), int64(0)}
	case 270:
		return Array{int64(0), int64(-1), int64(1), int64(0), int64(0), int64(0)}
	}
	return nil
}

// rect reads a rectangle (ISO 32000-1 §7.9.5), following references, with
// its corners normalised to lower-left and upper-right. ok is false when
// v is absent or the rectangle empty.
func (d *document) rect(v any) (r [4]float64, ok bool, err error) {
	if v == nil {
		return r, false, nil
	}
	a, err := d.array(v)
	if err != nil {
		return r, false, err
	}
	if len(a) != 4 {
		return r, false, fmt.Errorf("%w: a rectangle has %d numbers, not 4", ErrDamaged, len(a))
	}
	for i, e := range a {
		f, ok := d.number(e)
		if !ok {
			return r, false, fmt.Errorf("%w: a rectangle holds %T, not a number", ErrDamaged, e)
		}
		r[i] = f
	}
	r = [4]float64{min(r[0], r[2]), min(r[1], r[3]), max(r[0], r[2]), max(r[1], r[3])}
	// An empty box counts as absent, as in PDFium.
	return r, r[0] != r[2] && r[1] != r[3], nil
}

// number returns v as a number, following one reference.
func (d *document) number(v any) (float64, bool) {
	if ref, ok := v.(Ref); ok {
		o, err := d.object(ref)
		if err != nil {
			return 0, false
		}
		v = o
	}
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case float64:
		if math.IsNaN(n) || math.IsInf(n, 0) {
			return 0, false
		}
		return n, true
	}
	return 0, false
}
