package pades

import "fmt"

// page finds the n-th page (1-based) by walking the page tree
// (ISO 32000-1 §7.7.3), using /Count to skip whole subtrees.
func (d *document) page(n int) (Ref, Dict, error) {
	pagesRef, ok := d.root["Pages"].(Ref)
	if !ok {
		return Ref{}, nil, fmt.Errorf("%w: catalog has no page tree", ErrDamaged)
	}
	want := n
	if n < 1 {
		return Ref{}, nil, fmt.Errorf("page %d does not exist", n)
	}
	seen := map[uint32]bool{}
	ref := pagesRef
	for depth := 0; depth < 64; depth++ {
		if seen[ref.ID] {
			return Ref{}, nil, fmt.Errorf("%w: page tree has a cycle", ErrDamaged)
		}
		seen[ref.ID] = true
		o, err := d.object(ref)
		if err != nil {
			return Ref{}, nil, err
		}
		node, ok := o.(Dict)
		if !ok {
			return Ref{}, nil, fmt.Errorf("%w: page tree node %d is not a dictionary", ErrDamaged, ref.ID)
		}
		if node["Type"] == Name("Page") {
			if n == 1 {
				return ref, node, nil
			}
			break
		}
		kids, err := d.array(node["Kids"])
		if err != nil {
			return Ref{}, nil, err
		}
		next := Ref{}
		for _, k := range kids {
			kr, ok := k.(Ref)
			if !ok {
				return Ref{}, nil, fmt.Errorf("%w: page tree entry is not a reference", ErrDamaged)
			}
			ko, err := d.object(kr)
			if err != nil {
				return Ref{}, nil, err
			}
			kd, _ := ko.(Dict)
			count := int64(1)
			if kd["Type"] != Name("Page") {
				count, _ = kd["Count"].(int64)
			}
			if int64(n) <= count {
				next = kr
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
	return Ref{}, nil, fmt.Errorf("page %d does not exist (the document has %d pages)", want, total)
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
