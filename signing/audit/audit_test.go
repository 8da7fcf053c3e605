package audit_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/siegel-app/siegel/internal/testenv"
	"github.com/siegel-app/siegel/internal/testpdf"
	"github.com/siegel-app/siegel/signing/audit"
	"github.com/siegel-app/siegel/signing/pades"
)

// doc returns the objects of a one-page document whose font is embedded,
// so that it has no findings of its own: 1 catalog, 2 pages, 3 page,
// 4 font, 5 content, 6 font descriptor, 7 font program; extra objects
// follow as 8, 9, …
func doc(catalogExtra, pageExtra string, extra ...string) []string {
	content := "BT /F1 12 Tf 10 10 Td (Hello) Tj ET"
	res := "/Resources << /Font << /F1 4 0 R >> >> "
	if strings.Contains(pageExtra, "/Resources") {
		res = "" // the case brings its own
	}
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R " + catalogExtra + " >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] " + res + "/Contents 5 0 R " + pageExtra + " >>",
		"<< /Type /Font /Subtype /TrueType /BaseFont /Embedded /FirstChar 32 /LastChar 32 /Widths [500] /FontDescriptor 6 0 R >>",
		"<< /Length " + strconv.Itoa(len(content)) + " >>\nstream\n" + content + "\nendstream",
		"<< /Type /FontDescriptor /FontName /Embedded /Flags 32 /FontBBox [0 0 1000 1000] /ItalicAngle 0 /Ascent 800 /Descent -200 /CapHeight 700 /StemV 80 /FontFile2 7 0 R >>",
		"<< /Length 4 >>\nstream\nfont\nendstream",
	}
	return append(objs, extra...)
}

func build(objs []string) []byte { return testpdf.Build(objs, "") }

// withSignature is a document with a signed signature field, then an
// incremental update, as a signed and later changed document has.
func withSignature() []byte {
	base := build(doc("/AcroForm << /Fields [8 0 R] /SigFlags 3 >>", "/Annots [8 0 R]",
		"<< /Type /Annot /Subtype /Widget /FT /Sig /T (Signature1) /V 9 0 R /F 132 /Rect [0 0 0 0] /P 3 0 R >>",
		"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange [0 10 20 30] /Contents <3082> >>"))
	return testpdf.AppendUpdate(base, map[int]string{10: "<< /Title (changed) >>"})
}

// damagedOffset moves the cross-reference entry of object 4 by one byte.
func damagedOffset() []byte {
	b := build(doc("", ""))
	i := bytes.Index(b, []byte("\n4 0 obj"))
	want := []byte(padOffset(i + 1))
	j := bytes.Index(b, want)
	return append(append(append([]byte{}, b[:j]...), []byte(padOffset(i+2))...), b[j+len(want):]...)
}

func padOffset(n int) string {
	s := strconv.Itoa(n)
	for len(s) < 10 {
		s = "0" + s
	}
	return s + " 00000 n"
}

