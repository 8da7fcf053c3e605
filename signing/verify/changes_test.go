package verify_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/siegel-app/siegel/internal/judge"
	"github.com/siegel-app/siegel/internal/testenv"
	"github.com/siegel-app/siegel/internal/testpdf"
	"github.com/siegel-app/siegel/internal/testpki"
	"github.com/siegel-app/siegel/signing/pades"
	"github.com/siegel-app/siegel/signing/verify"
)

var reLastStartxref = regexp.MustCompile(`startxref\s+(\d+)\s+%%EOF\s*$`)

// TestChangesRevisions: revisions and the chain of cross-reference
// sections, on files with tables, with streams, linearized, and with
// chains that do not build on the signed revision.
func TestChangesRevisions(t *testing.T) {
	p := testpki.MustShared(t)
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain.pdf")
	os.WriteFile(plain, testpdf.Pages(2), 0o644)
	qpdf := func(t *testing.T, args ...string) string {
		bin := testenv.Need(t, "qpdf")["qpdf"]
		out := filepath.Join(t.TempDir(), "q.pdf")
		if b, err := exec.Command(bin, append(args, plain, out)...).CombinedOutput(); err != nil {
			t.Fatalf("qpdf: %v\n%s", err, b)
		}
		return out
	}
	type want struct {
		ind      verify.Indication
		mods     string
		revision int
		change   string
	}
	for _, tc := range []struct {
		name  string
		make  func(t *testing.T, out string)
		wants []want
	}{
		{name: "signature and DSS after it", wants: []want{{verify.TotalPassed, verify.ModAllowed, 2, "signature added"}, {verify.TotalPassed, verify.ModAllowed, 3, "/DSS"}},
			make: func(t *testing.T, out string) {
				atkSign(t, p, plain, out+".1", pades.Options{}, nil)
				atkSign(t, p, out+".1", out, pades.Options{}, func(prep *pades.Prepared) {
					if err := prep.AppendDSS(pades.DSS{Certs: [][]byte{p.Root.Cert.Raw}}); err != nil {
						t.Fatal(err)
					}
				})
			}},
		{name: "object streams, two signatures", wants: []want{{verify.TotalPassed, verify.ModAllowed, 2, "signature added"}, {verify.TotalPassed, verify.ModNone, 3, ""}},
			make: func(t *testing.T, out string) {
				in := qpdf(t, "--object-streams=generate")
				atkSign(t, p, in, out+".1", pades.Options{}, nil)
				atkSign(t, p, out+".1", out, pades.Options{}, nil)
			}},
		{name: "object streams, content redefined", wants: []want{{verify.TotalFailed, verify.ModDisallowed, 2, "content of page 1"}},
			make: func(t *testing.T, out string) {
				in := qpdf(t, "--object-streams=generate", "--compress-streams=n")
				atkSign(t, p, in, out, pades.Options{}, nil)
				// qpdf renumbers: find page 1's content by its text.
				data, _ := os.ReadFile(out)
				content := regexp.MustCompile(`(\d+) 0 obj\s*<<\s*/Length \d+\s*>>\s*stream\s*BT /F1 24 Tf 72 720 Td \(Siegel test page 1`).FindSubmatch(data)
				if content == nil {
					t.Skip("qpdf wrote the content differently")
				}
				id := 0
				for _, c := range content[1] {
					id = id*10 + int(c-'0')
				}
				edit(t, out, func(b []byte) []byte {
					return appendStreamUpdate(t, b, id, stream("BT /F1 24 Tf 72 720 Td (Pay 1000000 EUR) Tj ET", ""))
				})
			}},
		{name: "linearized", wants: []want{{verify.TotalPassed, verify.ModAllowed, 2, "annotation"}},
			make: func(t *testing.T, out string) {
				in := qpdf(t, "--linearize")
				atkSign(t, p, in, out, pades.Options{}, nil)
				data, _ := os.ReadFile(out)
				// The page that holds the widget is the one Prepare rewrote.
				m := regexp.MustCompile(`(?s).*\n(\d+) 0 obj\n(<</Annots \[[^\]]*\][^\n]*/Type /Page>>)\nendobj`).FindSubmatch(data)
				if m == nil {
					t.Fatalf("no page in the signed update")
				}
				id := 0
				for _, c := range m[1] {
					id = id*10 + int(c-'0')
				}
				page := string(m[2])
				root := regexp.MustCompile(`/Root (\d+ 0 R)`).FindAllSubmatch(data, -1)
				update(t, out, func([]byte) map[int]string {
					return map[int]string{id: strings.Replace(page, "/Annots [", "/Annots [900 0 R ", 1),
						900: "<< /Type /Annot /Subtype /Text /Rect [300 300 320 320] /Contents (A comment) >>"}
				})
				// testpdf.AppendUpdate names object 1 as the catalog;
				// qpdf numbered it otherwise.
				edit(t, out, func(b []byte) []byte {
					i := bytes.LastIndex(b, []byte("/Root 1 0 R"))
					return append(append(append([]byte{}, b[:i]...), "/Root "+string(root[len(root)-1][1])...), b[i+len("/Root 1 0 R"):]...)
				})
			}},
		{name: "update that skips the signed revision", wants: []want{{verify.TotalFailed, verify.ModDisallowed, 0, "do not build on the signed revision"}},
			make: func(t *testing.T, out string) {
				first := testpdf.Pages(2)
				prev := string(reLastStartxref.FindSubmatch(first)[1])
				atkSign(t, p, plain, out, pades.Options{}, nil)
				// The catalog, page, widget and signature dictionary
				// again, with other content, in an update chained to the
				// unsigned original: the signature's own revision is left
				// out of the chain.
				update(t, out, func(b []byte) map[int]string {
					return map[int]string{1: lastObj(t, b, 1), 5: lastObj(t, b, 5), 9: lastObj(t, b, 9), 10: lastObj(t, b, 10),
						6: stream("BT /F1 24 Tf 72 720 Td (Pay 1000000 EUR) Tj ET", "")}
				})
				edit(t, out, func(b []byte) []byte {
					i := bytes.LastIndex(b, []byte("/Prev "))
					j := i + len("/Prev ") + bytes.IndexByte(b[i+len("/Prev "):], ' ')
					return append(append(append([]byte{}, b[:i+len("/Prev ")]...), prev...), b[j:]...)
				})
			}},
		{name: "later hybrid cross-reference section", wants: []want{{verify.TotalFailed, verify.ModDisallowed, 2, "hybrid"}},
			make: func(t *testing.T, out string) {
				atkSign(t, p, plain, out, pades.Options{}, nil)
				update(t, out, func([]byte) map[int]string { return map[int]string{40: "(new)"} })
				edit(t, out, func(b []byte) []byte {
					i := bytes.LastIndex(b, []byte("/Prev "))
					return append(append(append([]byte{}, b[:i]...), "/XRefStm 1 "...), b[i:]...)
				})
			}},
		{name: "object freed in a later table", wants: []want{{verify.TotalFailed, verify.ModDisallowed, 2, "content of page 1 removed"}},
			make: func(t *testing.T, out string) {
				atkSign(t, p, plain, out, pades.Options{}, nil)
				update(t, out, func([]byte) map[int]string { return map[int]string{40: "(new)"} })
				// Turn the update's entry into "object 6 is free".
				edit(t, out, func(b []byte) []byte {
					i := bytes.LastIndex(b, []byte("\n40 1\n"))
					e := bytes.Replace(b[i:], []byte("\n40 1\n"), []byte("\n6 1\n"), 1)
					k := bytes.Index(e, []byte(" n\r\n"))
					copy(e[k-16:], "0000000000 00001 f")
					return append(b[:i:i], e...)
				})
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.pdf")
			tc.make(t, out)
			rep, err := verify.Verify(out, verify.Options{Roots: rootsOf(p), SkipRevocation: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Signatures) != len(tc.wants) {
				t.Fatalf("%d signatures, want %d", len(rep.Signatures), len(tc.wants))
			}
			for i, w := range tc.wants {
				s := rep.Signatures[i]
				t.Logf("signature %d: revision %d, %s/%s, %s %q", i, s.Revision, s.Indication, s.SubIndication, s.Modifications.Kind, s.Modifications.Changes)
				if s.Indication != w.ind || s.Modifications.Kind != w.mods || s.Revision != w.revision ||
					(w.change != "" && !containsChange(s.Modifications.Changes, w.change)) {
					t.Errorf("signature %d: revision %d, %s/%s, %s %q; want revision %d, %s, %s %q; problems %q", i, s.Revision,
						s.Indication, s.SubIndication, s.Modifications.Kind, s.Modifications.Changes, w.revision, w.ind, w.mods, w.change, s.Problems)
				}
				if w.ind == verify.TotalFailed && s.SubIndication != verify.SigConstraintsFailure {
					t.Errorf("signature %d: sub-indication %s", i, s.SubIndication)
				}
			}
		})
	}
}

// TestChangesManyPages: the analysis of a long document with two
// signatures completes and finds only the second signature.
func TestChangesManyPages(t *testing.T) {
	p := testpki.MustShared(t)
	dir := t.TempDir()
	in, one, two := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "one.pdf"), filepath.Join(dir, "two.pdf")
	if err := testpdf.WriteFile(in, 500, 0); err != nil {
		t.Fatal(err)
	}
	atkSign(t, p, in, one, pades.Options{Certify: 2}, nil)
	atkSign(t, p, one, two, pades.Options{}, nil)
	rep, err := verify.Verify(two, verify.Options{Roots: rootsOf(p), SkipRevocation: true})
	if err != nil {
		t.Fatal(err)
	}
	if s := rep.Signatures[0]; s.Indication != verify.TotalPassed || s.Modifications.Kind != verify.ModAllowed {
		t.Errorf("%s/%s %s %q", s.Indication, s.SubIndication, s.Modifications.Kind, s.Modifications.Changes)
	}
}

