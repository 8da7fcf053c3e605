package report

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf16"
)

// WritePDF writes the report as a PDF 1.4 of A4 text pages in the
// standard fonts Helvetica and Helvetica-Bold with WinAnsiEncoding (ISO
// 32000-1 §9.6.2.2, Annex D), which every reader has, so no font is
// embedded. Five codes WinAnsi leaves unused carry letters Slovenian and
// its neighbours need (see centralEurope); other characters outside
// WinAnsi are written as "?".
func WritePDF(w io.Writer, m Meta, entries []Entry) error {
	d := build(m, entries)
	l := labelsFor(m.Lang)
	lay := newLayout()
	black := rgb{}
	lay.para(marginL, textWidth, 16, true, black, d.Title, 20)
	lay.gap(4)
	lay.para(marginL, textWidth, 9.5, false, black, d.Intro, 12.5)
	lay.gap(8)
	for _, f := range d.Meta {
		lay.row(marginL, labelCol, 9.5, f.Label, f.Value, black)
	}
	for _, f := range d.Files {
		lay.gap(14)
		lay.need(60) // keep a heading with what follows
		lay.para(marginL, textWidth, 12.5, true, black, f.File, 15)
		lay.rule()
		lay.gap(3)
		lay.row(marginL, labelCol, 9.5, d.ResultLabel, f.Result, colour(f.Status))
		for _, x := range f.Facts {
			lay.row(marginL, labelCol, 9.5, x.Label, x.Value, black)
		}
		if f.Error != "" {
			lay.row(marginL, labelCol, 9.5, "", f.Error, colour("failed"))
		}
		for _, s := range f.Sigs {
			lay.gap(8)
			lay.need(50)
			lay.para(marginL+8, textWidth-8, 11, true, colour(s.Status), s.Title, 14)
			for i, x := range s.Facts {
				c := black
				if i == 0 {
					c = colour(s.Status)
				}
				lay.row(marginL+8, labelCol, 9.5, x.Label, x.Value, c)
			}
			lay.bullets(marginL+8, labelCol, 9.5, d.ProblemsLabel, s.Problems)
		}
	}
	n := len(lay.pages)
	for i := range lay.pages {
		foot := fmt.Sprintf("%s · %s %d / %d", d.Footer, l.page, i+1, n)
		lay.pages[i] = append(lay.pages[i], placed{x: marginL, y: 36, size: 8, c: rgb{0.35, 0.35, 0.35}, text: winAnsi(foot)})
	}
	return writePDF(w, lay.pages, d.Title, "Siegel "+m.Version, m)
}

// A4 in points and the text frame.
const (
	pageW, pageH        = 595.28, 841.89
	marginL, marginR    = 56.0, 56.0
	marginTop, marginBt = 60.0, 60.0
	textWidth           = pageW - marginL - marginR
	labelCol            = 130.0 // width of the label column of a row
)

type rgb [3]float64

func colour(status string) rgb {
	switch status {
	case "passed":
		return rgb{0.04, 0.42, 0.04}
	case "failed":
		return rgb{0.69, 0, 0.13}
	case "indeterminate":
		return rgb{0.6, 0.38, 0}
	}
	return rgb{}
}

// placed is a line of WinAnsi text at (x, y), or a horizontal rule when
// text is nil and rule > 0.
type placed struct {
	x, y, size float64
	bold       bool
	c          rgb
	text       []byte
	rule       float64
}

type layout struct {
	pages [][]placed
	y     float64
}

func newLayout() *layout {
	l := &layout{}
	l.newPage()
	return l
}

func (l *layout) newPage() {
	l.pages = append(l.pages, nil)
	l.y = pageH - marginTop
}

func (l *layout) gap(h float64) { l.y -= h }

// need starts a new page unless h points are left above the margin.
func (l *layout) need(h float64) {
	if l.y-h < marginBt {
		l.newPage()
	}
}

func (l *layout) put(p placed) {
	l.pages[len(l.pages)-1] = append(l.pages[len(l.pages)-1], p)
}

// para writes s wrapped to width, a line every leading points.
func (l *layout) para(x, width, size float64, bold bool, c rgb, s string, leading float64) {
	for _, line := range wrap(winAnsi(s), width, size, bold) {
		l.need(leading)
		l.y -= leading
		l.put(placed{x: x, y: l.y, size: size, bold: bold, c: c, text: line})
	}
}