// cases are the constructed documents, each with the finding it must give.
var cases = []struct {
	name     string
	pdf      func() []byte
	code     string
	severity audit.Severity
	pages    []int
}{
	{"javascript open action", func() []byte {
		return build(doc("/OpenAction 8 0 R", "", "<< /S /JavaScript /JS (app.alert(1)) >>"))
	}, audit.CodeJavaScript, audit.Blocking, nil},
	{"javascript name tree", func() []byte {
		return build(doc("/Names << /JavaScript << /Names [(init) 8 0 R] >> >>", "", "<< /S /JavaScript /JS (this.print()) >>"))
	}, audit.CodeJavaScript, audit.Blocking, nil},
	{"javascript in a chained action", func() []byte {
		return build(doc("", "/Annots [8 0 R]",
			"<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /A << /S /URI /URI (https://example.org) /Next [9 0 R] >> >>",
			"<< /S /JavaScript /JS (1) >>"))
	}, audit.CodeJavaScript, audit.Blocking, []int{1}},
	{"open action", func() []byte {
		return build(doc("/OpenAction << /S /URI /URI (https://example.org) >>", ""))
	}, audit.CodeOpenAction, audit.Warning, nil},
	{"additional actions on a page", func() []byte {
		return build(doc("", "/AA << /O << /S /URI /URI (https://example.org) >> >>"))
	}, audit.CodeAdditionalActions, audit.Warning, []int{1}},
	{"launch action", func() []byte {
		return build(doc("", "/Annots [8 0 R]",
			"<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /A << /S /Launch /F (calc.exe) >> >>"))
	}, audit.CodeLaunchAction, audit.Blocking, []int{1}},
	{"xfa", func() []byte {
		return build(doc("/AcroForm << /Fields [] /XFA 8 0 R >>", "", "<< /Length 7 >>\nstream\n<xdp/>\n\nendstream"))
	}, audit.CodeXFA, audit.Blocking, nil},
	{"embedded files", func() []byte {
		return build(doc("/Names << /EmbeddedFiles << /Names [(a.txt) 8 0 R] >> >>", "",
			"<< /Type /Filespec /F (a.txt) /EF << /F 9 0 R >> >>",
			"<< /Type /EmbeddedFile /Length 2 >>\nstream\nhi\nendstream"))
	}, audit.CodeEmbeddedFiles, audit.Warning, nil},
	{"file attachment annotation", func() []byte {
		return build(doc("", "/Annots [8 0 R]",
			"<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 10 10] /FS << /Type /Filespec /F (a.txt) >> >>"))
	}, audit.CodeEmbeddedFiles, audit.Warning, []int{1}},
	{"layer off", func() []byte {
		return build(doc("/OCProperties << /OCGs [8 0 R] /D << /OFF [8 0 R] >> >>", "", "<< /Type /OCG /Name (Secret) >>"))
	}, audit.CodeHiddenLayers, audit.Blocking, nil},
	{"layers off by base state", func() []byte {
		return build(doc("/OCProperties << /OCGs [8 0 R 9 0 R] /D << /BaseState /OFF /ON [9 0 R] >> >>", "",
			"<< /Type /OCG /Name (Secret) >>", "<< /Type /OCG /Name (Shown) >>"))
	}, audit.CodeHiddenLayers, audit.Blocking, nil},
	{"hidden annotation", func() []byte {
		return build(doc("", "/Annots [8 0 R]", "<< /Type /Annot /Subtype /FreeText /Rect [10 10 100 40] /F 2 /Contents (secret) /DA (/Helv 12 Tf) >>"))
	}, audit.CodeHiddenAnnotations, audit.Blocking, []int{1}},
	{"no-view annotation", func() []byte {
		return build(doc("", "/Annots [8 0 R]", "<< /Type /Annot /Subtype /Stamp /Rect [10 10 100 40] /F 36 >>"))
	}, audit.CodeHiddenAnnotations, audit.Blocking, []int{1}},
	{"field without appearance", func() []byte {
		return build(doc("/AcroForm << /Fields [8 0 R] >>", "/Annots [8 0 R]",
			"<< /Type /Annot /Subtype /Widget /FT /Tx /T (name) /V (Alice) /Rect [10 10 100 30] /P 3 0 R >>"))
	}, audit.CodeFieldsNoAppearance, audit.Warning, []int{1}},
	{"need appearances", func() []byte {
		return build(doc("/AcroForm << /Fields [] /NeedAppearances true >>", ""))
	}, audit.CodeFieldsNoAppearance, audit.Warning, nil},
	{"font not embedded", func() []byte { return testpdf.Pages(2) }, audit.CodeFontsNotEmbedded, audit.Warning, []int{1, 2}},
	{"type0 font not embedded in a form xobject", func() []byte {
		return build(doc("", "/Resources << /XObject << /X1 8 0 R >> >>",
			"<< /Type /XObject /Subtype /Form /BBox [0 0 1 1] /Resources << /Font << /F2 9 0 R >> >> /Length 0 >>\nstream\n\nendstream",
			"<< /Type /Font /Subtype /Type0 /BaseFont /MSMincho /Encoding /Identity-H /DescendantFonts [10 0 R] >>",
			"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /MSMincho /FontDescriptor 11 0 R >>",
			"<< /Type /FontDescriptor /FontName /MSMincho /Flags 4 >>"))
	}, audit.CodeFontsNotEmbedded, audit.Warning, []int{1}},
	{"font not embedded in a field appearance", func() []byte {
		return build(doc("/AcroForm << /Fields [8 0 R] /DR << /Font << /Helv 10 0 R >> >> >>", "/Annots [8 0 R]",
			"<< /Type /Annot /Subtype /Widget /FT /Tx /T (name) /V (Alice) /Rect [10 10 100 30] /P 3 0 R /AP << /N 9 0 R >> >>",
			"<< /Type /XObject /Subtype /Form /BBox [0 0 90 20] /Resources << /Font << /Helv 10 0 R >> >> /Length 0 >>\nstream\n\nendstream",
			"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"))
	}, audit.CodeFontsNotEmbedded, audit.Warning, []int{1}},
	{"earlier revisions", withSignature, audit.CodeEarlierRevisions, audit.Info, nil},
	{"earlier signatures", withSignature, audit.CodeEarlierSignatures, audit.Info, nil},
	{"docmdp forbids signing", func() []byte {
		return build(doc("/Perms << /DocMDP 8 0 R >>", "",
			"<< /Type /Sig /Reference [<< /Type /SigRef /TransformMethod /DocMDP /TransformParams << /Type /TransformParams /P 1 /V /1.2 >> >>] >>"))
	}, audit.CodeDocMDPForbids, audit.Blocking, nil},
	{"encrypted", func() []byte {
		return testpdf.Build(doc("", "", "<< /Filter /Standard /V 1 /R 2 /O <00> /U <00> /P -4 >>"), "/Encrypt 8 0 R /ID [<01> <01>]")
	}, audit.CodeEncrypted, audit.Blocking, nil},
	{"damaged xref entry", damagedOffset, audit.CodeDamagedXref, audit.Blocking, nil},
	{"damaged startxref", func() []byte {
		b := build(doc("", ""))
		i := bytes.LastIndex(b, []byte("startxref\n"))
		return append(append([]byte{}, b[:i]...), []byte("startxref\n17\n%%EOF\n")...)
	}, audit.CodeDamagedXref, audit.Blocking, nil},
}

