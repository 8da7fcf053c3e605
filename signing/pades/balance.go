package pades

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"regexp"
)

// balanced reports whether the object syntax in b (ISO 32000-1 §7.2-7.3)
// closes every array, dictionary and string it opens before the first
// "endobj" or "stream" keyword at the top level, or before the end of b.
//
// github.com/digitorus/pdf loops forever on an array left open before
// "endobj" or the end of its input, so every object is checked with this
// before that reader parses it.
func balanced(b []byte) bool { return balance(b, false, true) == scanOK }

// balancedContent is balanced for the content of an object stream
// (ISO 32000-1 §7.5.7): objects without "obj" and "endobj", checked to
// the end; either keyword in it is an error.
func balancedContent(b []byte) bool { return balance(b, true, true) == scanOK }

type scan int

const (
	scanOK    scan = iota
	scanBad        // unbalanced
	scanShort      // b ended before the object did: read more
)

// balance scans b. atEnd says that nothing follows b in the file;
// otherwise running out of b asks for more (scanShort).
func balance(b []byte, content, atEnd bool) scan {
	short := func() scan {
		if atEnd {
			return scanBad
		}
		return scanShort
	}
	var stack []byte // '[' or '<' (dictionary)
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c == '%':
			for i < len(b) && b[i] != '\n' && b[i] != '\r' {
				i++
			}
		case c == '(':
			depth := 0
			for ; i < len(b); i++ {
				if b[i] == '\\' {
					i++
					continue
				}
				if b[i] == '(' {
					depth++
				} else if b[i] == ')' {
					depth--
					if depth == 0 {
						break
					}
				}
			}
			if i >= len(b) {
				return short()
			}
			i++
		case c == '<' && i+1 < len(b) && b[i+1] == '<':
			stack = append(stack, '<')
			i += 2
		case c == '<':
			j := bytes.IndexByte(b[i:], '>')
			if j < 0 {
				return short()
			}
			i += j + 1
		case c == '>' && i+1 < len(b) && b[i+1] == '>':
			if len(stack) == 0 || stack[len(stack)-1] != '<' {
				return scanBad
			}
			stack = stack[:len(stack)-1]
			i += 2
		case c == '/': // a name, such as /endobj, is no keyword
			i++
			for i < len(b) && isRegular(b[i]) {
				i++
			}
		case c == '[':
			stack = append(stack, '[')
			i++
		case c == ']':
			if len(stack) == 0 || stack[len(stack)-1] != '[' {
				return scanBad
			}
			stack = stack[:len(stack)-1]
			i++
		case isRegular(c):
			j := i
			for j < len(b) && isRegular(b[j]) {
				j++
			}
			if w := b[i:j]; bytes.Equal(w, []byte("endobj")) || bytes.Equal(w, []byte("stream")) {
				if !content && len(stack) == 0 {
					return scanOK
				}
				return scanBad
			}
			i = j
		default:
			i++
		}
	}
	if content || atEnd {
		if len(stack) == 0 {
			return scanOK
		}
		return scanBad
	}
	return scanShort
}

// isRegular is true for bytes that are neither white space nor delimiters
// (ISO 32000-1 §7.2.2).
func isRegular(c byte) bool {
	switch c {
	case 0, '\t', '\n', '\f', '\r', ' ', '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return false
	}
	return true
}

// maxObject bounds the bytes checked for one object that is not a stream.
const maxObject = 4 << 20

// checkXrefChain runs balanced over every trailer and cross-reference stream
// dictionary that pdf.NewReader will parse, following /Prev, before it does.
func checkXrefChain(r io.ReaderAt, size int64) error {
	if err := eofNearEnd(r, size); err != nil { // revision.go
		return err
	}
	tail := make([]byte, min(size, 2048))
	n, _ := r.ReadAt(tail, size-int64(len(tail)))
	tail = tail[:n]
	i := bytes.LastIndex(tail, []byte("startxref"))
	if i < 0 {
		return nil // the reader reports this itself
	}
	off, ok := leadingInt(tail[i+len("startxref"):])
	seen := map[int64]bool{}
	for hops := 0; ok && off >= 0 && off < size && !seen[off]; hops++ {
		if hops > 1000 {
			return fmt.Errorf("%w: too many cross-reference sections", ErrDamaged)
		}
		seen[off] = true
		dict, found := readUntil(r, off, size, "trailer", "startxref", "stream")
		if !found {
			// No section here: the reader will say so, unless what it
			// would parse instead is unbalanced (then it would hang).
			if balance(dict, false, true) == scanBad {
				return fmt.Errorf("%w: cross-reference section at offset %d is malformed", ErrDamaged, off)
			}
			return nil
		}
		if !balanced(dict) || !xrefSane(r, off, size, dict) {
			return fmt.Errorf("%w: cross-reference section at offset %d is malformed", ErrDamaged, off)
		}
		p := bytes.LastIndex(dict, []byte("/Prev"))
		if p < 0 {
			return nil
		}
		off, ok = leadingInt(dict[p+len("/Prev"):])
	}
	return nil
}

