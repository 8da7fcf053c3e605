package verify

import (
	"errors"
	"reflect"
	"sort"
	"strings"

	"github.com/siegel-app/siegel/signing/pades"
)

// The modification analysis (issue 5): what the revisions after a signed
// one changed, and whether the signature's permissions allow it.
//
// The signed revision (the byte prefix its range ends with) and the final
// file are read as two documents and compared object by object through
// their cross-reference data: an object of the signed revision whose
// entry points elsewhere in the final file was redefined by a later
// update, one marked free was removed. Redefinitions that leave the
// object as it was are no change. Every change must then be explained by
// a rule that allows it; anything else is disallowed (default deny, as
// pyHanko's diff policy and the countermeasures of Mladenov et al. 2019,
// "1 Trillion Dollar Refund", and Mainka et al. 2021, "Shadow Attacks",
// recommend).
//
// Allowed, within the permissions (ISO 32000-1 §12.8.2.2 DocMDP P,
// §12.8.2.4 FieldMDP, ETSI EN 319 142-1 §5.4 for LTV data):
//   - /DSS (document security store) and document timestamps, at every P;
//   - new signatures in new or empty signature fields (P 2, 3, none);
//   - form filling: a field's value with a new appearance (P 2, 3, none),
//     unless a FieldMDP lock covers the field;
//   - new annotations and new form fields (P 3, none);
//   - XMP metadata, the document information dictionary, developer
//     extensions.
//
// Disallowed: changes to page content, resources, fonts, XObjects, the
// page tree, catalog entries other than /AcroForm /DSS /Metadata
// /Extensions, optional-content settings, signature dictionaries, and
// anything else not listed above. Annotations present when the document
// was signed may not be changed (beyond opening or closing them) or
// removed at any P, stricter than ISO 32000 for P=3: hiding an overlay
// that covered content while it was signed is the "hide" shadow attack.
// A value without a new appearance is disallowed too: viewers that
// regenerate appearances and viewers that do not would show different
// things. A document timestamp may not be visible below P=3, and a new
// visible signature is named as such (the "sneaky signature" of Mainka
// et al. paints over content with an allowed change). Signatures that an
// earlier revision holds and the final document no longer lists are
// reported as removed (changes_removed.go).
//
// Not analysed: whether a new appearance shows the field's new value
// (rendering would be needed), JavaScript that runs on opening (the
// audit reports it), and structure-tree changes, which count as catalog
// changes.

// Limits of the analysis; beyond them the result is INDETERMINATE.
const (
	maxChanged    = 20_000    // objects redefined after the signed revision
	maxVisits     = 200_000   // objects read during one analysis
	maxFileVisits = 1_000_000 // objects read during all analyses of a file
	maxStreamCmp  = 16 << 20  // bytes of a redefined stream compared
	maxStreamSum  = 256 << 20 // bytes of redefined streams compared in all
	maxTreeDepth  = 64        // page tree and field tree depth
)

var errBudget = errors.New("too many objects to analyse")

// role is what an object of the signed revision is, found by walking it
// from the catalog: the first description found, and whether any path to
// it is one that no later change may touch.
type role struct {
	desc      Text
	protected bool
}

// docReader reads one of the two documents with a cache and the shared
// budget.
type docReader struct {
	in     *pades.Inspection
	cache  map[pades.Ref]any
	budget *int
}

func (d *docReader) object(r pades.Ref) (any, error) {
	if o, ok := d.cache[r]; ok {
		return o, nil
	}
	if *d.budget <= 0 {
		return nil, errBudget
	}
	*d.budget--
	o, err := d.in.Object(r)
	if err != nil {
		return nil, err
	}
	d.cache[r] = o
	return o, nil
}

// get follows references to a direct value; nil when it cannot be read.
func (d *docReader) get(x any) any {
	for hops := 0; hops < 8; hops++ {
		r, ok := x.(pades.Ref)
		if !ok {
			return x
		}
		o, err := d.object(r)
		if err != nil {
			return nil
		}
		x = o
	}
	return nil
}

func (d *docReader) dict(x any) pades.Dict {
	dd, _ := d.get(x).(pades.Dict)
	return dd
}

func (d *docReader) array(x any) pades.Array {
	a, _ := d.get(x).(pades.Array)
	return a
}

// field is a terminal form field (ISO 32000-1 §12.7.3.1).
type field struct {
	name    string
	ref     pades.Ref // zero for a direct field dictionary
	dict    pades.Dict
	ft      pades.Name
	widgets []pades.Ref // its widget annotations (itself when merged)
}

// fieldLock is a FieldMDP restriction (ISO 32000-1 §12.8.2.4, Table 233):
// Action All, Include or Exclude over field names.
type fieldLock struct {
	action string
	fields map[string]bool
	by     string // the locking signature's field
}

func (l fieldLock) locks(name string) bool {
	switch l.action {
	case "All":
		return true
	case "Include":
		return l.fields[name]
	case "Exclude":
		return !l.fields[name]
	}
	return false
}

