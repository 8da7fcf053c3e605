package verify

import (
	"bytes"
	"fmt"
	"regexp"
	"testing"
)

// TestFindMarkers: markers are found wherever they fall relative to the
// scan's 1 MiB chunks, each once, and only after a startxref.
func TestFindMarkers(t *testing.T) {
	for _, at := range []int{0, 100, 1<<20 - 30, 1<<20 - 12, 1<<20 - 3, 1 << 20, 1<<20 + 7, 2<<20 - 20} {
		t.Run(fmt.Sprint(at), func(t *testing.T) {
			var b bytes.Buffer
			b.WriteString("%PDF-1.7\n")
			for b.Len() < at {
				b.WriteByte('x')
			}
			b.WriteString("\nstartxref\n12345\n%%EOF\r\n")
			b.WriteString("stray %%EOF without startxref\n")
			for b.Len() < at+300 {
				b.WriteByte('y')
			}
			b.WriteString("\nstartxref 99\n%%EOF")
			data := b.Bytes()
			got := findMarkers(bytes.NewReader(data), int64(len(data)))
			var want []marker
			for _, m := range regexp.MustCompile(`startxref\s+(\d+)\s*%%EOF(\r\n|\n|\r)?`).FindAllSubmatchIndex(data, -1) {
				v, _ := parseInt(data[m[2]:m[3]])
				eof := int64(m[1])
				if m[4] >= 0 {
					eof = int64(m[4])
				}
				want = append(want, marker{value: v, eof: eof, end: int64(m[1])})
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("markers %v, want %v", got, want)
			}
		})
	}
}