// row writes a bold label in a column of width labelW and the value
// wrapped beside it.
func (l *layout) row(x, labelW, size float64, label, value string, c rgb) {
	leading := size * 1.3
	lines := wrap(winAnsi(value), textWidth-(x-marginL)-labelW, size, false)
	if len(lines) == 0 {
		lines = [][]byte{nil}
	}
	labels := wrap(winAnsi(label), labelW-6, size, true)
	for i := 0; i < len(lines) || i < len(labels); i++ {
		l.need(leading)
		l.y -= leading
		if i < len(labels) {
			l.put(placed{x: x, y: l.y, size: size, bold: true, text: labels[i]})
		}
		if i < len(lines) && len(lines[i]) > 0 {
			l.put(placed{x: x + labelW, y: l.y, size: size, c: c, text: lines[i]})
		}
	}
}

// bullets writes a bold label and beside it a bulleted list.
func (l *layout) bullets(x, labelW, size float64, label string, items []string) {
	leading := size * 1.3
	for i, item := range items {
		for j, line := range wrap(winAnsi(item), pageW-marginR-x-labelW-10, size, false) {
			l.need(leading)
			l.y -= leading
			if i == 0 && j == 0 {
				l.put(placed{x: x, y: l.y, size: size, bold: true, text: winAnsi(label)})
			}
			if j == 0 {
				l.put(placed{x: x + labelW, y: l.y, size: size, text: []byte{0x95}}) // •
			}
			l.put(placed{x: x + labelW + 10, y: l.y, size: size, text: line})
		}
	}
}

func (l *layout) rule() {
	l.y -= 3
	l.put(placed{x: marginL, y: l.y, rule: textWidth})
}

// wrap breaks text at spaces into lines no wider than width; a word wider
// than a line (a path, a digest) is broken anywhere.
func wrap(text []byte, width, size float64, bold bool) [][]byte {
	var lines [][]byte
	for _, para := range bytes.Split(text, []byte("\n")) {
		var cur []byte
		for _, word := range bytes.Fields(para) {
			cand := word
			if len(cur) > 0 {
				cand = append(append(append([]byte{}, cur...), ' '), word...)
			}
			if measure(cand, size, bold) <= width {
				cur = cand
				continue
			}
			if len(cur) > 0 {
				lines = append(lines, cur)
				cur = nil
			}
			for measure(word, size, bold) > width {
				n := 1
				for n < len(word) && measure(word[:n+1], size, bold) <= width {
					n++
				}
				lines = append(lines, word[:n])
				word = word[n:]
			}
			cur = append([]byte{}, word...)
		}
		if len(cur) > 0 {
			lines = append(lines, cur)
		}
	}
	return lines
}

// measure is the width of WinAnsi text in points. Bold is measured 10%
// wider than Helvetica, more than Helvetica-Bold's widths exceed it.
func measure(text []byte, size float64, bold bool) float64 {
	w := 0
	for _, c := range text {
		w += charWidth(c)
	}
	f := size / 1000
	if bold {
		f *= 1.1
	}
	return float64(w) * f
}

// helvetica are the widths of Helvetica (Adobe's AFM) for 32…126 in
// thousandths of the font size.
var helvetica = [95]int{
	278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space … /
	556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0 … ?
	1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // @ … O
	667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // P … _
	333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // ` … o
	556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // p … ~
}

func charWidth(c byte) int {
	switch {
	case c >= 32 && c <= 126:
		return helvetica[c-32]
	case c == 0x95: // bullet
		return 350
	case c == 0x91 || c == 0x92:
		return 222
	case c == 0x93 || c == 0x94:
		return 333
	case c == 0x96 || c == 0x80:
		return 556
	case c == 0x81 || c == 0x8F: // Č Ć
		return 722
	case c == 0x8D || c == 0x90: // č ć
		return 500
	case c == 0x9D: // đ
		return 556
	case c >= 0xC0 && c <= 0xDE: // capitals with accents: as wide as the widest
		return 778
	case c >= 0xDF:
		return 611 // ß and small letters with accents
	}
	return 1000 // anything else: the widest, so lines never overflow
}

// winAnsi encodes s in WinAnsiEncoding (ISO 32000-1 Annex D.2).
func winAnsi(s string) []byte {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		switch {
		case r == '\n':
			out = append(out, '\n')
		case r == '\t':
			out = append(out, ' ')
		case r >= 32 && r < 127, r >= 0xA0 && r <= 0xFF:
			out = append(out, byte(r))
		case r == '→':
			out = append(out, '-', '>')
		default:
			if b, ok := winAnsiHigh[r]; ok {
				out = append(out, b)
			} else {
				out = append(out, '?')
			}
		}
	}
	return out
}

