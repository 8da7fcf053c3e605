package ui

import (
	"context"
	"crypto/x509"
	"encoding/hex"
	"image"
	"strings"
	"time"

	"github.com/siegel-app/siegel/app"
	"github.com/siegel-app/siegel/app/verifytext"
	"github.com/siegel-app/siegel/signing/audit"
	"github.com/siegel-app/siegel/signing/demo"
)

// PageRenderer turns PDF bytes into pages; package app/render plugs in
// here. Nil means no preview.
type PageRenderer interface {
	Open(ctx context.Context, pdf []byte) (RenderedDoc, error)
}

// RenderedDoc is an open document of a PageRenderer.
type RenderedDoc interface {
	Pages() int
	Render(ctx context.Context, page int, dpi float64) (*image.RGBA, error)
	// PageSize is the size of page (0-based) in points, as displayed.
	PageSize(page int) (w, h float64, err error)
	Close() error
}

// Field is one labelled line of the Review screen.
type Field struct {
	Label, Value string
	Mono         bool // digits to compare character by character
}

// ReviewModel is what the Review screen shows, from app.Review.
type ReviewModel struct {
	Fields   []Field
	Prepared string // the prepared revision, for the preview
	// Findings of the content audit, one line each, most severe first.
	Findings []FindingLine
	// Blocking is set when a finding blocks signing: Sign then needs the
	// person's explicit acceptance.
	Blocking bool
	// Page is the page (0-based) the preview starts at: the stamp's.
	Page int
}

// FindingLine is one content-audit finding as the Review screen shows it.
type FindingLine struct {
	Severity string // translated "Blocking", "Warning", "Note"
	Text     string
	Blocking bool
}

// NewReviewModel formats r; now marks a certificate outside its validity.
func NewReviewModel(r *app.Review, now time.Time) ReviewModel {
	m := ReviewModel{Prepared: r.Prepared, Page: max(r.StampPage-1, 0)}
	add := func(label, value string) { m.Fields = append(m.Fields, Field{Label: label, Value: value}) }
	if demo.IsDemo(r.Signer) {
		// First line: nobody should mistake this for a real signature.
		add(T("Demo key"), T("Signatures made with it have no legal effect"))
	}
	add(T("Document"), r.In)
	add(T("Signed copy"), r.Out)
	add(T("SHA-256 of the signed bytes"), groupHex(r.Digest))
	m.Fields[len(m.Fields)-1].Mono = true
	if c := r.Signer; c != nil {
		add(T("Signer"), name(c.Subject.CommonName, c.Subject.String()))
		add(T("Issued by"), name(c.Issuer.CommonName, c.Issuer.String()))
		valid := T("{{.From}} to {{.To}}", map[string]any{"From": c.NotBefore.Format(time.DateOnly), "To": c.NotAfter.Format(time.DateOnly)})
		if !validAt(c, now) {
			valid += " — " + T("not valid now")
		}
		add(T("Valid"), valid)
		add(T("Qualified"), qcClaimText(app.QualifiedClaim(c)))
	}
	add(T("Level"), r.Level)
	if r.Reason != "" {
		add(T("Reason"), r.Reason)
	}
	for _, f := range r.Findings {
		line := FindingLine{Text: verifytext.Finding(uiLang(), f), Blocking: f.Severity == audit.Blocking}
		switch f.Severity {
		case audit.Blocking:
			line.Severity = T("Blocking")
			m.Blocking = true
		case audit.Warning:
			line.Severity = T("Warning")
		default:
			line.Severity = T("Note")
		}
		m.Findings = append(m.Findings, line)
	}
	return m
}

// qcClaimText says what the certificate claims about itself; the
// Review cannot ask a trusted list, so it says whose statement it is.
func qcClaimText(q app.QCClaim) string {
	switch {
	case q.Unreadable:
		return T("The certificate's qualified statements cannot be read.")
	case !q.Qualified:
		return T("No: not a qualified certificate")
	case q.Seal && q.QSCD:
		return T("Yes: qualified certificate for electronic seals, key in a qualified device (as the certificate states)")
	case q.Seal:
		return T("Qualified certificate for electronic seals, key not in a qualified device (as the certificate states)")
	case q.QSCD:
		return T("Yes: qualified certificate for electronic signatures, key in a qualified device (as the certificate states)")
	}
	return T("Qualified certificate, key not in a qualified device (as the certificate states)")
}

func validAt(c *x509.Certificate, t time.Time) bool {
	return !t.Before(c.NotBefore) && !t.After(c.NotAfter)
}

func name(cn, full string) string {
	if cn != "" {
		return cn
	}
	return full
}

// groupHex writes the digest in groups of four bytes, so a person can
// compare it with another display piece by piece.
func groupHex(b []byte) string {
	h := strings.ToUpper(hex.EncodeToString(b))
	var parts []string
	for len(h) > 8 {
		parts = append(parts, h[:8])
		h = h[8:]
	}
	return strings.Join(append(parts, h), " ")
}