func write(t testing.TB, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "in.pdf")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestInspectFindings(t *testing.T) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := audit.Inspect(write(t, tc.pdf()))
			if err != nil {
				t.Fatal(err)
			}
			f, ok := rep.Has(tc.code)
			if !ok {
				t.Fatalf("no %s finding; findings: %+v", tc.code, rep.Findings)
			}
			if f.Severity != tc.severity {
				t.Errorf("%s severity = %v, want %v", tc.code, f.Severity, tc.severity)
			}
			if tc.severity == audit.Blocking && !rep.Blocking() {
				t.Errorf("Blocking() = %v", rep.Blocking())
			}
			if tc.pages != nil && !equal(f.Pages, tc.pages) {
				t.Errorf("%s pages = %v, want %v", tc.code, f.Pages, tc.pages)
			}
			if f.Message == "" || f.MessageDE == "" || f.Message == f.MessageDE {
				t.Errorf("%s messages: %q / %q", tc.code, f.Message, f.MessageDE)
			}
		})
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestInspectClean(t *testing.T) {
	tests := []struct {
		name     string
		pdf      []byte
		allowed  []string // codes that may appear
		pages    int
		revision int
	}{
		{"embedded font", build(doc("", "")), nil, 1, 1},
		{"destination open action", build(doc("/OpenAction [3 0 R /Fit]", "")), nil, 1, 1},
		{"goto open action", build(doc("/OpenAction << /S /GoTo /D [3 0 R /Fit] >>", "")), nil, 1, 1},
		{"invisible signature field", build(doc("/AcroForm << /Fields [8 0 R] >>", "/Annots [8 0 R]",
			"<< /Type /Annot /Subtype /Widget /FT /Sig /T (Signature1) /F 132 /Rect [0 0 0 0] /P 3 0 R >>")), nil, 1, 1},
		{"type3 font", build(doc("", "/Resources << /Font << /F1 8 0 R >> >>",
			"<< /Type /Font /Subtype /Type3 /FontBBox [0 0 1 1] /FontMatrix [1 0 0 1 0 0] /CharProcs << >> /Encoding << /Differences [] >> /FirstChar 0 /LastChar 0 /Widths [0] >>")), nil, 1, 1},
		{"testpdf", testpdf.Pages(3), []string{audit.CodeFontsNotEmbedded}, 3, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := audit.Inspect(write(t, tc.pdf))
			if err != nil {
				t.Fatal(err)
			}
			if rep.Blocking() {
				t.Errorf("blocking: %+v", rep.Findings)
			}
			for _, f := range rep.Findings {
				if !contains(tc.allowed, f.Code) {
					t.Errorf("unexpected finding %s: %s", f.Code, f.Message)
				}
			}
			if rep.Pages != tc.pages || rep.Revisions != tc.revision {
				t.Errorf("pages, revisions = %d, %d; want %d, %d", rep.Pages, rep.Revisions, tc.pages, tc.revision)
			}
		})
	}
}