type changeAnalysis struct {
	pre, fin    docReader
	budget      int
	streamBytes int64
	p           int // DocMDP P of the certification signature; 0 without one
	locks       []fieldLock

	changed   map[uint32]bool // objects of the signed revision redefined or removed
	freed     map[uint32]bool
	explained map[uint32]bool
	roles     map[uint32]role

	allowed, disallowed []Text
	seen                map[string]bool
}

// allow and deny record a change phrase; format is a key of the
// catalogue (a literal, found by its completeness test).
func (a *changeAnalysis) allow(format string, args ...any) {
	a.add(&a.allowed, tf(format, args...))
}

func (a *changeAnalysis) deny(format string, args ...any) {
	a.add(&a.disallowed, tf(format, args...))
}

func (a *changeAnalysis) add(list *[]Text, t Text) {
	if s := t.String(); !a.seen[s] {
		a.seen[s] = true
		*list = append(*list, t)
	}
}

// permit records change as allowed when ok, else as disallowed with why.
func (a *changeAnalysis) permit(ok bool, change, why Text) {
	if ok {
		a.add(&a.allowed, change)
		return
	}
	a.deny("%s %s", change, why)
}

func (a *changeAnalysis) pWhy() Text {
	return tf("(the certification allows only P=%d changes)", a.p)
}

// phrases renders change phrases in English, for Modifications.Changes.
func phrases(ts []Text) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.String()
	}
	return out
}

// analyseChanges fills s.Revision and s.Modifications and fails s for a
// disallowed change. It runs for a signature whose format and integrity
// checks passed.
func (v *pdfVerifier) analyseChanges(s *Signature) {
	rc := v.revisionChain()
	end := s.ByteRange[2] + s.ByteRange[3]
	s.Revision = rc.index(end)
	if s.Coverage == WholeFile {
		s.Modifications = Modifications{Kind: ModNone}
		return
	}
	if s.Coverage != WholeRevision {
		return
	}
	fail := func(changes ...Text) {
		s.Modifications = Modifications{Kind: ModDisallowed, Changes: phrases(changes), ChangeTexts: changes}
		s.set(TotalFailed, SigConstraintsFailure, tf("The document was changed after this signature in a way it does not allow: %s.", changes))
	}
	undecided := func(why Text) {
		s.set(Indeterminate, SigConstraintsFailure, tf("The changes made after this signature could not be analysed: %s.", why))
	}
	switch {
	case rc.problem.Key != "":
		fail(rc.problem)
		return
	case s.Revision == 0:
		fail(tf("the later updates do not build on the signed revision (its cross-reference section is not in the file's chain)"))
		return
	case rc.trailing:
		fail(tf("bytes were appended after the last revision without a cross-reference section"))
		return
	}
	for _, r := range rc.revs[s.Revision:] {
		if strings.Contains(string(r.dict), "/XRefStm") {
			fail(tf("a later revision has a hybrid cross-reference section whose objects this reader does not see"))
			return
		}
		if strings.Contains(string(r.dict), "/Encrypt") {
			fail(tf("a later revision encrypts the document"))
			return
		}
	}
	pre, err := pades.InspectPrefix(v.f.Name(), rc.revs[s.Revision-1].end)
	if err != nil {
		undecided(tf("the signed revision cannot be read (%v)", err))
		return
	}
	defer pre.Close()
	if pre.Root() == nil || pre.Damaged != nil || pre.Encrypted {
		undecided(tf("the signed revision cannot be read as a document"))
		return
	}
	// Opening the revision checked each of its cross-reference entries,
	// and the comparison visits each once: charged to the file's budget,
	// so that many signatures over many objects stay bounded too.
	v.revs.budget -= 100 + pre.Entries()/4
	if v.revs.budget <= 0 {
		undecided(tf("the file has too many objects to analyse"))
		return
	}
	a := &changeAnalysis{budget: min(maxVisits, v.revs.budget), streamBytes: maxStreamSum, changed: map[uint32]bool{}, freed: map[uint32]bool{},
		explained: map[uint32]bool{}, roles: map[uint32]role{}, seen: map[string]bool{}}
	a.pre = docReader{in: pre, cache: map[pades.Ref]any{}, budget: &a.budget}
	a.fin = docReader{in: v.in, cache: map[pades.Ref]any{}, budget: &a.budget}
	var free []uint32
	for _, r := range rc.revs[s.Revision:] {
		free = append(free, r.free...)
	}
	start := a.budget
	err = a.run(free)
	v.revs.budget -= start - a.budget
	if err != nil {
		if errors.Is(err, errBudget) {
			undecided(tf("too many objects to analyse"))
		} else {
			undecided(lit(err.Error()))
		}
		return
	}
	switch {
	case len(a.disallowed) > 0:
		fail(append(a.disallowed, a.allowed...)...)
	case len(a.allowed) > 0:
		s.Modifications = Modifications{Kind: ModAllowed, Changes: phrases(a.allowed), ChangeTexts: a.allowed}
		s.note(tf("The document was changed after this signature in ways it allows: %s.", a.allowed))
	default:
		s.Modifications = Modifications{Kind: ModNone}
		s.note(tf("Later revisions follow this signature, but they change nothing in the signed document."))
	}
}

