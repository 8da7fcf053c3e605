package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/siegel-app/siegel/app/verifytext"
	"github.com/siegel-app/siegel/signing/verify"
)

// ANSI colours of the terminal summary.
const (
	ansiGreen  = "\x1b[32m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiBold   = "\x1b[1m"
	ansiReset  = "\x1b[0m"
)

// WriteText writes the short summary "siegel verify" prints for a
// processed file: a line for the file, then per signature a mark (✓
// valid, ✗ invalid, ? indeterminate) with the result in words, and its
// facts and findings indented. colour adds ANSI colours (for a terminal).
func WriteText(w io.Writer, e Entry, lang string, colour bool) error {
	l := labelsFor(lang)
	rep := e.Report
	if rep == nil {
		return nil
	}
	paint := func(ind verify.Indication, s string) string {
		if !colour {
			return s
		}
		c := ansiYellow
		switch ind {
		case verify.TotalPassed:
			c = ansiGreen
		case verify.TotalFailed:
			c = ansiRed
		}
		return c + s + ansiReset
	}
	bold := func(s string) string {
		if !colour {
			return s
		}
		return ansiBold + s + ansiReset
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s, %s\n", bold(rep.File), paint(rep.Indication, mark(rep.Indication)+" "+l.indication(rep.Indication, "")),
		l.signatureCount(len(rep.Signatures)))
	if e.Data != "" {
		fmt.Fprintf(&b, "  %s: %s\n", l.signedData, e.Data)
	}
	for i, s := range rep.Signatures {
		s = verifytext.Localize(l.lang, s)
		v := sigFacts(l, i+1, s)
		fmt.Fprintf(&b, "  %s %s: %s\n", paint(s.Indication, mark(s.Indication)), bold(v.Title), paint(s.Indication, v.Result))
		// The terminal gets the short form; the filed report has all.
		var facts []fact
		for _, f := range v.Facts[1:] {
			switch f.Label {
			case l.integrity, l.serial, l.chain:
				continue
			case l.signer:
				if c := s.Signer.Certificate; c != nil {
					f.Value = s.Signer.CommonName()
				}
			case l.issuer:
				if c := s.Signer.Certificate; c != nil && c.Issuer.CommonName != "" {
					f.Value = c.Issuer.CommonName
				}
			}
			facts = append(facts, f)
		}
		width := 0
		for _, f := range facts {
			width = max(width, len([]rune(f.Label)))
		}
		for _, f := range facts {
			pad := strings.Repeat(" ", width-len([]rune(f.Label)))
			fmt.Fprintf(&b, "      %s:%s %s\n", f.Label, pad, f.Value)
		}
		for _, p := range s.Problems {
			fmt.Fprintf(&b, "      - %s\n", p)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mark(i verify.Indication) string {
	switch i {
	case verify.TotalPassed:
		return "✓"
	case verify.TotalFailed:
		return "✗"
	}
	return "?"
}