func contains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

func TestInspectCounts(t *testing.T) {
	rep, err := audit.Inspect(write(t, withSignature()))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Revisions != 2 {
		t.Errorf("revisions = %d, want 2", rep.Revisions)
	}
	f, _ := rep.Has(audit.CodeEarlierSignatures)
	if !equal(f.Objects, []int{8}) {
		t.Errorf("signature objects = %v, want [8]", f.Objects)
	}
	if rep.Blocking() {
		t.Errorf("a signed document is not blocking: %+v", rep.Findings)
	}
}

func TestInspectNotPDF(t *testing.T) {
	tests := []struct {
		name string
		path func(t *testing.T) string
	}{
		{"text", func(t *testing.T) string { return write(t, []byte("hello, world\n")) }},
		{"empty", func(t *testing.T) string { return write(t, nil) }},
		{"missing", func(t *testing.T) string { return filepath.Join(t.TempDir(), "nope.pdf") }},
		{"directory", func(t *testing.T) string { return t.TempDir() }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := audit.Inspect(tc.path(t))
			if err == nil {
				t.Fatal("no error")
			}
			if tc.name == "text" && !errors.Is(err, audit.ErrNotPDF) {
				t.Errorf("err = %v, want ErrNotPDF", err)
			}
		})
	}
}

// TestInspectQPDFEncrypted audits files encrypted by qpdf, an independent
// writer: with a user password, and with an empty one that lets the reader
// open the file.
func TestInspectQPDFEncrypted(t *testing.T) {
	tools := testenv.Need(t, "qpdf")
	in := write(t, testpdf.Pages(1))
	for _, args := range [][]string{
		{"--encrypt", "user", "owner", "256", "--"},
		{"--allow-weak-crypto", "--encrypt", "", "owner", "128", "--use-aes=n", "--"},
		{"--encrypt", "", "owner", "256", "--"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "enc.pdf")
			if b, err := exec.Command(tools["qpdf"], append(args, in, out)...).CombinedOutput(); err != nil {
				t.Fatalf("qpdf: %v\n%s", err, b)
			}
			rep, err := audit.Inspect(out)
			if err != nil {
				t.Fatal(err)
			}
			if f, ok := rep.Has(audit.CodeEncrypted); !ok || f.Severity != audit.Blocking {
				t.Errorf("findings: %+v", rep.Findings)
			}
		})
	}
}

// TestInspectObjectStreams rewrites each constructed document with
// cross-reference and object streams (ISO 32000-1 §7.5.7, §7.5.8), as most
// producers write today, and expects the same finding.
func TestInspectObjectStreams(t *testing.T) {
	tools := testenv.Need(t, "qpdf")
	for _, tc := range cases {
		switch tc.code {
		case audit.CodeEncrypted, audit.CodeDamagedXref, audit.CodeEarlierRevisions:
			continue // qpdf decrypts, repairs or flattens these
		}
		t.Run(tc.name, func(t *testing.T) {
			in := write(t, tc.pdf())
			out := filepath.Join(t.TempDir(), "streams.pdf")
			cmd := exec.Command(tools["qpdf"], "--object-streams=generate", in, out)
			if b, err := cmd.CombinedOutput(); err != nil && cmd.ProcessState.ExitCode() != 3 { // 3: warnings
				t.Fatalf("qpdf: %v\n%s", err, b)
			}
			rep, err := audit.Inspect(out)
			if err != nil {
				t.Fatal(err)
			}
			if f, ok := rep.Has(tc.code); !ok || f.Severity != tc.severity {
				t.Errorf("no %s finding; findings: %+v", tc.code, rep.Findings)
			}
		})
	}
}

