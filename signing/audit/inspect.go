package audit

import (
	"fmt"
	"strconv"

	"github.com/siegel-app/siegel/signing/pades"
)

// Limits that make hostile files terminate: every object read costs one
// of maxReads; trees deeper than maxDepth are not followed.
const (
	maxReads = 200_000
	maxDepth = 32
	maxPages = 100_000
	maxChain = 100 // actions chained by /Next
)

// ErrNotPDF is returned when a file cannot be read as a PDF at all.
var ErrNotPDF = pades.ErrNotPDF

// Inspect audits the PDF at path. It fails only when the file cannot be
// read as a PDF at all; a damaged or encrypted file gives a report with a
// blocking finding.
func Inspect(path string) (*Report, error) {
	in, err := pades.Inspect(path)
	if err != nil {
		return nil, fmt.Errorf("inspect %s: %w", path, err)
	}
	defer in.Close()
	w := &walker{in: in, budget: maxReads, actions: map[pades.Ref]bool{}, fonts: map[pades.Ref]fontInfo{},
		fields: map[pades.Ref]bool{}, cache: map[pades.Ref]any{}}
	rep := &Report{File: path, Revisions: in.Revisions()}
	if in.Encrypted {
		w.c.add(CodeEncrypted, "encrypt", 0, 0)
	}
	if in.Damaged != nil {
		w.c.add(CodeDamagedXref, "xref", 0, 0)
	}
	if rep.Revisions > 1 {
		for i := 1; i < rep.Revisions; i++ {
			w.c.add(CodeEarlierRevisions, strconv.Itoa(i), 0, 0)
		}
	}
	if root := in.Root(); root != nil {
		w.catalog(root)
		rep.Pages = w.pages
	}
	rep.Findings = w.c.findings()
	return rep, nil
}

type walker struct {
	in      *pades.Inspection
	c       collector
	budget  int
	pages   int
	actions map[pades.Ref]bool
	fonts   map[pades.Ref]fontInfo
	fields  map[pades.Ref]bool
	cache   map[pades.Ref]any
}

type fontInfo struct {
	name     string
	embedded bool
}

// get follows references (a few hops) to a direct value; nil when it
// cannot be read or the budget is spent.
func (w *walker) get(v any) any {
	for hops := 0; hops < 8; hops++ {
		ref, ok := v.(pades.Ref)
		if !ok {
			return v
		}
		if o, ok := w.cache[ref]; ok {
			v = o
			continue
		}
		if w.budget <= 0 {
			return nil
		}
		w.budget--
		o, err := w.in.Object(ref)
		if err != nil {
			o = nil
		}
		// Each object is read once: shared resources are checked
		// for every page that uses them.
		w.cache[ref] = o
		v = o
	}
	return nil
}

func (w *walker) dict(v any) pades.Dict {
	d, _ := w.get(v).(pades.Dict)
	return d
}

func (w *walker) array(v any) pades.Array {
	a, _ := w.get(v).(pades.Array)
	return a
}

// id is the object number of v when it is a reference.
func id(v any) int {
	if r, ok := v.(pades.Ref); ok {
		return int(r.ID)
	}
	return 0
}

func key(prefix string, obj int) string { return prefix + strconv.Itoa(obj) }

func (w *walker) catalog(root pades.Dict) {
	// An OpenAction that is a destination, or a GoTo action, only picks
	// the first view (ISO 32000-1 §12.3.2, §12.6.4.2).
	if oa := root["OpenAction"]; oa != nil {
		if a := w.dict(oa); a != nil && a["S"] != pades.Name("GoTo") {
			if !w.action(oa, id(oa), 0) {
				w.c.add(CodeOpenAction, "open", id(oa), 0)
			}
		}
	}
	w.additional(root["AA"], 0, 0)
	if names := w.dict(root["Names"]); names != nil {
		w.nameTree(names["JavaScript"], 0, func(name string, v any) {
			w.c.add(CodeJavaScript, key("js", id(v))+name, id(v), 0)
		})
		w.nameTree(names["EmbeddedFiles"], 0, func(name string, v any) {
			w.c.add(CodeEmbeddedFiles, key("ef", id(v))+name, id(v), 0)
		})
	}
	if form := w.dict(root["AcroForm"]); form != nil {
		if xfa := form["XFA"]; xfa != nil {
			obj := id(xfa)
			if obj == 0 {
				obj = id(root["AcroForm"])
			}
			w.c.add(CodeXFA, "xfa", obj, 0)
		}
		// NeedAppearances asks viewers to draw every field themselves
		// (ISO 32000-1 §12.7.2).
		if form["NeedAppearances"] == true {
			w.c.add(CodeFieldsNoAppearance, "need-appearances", id(root["AcroForm"]), 0)
		}
		for _, f := range w.array(form["Fields"]) {
			w.field(f, 0)
		}
	}
	w.optionalContent(w.dict(root["OCProperties"]))
	w.docMDP(w.dict(root["Perms"]))
	pageNo := 0
	w.pageTree(root["Pages"], nil, 0, map[uint32]bool{}, &pageNo)
	w.pages = pageNo
}