// revisionChain reads the file's revisions once per verification.
func (v *pdfVerifier) revisionChain() revisionChain {
	if v.revs == nil {
		rc := readRevisions(v.f, v.size)
		rc.budget = maxFileVisits
		v.revs = &rc
	}
	return *v.revs
}

// run compares the two documents. An error means the analysis could not
// be completed.
func (a *changeAnalysis) run(free []uint32) error {
	if err := a.diffEntries(free); err != nil {
		return err
	}
	if len(a.changed) == 0 && reflect.DeepEqual(a.pre.in.Trailer()["Root"], a.fin.in.Trailer()["Root"]) &&
		reflect.DeepEqual(a.pre.in.Trailer()["Info"], a.fin.in.Trailer()["Info"]) {
		// Only new objects, which nothing of the signed document refers
		// to: the document shows what was signed.
		return nil
	}
	a.p = a.docMDP()
	a.locks = a.fieldLocks()
	a.label()
	if a.budget <= 0 {
		return errBudget
	}
	a.catalog()
	a.pages()
	a.form()
	a.rest()
	if a.budget <= 0 {
		return errBudget
	}
	return nil
}

// diffEntries finds the objects of the signed revision that later
// revisions redefined (a different cross-reference entry whose object is
// not equal to the old one) or removed.
func (a *changeAnalysis) diffEntries(free []uint32) error {
	n := max(a.pre.in.Entries(), a.fin.in.Entries())
	var cand []uint32
	for id := 1; id < n; id++ {
		x, inPre := a.pre.in.Entry(uint32(id))
		if !inPre {
			continue
		}
		y, inFin := a.fin.in.Entry(uint32(id))
		switch {
		case !inFin:
			a.freed[uint32(id)] = true
		case x != y:
			cand = append(cand, uint32(id))
		case y.InStream:
			// The object stream that holds it may have been redefined.
			sx, _ := a.pre.in.Entry(y.Stream)
			sy, _ := a.fin.in.Entry(y.Stream)
			if sx != sy {
				cand = append(cand, uint32(id))
			}
		}
		if len(cand)+len(a.freed) > maxChanged {
			return errBudget
		}
	}
	for _, id := range free {
		if _, inPre := a.pre.in.Entry(id); inPre {
			a.freed[id] = true
		}
	}
	for id := range a.freed {
		a.changed[id] = true
	}
	for _, id := range cand {
		if !a.sameObject(id) {
			a.changed[id] = true
		}
		if a.budget <= 0 {
			return errBudget
		}
	}
	return nil
}

// sameObject reports whether object id reads the same in both documents,
// a stream's stored bytes included.
func (a *changeAnalysis) sameObject(id uint32) bool {
	x, _ := a.pre.in.Entry(id)
	y, _ := a.fin.in.Entry(id)
	if x.Gen != y.Gen {
		return false
	}
	r := pades.Ref{ID: id, Gen: x.Gen}
	o1, err1 := a.pre.object(r)
	o2, err2 := a.fin.object(r)
	if err1 != nil || err2 != nil || !reflect.DeepEqual(o1, o2) {
		return false
	}
	if d, ok := o1.(pades.Dict); ok && d["Length"] != nil {
		if a.streamBytes <= 0 {
			return false // compared enough: count it as changed
		}
		limit := min(maxStreamCmp, a.streamBytes/2)
		_, b1, err1 := a.pre.in.RawStream(r, limit)
		_, b2, err2 := a.fin.in.RawStream(r, limit)
		a.budget -= 2
		a.streamBytes -= int64(len(b1) + len(b2))
		if err1 != nil || err2 != nil {
			// Not a stream in either (a dictionary with a /Length
			// entry) is the same; anything else is not.
			return err1 != nil && err2 != nil && !errors.Is(err1, pades.ErrStreamTooLong) && !errors.Is(err2, pades.ErrStreamTooLong)
		}
		return string(b1) == string(b2)
	}
	return true
}

// docMDP returns the P of the certification signature of the signed
// revision (ISO 32000-1 §12.8.2.2, Table 254: 2 when absent), 0 when the
// document is not certified.
func (a *changeAnalysis) docMDP() int {
	perms := a.pre.dict(a.pre.in.Root()["Perms"])
	if perms == nil || perms["DocMDP"] == nil {
		return 0
	}
	sig := a.pre.dict(perms["DocMDP"])
	p := 2
	for _, r := range a.pre.array(sig["Reference"]) {
		sr := a.pre.dict(r)
		if sr["TransformMethod"] != pades.Name("DocMDP") {
			continue
		}
		if n, ok := a.pre.dict(sr["TransformParams"])["P"].(int64); ok && n >= 1 && n <= 3 {
			p = int(n)
		}
	}
	return p
}

