package verify

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"

	"github.com/siegel-app/siegel/signing/pades"
)

// Limits of the revision scan, so that a hostile file stays cheap.
const (
	maxMarkers     = 10_000    // "%%EOF" markers considered
	maxSections    = 1_000     // cross-reference sections followed (as pades)
	maxFreeEntries = 1_000_000 // free entries collected from later tables
	maxSectionDict = 4 << 20   // bytes of one trailer or xref stream dictionary
)

// revision is one revision of the file (ISO 32000-1 §7.5.6): the prefix
// that ends with the "%%EOF" after its cross-reference section.
type revision struct {
	xref int64 // offset of its cross-reference section
	eof  int64 // just after its "%%EOF"
	end  int64 // after the end-of-line marker that follows
	// dict is its trailer (or cross-reference stream) dictionary as
	// written; free lists the object numbers its table marks free.
	dict []byte
	free []uint32
}

// revisionChain is the file's revisions in file order, as the last
// startxref and the /Prev chain define them.
type revisionChain struct {
	revs []revision
	// trailing is set when bytes other than white space follow the last
	// revision: an update without cross-reference section, which a
	// repairing viewer may read while this reader does not.
	trailing bool
	// problem, when not empty, says why the chain cannot be trusted
	// (it runs backwards, loops, or a section cannot be read).
	problem Text
	// budget is what is left of the objects the analyses of the file's
	// signatures may read together (changes.go).
	budget int
}

// marker is a "startxref N %%EOF" found in the file.
type marker struct {
	value    int64 // N
	eof, end int64
}

var reStartxrefTail = regexp.MustCompile(`startxref[ \t\r\n\f\x00]+(\d{1,18})[ \t\r\n\f\x00]*$`)

// findMarkers scans r for "%%EOF" preceded by "startxref N", streaming.
func findMarkers(r io.ReaderAt, size int64) []marker {
	var out []marker
	const chunk = 1 << 20
	const keep = 128 // bytes carried over: the "startxref N" before a marker
	buf := make([]byte, 0, chunk+keep)
	var base int64 // file offset of buf[0]
	for off := int64(0); off < size && len(out) < maxMarkers; off += chunk {
		n := min(chunk, size-off)
		carried := len(buf)
		buf = buf[:carried+int(n)]
		if _, err := r.ReadAt(buf[carried:], off); err != nil && err != io.EOF {
			break
		}
		for i := 0; len(out) < maxMarkers; {
			j := bytes.Index(buf[i:], []byte("%%EOF"))
			if j < 0 {
				break
			}
			p := i + j
			i = p + 5
			if p+5 > len(buf) {
				break
			}
			m := reStartxrefTail.FindSubmatch(buf[max(0, p-keep):p])
			if m == nil {
				continue
			}
			v, ok := parseInt(m[1])
			if !ok {
				continue
			}
			eof := base + int64(p) + 5
			end := eof
			// The end-of-line marker (ISO 32000-1 §7.5.5): CR, LF or CRLF;
			// at the chunk's end read it from the file.
			var eol [2]byte
			k, _ := r.ReadAt(eol[:], eof)
			if k > 0 && eol[0] == '\r' {
				end++
				if k > 1 && eol[1] == '\n' {
					end++
				}
			} else if k > 0 && eol[0] == '\n' {
				end++
			}
			out = append(out, marker{value: v, eof: eof, end: end})
		}
		// Keep the tail: a marker may straddle two chunks (only markers
		// that start in the new part are searched next time).
		if len(buf) > keep {
			tail := buf[len(buf)-keep:]
			base += int64(len(buf) - keep)
			buf = append(buf[:0], tail...)
		}
		// Markers found within the carried bytes were already counted:
		// the search above starts at 0, so drop duplicates.
		out = dedupMarkers(out)
	}
	return out
}

func dedupMarkers(ms []marker) []marker {
	out := ms[:0]
	for _, m := range ms {
		if len(out) > 0 && out[len(out)-1].eof >= m.eof {
			continue
		}
		out = append(out, m)
	}
	return out
}

func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var v int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return v, true
}