// action checks an action and the actions it chains to with /Next
// (ISO 32000-1 §12.6.2). It reports whether any of them runs script or
// launches something (those have findings of their own).
func (w *walker) action(v any, obj, page int) (dangerous bool) {
	queue := []any{v}
	for n := 0; len(queue) > 0 && n < maxChain; n++ {
		v := queue[0]
		queue = queue[1:]
		if r, ok := v.(pades.Ref); ok {
			if w.actions[r] {
				continue
			}
			w.actions[r] = true
			obj = int(r.ID)
		}
		a := w.dict(v)
		if a == nil {
			continue
		}
		switch a["S"] {
		case pades.Name("JavaScript"):
			w.c.add(CodeJavaScript, key("action", obj), obj, page)
			dangerous = true
		case pades.Name("Rendition"):
			if a["JS"] != nil {
				w.c.add(CodeJavaScript, key("action", obj), obj, page)
				dangerous = true
			}
		case pades.Name("Launch"):
			w.c.add(CodeLaunchAction, key("action", obj), obj, page)
			dangerous = true
		}
		switch next := a["Next"].(type) {
		case pades.Array:
			queue = append(queue, next...)
		case nil:
		default:
			if arr := w.array(next); arr != nil {
				queue = append(queue, arr...)
			} else {
				queue = append(queue, next)
			}
		}
	}
	return dangerous
}

// additional checks an additional-actions dictionary (ISO 32000-1
// §12.6.3); actions without script are a warning of their own.
func (w *walker) additional(v any, obj, page int) {
	aa := w.dict(v)
	if len(aa) == 0 {
		return
	}
	if obj == 0 {
		obj = id(v)
	}
	plain := false
	for _, a := range aa {
		if !w.action(a, obj, page) {
			plain = true
		}
	}
	if plain {
		w.c.add(CodeAdditionalActions, key("aa", obj)+"/"+strconv.Itoa(page), obj, page)
	}
}

// nameTree calls fn for each entry of a name tree (ISO 32000-1 §7.9.6).
func (w *walker) nameTree(v any, depth int, fn func(name string, v any)) {
	if depth > maxDepth {
		return
	}
	node := w.dict(v)
	if node == nil {
		return
	}
	names := w.array(node["Names"])
	for i := 0; i+1 < len(names); i += 2 {
		s, _ := w.get(names[i]).(pades.String)
		fn(string(s), names[i+1])
	}
	for _, kid := range w.array(node["Kids"]) {
		w.nameTree(kid, depth+1, fn)
	}
}

// field walks a form field and its kids (ISO 32000-1 §12.7.3).
func (w *walker) field(v any, depth int) {
	if depth > maxDepth {
		return
	}
	if r, ok := v.(pades.Ref); ok {
		if w.fields[r] {
			return
		}
		w.fields[r] = true
	}
	f := w.dict(v)
	if f == nil {
		return
	}
	obj := id(v)
	w.additional(f["AA"], obj, 0)
	if f["A"] != nil {
		w.action(f["A"], obj, 0)
	}
	if f["FT"] == pades.Name("Sig") && f["V"] != nil {
		w.c.add(CodeEarlierSignatures, key("sig", obj), obj, 0)
	}
	for _, kid := range w.array(f["Kids"]) {
		w.field(kid, depth+1)
	}
}

