package ui

import (
	"errors"
	"net/url"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"github.com/siegel-app/siegel/app"
	"github.com/siegel-app/siegel/signing/pades"
	"github.com/siegel-app/siegel/signing/verify"
)

// VerifyStatus is the colour class of a verification result.
type VerifyStatus int

const (
	VerifyChecking VerifyStatus = iota
	VerifyPassed
	VerifyIndeterminate
	VerifyFailed
	VerifyError // the file could not be processed
)

func statusOf(i verify.Indication) VerifyStatus {
	switch i {
	case verify.TotalPassed:
		return VerifyPassed
	case verify.TotalFailed:
		return VerifyFailed
	}
	return VerifyIndeterminate
}

// importance is the Fyne colour of a status.
func (s VerifyStatus) importance() widget.Importance {
	switch s {
	case VerifyPassed:
		return widget.SuccessImportance
	case VerifyIndeterminate:
		return widget.WarningImportance
	case VerifyFailed, VerifyError:
		return widget.DangerImportance
	}
	return widget.MediumImportance
}

// VerifyModel is what the Verify screen shows, from a verify.Report.
type VerifyModel struct {
	File    string
	Status  VerifyStatus
	Summary string // one sentence for the whole file
	Cards   []SignatureCard
}

// SignatureCard is one signature on the Verify screen.
type SignatureCard struct {
	Title    string
	Status   VerifyStatus
	Verdict  string // "Valid", "Invalid", "Not fully verified"
	Summary  string // one sentence
	Fields   []Field
	Problems []string
}

// NewVerifyModel formats the outcome of verifying path. A nil report and
// error means the verification is still running.
func NewVerifyModel(path string, rep *verify.Report, err error) VerifyModel {
	m := VerifyModel{File: path}
	switch {
	case err != nil:
		m.Status, m.Summary = VerifyError, verifyErrorText(err)
		return m
	case rep == nil:
		m.Status, m.Summary = VerifyChecking, T("Checking the signatures…")
		return m
	}
	m.Status = statusOf(rep.Indication)
	switch m.Status {
	case VerifyPassed:
		m.Summary = T("All signatures are valid.")
	case VerifyFailed:
		m.Summary = T("At least one signature is invalid.")
	default:
		m.Summary = T("Not every signature could be fully verified.")
	}
	for _, s := range rep.Signatures {
		m.Cards = append(m.Cards, signatureCard(s))
	}
	return m
}

func signatureCard(s verify.Signature) SignatureCard {
	c := SignatureCard{Title: s.Field, Status: statusOf(s.Indication), Verdict: Verdict(s.Indication),
		Summary: VerifySummary(s), Problems: s.Problems}
	if s.DocTimestamp {
		c.Title = T("Document timestamp {{.Field}}", map[string]any{"Field": s.Field})
	}
	add := func(label, value string) { c.Fields = append(c.Fields, Field{Label: label, Value: value}) }
	if cert := s.Signer.Certificate; cert != nil {
		label := T("Signer")
		if s.DocTimestamp {
			label = T("Timestamp authority")
		}
		add(label, s.Signer.CommonName())
		add(T("Issued by"), name(cert.Issuer.CommonName, s.Signer.Issuer))
	}
	if !s.SigningTime.IsZero() {
		source := T("claimed by the signer's computer")
		if s.TimeSource == verify.TimeFromTimestamp {
			source = T("proved by a timestamp")
		}
		add(T("Signed at"), formatTime(s.SigningTime)+" ("+source+")")
	}
	switch s.Coverage {
	case verify.WholeFile:
		add(T("Covers"), T("the whole document"))
	case verify.WholeRevision:
		add(T("Covers"), T("an earlier version; the document was changed afterwards"))
	default:
		add(T("Covers"), T("not the document as a whole"))
	}
	if s.Level != "" {
		add(T("Level"), s.Level)
	}
	if s.Reason != "" {
		add(T("Reason"), s.Reason)
	}
	code := string(s.Indication)
	if s.SubIndication != "" {
		code += " / " + string(s.SubIndication)
	}
	add(T("Result"), code)
	c.Fields[len(c.Fields)-1].Mono = true
	return c
}

