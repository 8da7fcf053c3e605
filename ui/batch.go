package ui

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/siegel-app/siegel/app"
	"github.com/siegel-app/siegel/app/seal"
	"github.com/siegel-app/siegel/signing"
	"github.com/siegel-app/siegel/signing/pades"
)

// BatchRequest is the form of the batch screen: seal every PDF of In
// into Out with Key.
type BatchRequest struct {
	In, Out, Key string
	Level, TSA   string // Level is app.LevelBB or app.LevelBT
	Reason       string
	Visible      bool   // a stamp at batchStamp
	Image        string // the settings' stamp image, for a visible stamp
	CardModules  []string
}

// ErrNoFolders: the input or output folder is not chosen.
var ErrNoFolders = errors.New("choose the input and the output folder")

// batchStamp is where a visible seal goes: page 1, bottom left, as the
// single-file form places it by default.
var batchStamp = pades.Visible{Page: 1, X: 50, Y: 50, W: 200, H: 60}

// Options checks the form and builds the options of seal.Run.
func (r BatchRequest) Options() (seal.Options, error) {
	in, out := strings.TrimSpace(r.In), strings.TrimSpace(r.Out)
	switch {
	case in == "" || out == "":
		return seal.Options{}, ErrNoFolders
	case r.Key == "":
		return seal.Options{}, ErrNoKey
	case NeedsTSA(r.Level) && strings.TrimSpace(r.TSA) == "":
		return seal.Options{}, ErrNoTSA
	}
	o := seal.Options{KeyURI: r.Key, In: in, Out: out, Level: r.Level,
		Reason: strings.TrimSpace(r.Reason), Lang: uiLang(), CardModules: r.CardModules}
	if NeedsTSA(r.Level) {
		o.TSA = strings.TrimSpace(r.TSA)
	}
	if r.Visible {
		v := batchStamp
		o.Visible, o.ImagePath = &v, r.Image
	}
	return o, nil
}

// BatchModel is the view-model of a running batch: the numbers and lines
// the screen shows, without Fyne. Not safe for concurrent use; the
// window changes it on the UI thread (BatchFeed hands progress over).
type BatchModel struct {
	Progress seal.Progress
	// Failures are the failed files as lines, "input: reason", in the
	// order they failed.
	Failures []string
}

// Apply takes in a progress report and the failures recorded since the
// last one.
func (m *BatchModel) Apply(p seal.Progress, failed []seal.FileResult) {
	p.Last = nil // the failures carry what is kept of it
	m.Progress = p
	for _, f := range failed {
		m.Failures = append(m.Failures, FailureLine(f))
	}
}

// FailureLine is how a failed file is listed.
func FailureLine(f seal.FileResult) string { return f.Input + ": " + failureText(f) }

// failureText is why a file failed, in the window's language where the
// cause is known; otherwise the seal's English reason.
func failureText(f seal.FileResult) string {
	switch {
	case f.Err == nil:
		return f.Reason
	case errors.Is(f.Err, seal.ErrVanished):
		return T("The file vanished before it was read.")
	case errors.Is(f.Err, seal.ErrOutputEarlier):
		return T("The output exists, sealed from an earlier version of this file; remove it to seal the new one.")
	case errors.Is(f.Err, seal.ErrOutputForeign):
		return T("The output exists and was not written by Siegel's sealing; it is left alone.")
	case errors.Is(f.Err, seal.ErrOutputAppeared):
		return T("The output appeared while the file was sealed; it is left alone.")
	}
	return ResultText(f.Err)
}

// Fraction is the share of files done, 0 to 1.
func (m *BatchModel) Fraction() float64 {
	if m.Progress.Total == 0 {
		return 0
	}
	return float64(m.Progress.Done) / float64(m.Progress.Total)
}

// Counts is the line with the numbers of files.
func (m *BatchModel) Counts() string {
	p := m.Progress
	return T("{{.Done}} of {{.Total}} files: {{.Sealed}} sealed, {{.Skipped}} skipped, {{.Failed}} failed",
		map[string]any{"Done": p.Done, "Total": p.Total, "Sealed": p.Sealed, "Skipped": p.Skipped, "Failed": p.Failed})
}

