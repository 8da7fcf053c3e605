package pades

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"

	"github.com/digitorus/pdf"
)

// Errors that say why a file cannot be signed. The caller adds the file
// name.
var (
	ErrNotPDF    = errors.New("not a PDF file")
	ErrDamaged   = errors.New("damaged PDF")
	ErrEncrypted = errors.New("encrypted PDF: signing encrypted documents is not supported")
)

// document is what Prepare needs to know of the input: its revision's
// trailer, catalog, and where it ends.
type document struct {
	f          io.ReaderAt // through a block cache
	size       int64
	r          *pdf.Reader
	xrefStream bool
	startxref  int64
	trailer    Dict
	nextID     uint32 // the trailer's /Size: the first free object number
	rootRef    Ref
	root       Dict
	entries    []xentry        // the reader's cross-reference table
	checked    map[uint32]bool // object streams whose content passed balanced
}

// xentry is a cross-reference entry: an object at an offset in the file,
// or the index-th object in object stream stream.
type xentry struct {
	id       uint32
	gen      uint16
	offset   int64
	inStream bool
	stream   uint32
}

// readDocument opens the revision at the end of f. github.com/digitorus/pdf
// panics on malformed input instead of returning errors, so every call into
// it runs under recoverPDF.
func readDocument(f *os.File) (*document, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	return readDocumentStat(f, st)
}

// readDocumentStat is readDocument with the file's FileInfo at hand.
func readDocumentStat(f *os.File, st os.FileInfo) (doc *document, err error) {
	defer recoverPDF(&err)
	cache := newBlockCache(f, st.Size())
	head := make([]byte, 8)
	if _, err := cache.ReadAt(head, 0); err != nil || !bytes.HasPrefix(head, []byte("%PDF-")) {
		return nil, ErrNotPDF
	}
	if err := checkXrefChain(cache, st.Size()); err != nil {
		return nil, err
	}
	r, err := pdf.NewReader(cache, st.Size())
	if err != nil {
		return nil, readerError(cache, st.Size(), err)
	}
	doc = &document{f: cache, size: st.Size(), r: r, startxref: r.XrefInformation.StartPos,
		xrefStream: r.XrefInformation.Type == "stream", checked: map[uint32]bool{}}
	doc.entries = entries(r)
	tr, err := fromRaw(r.Trailer().RawData())
	if err != nil {
		return nil, fmt.Errorf("%w: trailer: %v", ErrDamaged, err)
	}
	var ok bool
	if doc.trailer, ok = tr.(Dict); !ok {
		return nil, fmt.Errorf("%w: no trailer dictionary", ErrDamaged)
	}
	if _, enc := doc.trailer["Encrypt"]; enc {
		return nil, ErrEncrypted
	}
	if _, hybrid := doc.trailer["XRefStm"]; hybrid {
		// Hybrid-reference files (ISO 32000-1 §7.5.8.4) hide objects from
		// readers that do not follow XRefStm; digitorus/pdf is one of them.
		return nil, fmt.Errorf("%w: hybrid cross-reference sections are not supported", ErrUnsupportedPDF)
	}
	size, ok := doc.trailer["Size"].(int64)
	if !ok || size <= 0 || size > 8_388_607 {
		return nil, fmt.Errorf("%w: trailer /Size missing or out of range", ErrDamaged)
	}
	doc.nextID = uint32(size)
	if doc.rootRef, ok = doc.trailer["Root"].(Ref); !ok {
		return nil, fmt.Errorf("%w: trailer has no /Root reference", ErrDamaged)
	}
	if err := doc.checkXref(); err != nil {
		return nil, err
	}
	root, err := doc.object(doc.rootRef)
	if err != nil {
		return nil, err
	}
	if doc.root, ok = root.(Dict); !ok || doc.root["Type"] != Name("Catalog") {
		return nil, fmt.Errorf("%w: /Root is not a catalog", ErrDamaged)
	}
	return doc, nil
}

// ErrUnsupportedPDF is a valid PDF that Siegel cannot sign safely.
var ErrUnsupportedPDF = errors.New("unsupported PDF")

func recoverPDF(err *error) {
	if p := recover(); p != nil {
		*err = fmt.Errorf("%w: %v", ErrDamaged, p)
	}
}

// entries copies the reader's cross-reference table. Its entry type is
// unexported, so the fields are read by reflection.
func entries(r *pdf.Reader) []xentry {
	xr := r.Xref()
	out := make([]xentry, len(xr))
	for i := range xr {
		x := &xr[i]
		e := reflect.ValueOf(x).Elem()
		ptr, strm := x.Ptr(), x.Stream()
		out[i] = xentry{id: ptr.GetID(), gen: ptr.GetGen(), offset: e.FieldByName("offset").Int(),
			inStream: e.FieldByName("inStream").Bool(), stream: strm.GetID()}
	}
	return out
}

