package ui

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"path/filepath"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/siegel-app/siegel/app"
)

// Errors of the settings dialog.
var (
	ErrTSAURL     = errors.New("the time-stamping authority must be an http or https URL")
	ErrModuleFile = errors.New("a PKCS#11 module is a .so, .dll or .dylib file")
	ErrImageFile  = errors.New("a stamp image is a PNG or JPEG file")
	ErrTrustFile  = errors.New("a trust file is a PEM certificate file (.pem, .crt, .cer)")
)

// Language codes as app.Settings.Language stores them; "" follows the
// system.
var languageCodes = []string{"", "de", "en", "sl"}

// languageName is how the dialog shows a code: the languages in their
// own words, so that someone who switched by mistake finds the way back.
func languageName(code string) string {
	switch code {
	case "de":
		return "Deutsch"
	case "en":
		return "English"
	case "sl":
		return "Slovenščina"
	}
	return T("System")
}

// SettingsModel is the view-model of the settings dialog. It edits a
// copy; Result gives the settings to save.
type SettingsModel struct {
	Modules    []string // PKCS#11 modules for cards and tokens
	TSA        string
	Level      string // one of Levels
	StampImage string // "" for none
	Language   string // "", "de", "en" or "sl"
	// TrustFiles are extra trust anchors (PEM) for verifying.
	TrustFiles []string
	// OnlineRevocation lets verifying ask the certificate issuers.
	OnlineRevocation bool
	// EUTrustLists uses the EU trusted lists when verifying; LOTLSigners
	// is the PEM file of the certificates allowed to sign the LOTL.
	EUTrustLists bool
	LOTLSigners  string
	orig         app.Settings
}

// NewSettingsModel starts from s; the level shown is the one the options
// form would start with.
func NewSettingsModel(s app.Settings) *SettingsModel {
	return &SettingsModel{Modules: slices.Clone(s.CardModules), TSA: s.TSA, Level: NewOptions(s).Level,
		StampImage: s.StampImage, Language: s.Language, TrustFiles: slices.Clone(s.TrustFiles),
		OnlineRevocation: s.OnlineRevocation, EUTrustLists: s.EUTrustLists, LOTLSigners: s.LOTLSigners, orig: s}
}

// AddTrustFile adds a PEM file of trust anchors; one already there is
// kept once. What is in it is read when verifying (an unreadable file
// is reported there, naming it).
func (m *SettingsModel) AddTrustFile(path string) error {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".pem", ".crt", ".cer":
	default:
		return fmt.Errorf("%s: %w", path, ErrTrustFile)
	}
	if !slices.Contains(m.TrustFiles, path) {
		m.TrustFiles = append(m.TrustFiles, path)
	}
	return nil
}

// RemoveTrustFile removes the trust file at index i.
func (m *SettingsModel) RemoveTrustFile(i int) {
	if i >= 0 && i < len(m.TrustFiles) {
		m.TrustFiles = slices.Delete(m.TrustFiles, i, i+1)
	}
}

// AddModule adds a PKCS#11 module file; one already there is kept once.
func (m *SettingsModel) AddModule(path string) error {
	base := strings.ToLower(filepath.Base(path))
	switch ext := filepath.Ext(base); {
	case ext == ".so" || ext == ".dll" || ext == ".dylib", strings.Contains(base, ".so."):
	default:
		return fmt.Errorf("%s: %w", path, ErrModuleFile)
	}
	if !slices.Contains(m.Modules, path) {
		m.Modules = append(m.Modules, path)
	}
	return nil
}

// RemoveModule removes the module at index i.
func (m *SettingsModel) RemoveModule(i int) {
	if i >= 0 && i < len(m.Modules) {
		m.Modules = slices.Delete(m.Modules, i, i+1)
	}
}

// SetStampImage sets the default stamp image; "" clears it.
func (m *SettingsModel) SetStampImage(path string) error {
	if path != "" && !isImageFile(path) {
		return fmt.Errorf("%s: %w", path, ErrImageFile)
	}
	m.StampImage = path
	return nil
}

func isImageFile(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png", ".jpg", ".jpeg":
		return true
	}
	return false
}

