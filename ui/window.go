package ui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/siegel-app/siegel/app"
	"github.com/siegel-app/siegel/app/secrets"
	"github.com/siegel-app/siegel/cardreader"
	"github.com/siegel-app/siegel/signing"
)

// Deps are the ports of the window, so tests run it without cards,
// tokens or a signature.
type Deps struct {
	Settings   app.Settings
	Sign       func(context.Context, app.SignRequest, app.Ports) (*app.SignResult, error)
	ListTokens func(context.Context, []string) ([]app.ModuleTokens, error) // nil: no token listing
	Watch      func(context.Context, func(cardreader.Event)) error         // nil: no card events
	Renderer   PageRenderer                                                // nil: no preview
	Now        func() time.Time
	// SaveSettings stores the settings when the window changes them
	// (last folder, TSA and level of a signature, stamp image, the
	// settings dialog); nil: nothing is stored.
	SaveSettings func(app.Settings) error
	// Demo lists the demo key (signing/demo), which needs no card or file.
	Demo bool
	// HTTPClient carries requests to remote signing services (CSC) and
	// fetches the EU trusted lists; nil checks their certificates against
	// the system roots.
	HTTPClient *http.Client
	// Secrets keeps remote accounts' secrets (the OS store); nil or a
	// store that is missing: they are asked for each session.
	Secrets secrets.Store
}

// DefaultDeps wires the window to package app, cardreader's watcher and
// the settings s.
func DefaultDeps(s app.Settings) Deps {
	opts := cardreader.Options{PINPad: s.PINPad}
	return Deps{
		Settings:   s,
		Sign:       app.Sign,
		ListTokens: app.ListTokens,
		Watch: func(ctx context.Context, emit func(cardreader.Event)) error {
			return cardreader.Watch(ctx, opts, emit)
		},
		Renderer: NewPDFium(),
		Now:      time.Now,
		SaveSettings: func(s app.Settings) error {
			path, err := app.SettingsPath()
			if err != nil {
				return fmt.Errorf("save settings: %w", err)
			}
			return s.Save(path)
		},
		Demo:    true,
		Secrets: secrets.OS{},
	}
}

// Window is Siegel's main window.
type Window struct {
	app  fyne.App
	win  fyne.Window
	deps Deps
	ctx  context.Context
	stop context.CancelFunc

	doc  string // the open PDF, "" for none
	keys *KeyList
	opts *Options

	main      fyne.CanvasObject // the main screen, restored after review
	docLabel  *widget.Label
	preview   *fyne.Container
	out       *widget.Entry
	keyList   *widget.List
	keyStatus *widget.Label
	signBtn   *widget.Button
	progress  *widget.ProgressBarInfinite
	message   *widget.Label
	pinPad    dialog.Dialog               // "enter the PIN on the reader", while signing
	previews  map[*fyne.Container]*viewer // open documents shown for paging, UI thread only
	view      viewerState
	tokenGen  int         // the newest token listing, see loadTokens
	relist    *time.Timer // a token listing after card events, see tokensChanged
	// tokensShown, when set, is called after a token listing is shown;
	// tests wait for it.
	tokensShown  func()
	saveErrShown bool // a failed automatic save was shown, see saveSettings
	remote       *remoteState
	// trustLists keeps the EU trusted lists loaded between verifications;
	// trustListDir is their disk cache, "" for the user's (tests set a
	// temporary folder).
	trustLists   app.TrustListCache
	trustListDir string

	// work counts the window's background goroutines (listings, signing,
	// verifying, a batch); tests wait for them to end after Close.
	work   tasks
	closed bool // Close ran; UI thread only

	// shown, when set, is told of each screen or dialog put up; tests
	// use it to act on them.
	shown func(what string, v any)
}

func (w *Window) notify(what string, v any) {
	if w.shown != nil {
		w.shown(what, v)
	}
}

