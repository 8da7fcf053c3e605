package pades

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"

	"github.com/digitorus/pdf"
)

// Inspection is read-only access to a PDF's objects for the content audit
// (package audit). Unlike Prepare it does not refuse a file that needs
// repair or is encrypted: it says so and reads what it still can. Every
// read goes through the same guards as Prepare's (recoverPDF, balanced).
type Inspection struct {
	f    *os.File
	doc  *document // nil when the reader could not open the file
	size int64
	// Encrypted is set when the trailer names /Encrypt (ISO 32000-1 §7.6).
	Encrypted bool
	// Damaged, when not nil, says why the cross-reference data or the
	// trailer needs repair (ISO 32000-1 §7.5.4-§7.5.8).
	Damaged error
}

// Inspect opens path for reading its objects. It fails with ErrNotPDF when
// the file does not start like a PDF, or with the error of the file system;
// a damaged or encrypted file opens with Damaged or Encrypted set. The
// caller closes the Inspection.
func Inspect(path string) (*Inspection, error) { return inspect(path, -1) }

// inspect opens the first size bytes of path, or all of it for a
// negative size, for Inspect and InspectPrefix.
func inspect(path string, size int64) (*Inspection, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%w: not a regular file", ErrNotPDF)
	}
	if size < 0 {
		size = st.Size()
	} else if size == 0 || size > st.Size() {
		f.Close()
		return nil, fmt.Errorf("%w: revision end %d outside the file", ErrDamaged, size)
	}
	in := &Inspection{f: f, size: size}
	head := make([]byte, 8)
	if _, err := io.ReadFull(io.NewSectionReader(f, 0, size), head); err != nil || !bytes.HasPrefix(head, []byte("%PDF-")) {
		f.Close()
		return nil, ErrNotPDF
	}
	in.open()
	return in, nil
}

// open sets up the reader as readDocument does, noting damage and
// encryption instead of failing on them.
func (in *Inspection) open() {
	var err error
	defer func() {
		if p := recover(); p != nil {
			in.Damaged = fmt.Errorf("%w: %v", ErrDamaged, p)
		}
	}()
	cache := newBlockCache(in.f, in.size)
	if err = checkXrefChain(cache, in.size); err != nil {
		in.Damaged = err
		return
	}
	r, err := pdf.NewReader(cache, in.size)
	if err != nil {
		err = readerError(cache, in.size, err)
		if errors.Is(err, ErrEncrypted) {
			in.Encrypted = true
		} else {
			in.Damaged = err
		}
		return
	}
	doc := &document{f: cache, size: in.size, r: r, startxref: r.XrefInformation.StartPos,
		xrefStream: r.XrefInformation.Type == "stream", checked: map[uint32]bool{}}
	doc.entries = entries(r)
	tr, err := fromRaw(r.Trailer().RawData())
	if err != nil {
		in.Damaged = fmt.Errorf("%w: trailer: %v", ErrDamaged, err)
		return
	}
	var ok bool
	if doc.trailer, ok = tr.(Dict); !ok {
		in.Damaged = fmt.Errorf("%w: no trailer dictionary", ErrDamaged)
		return
	}
	if _, enc := doc.trailer["Encrypt"]; enc {
		in.Encrypted = true
	}
	if doc.rootRef, ok = doc.trailer["Root"].(Ref); !ok {
		in.Damaged = fmt.Errorf("%w: trailer has no /Root reference", ErrDamaged)
		return
	}
	in.Damaged = doc.checkXref()
	in.doc = doc
	if root, err := in.Object(doc.rootRef); err == nil {
		doc.root, _ = root.(Dict)
	}
	if doc.root == nil && in.Damaged == nil {
		in.Damaged = fmt.Errorf("%w: /Root is not a catalog", ErrDamaged)
	}
}

// Close closes the file.
func (in *Inspection) Close() error { return in.f.Close() }

// Root returns the document catalog, nil when it could not be read.
func (in *Inspection) Root() Dict {
	if in.doc == nil {
		return nil
	}
	return in.doc.root
}