func formatTime(t time.Time) string {
	if isGerman() {
		return t.Local().Format("02.01.2006 15:04:05 -07:00")
	}
	return t.Local().Format("2006-01-02 15:04:05 -07:00")
}

// Verdict names an indication in a word or two.
func Verdict(i verify.Indication) string {
	switch i {
	case verify.TotalPassed:
		return T("Valid")
	case verify.TotalFailed:
		return T("Invalid")
	}
	return T("Not fully verified")
}

// VerifySummary says in one sentence what a signature's result means.
func VerifySummary(s verify.Signature) string {
	switch s.Indication {
	case verify.TotalPassed:
		return T("The signature is intact and the signer's certificate is from a trusted authority.")
	case verify.TotalFailed:
		switch s.SubIndication {
		case verify.HashFailure:
			return T("The signature is invalid: the document was changed after signing.")
		case verify.FormatFailure:
			return T("The signature is invalid: it is damaged or does not cover the document properly.")
		}
		return T("The signature is invalid: its value does not match the signer's key.")
	}
	if !s.Intact {
		return T("The signature could not be checked.")
	}
	switch s.SubIndication {
	case verify.NoCertificateChainFound:
		return T("The signature is intact; the signer's certificate is not from a trusted authority.")
	case verify.TryLater:
		return T("The signature is intact and the signer is trusted; whether the certificate was revoked has not been checked.")
	case verify.SigConstraintsFailure:
		return T("The signature is intact; the document was changed after signing and the changes have not been checked.")
	case verify.Expired, verify.NotYetValid, verify.OutOfBoundsNoPOE:
		return T("The signature is intact; the signer's certificate was not valid at the time that counts.")
	}
	return T("The signature is intact, but it could not be fully verified.")
}

func verifyErrorText(err error) string {
	switch {
	case errors.Is(err, verify.ErrNoSignature):
		return T("The document has no signature.")
	case errors.Is(err, pades.ErrNotPDF):
		return T("The file is not a PDF document.")
	}
	return T("The file could not be checked: {{.Error}}", map[string]any{"Error": err.Error()})
}

// verifyView is the Verify screen: the file's result and one card per
// signature on the left, the document on the right.
type verifyView struct {
	content          fyne.CanvasObject
	back             *widget.Button
	summary          *widget.Label
	cards            *fyne.Container
	previewContainer *fyne.Container
}