// NewWindow builds the main window of a; Show it, then Close stops the
// background work.
func NewWindow(a fyne.App, deps Deps) *Window {
	if deps.Now == nil {
		deps.Now = time.Now
	}
	w := &Window{app: a, deps: deps, keys: NewKeyList(), opts: NewOptions(deps.Settings),
		previews: map[*fyne.Container]*viewer{}}
	w.keys.Demo = deps.Demo
	w.ctx, w.stop = context.WithCancel(context.Background())
	w.win = a.NewWindow("Siegel")
	w.win.SetContent(w.build())
	w.win.Resize(fyne.NewSize(1000, 680))
	w.win.SetOnDropped(w.dropped)
	w.win.SetMaster()
	w.win.SetCloseIntercept(func() { w.Close() })
	w.shortcuts()
	w.viewerShortcuts()
	w.remoteSetup()
	w.startBackground()
	return w
}

// Window returns the Fyne window.
func (w *Window) Window() fyne.Window { return w.win }

// Close stops card watching and the window's background work and closes
// the window.
func (w *Window) Close() {
	if w.closed {
		return
	}
	w.closed = true
	w.stop()
	if w.relist != nil {
		w.relist.Stop()
	}
	w.win.Close()
}

// tasks counts running goroutines.
type tasks struct{ n atomic.Int64 }

// Go runs f on a goroutine of its own, counted while it runs.
func (t *tasks) Go(f func()) {
	t.n.Add(1)
	go func() {
		defer t.n.Add(-1)
		f()
	}()
}

// Running is the number of goroutines still running.
func (t *tasks) Running() int64 { return t.n.Load() }

