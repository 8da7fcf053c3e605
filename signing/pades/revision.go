package pades

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"reflect"

	"github.com/digitorus/pdf"
)

// InspectPrefix is Inspect for the first size bytes of the file at path:
// the document as of the revision that ends there (ISO 32000-1 §7.5.6),
// read in place, without copying the file. The same guards apply as to
// Inspect; nothing past size is read.
func InspectPrefix(path string, size int64) (*Inspection, error) {
	if size <= 0 {
		return nil, fmt.Errorf("%w: revision end %d outside the file", ErrDamaged, size)
	}
	return inspect(path, size)
}

// Size is the number of bytes the Inspection reads: the file's size, or
// the revision's end for InspectPrefix.
func (in *Inspection) Size() int64 { return in.size }

// XrefEntry is where the cross-reference data of the inspected revision
// (all sections reached through /Prev, the newest entry per object) puts
// an object: at Offset in the file, or as the object number Index of
// object stream Stream (ISO 32000-1 §7.5.4, §7.5.8.3).
type XrefEntry struct {
	ID       uint32
	Gen      uint16
	Offset   int64 // in the file; the index in the object stream when InStream
	InStream bool
	Stream   uint32
}

// Entries is the number of object numbers the cross-reference data
// covers (in use or not); 0 when it could not be read.
func (in *Inspection) Entries() int {
	if in.doc == nil {
		return 0
	}
	return len(in.doc.entries)
}

// Entry returns the entry of object id, and false when the object is not
// in use (free, or beyond the table).
func (in *Inspection) Entry(id uint32) (XrefEntry, bool) {
	if in.doc == nil || int(id) >= len(in.doc.entries) {
		return XrefEntry{}, false
	}
	x := in.doc.entries[id]
	if x.id != id || (!x.inStream && x.offset <= 0) {
		return XrefEntry{}, false
	}
	return XrefEntry{ID: x.id, Gen: x.gen, Offset: x.offset, InStream: x.inStream, Stream: x.stream}, true
}

// RawStream returns the dictionary of stream object ref and its data as
// stored, not decoded: at most limit bytes, else ErrStreamTooLong. It
// fails when ref is no stream.
func (in *Inspection) RawStream(ref Ref, limit int64) (d Dict, data []byte, err error) {
	if in.doc == nil {
		return nil, nil, ErrDamaged
	}
	defer recoverPDF(&err)
	val, err := in.doc.value(ref)
	if err != nil {
		return nil, nil, err
	}
	if val.Kind() != pdf.Stream {
		return nil, nil, fmt.Errorf("%w: object %d is not a stream", ErrDamaged, ref.ID)
	}
	rv := reflect.ValueOf(val.RawData())
	hdr, off := rv.FieldByName("hdr"), rv.FieldByName("offset")
	if !hdr.IsValid() || !off.IsValid() {
		return nil, nil, fmt.Errorf("%w: object %d: unexpected stream", ErrDamaged, ref.ID)
	}
	o, err := fromReflect(hdr, 0)
	if err != nil {
		return nil, nil, err
	}
	d, _ = o.(Dict)
	// /Length may be an indirect object (ISO 32000-1 §7.3.8.2), read
	// through the guards like any other.
	n, ok := d["Length"].(int64)
	if r, isRef := d["Length"].(Ref); isRef {
		o, err := in.Object(r)
		if err != nil {
			return nil, nil, err
		}
		n, ok = o.(int64)
	}
	if !ok {
		return nil, nil, fmt.Errorf("%w: object %d: stream without a length", ErrDamaged, ref.ID)
	}
	if n < 0 || off.Int() < 0 || off.Int()+n > in.size {
		return nil, nil, fmt.Errorf("%w: object %d: stream length outside the file", ErrDamaged, ref.ID)
	}
	if n > limit {
		return d, nil, ErrStreamTooLong
	}
	data = make([]byte, n)
	if _, err := in.f.ReadAt(data, off.Int()); err != nil {
		return nil, nil, err
	}
	return d, data, nil
}

// ErrStreamTooLong is returned by RawStream for a stream longer than the
// caller's limit.
var ErrStreamTooLong = fmt.Errorf("stream longer than the limit")

// Rename moves the finished temporary file from to to: atomically, and
// without replacing an existing to (ErrOutputExists) unless force.
func Rename(from, to string, force bool) error {
	if force {
		return os.Rename(from, to)
	}
	return renameNoReplace(from, to)
}

// maxEOFDistance is how far from the end of the file "%%EOF" may be.
// github.com/digitorus/pdf looks for it in steps of 200 bytes, re-reading
// and trimming everything after each step: quadratic in the distance, so
// a few megabytes without a marker take minutes (ISO 32000-1 §7.5.5 puts
// it on the last line).
const maxEOFDistance = 64 << 10

// eofNearEnd fails unless "%%EOF" is within maxEOFDistance of the end.
func eofNearEnd(r io.ReaderAt, size int64) error {
	tail := make([]byte, min(size, maxEOFDistance))
	n, _ := r.ReadAt(tail, size-int64(len(tail)))
	if !bytes.Contains(tail[:n], []byte("%%EOF")) {
		return fmt.Errorf("%w: missing %%%%EOF at the end: the file is truncated or has data appended", ErrDamaged)
	}
	return nil
}