var winAnsiHigh = map[rune]byte{
	'€': 0x80, '‚': 0x82, 'ƒ': 0x83, '„': 0x84, '…': 0x85, '†': 0x86, '‡': 0x87, 'ˆ': 0x88,
	'‰': 0x89, 'Š': 0x8A, '‹': 0x8B, 'Œ': 0x8C, 'Ž': 0x8E, '‘': 0x91, '’': 0x92, '“': 0x93,
	'”': 0x94, '•': 0x95, '–': 0x96, '—': 0x97, '˜': 0x98, '™': 0x99, 'š': 0x9A, '›': 0x9B,
	'œ': 0x9C, 'ž': 0x9E, 'Ÿ': 0x9F,
	// centralEurope
	'Č': 0x81, 'č': 0x8D, 'Ć': 0x8F, 'ć': 0x90, 'đ': 0x9D,
}

// centralEurope gives codes that WinAnsiEncoding leaves undefined the
// glyphs of č and its neighbours (š and ž are WinAnsi's own): the base
// fonts' character set has them (Adobe's Core 14 AFMs), and a Slovenian
// report needs č in most sentences.
const centralEurope = "/Differences [129 /Ccaron 141 /ccaron 143 /Cacute 144 /cacute 157 /dcroat]"

// writePDF writes the objects: catalog, page tree, two fonts, the
// document information, then a page and its content stream for each page.
func writePDF(w io.Writer, pages [][]placed, title, producer string, m Meta) error {
	var b bytes.Buffer
	var offsets []int
	obj := func(body string) {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offsets), body)
	}
	b.WriteString("%PDF-1.4\n%\xE2\xE3\xCF\xD3\n")
	kids := make([]string, len(pages))
	for i := range pages {
		kids[i] = fmt.Sprintf("%d 0 R", 6+2*i)
	}
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(pages)))
	enc := "<< /Type /Encoding /BaseEncoding /WinAnsiEncoding " + centralEurope + " >>"
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding " + enc + " >>")
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding " + enc + " >>")
	date := "D:" + m.Time.UTC().Format("20060102150405") + "Z"
	obj(fmt.Sprintf("<< /Title %s /Producer %s /Creator (Siegel) /CreationDate (%s) >>", textString(title), textString(producer), date))
	for i, p := range pages {
		obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %s %s] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents %d 0 R >>",
			num(pageW), num(pageH), 7+2*i))
		var z bytes.Buffer
		zw := zlib.NewWriter(&z)
		zw.Write(content(p))
		if err := zw.Close(); err != nil {
			return err
		}
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n", len(offsets), z.Len())
		b.Write(z.Bytes())
		b.WriteString("\nendstream\nendobj\n")
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	id := sha256.Sum256(b.Bytes())
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /Info 5 0 R /ID [<%x> <%x>] >>\nstartxref\n%d\n%%%%EOF\n",
		len(offsets)+1, id[:16], id[:16], xref)
	_, err := w.Write(b.Bytes())
	return err
}

// content is a page's content stream (ISO 32000-1 §9.4).
func content(items []placed) []byte {
	var b bytes.Buffer
	for _, p := range items {
		if p.text == nil {
			if p.rule > 0 {
				fmt.Fprintf(&b, "0.6 G 0.5 w %s %s m %s %s l S\n", num(p.x), num(p.y), num(p.x+p.rule), num(p.y))
			}
			continue
		}
		font := "F1"
		if p.bold {
			font = "F2"
		}
		fmt.Fprintf(&b, "BT /%s %s Tf %s %s %s rg %s %s Td %s Tj ET\n", font, num(p.size),
			num(p.c[0]), num(p.c[1]), num(p.c[2]), num(p.x), num(p.y), literal(p.text))
	}
	return b.Bytes()
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// literal is a PDF literal string (ISO 32000-1 §7.3.4.2).
func literal(text []byte) string {
	var b strings.Builder
	b.WriteByte('(')
	for _, c := range text {
		switch c {
		case '(', ')', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\r':
			b.WriteString(`\r`)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte(')')
	return b.String()
}

// textString is a PDF text string in UTF-16BE with a byte order mark, as
// hex (ISO 32000-1 §7.9.2.2).
func textString(s string) string {
	var b strings.Builder
	b.WriteString("<FEFF")
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&b, "%04X", u)
	}
	b.WriteByte('>')
	return b.String()
}