func (w *Window) build() fyne.CanvasObject {
	w.docLabel = widget.NewLabel(T("No document open. Open a PDF or drop it here."))
	w.docLabel.Wrapping = fyne.TextWrapBreak
	w.preview = container.NewStack(previewPlaceholder())
	w.out = widget.NewEntry()
	w.out.SetPlaceHolder(T("Signed copy"))

	w.keyList = widget.NewList(
		func() int { return len(w.keys.Items()) },
		func() fyne.CanvasObject {
			return container.NewVBox(widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), widget.NewLabel(""))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			items := w.keys.Items()
			if i >= len(items) {
				return
			}
			box := o.(*fyne.Container)
			box.Objects[0].(*widget.Label).SetText(items[i].Title)
			d := box.Objects[1].(*widget.Label)
			d.SetText(items[i].Detail)
			d.Importance = widget.MediumImportance
			if items[i].Blocked {
				d.Importance = widget.DangerImportance
			}
			d.Refresh()
		})
	w.keyList.OnSelected = func(i widget.ListItemID) { w.keys.Select(i) }
	w.keyStatus = widget.NewLabel(T("No keys yet: insert a card or add a key file (.p12)."))
	w.keyStatus.Wrapping = fyne.TextWrapWord
	addFile := widget.NewButtonWithIcon(T("Add key file…"), theme.ContentAddIcon(), w.addKeyFile)

	w.signBtn = widget.NewButtonWithIcon(T("Sign…"), theme.ConfirmIcon(), w.StartSign)
	w.signBtn.Importance = widget.HighImportance
	w.progress = widget.NewProgressBarInfinite()
	w.progress.Hide()
	w.message = widget.NewLabel("")
	w.message.Wrapping = fyne.TextWrapWord

	toolbar := widget.NewToolbar(
		widget.NewToolbarAction(theme.FolderOpenIcon(), w.ShowOpen),
		widget.NewToolbarAction(theme.ConfirmIcon(), w.StartSign),
	)
	keysPane := container.NewBorder(widget.NewLabelWithStyle(T("Sign with"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		container.NewVBox(w.keyStatus, container.NewHBox(addFile,
			widget.NewButtonWithIcon(T("Add remote account…"), theme.ContentAddIcon(), w.ShowAddRemote))), nil, nil, w.keyList)
	right := container.NewVSplit(keysPane, container.NewVScroll(w.optionsForm()))
	right.Offset = 0.4
	bottom := container.NewVBox(w.progress, w.message, container.NewBorder(nil, nil, widget.NewLabel(T("Signed copy")), w.signBtn, w.out))
	left := container.NewBorder(w.docLabel, nil, nil, nil, w.preview)
	split := container.NewHSplit(left, right)
	split.Offset = 0.55
	w.main = container.NewBorder(toolbar, bottom, nil, nil, split)
	return w.main
}

func (w *Window) optionsForm() fyne.CanvasObject {
	o := w.opts
	tsa := widget.NewEntry()
	tsa.SetText(o.TSA)
	tsa.SetPlaceHolder("https://…")
	tsa.OnChanged = func(s string) { o.TSA = s }
	level := widget.NewRadioGroup(Levels, func(s string) {
		o.Level = s
		if NeedsTSA(s) {
			tsa.Enable()
		} else {
			tsa.Disable()
		}
	})
	level.Horizontal = true
	level.Required = true
	level.SetSelected(o.Level)
	reason := bound(o.Reason, func(s string) { o.Reason = s })
	location := bound(o.Location, func(s string) { o.Location = s })
	set := func(f *string) func(string) { return func(s string) { *f = s; w.stampEdited() } }
	page, x, y := bound(o.Page, set(&o.Page)), bound(o.X, set(&o.X)), bound(o.Y, set(&o.Y))
	wd, ht := bound(o.W, set(&o.W)), bound(o.H, set(&o.H))
	rect := container.NewGridWithColumns(4, x, y, wd, ht)
	page.SetPlaceHolder(T("Page"))
	for _, e := range []*widget.Entry{x, y, wd, ht} {
		e.SetPlaceHolder("pt")
	}
	place := container.NewVBox(widget.NewLabel(T("Page, x, y, width, height (pt)")), page, rect,
		widget.NewLabel(T("Or drag a rectangle on the page.")))
	place.Add(w.stampImageRow())
	place.Hide()
	var form *widget.Form
	visible := widget.NewCheck(T("Visible stamp"), func(b bool) {
		o.Visible = b
		w.stampEdited()
		if b {
			place.Show()
		} else {
			place.Hide()
		}
		if form != nil {
			// The form's rows change height: lay it out again now, not
			// at the next frame, so no entry is drawn at a stale size.
			form.Refresh()
		}
	})
	w.view.stamp = stampFields{visible, page, x, y, wd, ht}
	form = widget.NewForm(
		widget.NewFormItem(T("Level"), level),
		widget.NewFormItem(T("Time stamp (TSA)"), tsa),
		widget.NewFormItem(T("Reason"), reason),
		widget.NewFormItem(T("Location"), location),
		widget.NewFormItem("", container.NewVBox(visible, place)),
	)
	return form
}

func bound(v string, set func(string)) *widget.Entry {
	e := widget.NewEntry()
	e.SetText(v)
	e.OnChanged = set
	return e
}

func (w *Window) shortcuts() {
	mod := fyne.KeyModifierShortcutDefault
	open := &desktop.CustomShortcut{KeyName: fyne.KeyO, Modifier: mod}
	sign := &desktop.CustomShortcut{KeyName: fyne.KeyS, Modifier: mod}
	quit := &desktop.CustomShortcut{KeyName: fyne.KeyQ, Modifier: mod}
	c := w.win.Canvas()
	c.AddShortcut(open, func(fyne.Shortcut) { w.ShowOpen() })
	c.AddShortcut(sign, func(fyne.Shortcut) { w.StartSign() })
	c.AddShortcut(quit, func(fyne.Shortcut) { w.app.Quit() })
	openItem := fyne.NewMenuItem(T("Open…"), w.ShowOpen)
	openItem.Shortcut = open
	signItem := fyne.NewMenuItem(T("Sign…"), w.StartSign)
	signItem.Shortcut = sign
	keyItem := fyne.NewMenuItem(T("Add key file…"), w.addKeyFile)
	settings := &desktop.CustomShortcut{KeyName: fyne.KeyComma, Modifier: mod}
	c.AddShortcut(settings, func(fyne.Shortcut) { w.ShowSettings() })
	settingsItem := fyne.NewMenuItem(T("Settings…"), w.ShowSettings)
	settingsItem.Shortcut = settings
	quitItem := fyne.NewMenuItem(T("Quit"), w.app.Quit)
	quitItem.Shortcut, quitItem.IsQuit = quit, true
	w.win.SetMainMenu(fyne.NewMainMenu(fyne.NewMenu(T("File"), openItem, signItem, w.verifyMenuItem(), w.batchMenuItem(), keyItem, fyne.NewMenuItem(T("Add remote account…"), w.ShowAddRemote), settingsItem, fyne.NewMenuItemSeparator(), quitItem)))
}

// startBackground watches card readers and lists tokens; both may take
// long (a module's C_Initialize, a slow reader), so they run off the UI
// thread and hand results over with fyne.Do.
func (w *Window) startBackground() {
	if w.deps.Watch != nil {
		w.work.Go(func() {
			w.deps.Watch(w.ctx, func(ev cardreader.Event) {
				fyne.Do(func() {
					w.keys.Apply(ev)
					w.refreshKeys()
					if ev.Kind != cardreader.ServiceDown {
						w.tokensChanged()
					}
				})
			})
		})
	}
	w.loadTokens()
}

// tokensChanged lists the tokens again a moment after a card or reader
// came or went (USB tokens are PC/SC readers too), once for a burst of
// events; UI thread only.
func (w *Window) tokensChanged() {
	if w.relist != nil {
		w.relist.Stop()
	}
	w.relist = time.AfterFunc(relistDelay, func() { fyne.Do(w.loadTokens) })
}

// relistDelay lets a burst of reader events settle, and pcscd and the
// card finish their reset, before the tokens are listed again.
var relistDelay = time.Second

func (w *Window) refreshKeys() {
	status := w.keys.Status
	if status == "" && len(w.keys.Items()) == 0 {
		status = T("No keys yet: insert a card or add a key file (.p12).")
	}
	w.keyStatus.SetText(status)
	w.keyList.Refresh()
	if w.keys.Selected == "" {
		w.keyList.UnselectAll()
	}
}

// Open shows the PDF at path and proposes the signed copy beside it.
func (w *Window) Open(path string) {
	st, err := os.Stat(path)
	if err != nil || st.IsDir() {
		w.setMessage(T("Cannot open {{.Path}}.", map[string]any{"Path": path}))
		return
	}
	w.doc = path
	if abs, err := filepath.Abs(path); err == nil {
		w.saveSettings(func(s *app.Settings) { s.LastFolder = filepath.Dir(abs) })
	}
	w.docLabel.SetText(path)
	w.out.SetText(DefaultOut(path))
	w.setMessage("")
	w.showPreview(w.preview, path, 0)
}

// showPreview shows the PDF at path in box, page by page, starting at
// page first (0-based), rendering in the background. The document stays
// open for paging until box shows another one.
func (w *Window) showPreview(box *fyne.Container, path string, first int) {
	box.Objects = []fyne.CanvasObject{previewPlaceholder()}
	box.Refresh()
	if old := w.previews[box]; old != nil {
		old.Close()
		delete(w.previews, box)
	}
	current := w.view.loading(box)
	r := w.deps.Renderer
	if r == nil {
		return
	}
	w.work.Go(func() {
		data, err := os.ReadFile(path)
		if err != nil {
			return
		}
		doc, err := r.Open(w.ctx, data)
		if err != nil {
			return
		}
		if doc.Pages() < 1 {
			doc.Close()
			return
		}
		fyne.Do(func() {
			if !current() {
				doc.Close() // box shows another document by now
				return
			}
			v := w.newViewerFor(box, doc, first)
			box.Objects = []fyne.CanvasObject{v.content}
			box.Refresh()
			w.notify("preview", v)
		})
	})
}

// ShowOpen asks for a PDF with Fyne's file dialog.
func (w *Window) ShowOpen() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		r.Close()
		w.Open(r.URI().Path())
	}, w.win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".pdf", ".PDF"}))
	d.SetTitleText(T("Open a PDF to sign"))
	w.setLocation(d)
	d.Show()
}