// Trailer returns the last trailer, nil when it could not be read.
func (in *Inspection) Trailer() Dict {
	if in.doc == nil {
		return nil
	}
	return in.doc.trailer
}

// Object reads the indirect object ref. For a stream it returns the
// stream's dictionary; its data is not read.
func (in *Inspection) Object(ref Ref) (obj any, err error) {
	if in.doc == nil {
		return nil, ErrDamaged
	}
	defer recoverPDF(&err)
	val, err := in.doc.value(ref)
	if err != nil {
		return nil, err
	}
	if val.Kind() == pdf.Stream {
		// The stream's header is an unexported field; read it by
		// reflection without resolving its references, which would read
		// other objects past the guards.
		hdr := reflect.ValueOf(val.RawData()).FieldByName("hdr")
		if !hdr.IsValid() {
			return nil, fmt.Errorf("%w: object %d: unexpected stream", ErrDamaged, ref.ID)
		}
		return fromReflect(hdr, 0)
	}
	return fromRaw(val.RawData())
}

// fromReflect is fromRaw for values reached through unexported fields,
// whose Interface method is not available.
func fromReflect(rv reflect.Value, depth int) (any, error) {
	if depth > 64 {
		return nil, errors.New("PDF value nested too deeply")
	}
	switch rv.Kind() {
	case reflect.Interface:
		if rv.IsNil() {
			return nil, nil
		}
		return fromReflect(rv.Elem(), depth+1)
	case reflect.Bool:
		return rv.Bool(), nil
	case reflect.Int64:
		return rv.Int(), nil
	case reflect.Float64:
		return rv.Float(), nil
	case reflect.String:
		if rv.Type().Name() == "string" {
			return String(rv.String()), nil
		}
		return Name(rv.String()), nil
	case reflect.Map:
		d := Dict{}
		iter := rv.MapRange()
		for iter.Next() {
			v, err := fromReflect(iter.Value(), depth+1)
			if err != nil {
				return nil, err
			}
			d[Name(iter.Key().String())] = v
		}
		return d, nil
	case reflect.Slice:
		a := make(Array, rv.Len())
		for i := range a {
			v, err := fromReflect(rv.Index(i), depth+1)
			if err != nil {
				return nil, err
			}
			a[i] = v
		}
		return a, nil
	case reflect.Struct: // objptr{id uint32; gen uint16}
		id, gen := rv.FieldByName("id"), rv.FieldByName("gen")
		if id.IsValid() && gen.IsValid() {
			return Ref{ID: uint32(id.Uint()), Gen: uint16(gen.Uint())}, nil
		}
	}
	return nil, fmt.Errorf("unexpected PDF value of kind %s", rv.Kind())
}

// Revisions counts the file's revisions: the cross-reference sections
// reached from the last startxref through /Prev (ISO 32000-1 §7.5.6). A
// linearized file's first-page section (Annex F) is no revision of its own.
func (in *Inspection) Revisions() int {
	tail := make([]byte, min(in.size, 2048))
	n, _ := in.f.ReadAt(tail, in.size-int64(len(tail)))
	tail = tail[:n]
	i := bytes.LastIndex(tail, []byte("startxref"))
	if i < 0 {
		return 1
	}
	off, ok := leadingInt(tail[i+len("startxref"):])
	seen := map[int64]bool{}
	count := 0
	for ok && off >= 0 && off < in.size && !seen[off] && count < 1000 { // as checkXrefChain
		seen[off] = true
		count++
		dict, found := readUntil(in.f, off, in.size, "trailer", "startxref", "stream")
		if !found {
			break
		}
		p := bytes.LastIndex(dict, []byte("/Prev"))
		if p < 0 {
			break
		}
		off, ok = leadingInt(dict[p+len("/Prev"):])
	}
	head := make([]byte, min(in.size, 1024))
	m, _ := in.f.ReadAt(head, 0)
	if count > 1 && bytes.Contains(head[:m], []byte("/Linearized")) {
		count--
	}
	return max(count, 1)
}

var _ io.Closer = (*Inspection)(nil)