// optionalContent finds layers that are off in the default configuration
// (ISO 32000-1 §8.11.4.3): listed in /OFF, or not listed in /ON when
// /BaseState is /OFF.
func (w *walker) optionalContent(oc pades.Dict) {
	if oc == nil {
		return
	}
	d := w.dict(oc["D"])
	if d == nil {
		return
	}
	for _, g := range w.array(d["OFF"]) {
		w.c.add(CodeHiddenLayers, key("ocg", id(g)), id(g), 0)
	}
	if w.get(d["BaseState"]) == pades.Name("OFF") {
		on := map[pades.Ref]bool{}
		for _, g := range w.array(d["ON"]) {
			if r, ok := g.(pades.Ref); ok {
				on[r] = true
			}
		}
		for _, g := range w.array(oc["OCGs"]) {
			if r, ok := g.(pades.Ref); !ok || !on[r] {
				w.c.add(CodeHiddenLayers, key("ocg", id(g)), id(g), 0)
			}
		}
	}
}

// docMDP reports a certification that allows no changes: DocMDP transform
// parameters with P 1 (ISO 32000-1 §12.8.2.2; P defaults to 2).
func (w *walker) docMDP(perms pades.Dict) {
	if perms == nil || perms["DocMDP"] == nil {
		return
	}
	sig := w.dict(perms["DocMDP"])
	for _, r := range w.array(sig["Reference"]) {
		sr := w.dict(r)
		if w.get(sr["TransformMethod"]) != pades.Name("DocMDP") {
			continue
		}
		tp := w.dict(sr["TransformParams"])
		if p, ok := w.get(tp["P"]).(int64); ok && p == 1 {
			w.c.add(CodeDocMDPForbids, "docmdp", id(perms["DocMDP"]), 0)
		}
	}
}

// pageTree walks the page tree (ISO 32000-1 §7.7.3), passing inherited
// Resources down (§7.7.3.4).
func (w *walker) pageTree(v any, res any, depth int, seen map[uint32]bool, pageNo *int) {
	r, ok := v.(pades.Ref)
	if !ok || depth > maxDepth || seen[r.ID] || *pageNo >= maxPages || w.budget <= 0 {
		return
	}
	seen[r.ID] = true
	node := w.dict(r)
	if node == nil {
		return
	}
	if own, ok := node["Resources"]; ok {
		res = own
	}
	if node["Type"] == pades.Name("Page") || (node["Type"] == nil && node["Kids"] == nil) {
		*pageNo++
		w.page(r, node, res, *pageNo)
		return
	}
	for _, kid := range w.array(node["Kids"]) {
		w.pageTree(kid, res, depth+1, seen, pageNo)
	}
}

func (w *walker) page(ref pades.Ref, p pades.Dict, res any, page int) {
	w.additional(p["AA"], int(ref.ID), page)
	w.resources(res, page, 0, map[uint32]bool{})
	for _, a := range w.array(p["Annots"]) {
		w.annotation(a, page)
	}
}

// Annotation flags (ISO 32000-1 §12.5.3, Table 165).
const (
	flagHidden = 1 << 1
	flagNoView = 1 << 5
)

func (w *walker) annotation(v any, page int) {
	a := w.dict(v)
	if a == nil {
		return
	}
	obj := id(v)
	sub := w.get(a["Subtype"])
	flags, _ := w.get(a["F"]).(int64)
	// A Popup only shows its parent's text when opened, and an annotation
	// without area shows nothing: hiding those hides nothing.
	if flags&(flagHidden|flagNoView) != 0 && sub != pades.Name("Popup") && hasArea(w.array(a["Rect"])) {
		w.c.add(CodeHiddenAnnotations, key("annot", obj), obj, page)
	}
	if a["A"] != nil {
		w.action(a["A"], obj, page)
	}
	w.additional(a["AA"], obj, page)
	w.appearanceFonts(a["AP"], page)
	switch sub {
	case pades.Name("FileAttachment"):
		w.c.add(CodeEmbeddedFiles, key("annot", obj), obj, page)
	case pades.Name("Widget"):
		// A widget without a normal appearance is drawn by each viewer
		// from the field's value (ISO 32000-1 §12.7.3.3). An unsigned or
		// invisible signature field has nothing to draw.
		ap := w.dict(a["AP"])
		if ap["N"] == nil && w.fieldType(a) != pades.Name("Sig") && hasArea(w.array(a["Rect"])) {
			w.c.add(CodeFieldsNoAppearance, key("widget", obj), obj, page)
		}
	}
}

