package ui

import (
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/siegel-app/siegel/app"
	"github.com/siegel-app/siegel/app/verifytext"
	"github.com/siegel-app/siegel/signing/pades"
	"github.com/siegel-app/siegel/signing/trustlist"
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
	// TrustListNotes say what went wrong with the EU trusted lists used
	// (national lists not used, out-of-date copies), one sentence each:
	// without them a signature that is "not qualified" or from an
	// unknown authority would hide that its country's list failed.
	TrustListNotes []string
}

// SignatureCard is one signature on the Verify screen: a line always
// shown, the rest on demand.
type SignatureCard struct {
	N        int    // 1-based, in the order the signatures were made
	Title    string // "Signature 1", "Document timestamp 2"
	Line     string // "Signature 1: Erika Mustermann — Valid, <time> (<source>)"
	Status   VerifyStatus
	Verdict  string // "Valid", "Invalid", "Not fully verified"
	Summary  string // one sentence
	Note     string // allowed later changes; "" for none
	Fields   []Field
	Problems []string
	// Revision is the signed revision when the file was changed after
	// it (it can be shown); 0 when the signature covers the whole file
	// or its revision is not known.
	Revision int
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
	for i, s := range rep.Signatures {
		m.Cards = append(m.Cards, signatureCard(i+1, s))
	}
	return m
}

func signatureCard(n int, s verify.Signature) SignatureCard {
	s = verifytext.Localize(uiLang(), s) // the engine's problems and changes in the GUI's language
	c := SignatureCard{N: n, Title: T("Signature {{.N}}", map[string]any{"N": n}), Status: statusOf(s.Indication),
		Verdict: Verdict(s.Indication), Summary: VerifySummary(s), Problems: s.Problems}
	if s.DocTimestamp {
		c.Title = T("Document timestamp {{.N}}", map[string]any{"N": n})
	}
	if s.Revision > 0 && s.Coverage == verify.WholeRevision {
		c.Revision = s.Revision
	}
	who := T("unknown signer")
	if s.Signer.Certificate != nil || s.Signer.Subject != "" {
		who = s.Signer.CommonName()
	}
	c.Line = c.Title + ": " + who + " — " + c.Verdict
	source := timeSource(s.TimeSource)
	if !s.SigningTime.IsZero() {
		c.Line += ", " + formatTime(s.SigningTime) + " (" + source + ")"
	}
	if s.Indication == verify.TotalPassed && s.Modifications.Kind == verify.ModAllowed {
		c.Note = T("The document was changed after signing; the later changes are allowed ones: {{.Changes}}.",
			map[string]any{"Changes": changeList(s.Modifications.Changes)})
	}

	add := func(label, value string) { c.Fields = append(c.Fields, Field{Label: label, Value: value}) }
	mono := func() { c.Fields[len(c.Fields)-1].Mono = true }
	if s.Field != "" {
		add(T("Field"), s.Field)
	}
	if cert := s.Signer.Certificate; cert != nil || s.Signer.Subject != "" {
		label := T("Signer")
		if s.DocTimestamp {
			label = T("Timestamp authority")
		}
		add(label, who)
		issuer := s.Signer.Issuer
		if cert != nil {
			issuer = name(cert.Issuer.CommonName, s.Signer.Issuer)
		}
		add(T("Issued by"), issuer)
		if s.Signer.Serial != "" {
			add(T("Serial number"), s.Signer.Serial)
			mono()
		}
	}
	if !s.SigningTime.IsZero() {
		add(T("Signed at"), formatTime(s.SigningTime)+" ("+source+")")
	}
	switch s.Coverage {
	case verify.WholeFile:
		add(T("Covers"), T("the whole document"))
	case verify.WholeRevision:
		add(T("Covers"), T("an earlier version; the document was changed afterwards"))
	case verify.WholeContainer:
		add(T("Covers"), T("every file of the container"))
	default:
		add(T("Covers"), T("not the document as a whole"))
	}
	if s.Revision > 0 {
		add(T("Signed revision"), strconv.Itoa(s.Revision))
	}
	if ch := modificationsText(s.Modifications); ch != "" {
		add(T("Changes after signing"), ch)
	}
	if s.Level != "" {
		add(T("Level"), s.Level)
	}
	if q := qualifiedText(s.Qualified); q != "" {
		add(T("Qualified"), q)
	}
	if r := revocationText(s.Revocation); r != "" {
		add(T("Revocation"), r)
	}
	if s.Reason != "" {
		add(T("Reason"), s.Reason)
	}
	code := string(s.Indication)
	if s.SubIndication != "" {
		code += " / " + string(s.SubIndication)
	}
	add(T("Result"), code)
	mono()
	return c
}