// fieldLocks collects the FieldMDP restrictions of the signatures in the
// signed revision: a signature field's /Lock and a signature's FieldMDP
// reference (ISO 32000-1 §12.7.4.5, §12.8.2.4). A /P in a lock
// (ISO 32000-2 §12.7.5.5) tightens DocMDP.
func (a *changeAnalysis) fieldLocks() []fieldLock {
	var out []fieldLock
	for _, f := range a.fields(&a.pre) {
		if f.ft != "Sig" || f.dict["V"] == nil {
			continue
		}
		params := []pades.Dict{a.pre.dict(f.dict["Lock"])}
		for _, r := range a.pre.array(a.pre.dict(f.dict["V"])["Reference"]) {
			sr := a.pre.dict(r)
			if sr["TransformMethod"] == pades.Name("FieldMDP") {
				params = append(params, a.pre.dict(sr["TransformParams"]))
			}
		}
		for _, p := range params {
			if p == nil {
				continue
			}
			act, _ := p["Action"].(pades.Name)
			l := fieldLock{action: string(act), fields: map[string]bool{}, by: f.name}
			for _, n := range a.pre.array(p["Fields"]) {
				if s, ok := a.pre.get(n).(pades.String); ok {
					l.fields[textString(string(s))] = true
				}
			}
			if l.action != "" {
				out = append(out, l)
			}
			if n, ok := p["P"].(int64); ok && n >= 1 && n <= 3 && (a.p == 0 || int(n) < a.p) {
				a.p = int(n)
			}
		}
	}
	return out
}

func (a *changeAnalysis) locked(name string) (string, bool) {
	for _, l := range a.locks {
		if l.locks(name) {
			return l.by, true
		}
	}
	return "", false
}

// fields walks the AcroForm field tree of d to its terminal fields.
func (a *changeAnalysis) fields(d *docReader) []field {
	form := d.dict(d.in.Root()["AcroForm"])
	var out []field
	seen := map[pades.Ref]bool{}
	var walk func(x any, parent string, ft pades.Name, depth int)
	walk = func(x any, parent string, ft pades.Name, depth int) {
		if depth > maxTreeDepth || len(out) > maxFields {
			return
		}
		ref, isRef := x.(pades.Ref)
		if isRef {
			if seen[ref] {
				return
			}
			seen[ref] = true
		}
		f := d.dict(x)
		if f == nil {
			return
		}
		name := parent
		if t, ok := f["T"].(pades.String); ok {
			if name != "" {
				name += "."
			}
			name += textString(string(t))
		}
		if t, ok := f["FT"].(pades.Name); ok {
			ft = t
		}
		// Kids with a /T are fields; kids without are its widgets.
		var fieldKids []any
		var widgets []pades.Ref
		for _, k := range d.array(f["Kids"]) {
			kd := d.dict(k)
			if kd == nil {
				continue
			}
			if _, ok := kd["T"]; ok {
				fieldKids = append(fieldKids, k)
			} else if kr, ok := k.(pades.Ref); ok {
				widgets = append(widgets, kr)
			}
		}
		if len(fieldKids) > 0 {
			for _, k := range fieldKids {
				walk(k, name, ft, depth+1)
			}
			return
		}
		if isRef && f["Subtype"] == pades.Name("Widget") {
			widgets = append(widgets, ref)
		}
		out = append(out, field{name: name, ref: ref, dict: f, ft: ft, widgets: widgets})
	}
	for _, f := range d.array(form["Fields"]) {
		walk(f, "", "", 0)
	}
	return out
}

// pageList walks d's page tree (ISO 32000-1 §7.7.3) to its pages and the
// tree's inner nodes.
func pageList(d *docReader) (pages []pades.Ref, nodes []pades.Ref) {
	seen := map[pades.Ref]bool{}
	var walk func(x any, depth int)
	walk = func(x any, depth int) {
		r, ok := x.(pades.Ref)
		if !ok || seen[r] || depth > maxTreeDepth || len(seen) > maxVisits {
			return
		}
		seen[r] = true
		n := d.dict(r)
		if n == nil {
			return
		}
		if n["Type"] == pades.Name("Page") || n["Kids"] == nil {
			pages = append(pages, r)
			return
		}
		nodes = append(nodes, r)
		for _, k := range d.array(n["Kids"]) {
			walk(k, depth+1)
		}
	}
	walk(d.in.Root()["Pages"], 0)
	return pages, nodes
}