// checkXref confirms that every object the cross-reference table places in
// the file starts where it says. A table that needs repair would let other
// viewers show something else than what was signed, so it is refused.
func (d *document) checkXref() error {
	buf := make([]byte, 32)
	for i, x := range d.entries {
		if x.inStream || x.offset == 0 || x.id != uint32(i) {
			continue // compressed or free
		}
		if x.offset < 0 || x.offset >= d.size {
			return fmt.Errorf("%w: cross-reference entry %d points outside the file", ErrDamaged, i)
		}
		n, err := d.f.ReadAt(buf, x.offset)
		if err != nil && err != io.EOF {
			return err
		}
		if id, gen, ok := objHeader(buf[:n]); !ok || id != uint64(x.id) || gen != uint64(x.gen) {
			return fmt.Errorf("%w: cross-reference table is broken (object %d is not at offset %d)", ErrDamaged, i, x.offset)
		}
	}
	return nil
}

// checkObject runs balanced over the bytes the reader will parse for
// object id: the object itself, or its object stream's dictionary and
// content.
func (d *document) checkObject(id uint32, depth int) error {
	if int(id) >= len(d.entries) || depth > 4 {
		return nil // the reader reports missing objects as null
	}
	x := d.entries[id]
	if !x.inStream {
		if x.offset <= 0 || x.offset >= d.size {
			return nil
		}
		if !balancedAt(d.f, x.offset, d.size) {
			return fmt.Errorf("%w: object %d is malformed", ErrDamaged, id)
		}
		return nil
	}
	if d.checked[x.stream] {
		return nil
	}
	if err := d.checkObject(x.stream, depth+1); err != nil {
		return err
	}
	sv := d.resolve(Ref{ID: x.stream})
	if sv.Kind() != pdf.Stream {
		return fmt.Errorf("%w: object stream %d is missing", ErrDamaged, x.stream)
	}
	rc := sv.Reader()
	content, err := io.ReadAll(io.LimitReader(rc, 64<<20))
	rc.Close()
	if err != nil || !balancedContent(content) {
		return fmt.Errorf("%w: object stream %d is malformed", ErrDamaged, x.stream)
	}
	d.checked[x.stream] = true
	return nil
}

// object reads the indirect object ref and converts it.
func (d *document) object(ref Ref) (obj any, err error) {
	defer recoverPDF(&err)
	val, err := d.value(ref)
	if err != nil {
		return nil, err
	}
	if val.Kind() == pdf.Stream {
		return nil, fmt.Errorf("%w: object %d is a stream where a dictionary belongs", ErrDamaged, ref.ID)
	}
	return fromRaw(val.RawData())
}

// value checks the syntax of object ref and reads it; a missing object is
// an error. Callers run it under recoverPDF.
func (d *document) value(ref Ref) (pdf.Value, error) {
	if err := d.checkObject(ref.ID, 0); err != nil {
		return pdf.Value{}, err
	}
	val := d.resolve(ref)
	if val.IsNull() {
		return pdf.Value{}, fmt.Errorf("%w: object %d %d is missing", ErrDamaged, ref.ID, ref.Gen)
	}
	return val, nil
}

// resolve reads ref through the reader. The reader's reference type is
// unexported; its own cross-reference entries hand out values of it.
func (d *document) resolve(ref Ref) pdf.Value {
	xr := d.r.Xref()
	if int(ref.ID) >= len(xr) {
		return pdf.Value{}
	}
	p := xr[ref.ID].Ptr()
	if p.GetID() != ref.ID || p.GetGen() != ref.Gen {
		return pdf.Value{}
	}
	// Resolve is given the reference as the value to resolve; the parent
	// argument only matters for direct values.
	return d.r.Resolve(p, p)
}

// readerError turns an error of pdf.NewReader into one of ours. The reader
// tries to decrypt before it hands out the trailer, so an encrypted file
// fails there; its trailer (or cross-reference stream) near the end of the
// file names /Encrypt.
func readerError(f io.ReaderAt, size int64, err error) error {
	tail := make([]byte, min(size, 64<<10))
	n, _ := f.ReadAt(tail, size-int64(len(tail)))
	if bytes.Contains(tail[:n], []byte("/Encrypt")) {
		return ErrEncrypted
	}
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "malformed PDF: ")
	msg = strings.TrimPrefix(msg, "not a PDF file: ")
	switch {
	case strings.HasPrefix(msg, "cross-reference table not found"):
		msg = "cross-reference table not found where startxref points"
	case strings.HasPrefix(msg, "missing %%EOF"):
		msg = "missing %%EOF: the file is truncated"
	}
	return fmt.Errorf("%w: %s", ErrDamaged, msg)
}

// objHeader parses "id gen obj" at the start of b (ISO 32000-1 §7.3.10),
// without allocating: it runs for every object of every document signed.
func objHeader(b []byte) (id, gen uint64, ok bool) {
	i := 0
	ws := func() {
		for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t' || b[i] == '\f' || b[i] == 0) {
			i++
		}
	}
	num := func() (uint64, bool) {
		start := i
		var v uint64
		for i < len(b) && b[i] >= '0' && b[i] <= '9' && i-start < 10 {
			v = v*10 + uint64(b[i]-'0')
			i++
		}
		return v, i > start
	}
	ws()
	if id, ok = num(); !ok {
		return 0, 0, false
	}
	ws()
	if gen, ok = num(); !ok {
		return 0, 0, false
	}
	ws()
	return id, gen, bytes.HasPrefix(b[i:], []byte("obj"))
}

// whole returns the entire file if it was read in one piece (see
// blockCache.whole).
func (d *document) whole() ([]byte, bool) {
	if c, ok := d.f.(*blockCache); ok {
		return c.whole()
	}
	return nil, false
}