// TestInspectSignedBySiegel audits documents signed by package pades (with
// a stand-in CMS): an invisible and a visible approval signature, and a
// certification with no changes allowed.
func TestInspectSignedBySiegel(t *testing.T) {
	tests := []struct {
		name     string
		opts     pades.Options
		blocking bool
	}{
		{"invisible", pades.Options{ContentsSize: 64}, false},
		{"visible", pades.Options{ContentsSize: 64, Visible: &pades.Visible{Page: 1, X: 10, Y: 10, W: 100, H: 40, Lines: []string{"Signed"}}}, false},
		{"certified P=1", pades.Options{ContentsSize: 64, Certify: 1}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := write(t, build(doc("", "")))
			out := filepath.Join(t.TempDir(), "signed.pdf")
			p, err := pades.Prepare(in, out, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Embed([]byte{0x30, 0x03, 0x02, 0x01, 0x01}); err != nil {
				t.Fatal(err)
			}
			if err := p.Commit(out, false); err != nil {
				t.Fatal(err)
			}
			rep, err := audit.Inspect(out)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Revisions != 2 {
				t.Errorf("revisions = %d, want 2", rep.Revisions)
			}
			if _, ok := rep.Has(audit.CodeEarlierSignatures); !ok {
				t.Errorf("no earlier-signatures finding: %+v", rep.Findings)
			}
			if rep.Blocking() != tc.blocking {
				t.Errorf("Blocking() = %v, want %v: %+v", rep.Blocking(), tc.blocking, rep.Findings)
			}
			if _, ok := rep.Has(audit.CodeDocMDPForbids); ok != tc.blocking {
				t.Errorf("docmdp finding = %v, want %v", ok, tc.blocking)
			}
		})
	}
}

// TestInspectCycles: reference cycles in every tree the audit walks end,
// and the findings before the cycle are still reported.
func TestInspectCycles(t *testing.T) {
	tests := []struct {
		name string
		pdf  []byte
		code string
	}{
		{"page tree", testpdf.Build([]string{
			"<< /Type /Catalog /Pages 2 0 R >>",
			"<< /Type /Pages /Kids [3 0 R 2 0 R] /Count 2 >>",
			"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] /Annots [4 0 R] >>",
			"<< /Type /Annot /Subtype /Text /Rect [0 0 5 5] /F 2 >>",
		}, ""), audit.CodeHiddenAnnotations},
		{"action chain", build(doc("/OpenAction 8 0 R", "", "<< /S /Launch /F (x) /Next 9 0 R >>", "<< /S /URI /URI (y) /Next [8 0 R 9 0 R] >>")), audit.CodeLaunchAction},
		{"name tree", build(doc("/Names << /JavaScript 8 0 R >>", "", "<< /Names [(a) << /S /JavaScript /JS (1) >>] /Kids [8 0 R] >>")), audit.CodeJavaScript},
		{"field kids", build(doc("/AcroForm << /Fields [8 0 R] >>", "", "<< /FT /Sig /V << >> /Kids [8 0 R 9 0 R] >>", "<< /Parent 9 0 R /Kids [8 0 R] >>")), audit.CodeEarlierSignatures},
		{"widget parents", build(doc("", "/Annots [8 0 R]", "<< /Type /Annot /Subtype /Widget /Rect [0 0 5 5] /Parent 9 0 R >>", "<< /Parent 8 0 R >>")), audit.CodeFieldsNoAppearance},
		{"form xobjects", build(doc("", "/Resources << /XObject << /X 8 0 R >> /Font << /F 9 0 R >> >>",
			"<< /Subtype /Form /BBox [0 0 1 1] /Resources << /XObject << /X 8 0 R >> >> /Length 0 >>\nstream\n\nendstream",
			"<< /Type /Font /Subtype /Type3 /Resources << /Font << /F 9 0 R /G 10 0 R >> >> >>",
			"<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>")), audit.CodeFontsNotEmbedded},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := audit.Inspect(write(t, tc.pdf))
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := rep.Has(tc.code); !ok {
				t.Errorf("no %s finding: %+v", tc.code, rep.Findings)
			}
		})
	}
}