// LanguageNames are the choices of the language field, System first.
func LanguageNames() []string {
	out := make([]string, len(languageCodes))
	for i, c := range languageCodes {
		out[i] = languageName(c)
	}
	return out
}

// LanguageName is the chosen language as LanguageNames shows it.
func (m *SettingsModel) LanguageName() string { return languageName(m.Language) }

// SetLanguageName chooses the language shown as name.
func (m *SettingsModel) SetLanguageName(name string) {
	for _, c := range languageCodes {
		if languageName(c) == name {
			m.Language = c
		}
	}
}

// CheckTSA accepts an empty URL (no default) or an http(s) URL with a host.
func CheckTSA(s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ErrTSAURL
	}
	return nil
}

// SettingsChanges says what Result changed that the window must act on.
type SettingsChanges struct {
	Modules  bool // list the tokens again
	Language bool // translate the window again
	Defaults bool // TSA, level or stamp image: the options form starts from them
}

// Result is the settings to save: the original ones with the dialog's
// fields; what the dialog does not show (pin-pad overrides, last folder)
// is kept.
func (m *SettingsModel) Result() (app.Settings, SettingsChanges, error) {
	if err := CheckTSA(m.TSA); err != nil {
		return m.orig, SettingsChanges{}, err
	}
	s := m.orig
	s.CardModules = slices.Clone(m.Modules)
	if len(s.CardModules) == 0 {
		s.CardModules = nil
	}
	s.TSA, s.Level, s.StampImage, s.Language = strings.TrimSpace(m.TSA), m.Level, m.StampImage, m.Language
	s.TrustFiles = slices.Clone(m.TrustFiles)
	if len(s.TrustFiles) == 0 {
		s.TrustFiles = nil
	}
	s.OnlineRevocation = m.OnlineRevocation
	s.EUTrustLists, s.LOTLSigners = m.EUTrustLists, m.LOTLSigners
	o := m.orig
	return s, SettingsChanges{
		Modules:  !slices.Equal(s.CardModules, o.CardModules),
		Language: s.Language != o.Language,
		Defaults: s.TSA != o.TSA || s.Level != NewOptions(o).Level || s.StampImage != o.StampImage,
	}, nil
}

// settingsView is the settings dialog.
type settingsView struct {
	model   *SettingsModel
	dialog  *dialog.FormDialog
	modules *fyne.Container
	trust   *fyne.Container
	online  *widget.Check
	euLists *widget.Check
	lotl    *widget.Label
	tsa     *widget.Entry
	level   *widget.RadioGroup
	stamp   *widget.Label
	lang    *widget.Select
}

func (v *settingsView) addModule(path string, win fyne.Window) {
	if err := v.model.AddModule(path); err != nil {
		dialog.ShowError(errors.New(settingsErrorText(path, err)), win)
		return
	}
	v.showModules()
}

func (v *settingsView) showModules() {
	v.modules.Objects = nil
	for i, m := range v.model.Modules {
		remove := widget.NewButtonWithIcon("", theme.DeleteIcon(), func() {
			v.model.RemoveModule(i)
			v.showModules()
		})
		l := widget.NewLabel(m)
		l.Truncation = fyne.TextTruncateEllipsis
		v.modules.Add(container.NewBorder(nil, nil, nil, remove, l))
	}
	if len(v.model.Modules) == 0 {
		v.modules.Add(widget.NewLabel(T("None: the usual modules on this machine (such as OpenSC)")))
	}
	v.modules.Refresh()
}

func (v *settingsView) addTrustFile(path string, win fyne.Window) {
	if err := v.model.AddTrustFile(path); err != nil {
		dialog.ShowError(errors.New(settingsErrorText(path, err)), win)
		return
	}
	v.showTrustFiles()
}

func (v *settingsView) showTrustFiles() {
	v.trust.Objects = nil
	for i, f := range v.model.TrustFiles {
		remove := widget.NewButtonWithIcon("", theme.DeleteIcon(), func() {
			v.model.RemoveTrustFile(i)
			v.showTrustFiles()
		})
		l := widget.NewLabel(f)
		l.Truncation = fyne.TextTruncateEllipsis
		v.trust.Add(container.NewBorder(nil, nil, nil, remove, l))
	}
	if len(v.model.TrustFiles) == 0 {
		v.trust.Add(widget.NewLabel(T("None: the system's trusted authorities only")))
	}
	v.trust.Refresh()
}