// leadingInt reads the unsigned integer after optional white space.
func leadingInt(b []byte) (int64, bool) {
	b = bytes.TrimLeft(b, " \t\r\n\f\x00")
	var v int64
	i := 0
	for ; i < len(b) && i < 18 && b[i] >= '0' && b[i] <= '9'; i++ {
		v = v*10 + int64(b[i]-'0')
	}
	return v, i > 0
}

// readUntil reads from off, in growing steps up to maxObject, until it has
// a cross-reference section's dictionary: after "trailer" up to
// "startxref" for a table, up to "stream" for a cross-reference stream.
// Without one it returns what it read and false.
func readUntil(r io.ReaderAt, off, size int64, trailer, endTable, endStream string) ([]byte, bool) {
	for w := int64(4096); ; w *= 8 {
		n := min(w, size-off, maxObject)
		buf := make([]byte, n)
		m, _ := r.ReadAt(buf, off)
		buf = buf[:m]
		if bytes.HasPrefix(bytes.TrimLeft(buf, " \t\r\n\f\x00"), []byte("xref")) {
			if t := bytes.Index(buf, []byte(trailer)); t >= 0 {
				if e := bytes.Index(buf[t:], []byte(endTable)); e >= 0 {
					return buf[t+len(trailer) : t+e], true
				}
			}
		} else if e := bytes.Index(buf, []byte(endStream)); e >= 0 {
			return buf[:e], true
		}
		if n == size-off || n == maxObject {
			return buf, false
		}
	}
}

// balancedAt runs balanced over the object at off, reading in growing
// steps so that small objects in large files cost a small read.
func balancedAt(r io.ReaderAt, off, size int64) bool {
	for w := int64(4096); ; w *= 8 {
		n := min(w, size-off, maxObject)
		buf := make([]byte, n)
		m, _ := r.ReadAt(buf, off)
		switch balance(buf[:m], false, n == size-off) {
		case scanOK:
			return true
		case scanBad:
			return false
		}
		if n == maxObject {
			return false
		}
	}
}

// maxObjects is the largest object number a conforming file may use
// (ISO 32000-1 Annex C.2). pdf.NewReader allocates its table by the numbers
// it reads, so a crafted one could exhaust memory before any check.
const maxObjects = 8_388_607

var (
	reSize  = regexp.MustCompile(`/Size\s+(\d+)`)
	reIndex = regexp.MustCompile(`/Index\s*\[([\d\s]*)\]`)
	reW     = regexp.MustCompile(`/W\s*\[([\d\s]*)\]`)
)

// xrefSane checks the numbers that size pdf.NewReader's allocations: the
// subsection ranges of a table, /Size, /Index and /W of a stream.
func xrefSane(r io.ReaderAt, off, size int64, dict []byte) bool {
	if m := reSize.FindSubmatch(dict); m != nil {
		if n, ok := leadingInt(m[1]); !ok || n > maxObjects {
			return false
		}
	}
	if m := reIndex.FindSubmatch(dict); m != nil {
		for _, f := range bytes.Fields(m[1]) {
			if n, ok := leadingInt(f); !ok || n > maxObjects {
				return false
			}
		}
	}
	if m := reW.FindSubmatch(dict); m != nil {
		for _, f := range bytes.Fields(m[1]) {
			if n, ok := leadingInt(f); !ok || n > 8 {
				return false
			}
		}
	}
	// A table: every subsection "start count" within the limit.
	sc := bufio.NewScanner(io.NewSectionReader(r, off, size-off))
	sc.Buffer(make([]byte, 4096), 4096)
	sc.Split(bufio.ScanWords)
	if !sc.Scan() || sc.Text() != "xref" {
		return true // a stream: checked above
	}
	for sc.Scan() {
		if sc.Text() == "trailer" {
			return true
		}
		start, ok1 := leadingInt(sc.Bytes())
		if !sc.Scan() {
			return true
		}
		count, ok2 := leadingInt(sc.Bytes())
		if !ok1 || !ok2 || start+count > maxObjects {
			return false
		}
		for i := int64(0); i < 3*count && sc.Scan(); i++ {
		}
	}
	return true
}
