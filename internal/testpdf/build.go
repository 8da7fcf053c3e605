package testpdf

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strconv"
)

// Build writes a PDF with a classic cross-reference table from object
// bodies: objs[0] is object 1 and must be the catalog; an empty body leaves
// its number free. A body may be a stream ("<< … >>\nstream\n…\nendstream").
// trailerExtra is added to the trailer dictionary (such as "/Encrypt 9 0 R").
func Build(objs []string, trailerExtra string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, body := range objs {
		if body == "" {
			continue
		}
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, body)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f\r\n", len(objs)+1)
	for _, o := range offsets {
		if o == 0 {
			b.WriteString("0000000000 65535 f\r\n")
			continue
		}
		fmt.Fprintf(&b, "%010d 00000 n\r\n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R %s >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, trailerExtra, xref)
	return b.Bytes()
}

var (
	reStartxref = regexp.MustCompile(`startxref\s+(\d+)\s+%%EOF\s*$`)
	reTrailerSz = regexp.MustCompile(`/Size (\d+)`)
)

// AppendUpdate appends an incremental update (ISO 32000-1 §7.5.6) to a
// PDF written by Build or Pages: the objects in objs, numbered by their
// keys, replace or add to those of base.
func AppendUpdate(base []byte, objs map[int]string) []byte {
	m := reStartxref.FindSubmatch(base)
	if m == nil {
		panic("testpdf: no startxref at the end of the base PDF")
	}
	prev, _ := strconv.Atoi(string(m[1]))
	size := 0
	for _, s := range reTrailerSz.FindAllSubmatch(base, -1) {
		n, _ := strconv.Atoi(string(s[1]))
		size = max(size, n)
	}
	b := bytes.NewBuffer(append([]byte(nil), base...))
	ids := make([]int, 0, len(objs))
	for id := range objs {
		ids = append(ids, id)
		size = max(size, id+1)
	}
	sort.Ints(ids)
	offsets := map[int]int{}
	for _, id := range ids {
		offsets[id] = b.Len()
		fmt.Fprintf(b, "%d 0 obj\n%s\nendobj\n", id, objs[id])
	}
	xref := b.Len()
	b.WriteString("xref\n")
	for _, id := range ids {
		fmt.Fprintf(b, "%d 1\n%010d 00000 n\r\n", id, offsets[id])
	}
	fmt.Fprintf(b, "trailer\n<< /Size %d /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n", size, prev, xref)
	return b.Bytes()
}