func (v *settingsView) setStamp(path string, win fyne.Window) {
	if err := v.model.SetStampImage(path); err != nil {
		dialog.ShowError(errors.New(settingsErrorText(path, err)), win)
		return
	}
	v.stamp.SetText(stampText(path))
}

// settingsErrorText is the sentence shown when the file at path cannot
// be used for what the settings dialog chose it for.
func settingsErrorText(path string, err error) string {
	data := map[string]any{"Path": filepath.Base(path)}
	switch {
	case errors.Is(err, ErrModuleFile):
		return T("{{.Path}} is no PKCS#11 module: choose a .so, .dll or .dylib file.", data)
	case errors.Is(err, ErrTrustFile):
		return T("{{.Path}} is no trust file: choose a PEM certificate file (.pem, .crt, .cer).", data)
	case errors.Is(err, ErrImageFile):
		return T("{{.Path}} is no stamp image: choose a PNG or JPEG file.", data)
	}
	return err.Error()
}

func lotlText(path string) string {
	if path == "" {
		return T("No LOTL signer certificates chosen")
	}
	return filepath.Base(path)
}

func stampText(path string) string {
	if path == "" {
		return T("No image")
	}
	return filepath.Base(path)
}

// ShowSettings opens the settings dialog; Save applies and stores them.
func (w *Window) ShowSettings() {
	m := NewSettingsModel(w.deps.Settings)
	v := &settingsView{model: m, modules: container.NewVBox(), trust: container.NewVBox(), stamp: widget.NewLabel(stampText(m.StampImage))}
	v.showModules()
	v.showTrustFiles()
	addTrust := widget.NewButtonWithIcon(T("Add trust file…"), theme.ContentAddIcon(), func() {
		w.chooseFile(T("Add a trusted certificate"), []string{".pem", ".crt", ".cer"}, func(p string) { v.addTrustFile(p, w.win) })
	})
	v.online = widget.NewCheck(T("Check revocation online (contacts the certificate issuers)"), func(on bool) { m.OnlineRevocation = on })
	v.online.SetChecked(m.OnlineRevocation)
	v.euLists = widget.NewCheck(T("Use the EU trusted lists (qualified trust services)"), func(on bool) { m.EUTrustLists = on })
	v.euLists.SetChecked(m.EUTrustLists)
	v.lotl = widget.NewLabel(lotlText(m.LOTLSigners))
	chooseLOTL := widget.NewButtonWithIcon(T("Choose…"), theme.FileIcon(), func() {
		w.chooseFile(T("Choose the signers of the EU list"), []string{".pem", ".crt", ".cer"}, func(p string) { m.LOTLSigners = p; v.lotl.SetText(lotlText(p)) })
	})
	// Siegel has no LOTL signer certificates built in: they are announced
	// in the Official Journal of the EU, and must come from there.
	lotlNote := widget.NewLabel(T("The certificates that sign the EU list of trusted lists are published in the Official Journal of the EU."))
	lotlNote.Wrapping = fyne.TextWrapWord
	addModule := widget.NewButtonWithIcon(T("Add module…"), theme.ContentAddIcon(), func() {
		w.chooseFile(T("Add a PKCS#11 module"), []string{".so", ".dll", ".dylib"}, func(p string) { v.addModule(p, w.win) })
	})
	v.tsa = widget.NewEntry()
	v.tsa.SetPlaceHolder("https://…")
	v.tsa.SetText(m.TSA)
	v.tsa.Validator = func(s string) error {
		if CheckTSA(s) != nil {
			return errors.New(T("Enter an http or https URL."))
		}
		return nil
	}
	v.tsa.OnChanged = func(s string) { m.TSA = s }
	v.level = widget.NewRadioGroup(Levels, func(s string) { m.Level = s })
	v.level.Horizontal, v.level.Required = true, true
	v.level.SetSelected(m.Level)
	chooseStamp := widget.NewButtonWithIcon(T("Choose…"), theme.FileImageIcon(), func() {
		w.chooseFile(T("Choose a stamp image"), []string{".png", ".jpg", ".jpeg"}, func(p string) { v.setStamp(p, w.win) })
	})
	clearStamp := widget.NewButtonWithIcon("", theme.ContentClearIcon(), func() { v.setStamp("", w.win) })
	v.lang = widget.NewSelect(LanguageNames(), m.SetLanguageName)
	v.lang.SetSelected(m.LanguageName())

	items := []*widget.FormItem{
		widget.NewFormItem(T("Card and token modules (PKCS#11)"), container.NewVBox(v.modules, container.NewHBox(addModule))),
		widget.NewFormItem(T("Time stamp (TSA)"), v.tsa),
		widget.NewFormItem(T("Level"), v.level),
		widget.NewFormItem(T("Stamp image"), container.NewBorder(nil, nil, nil, container.NewHBox(chooseStamp, clearStamp), v.stamp)),
		widget.NewFormItem(T("Language"), v.lang),
		widget.NewFormItem(T("Trusted for verifying (PEM)"), container.NewVBox(v.trust, container.NewHBox(addTrust))),
		widget.NewFormItem(T("Revocation"), v.online),
		widget.NewFormItem(T("EU trusted lists"), container.NewVBox(v.euLists,
			container.NewBorder(nil, nil, nil, chooseLOTL, v.lotl), lotlNote)),
	}
	v.dialog = dialog.NewForm(T("Settings"), T("Save"), T("Cancel"), items, func(ok bool) {
		if ok {
			w.applySettings(m)
		}
	}, w.win)
	v.dialog.Resize(fyne.NewSize(680, 520))
	v.dialog.Show()
	w.notify("settings", v)
}

