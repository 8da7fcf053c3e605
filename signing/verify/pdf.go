package verify

import (
	"bytes"
	"crypto"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/siegel-app/siegel/signing/pades"
)

// Limits that make hostile files terminate.
const (
	maxReads    = 100_000  // objects read while looking for fields
	maxDepth    = 32       // field tree depth
	maxFields   = 10_000   // signatures verified per file
	maxContents = 16 << 20 // bytes of a /Contents hex string
)

type pdfVerifier struct {
	in     *pades.Inspection
	f      *os.File
	size   int64
	opts   Options
	now    time.Time
	seen   map[pades.Ref]bool
	budget int
	rev    *revState      // trust.go
	revs   *revisionChain // revision.go, read once
}

// sigField is a signature field with a value: its name and the value as
// found (a reference or a direct dictionary).
type sigField struct {
	name  string
	value any
}

// get follows references to a direct value; nil when it cannot be read.
// err is the reason a reference could not be read.
func (v *pdfVerifier) get(x any) (any, error) {
	for hops := 0; hops < 8; hops++ {
		ref, ok := x.(pades.Ref)
		if !ok {
			return x, nil
		}
		if v.budget <= 0 {
			return nil, fmt.Errorf("object %d: too many objects read", ref.ID)
		}
		v.budget--
		o, err := v.in.Object(ref)
		if err != nil {
			return nil, err
		}
		x = o
	}
	return nil, fmt.Errorf("references nested too deeply")
}

func (v *pdfVerifier) dict(x any) pades.Dict {
	d, _ := v.get(x)
	dd, _ := d.(pades.Dict)
	return dd
}

func (v *pdfVerifier) array(x any) pades.Array {
	a, _ := v.get(x)
	aa, _ := a.(pades.Array)
	return aa
}

// signatureFields walks the AcroForm field tree (ISO 32000-1 §12.7.3.1):
// terminal fields of type /Sig (the type may be inherited) with a value.
// A value shared by two fields is one signature.
func (v *pdfVerifier) signatureFields() []sigField {
	form := v.dict(v.in.Root()["AcroForm"])
	if form == nil {
		return nil
	}
	var out []sigField
	values := map[pades.Ref]bool{}
	var walk func(x any, parent string, ft any, depth int)
	walk = func(x any, parent string, ft any, depth int) {
		if depth > maxDepth || len(out) >= maxFields {
			return
		}
		if r, ok := x.(pades.Ref); ok {
			if v.seen[r] {
				return
			}
			v.seen[r] = true
		}
		f := v.dict(x)
		if f == nil {
			return
		}
		name := parent
		if t, ok := f["T"].(pades.String); ok {
			if name != "" {
				name += "."
			}
			name += textString(string(t))
		}
		if t, ok := f["FT"]; ok {
			ft = t
		}
		kids := v.array(f["Kids"])
		if ft == pades.Name("Sig") && f["V"] != nil {
			if r, ok := f["V"].(pades.Ref); ok {
				if values[r] {
					return
				}
				values[r] = true
			}
			out = append(out, sigField{name: name, value: f["V"]})
			return
		}
		for _, k := range kids {
			walk(k, name, ft, depth+1)
		}
	}
	for _, f := range v.array(form["Fields"]) {
		walk(f, "", nil, 0)
	}
	return out
}

// signature verifies one signature field's value.
func (v *pdfVerifier) signature(fl sigField) Signature {
	s := Signature{Field: fl.name, Indication: TotalPassed, Coverage: Partial}
	if s.Field == "" {
		s.Field = "(unnamed)"
	}
	obj, err := v.get(fl.value)
	if err != nil {
		s.set(TotalFailed, FormatFailure, tf("The signature dictionary cannot be read: %v.", err))
		return s
	}
	d, ok := obj.(pades.Dict)
	if !ok {
		s.set(TotalFailed, FormatFailure, tf("The signature field's value is not a signature dictionary."))
		return s
	}
	s.DocTimestamp = d["Type"] == pades.Name("DocTimeStamp")
	if sf, ok := d["SubFilter"].(pades.Name); ok {
		s.SubFilter = string(sf)
	}
	if r, ok := d["Reason"].(pades.String); ok {
		s.Reason = textString(string(r))
	}
	contents, ok := v.checkFormat(&s, d)
	if !ok {
		return s
	}
	switch {
	case s.DocTimestamp || s.SubFilter == "ETSI.RFC3161":
		s.DocTimestamp = true
		v.docTimestamp(&s, contents)
	case s.SubFilter == "ETSI.CAdES.detached" || s.SubFilter == "adbe.pkcs7.detached":
		v.cmsSignature(&s, d, contents)
	default:
		s.set(Indeterminate, FormatFailure, tf("Signatures of the kind %q are not supported.", s.SubFilter))
		return s
	}
	if s.failed() {
		return s
	}
	v.analyseChanges(&s) // changes.go
	if s.failed() {
		return s
	}
	v.checkRevocation(&s, contents)
	return s
}