// uiLang is the language of the GUI's strings ("de", "sl", "en"), for
// texts that come translated from app/verifytext.
func uiLang() string { return verifytext.Lang(T("lang-code")) }

func timeSource(src string) string {
	if src == verify.TimeFromTimestamp {
		return T("proved by a timestamp")
	}
	return T("claimed by the signer's computer")
}

// changeList joins the engine's change phrases (translated, like Problems).
func changeList(changes []string) string {
	if len(changes) == 0 {
		return T("not listed")
	}
	return strings.Join(changes, "; ")
}

func modificationsText(m verify.Modifications) string {
	switch m.Kind {
	case verify.ModNone:
		return T("none")
	case verify.ModAllowed:
		return T("only allowed ones: {{.Changes}}", map[string]any{"Changes": changeList(m.Changes)})
	case verify.ModDisallowed:
		return T("not allowed: {{.Changes}}", map[string]any{"Changes": changeList(m.Changes)})
	}
	return ""
}

func qualifiedText(q string) string {
	switch q {
	case verify.QES:
		return T("qualified electronic signature (QES)")
	case verify.QESeal:
		return T("qualified electronic seal (QESeal)")
	case verify.AdESQC:
		return T("advanced, with a qualified certificate (AdES-QC)")
	case verify.AdES:
		return T("advanced (AdES)")
	case verify.QUnknown:
		return T("not determined")
	}
	return q
}

func revocationText(r verify.Revocation) string {
	if r.Status == "" && r.Source == "" {
		return ""
	}
	var status string
	switch r.Status {
	case verify.RevStatusGood:
		status = T("not revoked")
	case verify.RevStatusRevoked:
		status = T("revoked")
	case verify.RevStatusNotChecked:
		status = T("not checked")
	default:
		status = T("unknown")
	}
	switch r.Source {
	case verify.RevSourceEmbedded:
		return status + " (" + T("information in the document") + ")"
	case verify.RevSourceOnline:
		return status + " (" + T("fetched online") + ")"
	case verify.RevSourceNone:
		return status + " (" + T("no information found") + ")"
	}
	return status
}