// Rate is the files done per second so far; 0 before any.
func (m *BatchModel) Rate() float64 {
	if s := m.Progress.Elapsed.Seconds(); s > 0 {
		return float64(m.Progress.Done) / s
	}
	return 0
}

// Status is the rate and the time left, or that the run is paused.
func (m *BatchModel) Status() string {
	p := m.Progress
	if p.Paused {
		return T("Paused. Files under way are finished.")
	}
	rate := m.Rate()
	if rate == 0 {
		return ""
	}
	s := T("{{.Rate}} files/s", map[string]any{"Rate": formatRate(rate)})
	if p.Total > p.Done {
		eta := time.Duration(float64(p.Total-p.Done) / rate * float64(time.Second))
		s += " · " + T("about {{.Time}} left", map[string]any{"Time": FormatDuration(eta)})
	}
	return s
}

// Current names the file being sealed.
func (m *BatchModel) Current() string {
	if m.Progress.Current == "" || m.Progress.Done == m.Progress.Total && m.Progress.Total > 0 {
		return ""
	}
	return T("Sealing {{.File}}", map[string]any{"File": m.Progress.Current})
}

// formatRate is a rate with one decimal, a decimal comma in German and
// Slovenian.
func formatRate(r float64) string {
	s := strconv.FormatFloat(r, 'f', 1, 64)
	if uiLang() != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// FormatDuration is a duration as a person reads it: seconds under a
// minute, minutes and seconds under an hour, else hours and minutes.
func FormatDuration(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min %02d s", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%d h %02d min", int(d.Hours()), int(d.Minutes())%60)
}

// BatchSummary is what the screen says when a run ended with res and
// err from seal.Run.
func BatchSummary(res *seal.Result, err error) string {
	var lines []string
	if res != nil && (res.Done > 0 || err == nil) {
		lines = append(lines, T("{{.Sealed}} sealed, {{.Skipped}} skipped, {{.Failed}} failed in {{.Time}}.",
			map[string]any{"Sealed": res.Sealed, "Skipped": res.Skipped, "Failed": res.Failed, "Time": FormatDuration(res.Elapsed)}))
	}
	var se *seal.StopError
	switch {
	case err == nil:
	case errors.Is(err, signing.ErrCancelled) || errors.Is(err, context.Canceled):
		lines = append(lines, T("Cancelled. The files sealed so far stay sealed; start again to go on."))
	case errors.As(err, &se):
		reason := ResultText(se.Err)
		if se.File != "" {
			lines = append(lines, T("Stopped at {{.File}}: {{.Reason}}", map[string]any{"File": se.File, "Reason": reason}))
		} else {
			lines = append(lines, T("Stopped: {{.Reason}}", map[string]any{"Reason": reason}))
		}
		lines = append(lines, T("Start again to go on where it stopped."))
	default:
		lines = append(lines, T("Sealing could not start: {{.Reason}}", map[string]any{"Reason": ResultText(err)}))
	}
	return strings.Join(lines, "\n")
}

// BatchFeed hands progress from seal.Run's goroutine to the UI thread.
// Reports come as fast as files are sealed; the screen only needs the
// latest numbers, but every failure. Push returns true when the UI
// thread must be asked to Take (one request at a time), so that a fast
// run does not flood it.
type BatchFeed struct {
	mu      sync.Mutex
	p       seal.Progress
	failed  []seal.FileResult
	pending bool
}

// Push records p; true means a Take is due.
func (f *BatchFeed) Push(p seal.Progress) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.p = p
	if p.Last != nil && p.Last.Outcome == seal.OutcomeFailed {
		f.failed = append(f.failed, *p.Last)
	}
	if f.pending {
		return false
	}
	f.pending = true
	return true
}

// Take returns the latest progress and the failures since the last Take.
func (f *BatchFeed) Take() (seal.Progress, []seal.FileResult) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pending = false
	failed := f.failed
	f.failed = nil
	return f.p, failed
}