func (w *Window) addKeyFile() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		r.Close()
		w.keys.AddFile(r.URI().Path())
		w.selectKey()
	}, w.win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".p12", ".pfx", ".P12", ".PFX"}))
	d.SetTitleText(T("Add a key file (.p12, .pfx)"))
	w.setLocation(d)
	d.Show()
}

func (w *Window) setLocation(d *dialog.FileDialog) {
	dir := w.deps.Settings.LastFolder
	if w.doc != "" {
		dir = filepath.Dir(w.doc)
	}
	if dir == "" {
		return
	}
	if l, err := storage.ListerForURI(storage.NewFileURI(dir)); err == nil {
		d.SetLocation(l)
	}
}

// selectKey shows the view-model's choice in the list.
func (w *Window) selectKey() {
	w.refreshKeys()
	for i, it := range w.keys.Items() {
		if it.URI == w.keys.Selected {
			w.keyList.Select(i)
		}
	}
}

// dropped opens a dropped PDF and adds dropped key files.
func (w *Window) dropped(_ fyne.Position, uris []fyne.URI) {
	for _, u := range uris {
		switch strings.ToLower(u.Extension()) {
		case ".pdf":
			w.Open(u.Path())
		case ".p12", ".pfx":
			w.keys.AddFile(u.Path())
			w.selectKey()
		}
	}
}