func newVerifyView(m VerifyModel, onBack func()) *verifyView {
	v := &verifyView{}
	title := widget.NewLabelWithStyle(T("Verify signatures"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	file := widget.NewLabel(m.File)
	file.Wrapping = fyne.TextWrapBreak
	v.summary = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.summary.Wrapping = fyne.TextWrapWord
	v.cards = container.NewVBox()
	v.back = widget.NewButton(T("Back"), onBack)
	v.previewContainer = container.NewStack(previewPlaceholder())
	details := container.NewVBox(title, file, v.summary, v.cards)
	split := container.NewHSplit(container.NewVScroll(details), v.previewContainer)
	split.Offset = 0.55
	v.content = container.NewBorder(nil, container.NewHBox(layout.NewSpacer(), v.back), nil, nil, split)
	v.show(m)
	return v
}

// show puts m on the screen; UI thread only.
func (v *verifyView) show(m VerifyModel) {
	v.summary.SetText(m.Summary)
	v.summary.Importance = m.Status.importance()
	v.summary.Refresh()
	v.cards.RemoveAll()
	for _, c := range m.Cards {
		v.cards.Add(newSignatureCard(c))
	}
}

func newSignatureCard(c SignatureCard) fyne.CanvasObject {
	verdict := widget.NewLabelWithStyle(c.Verdict, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
	verdict.Importance = c.Status.importance()
	head := container.NewBorder(nil, nil, widget.NewLabelWithStyle(c.Title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), verdict)
	summary := widget.NewLabel(c.Summary)
	summary.Wrapping = fyne.TextWrapWord
	form := container.New(layout.NewFormLayout())
	for _, f := range c.Fields {
		value := widget.NewLabel(f.Value)
		value.Wrapping = fyne.TextWrapWord
		value.Selectable = true
		value.TextStyle.Monospace = f.Mono
		form.Add(widget.NewLabelWithStyle(f.Label, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
		form.Add(value)
	}
	box := container.NewVBox(head, summary, form)
	for _, p := range c.Problems {
		l := widget.NewLabel("• " + p)
		l.Wrapping = fyne.TextWrapWord
		box.Add(l)
	}
	return widget.NewCard("", "", box)
}

// verifyMenuItem is File ▸ Verify… with its shortcut (Ctrl/Cmd+Shift+V).
func (w *Window) verifyMenuItem() *fyne.MenuItem {
	sc := &desktop.CustomShortcut{KeyName: fyne.KeyV, Modifier: fyne.KeyModifierShortcutDefault | fyne.KeyModifierShift}
	w.win.Canvas().AddShortcut(sc, func(fyne.Shortcut) { w.ShowVerify() })
	item := fyne.NewMenuItem(T("Verify…"), w.ShowVerify)
	item.Shortcut = sc
	return item
}

// ShowVerify asks for a signed PDF and verifies it.
func (w *Window) ShowVerify() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		r.Close()
		w.Verify(r.URI().Path())
	}, w.win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".pdf", ".PDF"}))
	w.setLocation(d)
	d.Show()
}

// Verify shows the Verify screen for the PDF at path and checks it in the
// background; Back returns to the main screen.
func (w *Window) Verify(path string) {
	var v *verifyView
	v = newVerifyView(NewVerifyModel(path, nil, nil), func() {
		w.dropPreview(v.previewContainer)
		w.win.SetContent(w.main)
	})
	w.win.SetContent(v.content)
	w.showPreview(v.previewContainer, path, 0)
	go func() {
		rep, err := app.Verify(w.ctx, path, app.VerifyOptions{})
		fyne.Do(func() {
			v.show(NewVerifyModel(path, rep, err))
			w.notify("verify", v)
		})
	}()
}

// dropPreview closes the document box shows, and one still opening for
// it when that arrives; UI thread only.
func (w *Window) dropPreview(box *fyne.Container) {
	w.view.loading(box) // a load under way is no longer current
	if d := w.previews[box]; d != nil {
		d.Close()
		delete(w.previews, box)
	}
}

// checkSigned verifies a freshly signed file in the background and puts
// the result into label: the signing dialog shows whether what was
// written verifies.
func (w *Window) checkSigned(path string, label *widget.Label) {
	label.SetText(T("Checking the signed copy…"))
	go func() {
		rep, err := app.Verify(w.ctx, path, app.VerifyOptions{})
		fyne.Do(func() {
			m := NewVerifyModel(path, rep, err)
			text := m.Summary
			if s, ok := newest(rep); ok {
				text = Verdict(s.Indication) + ": " + VerifySummary(s)
				m.Status = statusOf(s.Indication)
			}
			label.SetText(text)
			label.Importance = m.Status.importance()
			label.Refresh()
			w.notify("signed-check", text)
		})
	}()
}

// newest is the signature made last, not counting document timestamps
// (a B-LTA signature is followed by one).
func newest(rep *verify.Report) (verify.Signature, bool) {
	if rep == nil {
		return verify.Signature{}, false
	}
	for i := len(rep.Signatures) - 1; i >= 0; i-- {
		if !rep.Signatures[i].DocTimestamp {
			return rep.Signatures[i], true
		}
	}
	return verify.Signature{}, false
}

// fileURL is the file: URL of path, also for Windows drive letters.
func fileURL(path string) *url.URL {
	u, err := url.Parse(storage.NewFileURI(path).String())
	if err != nil {
		return &url.URL{Scheme: "file", Path: path}
	}
	return u
}
