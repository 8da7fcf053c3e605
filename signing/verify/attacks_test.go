package verify_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/siegel-app/siegel/internal/judge"
	"github.com/siegel-app/siegel/internal/testpdf"
	"github.com/siegel-app/siegel/internal/testpki"
	"github.com/siegel-app/siegel/internal/tsatest"
	"github.com/siegel-app/siegel/signing/cms"
	"github.com/siegel-app/siegel/signing/pades"
	"github.com/siegel-app/siegel/signing/tsa"
	"github.com/siegel-app/siegel/signing/verify"
)

// The attack corpus of issue 5, built with the test PKI and the project's
// signer: incremental-saving attacks and signature wrapping (Mladenov et
// al., "1 Trillion Dollar Refund", 2019), shadow attacks (Mainka et al.,
// "Shadow Attacks", 2021), universal forgery, and the allowed changes
// that must not be mistaken for them.

// atkSign signs in as out with popts; after, when given, runs on the
// prepared file once the signature is embedded (to add /DSS or a
// document timestamp before it is committed).
func atkSign(t testing.TB, p *testpki.PKI, in, out string, popts pades.Options, after func(*pades.Prepared)) {
	t.Helper()
	e := p.SignerRSA
	chain := p.Chain(e)
	popts.ContentsSize = cms.MaxSize(chain, e.Key.Public(), cms.Options{})
	if popts.Reason == "" {
		popts.Reason = "Approved"
	}
	prep, err := pades.Prepare(in, out, popts)
	if err != nil {
		t.Fatal(err)
	}
	der, err := cms.SignDetached(context.Background(), e.Key, chain, prep.Digest, cms.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := prep.Embed(der); err != nil {
		t.Fatal(err)
	}
	if after != nil {
		after(prep)
	}
	if err := prep.Commit(out, true); err != nil {
		t.Fatal(err)
	}
}

// reObj finds object definitions "N 0 obj … endobj".
var reObj = regexp.MustCompile(`(?s)(?:^|[\r\n])(\d+) 0 obj\s*(.*?)\s*endobj`)

// lastObj is the body of the last definition of object id in data.
func lastObj(t *testing.T, data []byte, id int) string {
	t.Helper()
	body := ""
	for _, m := range reObj.FindAllSubmatch(data, -1) {
		if n, _ := strconv.Atoi(string(m[1])); n == id {
			body = string(m[2])
		}
	}
	if body == "" {
		t.Fatalf("object %d not found", id)
	}
	return body
}

// update appends an incremental update to the file at path; objs bodies
// may use lastObj of the current file.
func update(t *testing.T, path string, objs func(data []byte) map[int]string) {
	t.Helper()
	edit(t, path, func(b []byte) []byte { return testpdf.AppendUpdate(b, objs(b)) })
}

func stream(content string, dict string) string {
	return fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(content), content)
}

// formPDF is a one-page document with a text field "Name" (object 6,
// appearance 7), a square annotation over the second line (8, appearance
// 9) and an optional-content layer (10, configuration 11) around a third
// line, shown. Page 3, content 5, font 4.
func formPDF() []byte {
	content := "BT /F1 18 Tf 72 720 Td (Pay 100 EUR to Erika Mustermann) Tj ET\n" +
		"BT /F1 12 Tf 72 690 Td (Hidden under the square: pay 1000000 EUR) Tj ET\n" +
		"/OC /oc1 BDC BT /F1 12 Tf 72 660 Td (Layer text) Tj ET EMC"
	return testpdf.Build([]string{
		"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [6 0 R] /DA (/F1 0 Tf 0 g) /DR << /Font << /F1 4 0 R >> >> >> /OCProperties << /OCGs [10 0 R] /D 11 0 R >> >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> /Properties << /oc1 10 0 R >> >> /Contents 5 0 R /Annots [6 0 R 8 0 R] >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
		stream(content, ""),
		"<< /Type /Annot /Subtype /Widget /FT /Tx /T (Name) /Rect [72 600 300 630] /P 3 0 R /F 4 /DA (/F1 12 Tf 0 g) /AP << /N 7 0 R >> >>",
		stream("/Tx BMC EMC", "/Type /XObject /Subtype /Form /BBox [0 0 228 30] /Resources << /Font << /F1 4 0 R >> >>"),
		"<< /Type /Annot /Subtype /Square /Rect [70 680 400 705] /F 4 /C [1 1 1] /IC [1 1 1] /AP << /N 9 0 R >> >>",
		stream("1 1 1 rg 0 0 330 25 re f", "/Type /XObject /Subtype /Form /BBox [0 0 330 25]"),
		"<< /Type /OCG /Name (Layer) >>",
		"<< /Order [10 0 R] /ON [10 0 R] >>",
	}, "")
}