// label walks the signed revision from the catalog and gives each object
// reached its role. Paths through page content, resources and catalog
// entries no change may touch make an object protected, whatever other
// path reaches it too.
func (a *changeAnalysis) label() {
	pre := &a.pre
	root := pre.in.Root()
	visited := map[[2]uint32]bool{} // object, protected
	var walk func(x any, r role, depth int)
	walk = func(x any, r role, depth int) {
		if depth > 256 || a.budget <= 0 {
			return
		}
		switch v := x.(type) {
		case pades.Ref:
			key := [2]uint32{v.ID, 0}
			if r.protected {
				key[1] = 1
			}
			if visited[key] {
				return
			}
			visited[key] = true
			o, err := pre.object(v)
			if err != nil {
				return
			}
			if d, ok := o.(pades.Dict); ok {
				// Pages and annotations have roles of their own.
				if t := d["Type"]; depth > 0 && (t == pades.Name("Page") || t == pades.Name("Pages") || t == pades.Name("Annot")) {
					return
				}
			}
			old, ok := a.roles[v.ID]
			switch {
			case !ok:
				a.roles[v.ID] = r
			case r.protected && !old.protected:
				a.roles[v.ID] = r
			}
			walk(o, r, depth+1)
		case pades.Dict:
			for k, e := range v {
				switch k {
				case "Parent", "P", "Pg", "Obj", "Annots", "Prev", "Next", "First", "Last", "Dest", "StructParent":
					continue
				}
				walk(e, r, depth+1)
			}
		case pades.Array:
			for _, e := range v {
				walk(e, r, depth+1)
			}
		}
	}
	pages, nodes := pageList(pre)
	for _, n := range nodes {
		walk(n, role{tf("page tree"), true}, 0)
		nd := pre.dict(n)
		for k, e := range nd {
			if k != "Kids" && k != "Parent" {
				walk(e, role{tf("page tree"), true}, 1)
			}
		}
	}
	for i, p := range pages {
		a.roles[p.ID] = role{desc: tf("page %d", i+1)}
		pd := pre.dict(p)
		for k, e := range pd {
			switch k {
			case "Parent", "Annots":
				continue
			case "Contents":
				walk(e, role{tf("content of page %d", i+1), true}, 1)
			case "Resources":
				res := pre.dict(e)
				// By name first, for the messages; then the rest.
				defer func(e any, n int) { walk(e, role{tf("resources of page %d", n), true}, 1) }(e, i+1)
				for cat, names := range res {
					kind, ok := map[pades.Name]Text{"Font": tf("font"), "XObject": tf("XObject"), "ExtGState": tf("graphics state"),
						"Properties": tf("optional content or property list"), "Pattern": tf("pattern"), "Shading": tf("shading"), "ColorSpace": tf("colour space")}[cat]
					if !ok {
						kind = tf("resource /%s", string(cat))
					}
					if r, ok := names.(pades.Ref); ok {
						walk(r, role{tf("resources of page %d", i+1), true}, 1)
					}
					for name, o := range pre.dict(names) {
						walk(o, role{tf("%s /%s of page %d", kind, name, i+1), true}, 2)
					}
				}
			default:
				walk(e, role{tf("page %d /%s", i+1, k), true}, 1)
			}
		}
		annots := pd["Annots"]
		if r, ok := annots.(pades.Ref); ok {
			a.setRole(r.ID, role{desc: tf("annotations of page %d", i+1)})
		}
		for _, an := range pre.array(annots) {
			ar, ok := an.(pades.Ref)
			if !ok {
				continue
			}
			a.setRole(ar.ID, role{desc: tf("annotation on page %d", i+1)})
			for k, e := range pre.dict(ar) {
				if k != "P" && k != "Parent" && k != "Popup" && k != "IRT" && k != "V" {
					walk(e, role{tf("appearance or data of an annotation on page %d", i+1), false}, 1)
				}
			}
		}
	}
	// Signature dictionaries are sealed by their own signature, the
	// form's other objects are form data.
	if r, ok := root["AcroForm"].(pades.Ref); ok {
		a.setRole(r.ID, role{desc: tf("interactive form")})
	}
	form := pre.dict(root["AcroForm"])
	if r, ok := form["Fields"].(pades.Ref); ok {
		a.setRole(r.ID, role{desc: tf("interactive form")})
	}
	for k, e := range form {
		if k != "Fields" {
			// XFA replaces the page content in viewers that render it.
			walk(e, role{tf("interactive form /%s", k), k == "XFA"}, 1)
		}
	}
	for _, f := range a.fields(pre) {
		if f.ref != (pades.Ref{}) {
			a.setRole(f.ref.ID, role{desc: tf("form field %s", f.name)})
		}
		if f.ft == "Sig" {
			walk(f.dict["V"], role{tf("signature dictionary of field %s", f.name), true}, 1)
			if l := f.dict["Lock"]; l != nil {
				walk(l, role{tf("lock of field %s", f.name), true}, 1)
			}
		} else {
			walk(f.dict["V"], role{tf("value of form field %s", f.name), false}, 1)
		}
	}
	for k, e := range root {
		switch k {
		case "Pages", "AcroForm":
		case "DSS":
			walk(e, role{tf("document security store"), false}, 0)
		case "Metadata":
			walk(e, role{tf("XMP metadata"), false}, 0)
		case "OCProperties":
			walk(e, role{tf("optional content (layer) settings"), true}, 0)
		default:
			walk(e, role{tf("catalog /%s", k), true}, 0)
		}
	}
	if r, ok := pre.in.Trailer()["Root"].(pades.Ref); ok {
		a.roles[r.ID] = role{desc: tf("catalog")}
	}
	if info := pre.in.Trailer()["Info"]; info != nil {
		walk(info, role{tf("document information"), false}, 0)
	}
}

// setRole gives r to an object that has no protected role.
func (a *changeAnalysis) setRole(id uint32, r role) {
	if old, ok := a.roles[id]; ok && old.protected {
		return
	}
	a.roles[id] = r
}

// isChanged reports whether x, a reference, names an object of the signed
// revision that later revisions changed.
func (a *changeAnalysis) isChanged(x any) bool {
	r, ok := x.(pades.Ref)
	return ok && a.changed[r.ID]
}