// applySettings saves what the dialog chose and brings the window in
// line with it.
func (w *Window) applySettings(m *SettingsModel) {
	s, ch, err := m.Result()
	if err != nil { // the TSA field's validator keeps Save disabled first
		dialog.ShowError(errors.New(T("Enter an http or https URL.")), w.win)
		return
	}
	prev := w.deps.Settings
	w.storeSettings(func(cur *app.Settings) {
		// Only the dialog's fields: the last folder may have changed meanwhile.
		cur.CardModules, cur.TSA, cur.Level, cur.StampImage, cur.Language = s.CardModules, s.TSA, s.Level, s.StampImage, s.Language
		cur.TrustFiles, cur.OnlineRevocation = s.TrustFiles, s.OnlineRevocation
		cur.EUTrustLists, cur.LOTLSigners = s.EUTrustLists, s.LOTLSigners
	}, true)
	if ch.Defaults {
		// The options form starts from the new defaults; what was not
		// changed in the dialog stays as typed there.
		if s.TSA != prev.TSA {
			w.opts.TSA = s.TSA
		}
		if s.Level != NewOptions(prev).Level {
			w.opts.Level = NewOptions(s).Level
		}
		if s.StampImage != prev.StampImage {
			w.opts.Image = s.StampImage
		}
	}
	if ch.Language {
		if err := SetupLanguage(s.Language); err != nil {
			dialog.ShowError(err, w.win)
		}
	}
	if ch.Language || ch.Defaults {
		w.rebuild()
	}
	if ch.Modules || ch.Language { // token lines are translated when listed
		w.loadTokens()
	}
}

// saveSettings changes the settings in memory and stores them; the
// change stays for this run even when storing fails. A failure (it names
// the file) is shown once per run: these saves happen on their own, on
// every Open, and an unwritable folder should not nag.
func (w *Window) saveSettings(change func(*app.Settings)) { w.storeSettings(change, false) }