// handSigned writes a PDF whose signature dictionary is written by hand
// (object sigObj, with "BYTERANGE" and "CONTENTS" in its body), signs its
// byte range with the test signer and returns the file. For FieldMDP
// locks and forgeries the signer does not write.
func handSigned(t *testing.T, p *testpki.PKI, objs []string, contents func(der []byte) []byte) []byte {
	t.Helper()
	const room = 8 << 10
	hole := "<" + strings.Repeat("0", 2*room) + ">"
	brPad := strings.Repeat(" ", 40)
	for i := range objs {
		objs[i] = strings.Replace(objs[i], "BYTERANGE", "/ByteRange "+brPad, 1)
		objs[i] = strings.Replace(objs[i], "CONTENTS", "/Contents "+hole, 1)
	}
	data := testpdf.Build(objs, "")
	a := int64(bytes.Index(data, []byte(hole)))
	b := a + int64(len(hole))
	copy(data[bytes.Index(data, []byte(brPad)):], fmt.Sprintf("[0 %d %d %d]", a, b, int64(len(data))-b))
	h := sha256.New()
	h.Write(data[:a])
	h.Write(data[b:])
	der, err := cms.SignDetached(context.Background(), p.SignerRSA.Key, p.Chain(p.SignerRSA), h.Sum(nil), cms.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if contents != nil {
		der = contents(der)
	}
	copy(data[a+1:], fmt.Sprintf("%X", der))
	return data
}

type atkWant struct {
	ind  verify.Indication
	sub  verify.SubIndication
	mods string // Modifications.Kind
	// change, when set, is a substring one of the changes must contain.
	change string
}

var (
	atkPassed = atkWant{ind: verify.TotalPassed, mods: verify.ModNone}
	atkFormat = atkWant{ind: verify.TotalFailed, sub: verify.FormatFailure}
)

func atkAllowed(change string) atkWant {
	return atkWant{ind: verify.TotalPassed, mods: verify.ModAllowed, change: change}
}

func atkDenied(change string) atkWant {
	return atkWant{ind: verify.TotalFailed, sub: verify.SigConstraintsFailure, mods: verify.ModDisallowed, change: change}
}

func TestAttacks(t *testing.T) {
	p := testpki.MustShared(t)
	srv := tsatest.New(t, p)
	tsaClient := &tsa.Client{URL: srv.URL}
	dir := t.TempDir()
	plain, form := filepath.Join(dir, "plain.pdf"), filepath.Join(dir, "form.pdf")
	os.WriteFile(plain, testpdf.Pages(2), 0o644)
	os.WriteFile(form, formPDF(), 0o644)
	// Objects after Prepare on plain: 1 catalog, 2 pages, 3 font,
	// 5/6 page 1 and its content, 7/8 page 2, 9 signature, 10 widget.
	// On form: 3 page, 4 font, 5 content, 6 field, 8 square, 11 layer
	// configuration; 12 signature, 13 widget.
	textAnnot := "<< /Type /Annot /Subtype /Text /Rect [300 300 320 320] /Contents (A comment) >>"
	addAnnot := func(page int, annot string) func([]byte) map[int]string {
		return func(b []byte) map[int]string {
			pg := lastObj(t, b, page)
			return map[int]string{page: strings.Replace(pg, "/Annots [", "/Annots [40 0 R ", 1), 40: annot}
		}
	}
	fill := func(withAppearance bool) func([]byte) map[int]string {
		return func(b []byte) map[int]string {
			f := lastObj(t, b, 6)
			f = strings.Replace(f, "/FT /Tx", "/FT /Tx /V (Erika Mustermann)", 1)
			objs := map[int]string{6: f}
			if withAppearance {
				objs[6] = strings.Replace(f, "/AP << /N 7 0 R >>", "/AP << /N 41 0 R >>", 1)
				objs[41] = stream("/Tx BMC BT /F1 12 Tf 2 8 Td (Erika Mustermann) Tj ET EMC",
					"/Type /XObject /Subtype /Form /BBox [0 0 228 30] /Resources << /Font << /F1 4 0 R >> >>")
			}
			return objs
		}
	}
	approve := pades.Options{}
	certify := func(p int) pades.Options { return pades.Options{Certify: p} }

	for _, tc := range []struct {
		name  string
		make  func(t *testing.T, out string)
		wants []atkWant
		// pdfsig, when set, is what poppler's pdfsig says of the last
		// signature's integrity: the attacks it misses are the point.
		pdfsig *bool
	}{
		{name: "valid single signature", wants: []atkWant{atkPassed}, pdfsig: ptr(true),
			make: func(t *testing.T, out string) { atkSign(t, p, plain, out, approve, nil) }},
		{name: "byte changed in the signed revision", wants: []atkWant{{ind: verify.TotalFailed, sub: verify.HashFailure}}, pdfsig: ptr(false),
			make: func(t *testing.T, out string) {
				atkSign(t, p, plain, out, approve, nil)
				edit(t, out, func(b []byte) []byte { b[10] ^= 1; return b }) // the binary comment
			}},
		{name: "two signatures", wants: []atkWant{atkAllowed("signature added (field Signature2)"), atkPassed}, pdfsig: ptr(true),
			make: func(t *testing.T, out string) {
				atkSign(t, p, plain, out+".1", approve, nil)
				atkSign(t, p, out+".1", out, approve, nil)
			}},
		{name: "annotation added, approval signature", wants: []atkWant{atkAllowed("annotation /Text added on page 1")}, pdfsig: ptr(true),
			make: func(t *testing.T, out string) {
				atkSign(t, p, plain, out, approve, nil)
				update(t, out, addAnnot(5, textAnnot))
			}},
		{name: "annotation added, P=3", wants: []atkWant{atkAllowed("annotation /Text added on page 1")},
			make: func(t *testing.T, out string) {
				atkSign(t, p, plain, out, certify(3), nil)
				update(t, out, addAnnot(5, textAnnot))
			}},
		{name: "annotation added, P=2", wants: []atkWant{atkDenied("annotation /Text added on page 1 (the certification allows only P=2 changes)")},
			make: func(t *testing.T, out string) {
				atkSign(t, p, plain, out, certify(2), nil)
				update(t, out, addAnnot(5, textAnnot))
			}},
		{name: "annotation added, P=1", wants: []atkWant{atkDenied("annotation /Text added on page 1")},
			make: func(t *testing.T, out string) {
				atkSign(t, p, plain, out, certify(1), nil)
				update(t, out, addAnnot(5, textAnnot))
			}},
		{name: "second signature, P=2", wants: []atkWant{atkAllowed("signature added (field Signature2)"), atkPassed},
			make: func(t *testing.T, out string) {
				atkSign(t, p, plain, out+".1", certify(2), nil)
				atkSign(t, p, out+".1", out, approve, nil)
			}},
		{name: "visible second signature, P=2", wants: []atkWant{atkAllowed("visible signature added (field Signature2)"), atkPassed},
			make: func(t *testing.T, out string) {
				atkSign(t, p, plain, out+".1", certify(2), nil)
				atkSign(t, p, out+".1", out, pades.Options{Visible: &pades.Visible{Page: 1, X: 50, Y: 50, W: 200, H: 60, Lines: []string{"Signed"}}}, nil)
			}},
		{name: "visible document timestamp, P=2", wants: []atkWant{atkFormat, atkDenied("document timestamp with a visible appearance added (field Cover)")},
			make: func(t *testing.T, out string) {
				atkSign(t, p, plain, out, certify(2), nil)
				// A document timestamp whose appearance paints over page 1;
				// its own byte range is junk (it sorts first), it only has
				// to be seen.
				update(t, out, func(b []byte) map[int]string {
					return map[int]string{
						1:  strings.Replace(lastObj(t, b, 1), "/Fields [", "/Fields [40 0 R ", 1),
						5:  strings.Replace(lastObj(t, b, 5), "/Annots [", "/Annots [40 0 R ", 1),
						40: "<< /Type /Annot /Subtype /Widget /FT /Sig /T (Cover) /Rect [0 0 595 842] /P 5 0 R /V 41 0 R /AP << /N 42 0 R >> >>",
						41: "<< /Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161 /ByteRange [0 1 2 3] /Contents <00> >>",
						42: stream("1 1 1 rg 0 0 595 842 re f", "/Type /XObject /Subtype /Form /BBox [0 0 595 842]"),
					}
				})
			}},
		{name: "form field filled, P=2", wants: []atkWant{atkAllowed("form field Name filled")},
			make: func(t *testing.T, out string) {
				atkSign(t, p, form, out, certify(2), nil)
				update(t, out, fill(true))
			}},
		{name: "form field filled, approval signature", wants: []atkWant{atkAllowed("form field Name filled")},
			make: func(t *testing.T, out string) {
				atkSign(t, p, form, out, approve, nil)
				update(t, out, fill(true))
			}},
		{name: "form field filled, P=1", wants: []atkWant{atkDenied("form field Name filled")},
			make: func(t *testing.T, out string) {
				atkSign(t, p, form, out, certify(1), nil)
				update(t, out, fill(true))
			}},
		{name: "form field value without appearance", wants: []atkWant{atkDenied("form field Name changed without a new appearance")},
			make: func(t *testing.T, out string) {
				atkSign(t, p, form, out, certify(2), nil)
				update(t, out, fill(false))
			}},
		{name: "DSS added", wants: []atkWant{atkAllowed("document security store (/DSS) added")},
			make: func(t *testing.T, out string) {
				atkSign(t, p, plain, out, certify(1), func(prep *pades.Prepared) {
					if err := prep.AppendDSS(pades.DSS{Certs: [][]byte{p.Root.Cert.Raw}}); err != nil {
						t.Fatal(err)
					}
				})
			}},
		{name: "document timestamp added, P=1", wants: []atkWant{atkAllowed("document timestamp added (field Timestamp1)"), atkPassed},
			make: func(t *testing.T, out string) {
				atkSign(t, p, plain, out, certify(1), func(prep *pades.Prepared) {
					if err := prep.Append(pades.Options{DocTimeStamp: true, ContentsSize: 12 << 10}); err != nil {
						t.Fatal(err)
					}
					tok, err := tsaClient.TimestampDigest(context.Background(), prep.Digest)
					if err != nil {
						t.Fatal(err)
					}
					if err := prep.Embed(tok); err != nil {
						t.Fatal(err)
					}
				})
			}},
		{name: "later update that changes nothing", wants: []atkWant{atkPassed},
			make: func(t *testing.T, out string) {
				atkSign(t, p, plain, out, approve, nil)
				// Object 6 written again as it was, and a new object
				// nothing refers to.
				update(t, out, func(b []byte) map[int]string { return map[int]string{6: lastObj(t, b, 6), 40: "(unused)"} })
			}},

		// Incremental saving attacks (Mladenov et al. 2019, ISA).
		{name: "ISA: page content replaced", wants: []atkWant{atkDenied("content of page 1 changed")}, pdfsig: ptr(true),
			make: func(t *testing.T, out string) {
				atkSign(t, p, plain, out, approve, nil)
				update(t, out, func([]byte) map[int]string {
					return map[int]string{6: stream("BT /F1 24 Tf 72 720 Td (Pay 1000000 EUR) Tj ET", "")}
				})
			}},
		{name: "ISA: page added", wants: []atkWant{atkDenied("pages added (2 signed, 3 now)")}, pdfsig: ptr(true),
			make: func(t *testing.T, out string) {
				atkSign(t, p, plain, out, approve, nil)
				update(t, out, func([]byte) map[int]string {
					return map[int]string{
						2:  "<< /Type /Pages /Kids [5 0 R 7 0 R 40 0 R] /Count 3 >>",
						40: "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents 41 0 R >>",
						41: stream("BT /F1 24 Tf 72 720 Td (Addendum: pay 1000000 EUR) Tj ET", ""),
					}
				})
			}},
		{name: "ISA: update without cross-reference section", wants: []atkWant{atkDenied("bytes were appended after the last revision")},
			make: func(t *testing.T, out string) {
				atkSign(t, p, plain, out, approve, nil)
				edit(t, out, func(b []byte) []byte {
					m := regexp.MustCompile(`startxref\s+(\d+)\s+%%EOF\s*$`).FindSubmatch(b)
					obj := "6 0 obj\n" + stream("BT /F1 24 Tf 72 720 Td (Pay 1000000 EUR) Tj ET", "") + "\nendobj\n"
					return append(b, []byte(obj+"startxref\n"+string(m[1])+"\n%%EOF\n")...)
				})
			}},
		{name: "ISA: broken cross-reference table", wants: []atkWant{{ind: verify.TotalFailed, sub: verify.SigConstraintsFailure, mods: verify.ModDisallowed}},
			make: func(t *testing.T, out string) {
				atkSign(t, p, plain, out, approve, nil)
				update(t, out, func([]byte) map[int]string {
					return map[int]string{6: stream("BT /F1 24 Tf 72 720 Td (Pay 1000000 EUR) Tj ET", "")}
				})
				// The new entry for object 6 points 7 bytes too far.
				edit(t, out, func(b []byte) []byte {
					i := bytes.LastIndex(b, []byte("6 1\n")) + 4
					off, _ := strconv.Atoi(string(b[i : i+10]))
					copy(b[i:], fmt.Sprintf("%010d", off+7))
					return b
				})
			}},

		// Signature wrapping (Mladenov et al. 2019, SWA).
		{name: "SWA: signature dictionary redefined", wants: []atkWant{atkDenied("signature dictionary of field Signature1 changed")},
			make: func(t *testing.T, out string) {
				atkSign(t, p, plain, out, approve, nil)
				// The same /ByteRange and /Contents, so the gap check and
				// the hash still pass; only the reason differs.
				update(t, out, func(b []byte) map[int]string {
					sig := lastObj(t, b, 9)
					return map[int]string{9: regexp.MustCompile(`/Reason <[0-9a-f]*>`).ReplaceAllString(sig, "/Reason (Rejected)")}
				})
			}},
		{name: "SWA: objects hidden in the gap", wants: []atkWant{atkFormat},
			make: func(t *testing.T, out string) {
				atkSign(t, p, plain, out, approve, nil)
				br := lastByteRange(t, out)
				edit(t, out, func(b []byte) []byte {
					evil := []byte(">\n40 0 obj (hidden) endobj\n<")
					copy(b[br[2]-1-int64(len(evil))-2:], evil)
					return b
				})
			}},
		{name: "SWA: gap moved to cover a second /Contents", wants: []atkWant{atkFormat},
			make: func(t *testing.T, out string) {
				atkSign(t, p, plain, out, approve, nil)
				br := lastByteRange(t, out)
				edit(t, out, setByteRange(fmt.Sprintf("[0 %d %d %d]", br[1]+2, br[2], br[3])))
			}},

		// Shadow attacks (Mainka et al. 2021).
		{name: "shadow hide: overlay annotation hidden", wants: []atkWant{atkDenied("annotation /Square on page 1 changed (/F)")}, pdfsig: ptr(true),
			make: func(t *testing.T, out string) {
				atkSign(t, p, form, out, approve, nil)
				update(t, out, func(b []byte) map[int]string {
					return map[int]string{8: strings.Replace(lastObj(t, b, 8), "/F 4", "/F 2", 1)}
				})
			}},
		{name: "shadow hide: overlay annotation removed", wants: []atkWant{atkDenied("annotation removed from page 1")},
			make: func(t *testing.T, out string) {
				atkSign(t, p, form, out, certify(3), nil)
				update(t, out, func(b []byte) map[int]string {
					return map[int]string{3: strings.Replace(lastObj(t, b, 3), "8 0 R", "", 1)}
				})
			}},
		{name: "shadow hide: overlay appearance replaced", wants: []atkWant{atkDenied("appearance or data of an annotation on page 1 changed")},
			make: func(t *testing.T, out string) {
				atkSign(t, p, form, out, approve, nil)
				update(t, out, func([]byte) map[int]string {
					return map[int]string{9: stream("", "/Type /XObject /Subtype /Form /BBox [0 0 330 25]")}
				})
			}},
		{name: "shadow hide: optional content switched off", wants: []atkWant{atkDenied("optional content (layer) settings changed")},
			make: func(t *testing.T, out string) {
				atkSign(t, p, form, out, certify(2), nil)
				update(t, out, func([]byte) map[int]string {
					return map[int]string{11: "<< /Order [10 0 R] /OFF [10 0 R] >>"}
				})
			}},
		{name: "shadow replace: font redefined", wants: []atkWant{atkDenied("font /F1 of page 1 changed")}, pdfsig: ptr(true),
			make: func(t *testing.T, out string) {
				atkSign(t, p, plain, out, approve, nil)
				update(t, out, func([]byte) map[int]string {
					return map[int]string{3: "<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>"}
				})
			}},
		{name: "shadow replace: form field value overwritten in a P=2 form with a lock", wants: []atkWant{atkDenied("locks it")},
			make: func(t *testing.T, out string) {
				data := handSigned(t, p, []string{
					"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R 5 0 R] /SigFlags 3 >> >>",
					"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
					"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Annots [4 0 R 5 0 R] >>",
					"<< /Type /Annot /Subtype /Widget /FT /Sig /T (Signer) /Rect [0 0 0 0] /P 3 0 R /V 6 0 R /Lock << /Type /SigFieldLock /Action /Include /Fields [(Amount)] >> >>",
					"<< /Type /Annot /Subtype /Widget /FT /Tx /T (Amount) /V (100) /Rect [10 10 100 30] /P 3 0 R /AP << /N 7 0 R >> >>",
					"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached BYTERANGE CONTENTS >>",
					stream("/Tx BMC BT /Helv 12 Tf 2 6 Td (100) Tj ET EMC", "/Type /XObject /Subtype /Form /BBox [0 0 90 20]"),
				}, nil)
				os.WriteFile(out, data, 0o644)
				update(t, out, func(b []byte) map[int]string {
					return map[int]string{
						5:  "<< /Type /Annot /Subtype /Widget /FT /Tx /T (Amount) /V (1000000) /Rect [10 10 100 30] /P 3 0 R /AP << /N 40 0 R >> >>",
						40: stream("/Tx BMC BT /Helv 12 Tf 2 6 Td (1000000) Tj ET EMC", "/Type /XObject /Subtype /Form /BBox [0 0 90 20]"),
					}
				})
			}},
		{name: "empty signature field signed later, P=2", wants: []atkWant{atkFormat, atkAllowed("signature added (field Witness)")},
			make: func(t *testing.T, out string) {
				data := handSigned(t, p, []string{
					"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R 5 0 R] /SigFlags 3 >> /Perms << /DocMDP 6 0 R >> >>",
					"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
					"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Annots [4 0 R 5 0 R] >>",
					"<< /Type /Annot /Subtype /Widget /FT /Sig /T (Signer) /Rect [0 0 0 0] /P 3 0 R /V 6 0 R >>",
					"<< /Type /Annot /Subtype /Widget /FT /Sig /T (Witness) /Rect [0 0 0 0] /P 3 0 R >>",
					"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /Reference [<< /Type /SigRef /TransformMethod /DocMDP /TransformParams << /Type /TransformParams /P 2 /V /1.2 >> >>] BYTERANGE CONTENTS >>",
				}, nil)
				os.WriteFile(out, data, 0o644)
				// The witness's signature value; its own byte range is junk
				// (it sorts first), the change is what counts here.
				update(t, out, func([]byte) map[int]string {
					return map[int]string{
						5:  "<< /Type /Annot /Subtype /Widget /FT /Sig /T (Witness) /Rect [0 0 0 0] /P 3 0 R /V 40 0 R >>",
						40: "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange [0 1 2 3] /Contents <00> >>",
					}
				})
			}},
		{name: "shadow hide-and-replace: page pointed at prepared content", wants: []atkWant{atkDenied("content of page 1 replaced")}, pdfsig: ptr(true),
			make: func(t *testing.T, out string) {
				// Object 8 (page 2's content) exists in the signed
				// revision; the update points page 1 at it.
				atkSign(t, p, plain, out, approve, nil)
				update(t, out, func(b []byte) map[int]string {
					return map[int]string{5: strings.Replace(lastObj(t, b, 5), "/Contents 6 0 R", "/Contents 8 0 R", 1)}
				})
			}},
		{name: "shadow hide-and-replace: catalog and page tree redefined", wants: []atkWant{atkDenied("catalog entry /OpenAction changed")},
			make: func(t *testing.T, out string) {
				atkSign(t, p, plain, out, approve, nil)
				update(t, out, func(b []byte) map[int]string {
					cat := lastObj(t, b, 1)
					return map[int]string{
						1: strings.Replace(cat, "/Type /Catalog", "/Type /Catalog /OpenAction [7 0 R /Fit]", 1),
						2: "<< /Type /Pages /Kids [7 0 R 5 0 R] /Count 2 >>",
					}
				})
			}},

		{name: "certification removed and document signed again", wants: []atkWant{atkDenied("signature Signature1 removed"), atkPassed},
			make: func(t *testing.T, out string) {
				atkSign(t, p, plain, out+".1", certify(1), nil)
				update(t, out+".1", func(b []byte) map[int]string {
					return map[int]string{
						1: "<< /Type /Catalog /Pages 2 0 R >>",
						5: strings.Replace(lastObj(t, b, 5), "/Annots [10 0 R]", "", 1),
						6: stream("BT /F1 24 Tf 72 720 Td (Pay 1000000 EUR) Tj ET", ""),
					}
				})
				atkSign(t, p, out+".1", out, approve, nil)
			}},

		// Universal signature forgery (Mladenov et al. 2019, USF).
		{name: "USF: zero /Contents", wants: []atkWant{{ind: verify.TotalFailed}},
			make: func(t *testing.T, out string) {
				signPDF(t, p, p.SignerRSA, plain, out, time.Now(), cms.Options{}, []byte{0})
			}},
		{name: "USF: garbage /Contents", wants: []atkWant{{ind: verify.TotalFailed}},
			make: func(t *testing.T, out string) {
				signPDF(t, p, p.SignerRSA, plain, out, time.Now(), cms.Options{}, bytes.Repeat([]byte{0x30, 0x82}, 100))
			}},
		{name: "USF: empty /Contents", wants: []atkWant{{ind: verify.TotalFailed}},
			make: func(t *testing.T, out string) {
				data := testpdf.Build([]string{
					"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] /SigFlags 3 >> >>",
					"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
					"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Annots [4 0 R] >>",
					"<< /Type /Annot /Subtype /Widget /FT /Sig /T (Forged) /Rect [0 0 0 0] /P 3 0 R /V 5 0 R >>",
					"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange [0 ABCDEFGHIJ KLMNOPQRST UVWXYZ0123] /Contents <> >>",
				}, "")
				a := bytes.Index(data, []byte("<>"))
				br := fmt.Sprintf("%-10d %-10d %-10d", a, a+2, len(data)-a-2)
				copy(data[bytes.Index(data, []byte("ABCDEFGHIJ")):], br)
				os.WriteFile(out, data, 0o644)
			}},
		{name: "USF: missing /ByteRange", wants: []atkWant{atkFormat},
			make: func(t *testing.T, out string) {
				atkSign(t, p, plain, out, approve, nil)
				edit(t, out, func(b []byte) []byte { return bytes.Replace(b, []byte("/ByteRange"), []byte("/ByteRangX"), 1) })
			}},
		{name: "USF: zero /ByteRange", wants: []atkWant{atkFormat},
			make: func(t *testing.T, out string) {
				atkSign(t, p, plain, out, approve, nil)
				edit(t, out, setByteRange("[0 0 0 0]"))
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
				t.Fatalf("%d signatures, want %d: %+v", len(rep.Signatures), len(tc.wants), rep.Signatures)
			}
			for i, w := range tc.wants {
				s := rep.Signatures[i]
				ok := s.Indication == w.ind && (w.sub == "" || s.SubIndication == w.sub) &&
					(w.mods == "" || s.Modifications.Kind == w.mods)
				if w.change != "" && !containsChange(s.Modifications.Changes, w.change) {
					ok = false
				}
				if !ok {
					t.Errorf("signature %d (%s): %s/%s, modifications %s %q; want %s/%s, %s %q; problems %q",
						i, s.Field, s.Indication, s.SubIndication, s.Modifications.Kind, s.Modifications.Changes,
						w.ind, w.sub, w.mods, w.change, s.Problems)
				}
				if s.Indication != verify.TotalPassed && len(s.Problems) == 0 {
					t.Errorf("signature %d: %s without a problem saying why", i, s.Indication)
				}
				t.Logf("signature %d: revision %d, %s/%s, %s %q", i, s.Revision, s.Indication, s.SubIndication, s.Modifications.Kind, s.Modifications.Changes)
				if w.mods != "" && s.Revision == 0 {
					t.Errorf("signature %d: no revision", i)
				}
			}
			if tc.pdfsig != nil {
				sigs := judge.PDFSig(t, out)
				if len(sigs) != len(tc.wants) || sigs[len(sigs)-1].Valid != *tc.pdfsig {
					t.Errorf("pdfsig: %+v, want the last valid=%v", sigs, *tc.pdfsig)
				}
				last := rep.Signatures[len(rep.Signatures)-1]
				t.Logf("pdfsig says valid=%v, total=%v; Siegel says %s/%s", sigs[len(sigs)-1].Valid, sigs[len(sigs)-1].Total, last.Indication, last.SubIndication)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func containsChange(changes []string, want string) bool {
	for _, c := range changes {
		if strings.Contains(c, want) {
			return true
		}
	}
	return false
}