func TestExtractRevision(t *testing.T) {
	p := testpki.MustShared(t)
	dir := t.TempDir()
	plain, one, two := filepath.Join(dir, "plain.pdf"), filepath.Join(dir, "one.pdf"), filepath.Join(dir, "two.pdf")
	os.WriteFile(plain, testpdf.Pages(1), 0o644)
	atkSign(t, p, plain, one, pades.Options{}, nil)
	atkSign(t, p, one, two, pades.Options{}, nil)
	update(t, two, func(b []byte) map[int]string {
		return map[int]string{6: stream("BT /F1 24 Tf 72 720 Td (Pay 1000000 EUR) Tj ET", "")}
	})
	rep, err := verify.Verify(two, verify.Options{Roots: rootsOf(p), SkipRevocation: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Indication != verify.TotalFailed {
		t.Fatalf("changed file: %s", rep.Indication)
	}

	// The first signature's revision is the file it signed, byte for byte.
	rev := rep.Signatures[0].Revision
	out := filepath.Join(dir, "signed.pdf")
	if err := verify.ExtractRevision(two, rev, out); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(out)
	want, _ := os.ReadFile(one)
	if !bytes.Equal(got, want) {
		t.Fatalf("revision %d: %d bytes, the signed file has %d", rev, len(got), len(want))
	}
	r1, err := verify.Verify(out, verify.Options{Roots: rootsOf(p), SkipRevocation: true})
	if err != nil {
		t.Fatal(err)
	}
	if s := r1.Signatures[0]; s.Indication != verify.TotalPassed || s.Coverage != verify.WholeFile {
		t.Errorf("extracted revision: %s %s", s.Indication, s.Coverage)
	}
	if sigs := judge.PDFSig(t, out); len(sigs) != 1 || !sigs[0].Valid || !sigs[0].Total {
		t.Errorf("pdfsig on the extracted revision: %+v", sigs)
	}

	// An existing output is kept unless replacing was asked for.
	if err := verify.ExtractRevision(two, 1, out); !errors.Is(err, pades.ErrOutputExists) {
		t.Errorf("existing output: %v", err)
	}
	if again, _ := os.ReadFile(out); !bytes.Equal(again, want) {
		t.Error("existing output was changed")
	}
	if err := verify.ExtractRevisionReplace(two, 1, out); err != nil {
		t.Fatal(err)
	}
	orig, _ := os.ReadFile(plain)
	if got, _ := os.ReadFile(out); !bytes.Equal(got, orig) {
		t.Error("revision 1 is not the unsigned original")
	}
	for _, n := range []int{0, 5} {
		if err := verify.ExtractRevision(two, n, filepath.Join(dir, "x.pdf")); !errors.Is(err, verify.ErrNoRevision) || !strings.Contains(err.Error(), two) {
			t.Errorf("revision %d: %v", n, err)
		}
	}
	txt := filepath.Join(dir, "a.txt")
	os.WriteFile(txt, []byte("hello"), 0o644)
	if err := verify.ExtractRevision(txt, 1, filepath.Join(dir, "y.pdf")); !errors.Is(err, pades.ErrNotPDF) {
		t.Errorf("not a PDF: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 5 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("files left behind: %v", names)
	}
}

// appendStreamUpdate appends an update that redefines object id with body
// and ends with a cross-reference stream (ISO 32000-1 §7.5.8), as the
// base's own sections are.
func appendStreamUpdate(t *testing.T, base []byte, id int, body string) []byte {
	t.Helper()
	m := reLastStartxref.FindSubmatch(base)
	sizes := regexp.MustCompile(`/Size (\d+)`).FindAllSubmatch(base, -1)
	roots := regexp.MustCompile(`/Root (\d+ 0 R)`).FindAllSubmatch(base, -1)
	if m == nil || sizes == nil || roots == nil {
		t.Fatal("base has no startxref, /Size or /Root")
	}
	size := 0
	for _, s := range sizes {
		n, _ := strconv.Atoi(string(s[1]))
		size = max(size, n)
	}
	b := bytes.NewBuffer(append([]byte(nil), base...))
	off := b.Len()
	fmt.Fprintf(b, "%d 0 obj\n%s\nendobj\n", id, body)
	xref := b.Len()
	// W [1 4 2]: type 1, offset, generation; the stream's own entry too.
	entry := func(o int) []byte { return []byte{1, byte(o >> 24), byte(o >> 16), byte(o >> 8), byte(o), 0, 0} }
	data := append(entry(off), entry(xref)...)
	fmt.Fprintf(b, "%d 0 obj\n<< /Type /XRef /Size %d /Root %s /Prev %s /W [1 4 2] /Index [%d 1 %d 1] /Length %d >>\nstream\n",
		size, size+1, roots[len(roots)-1][1], m[1], id, size, len(data))
	b.Write(data)
	fmt.Fprintf(b, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", xref)
	return b.Bytes()
}

// TestChangesBudget: an update that redefines more objects than the
// analysis reads is INDETERMINATE, not passed and not a hang.
func TestChangesBudget(t *testing.T) {
	p := testpki.MustShared(t)
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
	objs := []string{"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"}
	for len(objs) < 20_100 {
		objs = append(objs, "0")
	}
	os.WriteFile(in, testpdf.Build(objs, ""), 0o644)
	atkSign(t, p, in, out, pades.Options{}, nil)
	update(t, out, func([]byte) map[int]string {
		m := map[int]string{}
		for id := 4; id <= 20_100; id++ {
			m[id] = "1"
		}
		return m
	})
	rep, err := verify.Verify(out, verify.Options{Roots: rootsOf(p), SkipRevocation: true})
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Signatures[0]
	if s.Indication != verify.Indeterminate || s.SubIndication != verify.SigConstraintsFailure || s.Modifications.Kind != "" {
		t.Errorf("%s/%s %s %q", s.Indication, s.SubIndication, s.Modifications.Kind, s.Problems)
	}
}