func (w *Window) setMessage(s string) { w.message.SetText(s) }

// StartSign checks the form, asks before replacing an existing file, and
// runs the signature.
func (w *Window) StartSign() {
	if w.signBtn.Disabled() {
		return // a signature is under way
	}
	req, err := w.opts.Request(w.doc, strings.TrimSpace(w.out.Text), w.keys.Selected)
	if err != nil {
		w.setMessage(errorText(err))
		return
	}
	req.CardModules = w.deps.Settings.CardModules
	if _, err := os.Stat(req.Out); err == nil {
		dialog.ShowConfirm(T("Replace file?"), T("{{.Path}} exists. Replace it?", map[string]any{"Path": req.Out}),
			func(ok bool) {
				if ok {
					req.Force = true
					w.runSign(req)
				}
			}, w.win)
		return
	}
	w.runSign(req)
}

// runSign runs app.Sign on a goroutine. Its Review and PIN ports block
// that goroutine, never the UI thread, until the person decides.
func (w *Window) runSign(req app.SignRequest) {
	w.busy(true)
	ports := app.Ports{
		Review:   w.review,
		PIN:      w.askPIN,
		Progress: func(step string) { fyne.Do(func() { w.setMessage(stepText(step)) }) },
	}
	w.work.Go(func() {
		var res *app.SignResult
		err := w.remoteAuth(w.ctx, &req) // a remote key's service authorization
		if err == nil {
			res, err = w.deps.Sign(w.ctx, req, ports)
		}
		fyne.Do(func() {
			w.busy(false)
			w.win.SetContent(w.main) // in case an error came during review
			if w.pinPad != nil {
				w.pinPad.Hide()
				w.pinPad = nil
			}
			if err == nil {
				// Remembered once a signature worked, not as typed.
				w.saveSettings(func(s *app.Settings) {
					s.Level = req.Level
					if req.TSA != "" {
						s.TSA = req.TSA
					}
				})
			}
			w.showResult(res, err)
		})
	})
}

func (w *Window) busy(b bool) {
	if b {
		w.signBtn.Disable()
		w.progress.Show()
		w.progress.Start()
		return
	}
	w.signBtn.Enable()
	w.progress.Stop()
	w.progress.Hide()
}

func stepText(step string) string {
	switch step {
	case "opening key":
		return T("Opening the key…")
	case "preparing":
		return T("Preparing the signature…")
	case "signing":
		return T("Signing…")
	case "writing":
		return T("Writing the signed copy…")
	case "checking content":
		return T("Checking the document's content…")
	case "fetching revocation":
		return T("Fetching revocation data for the certificates…")
	case "time-stamping document":
		return T("Adding the document timestamp…")
	}
	return step
}