// appearanceFonts checks the fonts of an annotation's normal appearance
// (ISO 32000-1 §12.5.5): one stream, or a stream per appearance state.
func (w *walker) appearanceFonts(ap any, page int) {
	n := w.dict(w.dict(ap)["N"])
	if n == nil {
		return
	}
	streams := []pades.Dict{n}
	if n["BBox"] == nil { // a state dictionary, not a form XObject
		streams = streams[:0]
		for _, v := range n {
			if d := w.dict(v); d != nil {
				streams = append(streams, d)
			}
		}
	}
	for _, d := range streams {
		w.resources(d["Resources"], page, 1, map[uint32]bool{})
	}
}

// fieldType is a widget's field type, inherited through /Parent.
func (w *walker) fieldType(d pades.Dict) any {
	for i := 0; d != nil && i < maxDepth; i++ {
		if ft, ok := d["FT"]; ok {
			return w.get(ft)
		}
		d = w.dict(d["Parent"])
	}
	return nil
}

func hasArea(rect pades.Array) bool {
	if len(rect) != 4 {
		return false
	}
	n := make([]float64, 4)
	for i, v := range rect {
		switch x := v.(type) {
		case int64:
			n[i] = float64(x)
		case float64:
			n[i] = x
		}
	}
	return n[0] != n[2] && n[1] != n[3]
}

// resources checks the fonts of a resource dictionary (ISO 32000-1 §7.8.3)
// and of the form XObjects and Type 3 fonts it uses.
func (w *walker) resources(v any, page, depth int, seen map[uint32]bool) {
	if depth > 8 {
		return
	}
	if r, ok := v.(pades.Ref); ok {
		if seen[r.ID] {
			return
		}
		seen[r.ID] = true
	}
	res := w.dict(v)
	if res == nil {
		return
	}
	for _, f := range w.dict(res["Font"]) {
		w.font(f, page, depth, seen)
	}
	for _, x := range w.dict(res["XObject"]) {
		r, ok := x.(pades.Ref)
		if !ok || seen[r.ID] {
			continue
		}
		seen[r.ID] = true
		xd := w.dict(r)
		if xd["Subtype"] == pades.Name("Form") {
			w.resources(xd["Resources"], page, depth+1, seen)
		}
	}
}

// font reports a font without an embedded font program (ISO 32000-1 §9.8:
// FontFile, FontFile2 or FontFile3 in its descriptor). A Type 0 font's
// program is its descendant's (§9.7); a Type 3 font is drawn by its own
// glyph procedures (§9.6.5), which may use other fonts.
func (w *walker) font(v any, page, depth int, seen map[uint32]bool) {
	r, isRef := v.(pades.Ref)
	info, known := w.fonts[r]
	if !isRef || !known {
		f := w.dict(v)
		if f == nil {
			return
		}
		name, _ := w.get(f["BaseFont"]).(pades.Name)
		info = fontInfo{name: string(name), embedded: true}
		switch w.get(f["Subtype"]) {
		case pades.Name("Type3"):
			w.resources(f["Resources"], page, depth+1, seen)
		case pades.Name("Type0"):
			desc := w.array(f["DescendantFonts"])
			if len(desc) > 0 {
				info.embedded = w.embedded(w.dict(desc[0]))
			}
		default:
			info.embedded = w.embedded(f)
		}
		if isRef {
			w.fonts[r] = info
		}
	}
	if !info.embedded {
		k := info.name
		if k == "" {
			k = "object " + strconv.Itoa(id(v))
		}
		w.c.add(CodeFontsNotEmbedded, k, id(v), page)
	}
}

func (w *walker) embedded(f pades.Dict) bool {
	fd := w.dict(f["FontDescriptor"])
	return fd["FontFile"] != nil || fd["FontFile2"] != nil || fd["FontFile3"] != nil
}
