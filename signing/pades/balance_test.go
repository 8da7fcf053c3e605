package pades

import (
	"strings"
	"testing"
)

func TestBalanced(t *testing.T) {
	tests := []struct {
		in      string
		want    bool // balanced
		content bool // as object stream content
	}{
		{"1 0 obj << /Kids [2 0 R 3 0 R] >> endobj", true, false},
		{"1 0 obj << /Kids [2 0 R 3 0 R >> endobj", false, false},
		{"1 0 obj << /Kids [2 0 R %] comment\n] >> endobj", true, false},
		{"1 0 obj [2 0 R endobj", false, false},
		{"1 0 obj [ (a ] string) <5d> /endobj ] endobj", true, false},
		{"1 0 obj (unterminated endobj", false, false},
		{"1 0 obj (nested (parens) \\) ok) endobj", true, false},
		{"1 0 obj << /Length 3 >> stream\n[[[", true, false},
		{"1 0 obj << /A [ >> stream", false, false},
		{"<< /A 1 >> ] endobj", false, false},
		{"<< /A 1 >> [1 2] << /B [3] >>", true, true},
		{"<< /A 1 >> [1 2", false, true},
		{"<< /A 1 >> endobj [", false, true},
	}
	for _, tc := range tests {
		if got := balance([]byte(tc.in), tc.content, true) == scanOK; got != tc.want {
			t.Errorf("balance(%q, content=%v) = %v, want %v", tc.in, tc.content, got, tc.want)
		}
	}
}

func TestXrefSane(t *testing.T) {
	tests := []struct {
		name, file string
		want       bool
	}{
		{"table", "xref\n0 2\n0000000000 65535 f\r\n0000000015 00000 n\r\ntrailer\n<< /Size 2 >>", true},
		{"huge subsection", "xref\n0 1\n0000000000 65535 f\r\n900000000 1\n0000000015 00000 n\r\ntrailer\n<< /Size 2 >>", false},
		{"huge size", "xref\n0 1\n0000000000 65535 f\r\ntrailer\n<< /Size 900000000 >>", false},
		{"stream", "5 0 obj << /Type /XRef /Size 6 /W [1 2 1] /Index [0 6] >> stream", true},
		{"stream huge index", "5 0 obj << /Type /XRef /Size 6 /W [1 2 1] /Index [0 6 800000000 1] >> stream", false},
		{"stream huge width", "5 0 obj << /Type /XRef /Size 6 /W [1 200000 1] >> stream", false},
	}
	for _, tc := range tests {
		r := strings.NewReader(tc.file)
		if got := xrefSane(r, 0, int64(len(tc.file)), []byte(tc.file)); got != tc.want {
			t.Errorf("%s: xrefSane = %v, want %v", tc.name, got, tc.want)
		}
	}
}