// storeSettings is saveSettings; always shows every failure, for the
// settings dialog's explicit Save.
func (w *Window) storeSettings(change func(*app.Settings), always bool) {
	before := w.deps.Settings
	before.CardModules = slices.Clone(before.CardModules)
	before.TrustFiles = slices.Clone(before.TrustFiles)
	change(&w.deps.Settings)
	if w.deps.SaveSettings == nil || settingsEqual(before, w.deps.Settings) {
		return
	}
	if err := w.deps.SaveSettings(w.deps.Settings); err != nil && (always || !w.saveErrShown) {
		w.saveErrShown = true
		dialog.ShowError(errors.New(T("The settings could not be saved: {{.Err}}", map[string]any{"Err": err.Error()})), w.win)
	}
}

func settingsEqual(a, b app.Settings) bool {
	return slices.Equal(a.CardModules, b.CardModules) && a.TSA == b.TSA && a.Level == b.Level &&
		a.LastFolder == b.LastFolder && a.StampImage == b.StampImage && a.Language == b.Language &&
		maps.Equal(a.PINPad, b.PINPad) && slices.Equal(a.TrustFiles, b.TrustFiles) && a.OnlineRevocation == b.OnlineRevocation &&
		a.EUTrustLists == b.EUTrustLists && a.LOTLSigners == b.LOTLSigners && a.LOTLURL == b.LOTLURL &&
		slices.Equal(a.RemoteAccounts, b.RemoteAccounts)
}

// rebuild makes the window's content again (after a change of language
// or defaults), keeping the open document, the chosen key, the options
// and the signed copy's name.
func (w *Window) rebuild() {
	oldMain, oldBox := w.main, w.preview
	out, msg, busy := w.out.Text, w.message.Text, w.signBtn.Disabled()
	content := w.build()
	if w.win.Content() == oldMain {
		w.win.SetContent(content)
	} // else the review is up: runSign puts the new main screen back
	if d := w.previews[oldBox]; d != nil {
		d.Close()
		delete(w.previews, oldBox)
	}
	if w.doc != "" {
		w.docLabel.SetText(w.doc)
		w.showPreview(w.preview, w.doc, 0)
	}
	w.out.SetText(out)
	w.setMessage(msg)
	if busy {
		w.busy(true)
	}
	w.selectKey()
	w.shortcuts() // the menu's labels
}

// loadTokens lists the PKCS#11 tokens of the configured modules off the
// UI thread. Only the newest listing is shown, so a slow one started
// before a change of modules cannot overwrite a later one.
func (w *Window) loadTokens() {
	if w.deps.ListTokens == nil {
		return
	}
	w.tokenGen++
	gen, modules := w.tokenGen, slices.Clone(w.deps.Settings.CardModules)
	w.work.Go(func() {
		mods, err := w.deps.ListTokens(w.ctx, modules)
		fyne.Do(func() {
			if gen != w.tokenGen {
				return
			}
			if err == nil {
				w.keys.SetTokens(mods)
			}
			w.refreshKeys()
			if w.tokensShown != nil {
				w.tokensShown()
			}
		})
	})
}

// chooseFile asks for a file with one of exts, under title, and hands its
// path to use.
func (w *Window) chooseFile(title string, exts []string, use func(path string)) {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		r.Close()
		use(r.URI().Path())
	}, w.win)
	var all []string
	for _, e := range exts {
		all = append(all, e, strings.ToUpper(e))
	}
	d.SetFilter(storage.NewExtensionFileFilter(all))
	d.SetTitleText(title)
	w.setLocation(d)
	d.Show()
}

// stampImageRow is the options form's choice of the stamp image; a
// chosen image becomes the default for the next signatures too.
func (w *Window) stampImageRow() fyne.CanvasObject {
	o := w.opts
	label := widget.NewLabel(stampText(o.Image))
	label.Truncation = fyne.TextTruncateEllipsis
	choose := widget.NewButtonWithIcon(T("Stamp image…"), theme.FileImageIcon(), func() {
		w.chooseFile(T("Choose a stamp image"), []string{".png", ".jpg", ".jpeg"}, func(p string) {
			o.Image = p
			label.SetText(stampText(p))
			w.saveSettings(func(s *app.Settings) { s.StampImage = p })
		})
	})
	clearBtn := widget.NewButtonWithIcon("", theme.ContentClearIcon(), func() {
		o.Image = ""
		label.SetText(stampText(""))
	})
	return container.NewBorder(nil, nil, choose, clearBtn, label)
}