// explain marks object x, a reference, as explained by an allowed change,
// unless it is protected (then it stays for rest to report).
func (a *changeAnalysis) explain(x any) {
	if r, ok := x.(pades.Ref); ok && !a.roles[r.ID].protected {
		a.explained[r.ID] = true
	}
}

// catalog compares the catalog entries.
func (a *changeAnalysis) catalog() {
	pr, fr := a.pre.in.Root(), a.fin.in.Root()
	a.explain(a.pre.in.Trailer()["Root"])
	for _, k := range keys(pr, fr) {
		if reflect.DeepEqual(pr[k], fr[k]) {
			continue
		}
		switch k {
		case "AcroForm", "Pages":
			// Compared in form and pages.
		case "DSS":
			if pr[k] == nil {
				a.allow("document security store (/DSS) added")
			} else {
				a.allow("document security store (/DSS) updated")
			}
		case "Metadata":
			a.allow("XMP metadata changed")
		case "Extensions":
			// ISO 32000-2 §7.12: declares extensions, shows nothing;
			// written with /DSS by some signers (ESIC).
			a.allow("developer extensions declared")
		case "Perms":
			a.deny("the signature permissions (/Perms) changed")
		case "OCProperties":
			a.deny("the optional content (layer) settings changed")
		default:
			a.deny("catalog entry /%s changed", k)
		}
	}
	if !reflect.DeepEqual(pr["Pages"], fr["Pages"]) {
		a.deny("the page tree was replaced")
	}
	pi, fi := a.pre.in.Trailer()["Info"], a.fin.in.Trailer()["Info"]
	if !reflect.DeepEqual(pi, fi) {
		a.allow("document information changed")
	}
	for id := range a.changed {
		switch a.roles[id].desc.Key {
		case "document security store":
			a.explained[id] = true
			a.allow("document security store (/DSS) updated")
		case "XMP metadata":
			a.explained[id] = true
			a.allow("XMP metadata changed")
		case "document information":
			a.explained[id] = true
			a.allow("document information changed")
		}
	}
}