var rePrev = regexp.MustCompile(`/Prev[ \t\r\n\f\x00]+(\d{1,18})`)

// readSection reads the cross-reference section at off: its trailer or
// stream dictionary, and for a table the object numbers marked free
// (ISO 32000-1 §7.5.4). ok is false when there is none.
func readSection(r io.ReaderAt, off, size int64) (dict []byte, free []uint32, ok bool) {
	head := make([]byte, 16)
	n, _ := r.ReadAt(head, off)
	if !bytes.HasPrefix(bytes.TrimLeft(head[:n], " \t\r\n\f\x00"), []byte("xref")) {
		// A cross-reference stream: its dictionary up to "stream".
		buf, found := window(r, off, size, func(b []byte) int { return bytes.Index(b, []byte("stream")) })
		if !found || !bytes.Contains(buf, []byte("/XRef")) {
			return nil, nil, false
		}
		return buf, nil, true
	}
	sc := bufio.NewScanner(io.NewSectionReader(r, off, size-off))
	sc.Buffer(make([]byte, 4096), 4096)
	sc.Split(bufio.ScanWords)
	sc.Scan() // "xref"
	var read int64
	for sc.Scan() {
		if sc.Text() == "trailer" {
			break
		}
		start, ok1 := parseInt(sc.Bytes())
		if !sc.Scan() {
			return nil, nil, false
		}
		count, ok2 := parseInt(sc.Bytes())
		if !ok1 || !ok2 || start+count > 8_388_607 {
			return nil, nil, false
		}
		if read += count; read > 8_388_607 {
			return nil, nil, false
		}
		for i := int64(0); i < count; i++ {
			if !sc.Scan() || !sc.Scan() || !sc.Scan() {
				return nil, nil, false
			}
			switch sc.Text() {
			case "f":
				if start+i != 0 && len(free) < maxFreeEntries {
					free = append(free, uint32(start+i))
				}
			case "n":
			default:
				return nil, nil, false
			}
		}
	}
	// The trailer dictionary follows the entries (about 20 bytes each),
	// up to "startxref".
	from := off + max(0, 20*read-64)
	buf, found := window(r, from, size, func(b []byte) int {
		t := bytes.Index(b, []byte("trailer"))
		if t < 0 {
			return -1
		}
		if e := bytes.Index(b[t:], []byte("startxref")); e >= 0 {
			return t + e
		}
		return -1
	})
	if !found {
		return nil, nil, false
	}
	t := bytes.Index(buf, []byte("trailer"))
	return buf[t+len("trailer"):], free, true
}

// window reads from off in growing steps up to maxSectionDict until end
// finds where what is wanted ends; it returns the bytes before that.
func window(r io.ReaderAt, off, size int64, end func([]byte) int) ([]byte, bool) {
	for w := int64(4096); ; w *= 8 {
		n := min(w, size-off, maxSectionDict)
		if n <= 0 {
			return nil, false
		}
		buf := make([]byte, n)
		m, _ := r.ReadAt(buf, off)
		if e := end(buf[:m]); e >= 0 {
			return buf[:e], true
		}
		if n == size-off || n == maxSectionDict {
			return nil, false
		}
	}
}