func formatTime(t time.Time) string {
	switch uiLang() {
	case "de":
		return t.Local().Format("02.01.2006 15:04:05 -07:00")
	case "sl":
		return t.Local().Format("2. 1. 2006 15:04:05 -07:00")
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
		case verify.SigConstraintsFailure:
			return T("The signature is invalid: the document was changed after signing in a way this signature does not allow.")
		case verify.Revoked:
			return T("The signature is invalid: the signer's certificate was revoked.")
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
		return T("The signature is intact, but no revocation information could be checked; checking online (Settings) may tell whether the certificate was revoked.")
	case verify.SigConstraintsFailure:
		return T("The signature is intact; the document was changed after signing and the changes could not be analysed.")
	case verify.RevokedNoPOE:
		return T("The signature is intact, but the signer's certificate was revoked and no timestamp proves that the signature was made before.")
	case verify.RevokedCANoPOE:
		return T("The signature is intact, but a certificate of an authority in the signer's chain was revoked and no timestamp proves that the signature was made before.")
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

// verifyView is the Verify screen: the file's result and one line per
// signature with its details on demand on the left, the document (or the
// version a signature signed) on the right.
type verifyView struct {
	content          fyne.CanvasObject
	back             *widget.Button
	summary          *widget.Label
	trustLists       *fyne.Container // the trusted lists' problems; hidden when none
	cards            *fyne.Container
	rows             []*signatureRow
	previewContainer *fyne.Container

	// The bar above the preview while a signed version is shown.
	revisionBar   *fyne.Container
	revisionLabel *widget.Label
	current       *widget.Button // "Show the current file"

	// onShowRevision is told to show revision rev, the one signature n
	// signed; nil: no such buttons.
	onShowRevision func(n, rev int)
}

// signatureRow is the line and details of one signature.
type signatureRow struct {
	content fyne.CanvasObject
	line    *widget.Label
	details *widget.Accordion
	show    *widget.Button // "Show the signed version"; nil when there is none
}

func newVerifyView(m VerifyModel, onBack, onCurrent func()) *verifyView {
	v := &verifyView{}
	title := widget.NewLabelWithStyle(T("Verify signatures"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	file := widget.NewLabel(m.File)
	file.Wrapping = fyne.TextWrapBreak
	v.summary = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.summary.Wrapping = fyne.TextWrapWord
	v.trustLists = container.NewVBox()
	v.cards = container.NewVBox()
	v.back = widget.NewButton(T("Back"), onBack)
	v.previewContainer = container.NewStack(previewPlaceholder())
	v.revisionLabel = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.revisionLabel.Wrapping = fyne.TextWrapWord
	v.current = widget.NewButtonWithIcon(T("Show the current file"), theme.NavigateBackIcon(), onCurrent)
	v.revisionBar = container.NewVBox() // empty while the current file is shown
	details := container.NewVBox(title, file, v.summary, v.trustLists, v.cards)
	right := container.NewBorder(v.revisionBar, nil, nil, nil, v.previewContainer)
	split := container.NewHSplit(container.NewVScroll(details), right)
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
	v.trustLists.RemoveAll()
	if len(m.TrustListNotes) > 0 {
		head := widget.NewLabelWithStyle(T("EU trusted lists"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		head.Importance = widget.WarningImportance
		v.trustLists.Add(container.NewBorder(nil, nil,
			container.NewCenter(widget.NewIcon(statusIcon(VerifyIndeterminate))), nil, head))
		for _, n := range m.TrustListNotes {
			l := widget.NewLabel(n)
			l.Wrapping = fyne.TextWrapWord
			v.trustLists.Add(l)
		}
		v.trustLists.Show()
	} else {
		// Hidden, it takes no room in the column (no padding either).
		v.trustLists.Hide()
	}
	v.cards.RemoveAll()
	v.rows = nil
	for _, c := range m.Cards {
		r := v.newSignatureRow(c)
		v.rows = append(v.rows, r)
		v.cards.Add(r.content)
	}
}

// showingRevision puts the bar above the preview that says which version
// it shows; n 0 takes it away (the current file). UI thread only.
func (v *verifyView) showingRevision(n, rev int) {
	if n == 0 {
		v.revisionBar.Objects = nil
	} else {
		v.revisionLabel.SetText(T("Showing revision {{.Revision}}: the version signature {{.N}} signed",
			map[string]any{"Revision": rev, "N": n}))
		v.revisionBar.Objects = []fyne.CanvasObject{v.revisionLabel, container.NewHBox(v.current)}
	}
	v.revisionBar.Refresh()
}

// statusIcon is the coloured mark of a status; the line beside it says
// the same in words.
func statusIcon(s VerifyStatus) fyne.Resource {
	switch s {
	case VerifyPassed:
		return theme.NewSuccessThemedResource(theme.ConfirmIcon())
	case VerifyFailed, VerifyError:
		return theme.NewErrorThemedResource(theme.CancelIcon())
	}
	return theme.NewWarningThemedResource(theme.WarningIcon())
}

func (v *verifyView) newSignatureRow(c SignatureCard) *signatureRow {
	r := &signatureRow{}
	r.line = widget.NewLabelWithStyle(c.Line, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	r.line.Wrapping = fyne.TextWrapWord
	r.line.Importance = c.Status.importance()
	head := container.NewBorder(nil, nil, container.NewCenter(widget.NewIcon(statusIcon(c.Status))), nil, r.line)

	summary := widget.NewLabel(c.Summary)
	summary.Wrapping = fyne.TextWrapWord
	box := container.NewVBox(summary)
	if c.Note != "" {
		note := widget.NewLabel(c.Note)
		note.Wrapping = fyne.TextWrapWord
		box.Add(note)
	}
	form := container.New(layout.NewFormLayout())
	for _, f := range c.Fields {
		value := widget.NewLabel(f.Value)
		value.Wrapping = fyne.TextWrapWord
		value.Selectable = true
		value.TextStyle.Monospace = f.Mono
		form.Add(widget.NewLabelWithStyle(f.Label, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
		form.Add(value)
	}
	box.Add(form)
	for _, p := range c.Problems {
		l := widget.NewLabel("• " + p)
		l.Wrapping = fyne.TextWrapWord
		box.Add(l)
	}
	r.details = widget.NewAccordion(widget.NewAccordionItem(T("Details"), box))
	body := container.NewVBox(head)
	// A signature over the whole file signed what is shown already; only
	// one followed by later changes has a version of its own to show.
	if c.Revision > 0 && v.onShowRevision != nil {
		n, rev := c.N, c.Revision
		r.show = widget.NewButtonWithIcon(T("Show the signed version"), theme.DocumentIcon(), func() { v.onShowRevision(n, rev) })
		body.Add(container.NewHBox(r.show))
	}
	body.Add(r.details)
	r.content = widget.NewCard("", "", body)
	return r
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
	// PDFs, detached CMS (data file beside it) and ASiC-E containers;
	// only PDFs have a page preview.
	d.SetFilter(storage.NewExtensionFileFilter([]string{".pdf", ".PDF", ".p7s", ".p7m", ".asice", ".sce"}))
	d.SetTitleText(T("Open a signed file to verify"))
	w.setLocation(d)
	d.Show()
}

// Verify shows the Verify screen for the PDF at path and checks it in the
// background with the trust files and revocation policy of the settings;
// Back returns to the main screen.
func (w *Window) Verify(path string) {
	s := &revisionShow{}
	var v *verifyView
	// A window closed on this screen takes the extracted revision along.
	stopCleanup := context.AfterFunc(w.ctx, s.remove)
	v = newVerifyView(NewVerifyModel(path, nil, nil), func() {
		stopCleanup()
		s.gen++
		w.dropPreview(v.previewContainer)
		s.remove()
		w.win.SetContent(w.main)
	}, func() {
		s.gen++
		v.showingRevision(0, 0)
		w.showPreview(v.previewContainer, path, 0)
		s.remove()
		w.notify("current", v)
	})
	v.onShowRevision = func(n, rev int) { w.showRevision(v, s, path, n, rev) }
	w.win.SetContent(v.content)
	w.showPreview(v.previewContainer, path, 0)
	opts := w.verifyOptions()
	w.work.Go(func() {
		rep, notes, err := w.verifyFile(path, opts)
		fyne.Do(func() {
			m := NewVerifyModel(path, rep, err)
			m.TrustListNotes = verifytext.TrustLists(uiLang(), notes)
			v.show(m)
			w.notify("verify", v)
		})
	})
}

// verifyFile verifies path with opts on a background goroutine. Asked
// for, the EU trusted lists come from the window's cache (one load for
// many files) and notes are what went wrong with them, which app.Verify
// loading them itself would drop. A LOTL that cannot be had or trusted is
// the error.
func (w *Window) verifyFile(path string, opts app.VerifyOptions) (*verify.Report, []trustlist.Note, error) {
	var notes []trustlist.Note
	if opts.TrustLists != nil && opts.Lists == nil {
		lists, err := w.trustLists.Get(w.ctx, *opts.TrustLists)
		if err != nil {
			return nil, nil, err
		}
		opts.Lists, notes = lists, lists.ProblemNotes()
	}
	rep, err := app.Verify(w.ctx, path, opts)
	return rep, notes, err
}

// verifyOptions are the settings' trust files and revocation policy.
func (w *Window) verifyOptions() app.VerifyOptions {
	s := w.deps.Settings
	o := app.VerifyOptions{TrustFiles: slices.Clone(s.TrustFiles), Online: s.OnlineRevocation}
	if s.EUTrustLists {
		// Loaded on the verifying goroutine (verifyFile), from the disk
		// cache while it is fresh.
		o.TrustLists = &app.TrustListOptions{LOTLURL: s.LOTLURL, LOTLSigners: s.LOTLSigners,
			CacheDir: w.trustListDir, HTTPClient: w.deps.HTTPClient}
	}
	return o
}

// revisionShow is the signed version the Verify screen shows: the
// temporary folder its extracted file is in. gen belongs to the UI
// thread; dir is also removed from context.AfterFunc's goroutine.
type revisionShow struct {
	gen int // the latest request; a slower extraction is dropped
	mu  sync.Mutex
	dir string
}

// set makes dir the one shown and removes the one before.
func (s *revisionShow) set(dir string) {
	s.mu.Lock()
	old := s.dir
	s.dir = dir
	s.mu.Unlock()
	if old != "" {
		os.RemoveAll(old)
	}
}

func (s *revisionShow) remove() { s.set("") }

// file is the extracted file shown, "" for none.
func (s *revisionShow) file() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dir == "" {
		return ""
	}
	return filepath.Join(s.dir, revisionFile)
}

const revisionFile = "signed-version.pdf"

// showRevision extracts revision rev of path, the version signature n
// signed, in the background into a temporary folder, and shows it in the
// Verify screen's preview.
func (w *Window) showRevision(v *verifyView, s *revisionShow, path string, n, rev int) {
	s.gen++
	gen := s.gen
	w.work.Go(func() {
		dir, err := os.MkdirTemp("", "siegel-revision-*")
		if err == nil {
			// ExtractRevision never replaces a file: a fresh folder
			// gives it a name nobody else has.
			if err = verify.ExtractRevision(path, rev, filepath.Join(dir, revisionFile)); err != nil {
				os.RemoveAll(dir)
			}
		}
		fyne.Do(func() {
			if gen != s.gen { // Back, the current file or another version since
				if err == nil {
					os.RemoveAll(dir)
				}
				return
			}
			if err != nil {
				dialog.ShowError(errors.New(T("The signed version could not be extracted: {{.Err}}", map[string]any{"Err": err.Error()})), w.win)
				return
			}
			s.set(dir)
			v.showingRevision(n, rev)
			w.showPreview(v.previewContainer, s.file(), 0)
			w.notify("revision", s.file())
		})
	})
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
	opts := w.verifyOptions()
	w.work.Go(func() {
		rep, notes, err := w.verifyFile(path, opts)
		fyne.Do(func() {
			m := NewVerifyModel(path, rep, err)
			text := m.Summary
			if s, ok := newest(rep); ok {
				text = Verdict(s.Indication) + ": " + VerifySummary(s)
				m.Status = statusOf(s.Indication)
			}
			// The verdict may rest on a trusted list that failed.
			for _, n := range verifytext.TrustLists(uiLang(), notes) {
				text += "\n" + n
			}
			label.SetText(text)
			label.Importance = m.Status.importance()
			label.Refresh()
			w.notify("signed-check", text)
		})
	})
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