func keys(ds ...pades.Dict) []pades.Name {
	seen := map[pades.Name]bool{}
	var out []pades.Name
	for _, d := range ds {
		for k := range d {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// pages compares the page lists and each page's entries and annotations.
func (a *changeAnalysis) pages() {
	prePages, _ := pageList(&a.pre)
	finPages, _ := pageList(&a.fin)
	if !reflect.DeepEqual(prePages, finPages) {
		switch {
		case len(finPages) > len(prePages):
			a.deny("pages added (%d signed, %d now)", len(prePages), len(finPages))
		case len(finPages) < len(prePages):
			a.deny("pages removed (%d signed, %d now)", len(prePages), len(finPages))
		default:
			a.deny("pages replaced or reordered")
		}
	}
	widgets := map[uint32]bool{}
	for _, f := range a.fields(&a.fin) {
		for _, w := range f.widgets {
			widgets[w.ID] = true
		}
	}
	for i, p := range finPages {
		if i >= len(prePages) || prePages[i] != p {
			continue
		}
		n := i + 1
		pd, fd := a.pre.dict(p), a.fin.dict(p)
		if a.changed[p.ID] {
			a.explain(p)
			for _, k := range keys(pd, fd) {
				if k == "Annots" || reflect.DeepEqual(pd[k], fd[k]) {
					continue
				}
				switch k {
				case "Contents":
					a.deny("content of page %d replaced", n)
				case "Resources":
					a.deny("resources of page %d changed", n)
				default:
					a.deny("page %d /%s changed", n, k)
				}
			}
		}
		if a.isChanged(pd["Annots"]) {
			a.explain(pd["Annots"])
		}
		pre, fin := refSet(a.pre.array(pd["Annots"])), a.fin.array(fd["Annots"])
		inFin := map[pades.Ref]bool{}
		for _, an := range fin {
			ar, ok := an.(pades.Ref)
			if !ok {
				if _, wasDirect := directIn(a.pre.array(pd["Annots"]), an); !wasDirect {
					a.annotAdded(n, a.fin.dict(an))
				}
				continue
			}
			inFin[ar] = true
			switch {
			case !pre[ar]:
				if !widgets[ar.ID] || a.fin.dict(ar)["Subtype"] != pades.Name("Widget") {
					a.annotAdded(n, a.fin.dict(ar))
				}
			case a.changed[ar.ID] && !widgets[ar.ID]:
				a.annotChanged(n, ar)
			}
		}
		for ar := range pre {
			if !inFin[ar] {
				a.deny("annotation removed from page %d", n)
			}
		}
		if len(directOnly(a.pre.array(pd["Annots"]))) > len(directOnly(fin)) {
			a.deny("annotation removed from page %d", n)
		}
	}
}

func refSet(arr pades.Array) map[pades.Ref]bool {
	m := map[pades.Ref]bool{}
	for _, x := range arr {
		if r, ok := x.(pades.Ref); ok {
			m[r] = true
		}
	}
	return m
}

func directOnly(arr pades.Array) []any {
	var out []any
	for _, x := range arr {
		if _, ok := x.(pades.Ref); !ok {
			out = append(out, x)
		}
	}
	return out
}

func directIn(arr pades.Array, x any) (int, bool) {
	for i, e := range arr {
		if reflect.DeepEqual(e, x) {
			return i, true
		}
	}
	return 0, false
}

func subtype(d pades.Dict) string {
	if s, ok := d["Subtype"].(pades.Name); ok {
		return string(s)
	}
	return "unknown"
}

// annotAdded: new annotations are allowed without DocMDP and at P=3
// (ISO 32000-1 Table 254).
func (a *changeAnalysis) annotAdded(page int, d pades.Dict) {
	a.permit(a.p == 0 || a.p == 3, tf("annotation /%s added on page %d", subtype(d), page), a.pWhy())
}

// annotChanged: an annotation that was there when the document was signed
// may change only its open state and modification date.
func (a *changeAnalysis) annotChanged(page int, r pades.Ref) {
	a.explain(r)
	pd, fd := a.pre.dict(r), a.fin.dict(r)
	for _, k := range keys(pd, fd) {
		if reflect.DeepEqual(pd[k], fd[k]) {
			continue
		}
		if k == "Open" || k == "M" {
			a.permit(a.p == 0 || a.p == 3, tf("annotation /%s on page %d opened or closed", subtype(fd), page), a.pWhy())
			continue
		}
		a.deny("annotation /%s on page %d changed (/%s)", subtype(fd), page, k)
	}
}

// form compares the interactive form and its fields.
func (a *changeAnalysis) form() {
	pr, fr := a.pre.in.Root(), a.fin.in.Root()
	pf, ff := a.pre.dict(pr["AcroForm"]), a.fin.dict(fr["AcroForm"])
	for _, x := range []any{pr["AcroForm"], fr["AcroForm"], pf["Fields"], ff["Fields"]} {
		if a.isChanged(x) {
			a.explain(x)
		}
	}
	for _, k := range keys(pf, ff) {
		if reflect.DeepEqual(pf[k], ff[k]) {
			continue
		}
		switch k {
		case "Fields", "SigFlags":
		case "DR":
			// Used only to make new appearances; existing ones keep theirs.
			a.permit(a.p != 1, tf("form default resources changed"), a.pWhy())
		case "DA":
			if pf["DA"] != nil {
				a.deny("interactive form entry /DA changed")
				continue
			}
			// Signing tools add it with the first field.
			a.permit(a.p != 1, tf("form default appearance added"), a.pWhy())
		default:
			a.deny("interactive form entry /%s changed", k)
		}
	}
	preFields := map[string]field{}
	for _, f := range a.fields(&a.pre) {
		preFields[f.name] = f
	}
	finFields := map[string]bool{}
	for _, f := range a.fields(&a.fin) {
		finFields[f.name] = true
		old, existed := preFields[f.name]
		if !existed {
			a.fieldAdded(f)
			continue
		}
		a.fieldChanged(old, f)
	}
	names := make([]string, 0, len(preFields))
	for n := range preFields {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if !finFields[n] {
			a.deny("form field %s removed", n)
		}
	}
}

// sigAdded judges a new signature value in field f. ETSI EN 319 142-1
// §5.4: document timestamps (LTV updates) are allowed at every P, but
// only invisible ones: a visible appearance could cover content (the
// "sneaky signature" of Mainka et al.). A visible signature is named as
// such in the changes for the same reason.
func (a *changeAnalysis) sigAdded(f field) {
	v := a.fin.dict(f.dict["V"])
	visible := a.visible(f)
	if v["Type"] == pades.Name("DocTimeStamp") || v["SubFilter"] == pades.Name("ETSI.RFC3161") {
		if visible {
			a.permit(a.p == 0 || a.p == 3, tf("document timestamp with a visible appearance added (field %s)", f.name), a.pWhy())
			return
		}
		a.allow("document timestamp added (field %s)", f.name)
		return
	}
	what := tf("signature")
	if visible {
		what = tf("visible signature")
	}
	a.permit(a.p != 1, tf("%s added (field %s)", what, f.name), a.pWhy())
}

// visible reports whether a widget of f has an area and an appearance
// and is not hidden (ISO 32000-1 §12.5.3 flags Hidden 2, NoView 32).
func (a *changeAnalysis) visible(f field) bool {
	for _, w := range f.widgets {
		d := a.fin.dict(w)
		rect := a.fin.array(d["Rect"])
		flags, _ := d["F"].(int64)
		if len(rect) != 4 || d["AP"] == nil || flags&(2|32) != 0 {
			continue
		}
		num := func(x any) float64 {
			switch n := a.fin.get(x).(type) {
			case int64:
				return float64(n)
			case float64:
				return n
			}
			return 0
		}
		if w, h := num(rect[2])-num(rect[0]), num(rect[3])-num(rect[1]); w*w > 1 && h*h > 1 {
			return true
		}
	}
	return false
}

func (a *changeAnalysis) fieldAdded(f field) {
	if f.ref != (pades.Ref{}) && a.changed[f.ref.ID] {
		// A field of the signed revision moved under another name.
		a.deny("form field %s renamed or moved", f.name)
		return
	}
	if f.ft == "Sig" {
		if f.dict["V"] == nil {
			a.permit(a.p != 1, tf("empty signature field %s added", f.name), a.pWhy())
		} else {
			a.sigAdded(f)
		}
		return
	}
	a.permit(a.p == 0 || a.p == 3, tf("form field %s added", f.name), a.pWhy())
}

// fieldChanged compares a field of the signed revision with its final
// state: its value may change with a new appearance (form filling), an
// empty signature field may be signed; nothing else.
func (a *changeAnalysis) fieldChanged(old, f field) {
	if old.ref != f.ref {
		a.deny("form field %s replaced", f.name)
		return
	}
	objs := append([]pades.Ref{}, f.widgets...)
	if f.ref != (pades.Ref{}) {
		objs = append(objs, f.ref)
	}
	anyChanged := false
	for _, r := range objs {
		anyChanged = anyChanged || a.changed[r.ID]
	}
	vChanged := !reflect.DeepEqual(old.dict["V"], f.dict["V"]) || a.isChanged(f.dict["V"])
	if !anyChanged && !vChanged && !a.appearanceChanged(f) {
		return
	}
	// Entries of the field and of its widgets other than the value and
	// the appearance must stay (a changed /F could hide a widget, a
	// changed /Rect move it).
	apChanged := false
	for _, r := range objs {
		pd, fd := a.pre.dict(r), a.fin.dict(r)
		for _, k := range keys(pd, fd) {
			if reflect.DeepEqual(pd[k], fd[k]) {
				continue
			}
			switch k {
			case "V":
			case "AP", "AS":
				apChanged = true
			default:
				a.deny("form field %s: /%s changed", f.name, k)
			}
		}
	}
	apChanged = apChanged || a.appearanceChanged(f)
	// The field's objects are reported here, allowed or not; protected
	// ones (shared with page content) stay for rest.
	for _, r := range objs {
		a.explain(r)
	}
	a.explain(f.dict["V"])
	a.explainAppearances(f)
	if by, ok := a.locked(f.name); ok && (vChanged || apChanged) {
		a.deny("form field %s changed although signature %s locks it", f.name, by)
		return
	}
	switch {
	case f.ft == "Sig" && vChanged && old.dict["V"] == nil:
		a.sigAdded(f)
	case f.ft == "Sig" && vChanged:
		a.deny("signature of field %s replaced", f.name)
	case f.ft == "Sig" && apChanged:
		a.deny("appearance of signature field %s changed", f.name)
	case vChanged && !apChanged:
		a.deny("form field %s changed without a new appearance", f.name)
	case vChanged && a.p == 1:
		a.deny("form field %s filled %s", f.name, a.pWhy())
	case vChanged:
		a.allow("form field %s filled", f.name)
	case apChanged:
		a.deny("appearance of form field %s changed without a new value", f.name)
	}
}

// appearanceChanged reports whether an appearance stream of the signed
// revision that a widget of f uses was redefined.
func (a *changeAnalysis) appearanceChanged(f field) bool {
	changed := false
	a.appearances(f, func(r pades.Ref) {
		changed = changed || a.changed[r.ID]
	})
	return changed
}

func (a *changeAnalysis) explainAppearances(f field) {
	a.appearances(f, func(r pades.Ref) {
		if a.changed[r.ID] {
			a.explain(r)
		}
	})
}

// appearances calls fn for the appearance streams of f's widgets in the
// final document: /AP /N, /R, /D, each a stream or a dictionary of them
// (ISO 32000-1 §12.5.5).
func (a *changeAnalysis) appearances(f field, fn func(pades.Ref)) {
	for _, w := range f.widgets {
		ap := a.fin.dict(a.fin.dict(w)["AP"])
		for _, k := range []pades.Name{"N", "R", "D"} {
			x := ap[k]
			if r, ok := x.(pades.Ref); ok {
				fn(r)
			}
			if sub, ok := a.fin.get(x).(pades.Dict); ok && sub["Length"] == nil {
				for _, s := range sub {
					if r, ok := s.(pades.Ref); ok {
						fn(r)
					}
				}
			}
		}
	}
}

// rest reports the changed objects no rule explained, by their role in
// the signed revision.
func (a *changeAnalysis) rest() {
	ids := make([]uint32, 0, len(a.changed))
	for id := range a.changed {
		if !a.explained[id] {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		r, known := a.roles[id]
		verb := tf("changed")
		if a.freed[id] {
			verb = tf("removed")
		}
		switch {
		case known:
			a.deny("%s %s (object %d)", r.desc, verb, id)
		case a.structural(id):
			// An old object stream or cross-reference stream number
			// reused for the same purpose: its objects were compared
			// one by one.
		default:
			a.deny("object %d %s", id, verb)
		}
	}
}

// structural reports whether object id is an object stream or a
// cross-reference stream in both documents.
func (a *changeAnalysis) structural(id uint32) bool {
	x, _ := a.pre.in.Entry(id)
	r := pades.Ref{ID: id, Gen: x.Gen}
	t1 := a.pre.dict(r)["Type"]
	t2 := a.fin.dict(r)["Type"]
	return t1 == t2 && (t1 == pades.Name("ObjStm") || t1 == pades.Name("XRef"))
}