// readRevisions finds the revisions of the file: the cross-reference
// sections reached from the last startxref through /Prev, each ending
// at the first "startxref N %%EOF" after it that names it. A linearized
// file's first-page section (Annex F), which no such marker names, is
// no revision of its own.
func readRevisions(r io.ReaderAt, size int64) revisionChain {
	var rc revisionChain
	markers := findMarkers(r, size)
	if len(markers) == 0 {
		rc.problem = tf("the file has no end-of-file marker after a startxref")
		return rc
	}
	last := markers[len(markers)-1]
	seen := map[int64]bool{}
	off := last.value
	for hops := 0; ; hops++ {
		if hops >= maxSections {
			rc.problem = tf("the file has too many cross-reference sections")
			break
		}
		if off < 0 || off >= size {
			rc.problem = tf("a cross-reference section offset (%d) lies outside the file", off)
			break
		}
		if seen[off] {
			rc.problem = tf("the cross-reference sections form a loop")
			break
		}
		seen[off] = true
		dict, free, ok := readSection(r, off, size)
		if !ok {
			rc.problem = tf("no cross-reference section at offset %d", off)
			break
		}
		// The marker that ends this section's revision.
		for _, m := range markers {
			if m.eof > off && m.value == off {
				rc.revs = append(rc.revs, revision{xref: off, eof: m.eof, end: m.end, dict: dict, free: free})
				break
			}
		}
		// A /Prev may point forward (a linearized file's first-page
		// section does, Annex F); revisions out of order are caught below.
		p := rePrev.FindSubmatch(dict)
		if p == nil {
			break
		}
		off, _ = parseInt(p[1])
	}
	// File order, oldest first; a revision named twice is one.
	for i, j := 0, len(rc.revs)-1; i < j; i, j = i+1, j-1 {
		rc.revs[i], rc.revs[j] = rc.revs[j], rc.revs[i]
	}
	for i := 1; i < len(rc.revs); i++ {
		if rc.revs[i].eof <= rc.revs[i-1].eof {
			rc.problem = tf("the revisions' cross-reference sections are out of order")
		}
	}
	if n := len(rc.revs); n > 0 && rc.revs[n-1].end < size {
		rest := make([]byte, min(size-rc.revs[n-1].end, 1<<16))
		k, _ := r.ReadAt(rest, rc.revs[n-1].end)
		if len(bytes.Trim(rest[:k], " \t\r\n\f\x00")) > 0 || size-rc.revs[n-1].end > 1<<16 {
			rc.trailing = true
		}
	}
	return rc
}

// index returns the 1-based number of the revision whose end the byte
// range end reaches (with or without the end-of-line marker), 0 if none.
func (rc revisionChain) index(end int64) int {
	for i, r := range rc.revs {
		if end == r.eof || end == r.end {
			return i + 1
		}
	}
	return 0
}

// ErrNoRevision is returned by ExtractRevision for a revision number the
// file does not have.
var ErrNoRevision = errors.New("no such revision")

// ExtractRevision writes revision n (1-based, as Signature.Revision) of
// the PDF at path to out: the byte prefix that ends with the revision's
// "%%EOF" line, which is the document exactly as it was when that
// revision was saved (and signed). The file is written to a temporary
// file beside out and renamed, never replacing an existing out
// (pades.ErrOutputExists).
func ExtractRevision(path string, n int, out string) error {
	return extractRevision(path, n, out, false)
}

// ExtractRevisionReplace is ExtractRevision that replaces an existing out.
func ExtractRevisionReplace(path string, n int, out string) error {
	return extractRevision(path, n, out, true)
}

func extractRevision(path string, n int, out string, force bool) (err error) {
	fail := func(err error) error { return fmt.Errorf("extract revision %d of %s: %w", n, path, err) }
	f, err := os.Open(path)
	if err != nil {
		return fail(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fail(err)
	}
	if !st.Mode().IsRegular() {
		return fail(pades.ErrNotPDF)
	}
	head := make([]byte, 5)
	if _, err := f.ReadAt(head, 0); err != nil || string(head) != "%PDF-" {
		return fail(pades.ErrNotPDF)
	}
	rc := readRevisions(f, st.Size())
	if n < 1 || n > len(rc.revs) {
		return fail(fmt.Errorf("%w: the file has %d", ErrNoRevision, len(rc.revs)))
	}
	end := rc.revs[n-1].end
	tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".siegel-*.tmp")
	if err != nil {
		return fail(err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = io.Copy(tmp, io.NewSectionReader(f, 0, end)); err != nil {
		return fail(fmt.Errorf("write %s: %w", out, err))
	}
	if err = tmp.Sync(); err != nil {
		return fail(fmt.Errorf("write %s: %w", out, err))
	}
	if err = tmp.Close(); err != nil {
		return fail(fmt.Errorf("write %s: %w", out, err))
	}
	if err = pades.Rename(tmp.Name(), out, force); err != nil {
		return fail(fmt.Errorf("%s: %w", out, err))
	}
	return nil
}