// review is the Review port: it shows the Review screen and waits.
func (w *Window) review(ctx context.Context, r *app.Review) error {
	m := NewReviewModel(r, w.deps.Now())
	decided := make(chan bool, 1)
	var box *fyne.Container // set on the UI thread, read there
	fyne.Do(func() {
		decide := func(ok bool) {
			select {
			case decided <- ok:
			default: // a second click: the first decision stands
			}
		}
		v := newReviewView(m, previewPlaceholder(), func() { decide(true) }, func() { decide(false) })
		box = v.previewContainer
		w.win.SetContent(v.content)
		w.showPreview(box, m.Prepared, m.Page)
		w.notify("review", v)
	})
	// Leaving the Review closes its document: the prepared file is
	// renamed or removed next, and PDFium holds a copy of it.
	leave := func() {
		fyne.Do(func() {
			if box != nil {
				w.dropPreview(box)
			}
			w.win.SetContent(w.main)
		})
	}
	select {
	case ok := <-decided:
		leave()
		if !ok {
			return signing.ErrCancelled
		}
		// Sign is enabled for blocking findings only once the person
		// ticked that they accept them.
		r.AcceptFindings = m.Blocking
		return nil
	case <-ctx.Done():
		leave()
		return ctx.Err()
	}
}

// askPIN is the PIN port. The returned slice is fresh; the signer zeroes
// it after use. The entry's text is cleared at once.
func (w *Window) askPIN(ctx context.Context, req signing.PINRequest) ([]byte, error) {
	return w.askPINModel(ctx, NewPINModel(req))
}

// askBatchPIN is the PIN port of a folder sealing, which has no Review.
func (w *Window) askBatchPIN(ctx context.Context, req signing.PINRequest) ([]byte, error) {
	return w.askPINModel(ctx, NewBatchPINModel(req))
}

func (w *Window) askPINModel(ctx context.Context, m PINModel) ([]byte, error) {
	if m.PINPad {
		fyne.Do(func() {
			if w.pinPad != nil {
				w.pinPad.Hide() // a second prompt (context PIN) replaces the first
			}
			w.pinPad = dialog.NewCustomWithoutButtons(m.Title, newPINView(m).content, w.win)
			w.pinPad.Show()
		})
		return nil, nil
	}
	type answer struct {
		pin []byte
		ok  bool
	}
	ch := make(chan answer, 1)
	fyne.Do(func() {
		v := newPINView(m)
		if m.Blocked {
			// Nothing to enter: only a way out.
			d := dialog.NewCustom(m.Title, T("Cancel"), v.content, w.win)
			d.SetOnClosed(func() { ch <- answer{} })
			d.Show()
			return
		}
		var d *dialog.ConfirmDialog
		d = dialog.NewCustomConfirm(m.Title, T("OK"), T("Cancel"), v.content, func(ok bool) {
			var pin []byte
			if ok && v.entry != nil {
				pin = []byte(v.entry.Text)
				v.entry.SetText("") // Go strings cannot be zeroed; drop the widget's copy
			}
			ch <- answer{pin, ok}
		}, w.win)
		v.entry.OnSubmitted = func(string) { d.Confirm() }
		d.Show()
		w.win.Canvas().Focus(v.entry)
		w.notify("pin", v)
	})
	select {
	case a := <-ch:
		if !a.ok {
			return nil, signing.ErrCancelled
		}
		return a.pin, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (w *Window) showResult(res *app.SignResult, err error) {
	if err != nil {
		w.setMessage(ResultText(err))
		if !errors.Is(err, signing.ErrCancelled) {
			dialog.ShowError(errors.New(ResultText(err)), w.win)
		}
		w.notify("result", err)
		return
	}
	w.setMessage(T("Signed: {{.Path}}", map[string]any{"Path": res.Out}))
	text := widget.NewLabel(T("The signed copy is {{.Path}} ({{.Level}}).", map[string]any{"Path": res.Out, "Level": res.Level}))
	text.Wrapping = fyne.TextWrapBreak
	folder := widget.NewButtonWithIcon(T("Open folder"), theme.FolderOpenIcon(), func() {
		w.app.OpenURL(&url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Dir(res.Out))})
	})
	open := widget.NewButtonWithIcon(T("Open"), theme.DocumentIcon(), func() { w.app.OpenURL(fileURL(res.Out)) })
	check := widget.NewLabel("")
	check.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustom(T("Signed"), T("Close"), container.NewVBox(text, check, container.NewHBox(open, folder)), w.win)
	d.Resize(fyne.NewSize(560, 260))
	d.Show()
	// The result is announced before the check of the new file starts,
	// whose own announcement may come at once.
	w.notify("result", nil)
	w.checkSigned(res.Out, check)
}