// checkFormat applies ISO 32000-1 §12.8.1 to the byte range: it starts at
// 0, its gap is exactly this dictionary's /Contents as a hex string, and
// it ends at the end of a revision. It returns the decoded /Contents.
func (v *pdfVerifier) checkFormat(s *Signature, d pades.Dict) ([]byte, bool) {
	fail := func(msg Text) ([]byte, bool) {
		s.set(TotalFailed, FormatFailure, msg)
		return nil, false
	}
	brA, _ := d["ByteRange"].(pades.Array)
	if len(brA) != 4 {
		return fail(tf("The signature has no valid /ByteRange (four integers)."))
	}
	var br [4]int64
	for i, x := range brA {
		n, ok := x.(int64)
		if !ok || n < 0 {
			return fail(tf("The signature has no valid /ByteRange (four integers)."))
		}
		br[i] = n
	}
	s.ByteRange = br
	if br[0] != 0 {
		return fail(tf("The signed bytes do not start at the beginning of the file."))
	}
	gapStart, gapEnd, end := br[1], br[2], br[2]+br[3]
	if br[1] == 0 || gapEnd <= gapStart+1 || end > v.size || end < gapEnd {
		return fail(tf("The signature's byte range does not fit the file."))
	}
	if gapEnd-gapStart > 2*maxContents+2 {
		return fail(tf("The signature's gap is larger than any signature."))
	}
	gap := make([]byte, gapEnd-gapStart)
	if _, err := v.f.ReadAt(gap, gapStart); err != nil {
		return fail(tf("The signature's bytes cannot be read: %v.", err))
	}
	if gap[0] != '<' || gap[len(gap)-1] != '>' {
		return fail(tf("The bytes left out of the signature are not exactly its /Contents string."))
	}
	digits := make([]byte, 0, len(gap))
	for _, c := range gap[1 : len(gap)-1] {
		switch {
		case isHex(c):
			digits = append(digits, c)
		case c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0:
		default:
			return fail(tf("The bytes left out of the signature are not exactly its /Contents string."))
		}
	}
	if len(digits)%2 == 1 {
		digits = append(digits, '0') // ISO 32000-1 §7.3.4.3
	}
	contents := make([]byte, len(digits)/2)
	hex.Decode(contents, digits)
	if dc, ok := d["Contents"].(pades.String); !ok || string(dc) != string(contents) {
		return fail(tf("The bytes left out of the signature are not this signature's /Contents."))
	}
	// The signed revision ends with "%%EOF" and an end-of-line marker
	// (ISO 32000-1 §7.5.5); some writers leave the marker out of the
	// range when it ends the file.
	tail := make([]byte, min(end, 8))
	if _, err := v.f.ReadAt(tail, end-int64(len(tail))); err != nil {
		return fail(tf("The signature's bytes cannot be read: %v.", err))
	}
	t := bytes.TrimSuffix(tail, []byte("\n"))
	t = bytes.TrimSuffix(t, []byte("\r"))
	if !bytes.HasSuffix(t, []byte("%%EOF")) {
		return fail(tf("The signed bytes do not end at the end of a revision."))
	}
	s.Coverage = WholeRevision
	if rest := v.size - end; rest == 0 {
		s.Coverage = WholeFile
	} else if rest <= 2 {
		after := make([]byte, rest)
		if _, err := v.f.ReadAt(after, end); err == nil && len(bytes.Trim(after, "\r\n")) == 0 {
			s.Coverage = WholeFile
		}
	}
	return contents, true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// digest hashes the two byte ranges with h, streaming from disk.
func (v *pdfVerifier) digest(h crypto.Hash, br [4]int64) ([]byte, error) {
	hh := h.New()
	buf := make([]byte, 1<<20)
	for _, r := range [][2]int64{{br[0], br[1]}, {br[2], br[3]}} {
		if _, err := io.CopyBuffer(hh, io.NewSectionReader(v.f, r[0], r[1]), buf); err != nil {
			return nil, err
		}
	}
	return hh.Sum(nil), nil
}

// textString decodes a PDF text string (ISO 32000-1 §7.9.2.2): UTF-16BE
// with a byte order mark, UTF-8 with one (PDF 2.0), else PDFDocEncoding,
// read here as Latin-1, which it equals for the printable characters.
func textString(s string) string {
	b := []byte(s)
	switch {
	case len(b) >= 2 && b[0] == 0xFE && b[1] == 0xFF:
		u := make([]uint16, 0, len(b)/2)
		for i := 2; i+1 < len(b); i += 2 {
			u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
		}
		return string(utf16.Decode(u))
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return string(b[3:])
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

// pdfDate parses a PDF date (ISO 32000-1 §7.9.4): D:YYYYMMDDHHmmSSOHH'mm'
// with everything after the year optional.
func pdfDate(s string) (time.Time, bool) {
	s = strings.TrimPrefix(s, "D:")
	num := func(from, n int, def int) (int, bool) {
		if len(s) < from+n {
			return def, len(s) <= from
		}
		v, err := strconv.Atoi(s[from : from+n])
		return v, err == nil
	}
	year, ok := num(0, 4, -1)
	if !ok || year < 0 {
		return time.Time{}, false
	}
	parts := []int{year}
	for i, def := range []int{1, 1, 0, 0, 0} {
		p, ok := num(4+2*i, 2, def)
		if !ok {
			return time.Time{}, false
		}
		parts = append(parts, p)
	}
	loc := time.UTC
	if len(s) > 14 {
		switch z := s[14:]; z[0] {
		case '+', '-':
			z = strings.ReplaceAll(z[1:], "'", "")
			if len(z) < 2 {
				return time.Time{}, false
			}
			hh, err1 := strconv.Atoi(z[:2])
			mm := 0
			var err2 error
			if len(z) >= 4 {
				mm, err2 = strconv.Atoi(z[2:4])
			}
			if err1 != nil || err2 != nil {
				return time.Time{}, false
			}
			off := hh*3600 + mm*60
			if s[14] == '-' {
				off = -off
			}
			loc = time.FixedZone("", off)
		case 'Z':
		default:
			return time.Time{}, false
		}
	}
	t := time.Date(parts[0], time.Month(parts[1]), parts[2], parts[3], parts[4], parts[5], 0, loc)
	return t, true
}