// batchView is the batch screen: the form, the run and its summary.
type batchView struct {
	content fyne.CanvasObject

	in, out, tsa, reason *widget.Entry
	inBtn, outBtn        *widget.Button
	key                  *widget.Select
	keyURIs              []string // by the index of key's options
	level                *widget.Select
	visible              *widget.Check
	start, back          *widget.Button
	message              *widget.Label

	bar                     *widget.ProgressBar
	counts, status, current *widget.Label
	pause, cancel           *widget.Button
	failTitle               *widget.Label
	failures                *widget.List
	summary, audit          *widget.Label
	openOut                 *widget.Button
	openBox                 *fyne.Container // openOut, laid out again when shown

	model   *BatchModel
	gate    *seal.Gate
	stop    context.CancelFunc // cancels the run; nil when none runs
	lastOut string             // the output folder of the last run
}

// batchMenuItem is File ▸ Seal a folder….
func (w *Window) batchMenuItem() *fyne.MenuItem {
	return fyne.NewMenuItem(T("Seal a folder…"), w.ShowBatch)
}

// ShowBatch shows the batch screen in place of the main screen; Back
// returns.
func (w *Window) ShowBatch() {
	v := &batchView{model: &BatchModel{}}
	title := widget.NewLabelWithStyle(T("Seal a folder"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	intro := widget.NewLabel(T("Every PDF in the input folder and its subfolders is sealed into the output folder, under the same name. Files sealed before are skipped; an audit log in the output folder records each one."))
	intro.Wrapping = fyne.TextWrapWord

	v.in, v.out = widget.NewEntry(), widget.NewEntry()
	v.in.SetPlaceHolder(T("Folder with the PDFs to seal"))
	v.out.SetPlaceHolder(T("Folder for the sealed copies"))
	v.inBtn = widget.NewButtonWithIcon(T("Choose…"), theme.FolderOpenIcon(), func() { w.chooseFolder(T("Input folder"), v.in) })
	v.outBtn = widget.NewButtonWithIcon(T("Choose…"), theme.FolderOpenIcon(), func() { w.chooseFolder(T("Output folder"), v.out) })

	var titles []string
	selected := -1
	for i, it := range w.keys.Items() {
		titles = append(titles, it.Title)
		v.keyURIs = append(v.keyURIs, it.URI)
		if it.URI == w.keys.Selected {
			selected = i
		}
	}
	v.key = widget.NewSelect(titles, nil)
	v.key.PlaceHolder = T("Choose the seal key")
	if selected >= 0 {
		v.key.SetSelectedIndex(selected)
	}

	v.level = widget.NewSelect([]string{app.LevelBB, app.LevelBT}, nil)
	v.tsa = widget.NewEntry()
	v.tsa.SetPlaceHolder("https://…")
	v.tsa.SetText(w.opts.TSA)
	v.level.OnChanged = func(l string) {
		if NeedsTSA(l) {
			v.tsa.Enable()
		} else {
			v.tsa.Disable()
		}
	}
	if w.opts.Level == app.LevelBB || strings.TrimSpace(w.opts.TSA) == "" {
		v.level.SetSelected(app.LevelBB)
	} else {
		v.level.SetSelected(app.LevelBT)
	}
	v.reason = widget.NewEntry()
	v.reason.SetText(w.opts.Reason)
	v.visible = widget.NewCheck(T("Visible seal on page 1, bottom left"), nil)

	form := widget.NewForm(
		widget.NewFormItem(T("Input folder"), container.NewBorder(nil, nil, nil, v.inBtn, v.in)),
		widget.NewFormItem(T("Output folder"), container.NewBorder(nil, nil, nil, v.outBtn, v.out)),
		widget.NewFormItem(T("Seal key"), v.key),
		widget.NewFormItem(T("Signature level"), v.level),
		widget.NewFormItem(T("Time-stamping authority"), v.tsa),
		widget.NewFormItem(T("Reason"), v.reason),
		widget.NewFormItem("", v.visible),
	)
	v.start = widget.NewButtonWithIcon(T("Start"), theme.MediaPlayIcon(), func() { w.startBatch(v) })
	v.start.Importance = widget.HighImportance
	v.message = widget.NewLabel("")
	v.message.Wrapping = fyne.TextWrapWord

	v.bar = widget.NewProgressBar()
	v.counts, v.status, v.current = widget.NewLabel(""), widget.NewLabel(""), widget.NewLabel("")
	v.current.Truncation = fyne.TextTruncateEllipsis
	v.pause = widget.NewButtonWithIcon(T("Pause"), theme.MediaPauseIcon(), func() { v.togglePause() })
	v.cancel = widget.NewButtonWithIcon(T("Cancel"), theme.CancelIcon(), func() {
		if v.stop != nil {
			v.cancel.Disable()
			v.pause.Disable()
			v.stop()
		}
	})
	v.pause.Disable()
	v.cancel.Disable()
	v.failTitle = widget.NewLabelWithStyle(T("Failed files"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.failures = widget.NewList(
		func() int { return len(v.model.Failures) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(v.model.Failures) {
				o.(*widget.Label).SetText(v.model.Failures[i])
			}
		})
	v.summary = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.summary.Wrapping = fyne.TextWrapWord
	v.audit = widget.NewLabel("")
	v.audit.Wrapping = fyne.TextWrapBreak
	v.openOut = widget.NewButtonWithIcon(T("Open output folder"), theme.FolderOpenIcon(), func() {
		w.app.OpenURL(&url.URL{Scheme: "file", Path: filepath.ToSlash(v.lastOut)})
	})
	v.openOut.Hide()
	v.openBox = container.NewHBox(v.openOut)

	v.back = widget.NewButton(T("Back"), func() { w.win.SetContent(w.main) })
	// The form on the left, the run on the right, the failures filling
	// what is left below it.
	left := container.NewVScroll(container.NewVBox(title, intro, form, container.NewHBox(v.start), v.message))
	run := container.NewVBox(v.bar, v.counts, v.status, v.current, container.NewHBox(v.pause, v.cancel),
		v.summary, v.audit, v.openBox, v.failTitle)
	split := container.NewHSplit(left, container.NewBorder(run, nil, nil, nil, v.failures))
	split.Offset = 0.5
	v.content = container.NewBorder(nil, container.NewHBox(layout.NewSpacer(), v.back), nil, nil, split)
	w.win.SetContent(v.content)
	w.notify("batch", v)
}

// chooseFolder fills e from a folder dialog under title.
func (w *Window) chooseFolder(title string, e *widget.Entry) {
	d := dialog.NewFolderOpen(func(l fyne.ListableURI, err error) {
		if err == nil && l != nil {
			e.SetText(l.Path())
		}
	}, w.win)
	d.SetTitleText(title)
	dir := strings.TrimSpace(e.Text)
	if dir == "" {
		dir = w.deps.Settings.LastFolder
	}
	if dir != "" {
		if l, err := storage.ListerForURI(storage.NewFileURI(dir)); err == nil {
			d.SetLocation(l)
		}
	}
	d.Show()
}

// request reads the form.
func (v *batchView) request(w *Window) BatchRequest {
	r := BatchRequest{In: v.in.Text, Out: v.out.Text, Level: v.level.Selected, TSA: v.tsa.Text,
		Reason: v.reason.Text, Visible: v.visible.Checked, Image: w.opts.Image, CardModules: w.deps.Settings.CardModules}
	if i := v.key.SelectedIndex(); i >= 0 && i < len(v.keyURIs) {
		r.Key = v.keyURIs[i]
	}
	return r
}

// startBatch runs seal.Run on a goroutine: the window stays usable, the
// PIN comes through the window's PIN dialog, progress through a
// BatchFeed and fyne.Do.
func (w *Window) startBatch(v *batchView) {
	if v.stop != nil {
		return // a run is under way
	}
	opts, err := v.request(w).Options()
	if err != nil {
		v.message.SetText(batchErrorText(err))
		return
	}
	ctx, cancel := context.WithCancel(w.ctx)
	v.stop, v.gate, v.lastOut = cancel, &seal.Gate{}, opts.Out
	v.model = &BatchModel{}
	v.setRunning(true)
	feed := &BatchFeed{}
	ports := seal.Ports{PIN: w.askBatchPIN, Gate: v.gate, Progress: func(p seal.Progress) {
		if feed.Push(p) {
			fyne.Do(func() {
				w.hidePINPad() // a report means the PIN was taken
				v.model.Apply(feed.Take())
				v.refresh()
				w.notify("batch-progress", v.model.Progress)
			})
		}
	}}
	w.work.Go(func() {
		// A remote seal key needs its account's authorization first.
		var res *seal.Result
		ar := app.SignRequest{KeyURI: opts.KeyURI}
		err := w.remoteAuth(ctx, &ar)
		if err == nil {
			opts.CSC = ar.CSC
			res, err = seal.Run(ctx, opts, ports)
		}
		cancel()
		fyne.Do(func() {
			// Reports not yet taken: the last numbers are the result's.
			w.hidePINPad()
			p, failed := feed.Take()
			v.model.Apply(p, failed)
			if res != nil {
				v.model.Progress = res.Progress
			}
			v.model.Progress.Paused = false
			v.stop = nil
			v.setRunning(false)
			v.refresh()
			v.summary.SetText(BatchSummary(res, err))
			v.summary.Importance = widget.SuccessImportance
			if err != nil || res == nil || res.Failed > 0 {
				v.summary.Importance = widget.WarningImportance
			}
			v.summary.Refresh()
			if res != nil && (res.Done > 0 || err == nil) {
				v.audit.SetText(T("Audit log: {{.Path}}", map[string]any{"Path": filepath.Join(opts.Out, seal.AuditLogName)}))
				v.openOut.Show()
				v.openBox.Refresh()
			}
			w.notify("batch-done", err)
		})
	})
}

// hidePINPad takes down the "enter the PIN on the reader" notice.
func (w *Window) hidePINPad() {
	if w.pinPad != nil {
		w.pinPad.Hide()
		w.pinPad = nil
	}
}

// setRunning enables the form or the run's controls.
func (v *batchView) setRunning(running bool) {
	form := []fyne.Disableable{v.in, v.out, v.inBtn, v.outBtn, v.key, v.level, v.reason, v.visible, v.start, v.back}
	for _, d := range form {
		if running {
			d.Disable()
		} else {
			d.Enable()
		}
	}
	if !running && NeedsTSA(v.level.Selected) {
		v.tsa.Enable()
	} else {
		v.tsa.Disable()
	}
	if running {
		v.pause.Enable()
		v.cancel.Enable()
		v.message.SetText("")
		v.summary.SetText("")
		v.audit.SetText("")
		v.openOut.Hide()
	} else {
		v.pause.Disable()
		v.cancel.Disable()
	}
	v.pause.SetText(T("Pause"))
	v.pause.SetIcon(theme.MediaPauseIcon())
}

// togglePause closes or opens the gate.
func (v *batchView) togglePause() {
	if v.gate == nil || v.stop == nil {
		return
	}
	// The button first: once the gate opens, the run may report (and,
	// under the test driver, touch widgets) at once.
	if v.gate.Paused() {
		v.pause.SetText(T("Pause"))
		v.pause.SetIcon(theme.MediaPauseIcon())
		v.gate.Resume()
	} else {
		v.pause.SetText(T("Resume"))
		v.pause.SetIcon(theme.MediaPlayIcon())
		v.gate.Pause()
	}
}

// refresh shows the model; UI thread only.
func (v *batchView) refresh() {
	m := v.model
	v.bar.SetValue(m.Fraction())
	v.counts.SetText(m.Counts())
	v.status.SetText(m.Status())
	v.current.SetText(m.Current())
	v.failTitle.SetText(T("Failed files") + " (" + strconv.Itoa(len(m.Failures)) + ")")
	v.failures.Refresh()
}

// batchErrorText is the sentence for an error of the batch form.
func batchErrorText(err error) string {
	switch {
	case errors.Is(err, ErrNoFolders):
		return T("Choose the input and the output folder.")
	case errors.Is(err, ErrNoKey):
		return T("Choose the seal key.")
	}
	return errorText(err)
}
