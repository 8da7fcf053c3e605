package ui

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/siegel-app/siegel/app"
	"github.com/siegel-app/siegel/internal/testpdf"
	"github.com/siegel-app/siegel/signing/demo"
)

func TestSettingsModel(t *testing.T) {
	orig := app.Settings{CardModules: []string{"/usr/lib/a.so"}, TSA: "http://tsa.example/", LastFolder: "/home/erika",
		PINPad: map[string]bool{"R": true}, Language: "en"}
	m := NewSettingsModel(orig)
	if m.Level != app.LevelBT {
		t.Errorf("level %q: a TSA without a level means B-T, as in the options form", m.Level)
	}
	for _, tc := range []struct {
		path    string
		wantErr error
	}{
		{"/opt/vendor/libcard.so", nil},
		{"/opt/vendor/libcard.so.3", nil},
		{`C:\Windows\System32\card.DLL`, nil},
		{"/usr/lib/a.so", nil}, // already there: kept once
		{"/home/erika/notes.txt", ErrModuleFile},
	} {
		if err := m.AddModule(tc.path); !errors.Is(err, tc.wantErr) {
			t.Errorf("AddModule(%q) = %v, want %v", tc.path, err, tc.wantErr)
		}
	}
	m.RemoveModule(0)
	m.RemoveModule(7) // out of range: nothing
	wantMods := []string{"/opt/vendor/libcard.so", "/opt/vendor/libcard.so.3", `C:\Windows\System32\card.DLL`}
	if !slices.Equal(m.Modules, wantMods) {
		t.Errorf("modules %q", m.Modules)
	}
	if err := m.SetStampImage("/home/erika/stamp.gif"); !errors.Is(err, ErrImageFile) {
		t.Errorf("gif taken: %v", err)
	}
	if err := m.SetStampImage("/home/erika/stamp.JPG"); err != nil {
		t.Error(err)
	}
	if names := LanguageNames(); len(names) != 4 || names[1] != "Deutsch" || names[2] != "English" || names[3] != "Slovenščina" {
		t.Errorf("languages %q", names)
	}
	m.SetLanguageName(LanguageNames()[0])
	if m.Language != "" || m.LanguageName() != T("System") {
		t.Errorf("system language: %q", m.Language)
	}
	m.SetLanguageName("Deutsch")
	m.Level = app.LevelBB
	for _, tc := range []struct {
		path    string
		wantErr error
	}{
		{"/etc/company/root.pem", nil},
		{"/etc/company/issuing.CRT", nil},
		{"/etc/company/root.pem", nil}, // already there: kept once
		{"/etc/company/root.der", ErrTrustFile},
	} {
		if err := m.AddTrustFile(tc.path); !errors.Is(err, tc.wantErr) {
			t.Errorf("AddTrustFile(%q) = %v, want %v", tc.path, err, tc.wantErr)
		}
	}
	m.RemoveTrustFile(1)
	m.RemoveTrustFile(-1) // out of range: nothing
	if !slices.Equal(m.TrustFiles, []string{"/etc/company/root.pem"}) {
		t.Errorf("trust files %q", m.TrustFiles)
	}
	m.OnlineRevocation = true

	for _, tc := range []struct {
		tsa     string
		wantErr error
	}{{"", nil}, {" https://freetsa.org/tsr ", nil}, {"ftp://tsa.example", ErrTSAURL}, {"tsa.example", ErrTSAURL}, {"https://", ErrTSAURL}} {
		if err := CheckTSA(tc.tsa); !errors.Is(err, tc.wantErr) {
			t.Errorf("CheckTSA(%q) = %v, want %v", tc.tsa, err, tc.wantErr)
		}
	}
	m.TSA = "ftp://tsa.example"
	if _, _, err := m.Result(); !errors.Is(err, ErrTSAURL) {
		t.Fatalf("Result with a bad TSA: %v", err)
	}
	m.TSA = " https://tsa.example/new "
	s, ch, err := m.Result()
	if err != nil {
		t.Fatal(err)
	}
	want := app.Settings{CardModules: wantMods, TSA: "https://tsa.example/new", Level: app.LevelBB, LastFolder: "/home/erika",
		PINPad: map[string]bool{"R": true}, StampImage: "/home/erika/stamp.JPG", Language: "de",
		TrustFiles: []string{"/etc/company/root.pem"}, OnlineRevocation: true}
	if !settingsEqual(s, want) {
		t.Errorf("Result = %+v\nwant %+v", s, want)
	}
	if ch != (SettingsChanges{Modules: true, Language: true, Defaults: true}) {
		t.Errorf("changes %+v", ch)
	}
	if _, ch, _ := NewSettingsModel(orig).Result(); ch != (SettingsChanges{}) {
		t.Errorf("unchanged dialog reports %+v", ch)
	}
}

// settingsWindow is a window whose settings go to a file in a temporary
// folder. With list, ListTokens hands the modules it is asked for to the
// test (unbuffered, so the test has set up before the listing goes on),
// and "tokens" is shown when the list is updated on the UI thread, so
// tests wait for it. Without list, there is no token listing.
func settingsWindow(t *testing.T, s app.Settings, list bool, sign func(context.Context, app.SignRequest, app.Ports) (*app.SignResult, error)) (*Window, string, chan []string, chan any) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "siegel", "settings.json")
	listed := make(chan []string)
	deps := Deps{Settings: s, Sign: sign, SaveSettings: func(s app.Settings) error { return s.Save(path) }}
	if list {
		deps.ListTokens = func(_ context.Context, mods []string) ([]app.ModuleTokens, error) {
			listed <- mods
			return nil, nil
		}
	}
	w := newTestWindow(t, deps)
	t.Cleanup(w.Close)
	shown := noticesOf(w)
	w.tokensShown = func() { shown <- [2]any{"tokens", nil} }
	if !list {
		return w, path, nil, shown
	}
	if got, _ := await(listed, 20*time.Second); !slices.Equal(got, s.CardModules) {
		t.Fatalf("listed modules %q at start", got)
	}
	next(t, shown, "tokens")
	return w, path, listed, shown
}

func loadSettings(t *testing.T, path string) app.Settings {
	t.Helper()
	s, err := app.LoadSettings(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSettingsDialogSaves: what the dialog changes is written to the
// settings file, and new modules are listed at once.
func TestSettingsDialogSaves(t *testing.T) {
	w, path, listed, shown := settingsWindow(t, app.Settings{LastFolder: "/home/erika"}, true, nil)
	items := w.win.MainMenu().Items[0].Items
	if !slices.ContainsFunc(items, func(it *fyne.MenuItem) bool { return it.Label == "Settings…" && it.Shortcut != nil }) {
		t.Error("no Settings… item with a shortcut in the File menu")
	}
	w.win.Canvas().(fyne.Shortcutable).TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyComma, Modifier: fyne.KeyModifierShortcutDefault})
	v := next(t, shown, "settings").(*settingsView)

	test.Type(v.tsa, "ftp://nope")
	v.dialog.Submit()
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("saved with an invalid TSA URL: %v", err)
	}
	v.tsa.SetText("https://tsa.example/tsr")
	v.level.SetSelected(app.LevelBT)
	v.addModule("/opt/vendor/libcard.so", w.win)
	v.addModule("/opt/vendor/other.so", w.win)
	test.Tap(v.modules.Objects[1].(*fyne.Container).Objects[1].(*widget.Button)) // remove the second
	v.addTrustFile("/etc/company/root.pem", w.win)
	v.addTrustFile("/etc/company/old.pem", w.win)
	test.Tap(v.trust.Objects[0].(*fyne.Container).Objects[1].(*widget.Button)) // remove the first
	test.Tap(v.online)
	v.dialog.Submit()

	got := loadSettings(t, path)
	want := app.Settings{CardModules: []string{"/opt/vendor/libcard.so"}, TSA: "https://tsa.example/tsr", Level: app.LevelBT, LastFolder: "/home/erika",
		TrustFiles: []string{"/etc/company/old.pem"}, OnlineRevocation: true}
	if !settingsEqual(got, want) {
		t.Errorf("saved %+v\nwant %+v", got, want)
	}
	mods, ok := await(listed, 20*time.Second)
	if !ok {
		t.Fatal("tokens not listed again after the modules changed")
	}
	if !slices.Equal(mods, want.CardModules) {
		t.Errorf("tokens listed again with %q", mods)
	}
	next(t, shown, "tokens")
	if w.opts.TSA != want.TSA || w.opts.Level != app.LevelBT {
		t.Errorf("options form not given the new defaults: %+v", w.opts)
	}
	if o := w.verifyOptions(); !slices.Equal(o.TrustFiles, want.TrustFiles) || !o.Online {
		t.Errorf("verifying with %+v after the settings changed", o)
	}
}

// TestSettingsSaveError: a settings file that cannot be written is shown,
// naming the file: once for the saves that happen on their own, every
// time for the dialog's Save.
func TestSettingsSaveError(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	os.WriteFile(blocker, nil, 0o644)
	path := filepath.Join(blocker, "settings.json") // a folder that is a file
	w := newTestWindow(t, Deps{SaveSettings: func(s app.Settings) error { return s.Save(path) }})
	defer w.Close()
	shown := noticesOf(w)
	open := func(sub string) {
		os.MkdirAll(filepath.Join(dir, sub), 0o755)
		in := filepath.Join(dir, sub, "a.pdf")
		os.WriteFile(in, testpdf.Pages(1), 0o644)
		w.Open(in) // remembers the folder: a save
	}
	overlays := func() int { return len(w.win.Canvas().Overlays().List()) }
	open("one")
	if overlays() != 1 {
		t.Fatalf("%d dialogs after a failed save, want 1", overlays())
	}
	if markup := test.RenderToMarkup(w.win.Canvas()); !strings.Contains(markup, path) {
		t.Errorf("error does not name %s:\n%s", path, markup)
	}
	open("two")
	if overlays() != 1 {
		t.Errorf("%d dialogs after a second failed automatic save, want still 1", overlays())
	}
	w.ShowSettings()
	v := next(t, shown, "settings").(*settingsView)
	v.tsa.SetText("https://tsa.example/")
	v.dialog.Submit()
	if overlays() != 2 {
		t.Errorf("%d dialogs after a failed Save in the settings, want 2", overlays())
	}
}

// TestSignSavesTSAAndLevel: the TSA and level are remembered once a
// signature worked, and the document's folder when it is opened.
func TestSignSavesTSAAndLevel(t *testing.T) {
	fail := true
	sign := func(_ context.Context, req app.SignRequest, _ app.Ports) (*app.SignResult, error) {
		if fail {
			return nil, errors.New("sign: the card went away")
		}
		return &app.SignResult{Out: req.Out, Level: req.Level}, nil
	}
	w, path, _, shown := settingsWindow(t, app.Settings{TSA: "http://old.example/"}, false, sign)
	dir := t.TempDir()
	in := filepath.Join(dir, "contract.pdf")
	os.WriteFile(in, testpdf.Pages(1), 0o644)
	w.Open(in)
	if got := loadSettings(t, path); got.LastFolder != dir || got.TSA != "http://old.example/" {
		t.Fatalf("after Open: %+v", got)
	}
	w.keys.AddFile(filepath.Join(dir, "k.p12"))
	w.opts.Level, w.opts.TSA = app.LevelBT, "https://tsa.example/new"

	w.StartSign()
	next(t, shown, "result")
	if got := loadSettings(t, path); got.TSA != "http://old.example/" || got.Level != "" {
		t.Errorf("saved after a failed signature: %+v", got)
	}
	fail = false
	w.StartSign()
	if err, _ := next(t, shown, "result").(error); err != nil {
		t.Fatal(err)
	}
	if got := loadSettings(t, path); got.TSA != "https://tsa.example/new" || got.Level != app.LevelBT || got.LastFolder != dir {
		t.Errorf("after signing: %+v", got)
	}
}

// TestLanguageSwitch: choosing Deutsch translates the window at once and
// keeps the document, key and options; System goes back to the
// environment's language.
func TestLanguageSwitch(t *testing.T) {
	t.Setenv("LC_ALL", "en_US.UTF-8")
	t.Setenv("LANGUAGE", "en")
	t.Cleanup(func() { SetupLanguage("en") })
	w, path, _, shown := settingsWindow(t, app.Settings{}, false, nil)
	dir := t.TempDir()
	in := filepath.Join(dir, "contract.pdf")
	os.WriteFile(in, testpdf.Pages(1), 0o644)
	w.Open(in)
	w.keys.AddFile(filepath.Join(dir, "k.p12"))
	w.opts.Reason = "Approved"
	w.out.SetText(filepath.Join(dir, "mine.pdf"))
	if w.signBtn.Text != "Sign…" {
		t.Fatalf("sign button %q before the switch", w.signBtn.Text)
	}

	choose := func(name string) {
		w.ShowSettings()
		v := next(t, shown, "settings").(*settingsView)
		v.lang.SetSelected(name)
		v.dialog.Submit()
	}
	choose("Deutsch")
	if w.signBtn.Text != "Signieren…" {
		t.Errorf("sign button %q after choosing Deutsch", w.signBtn.Text)
	}
	if menu := w.win.MainMenu(); menu == nil || menu.Items[0].Label != "Datei" {
		t.Errorf("menu not translated: %+v", menu)
	}
	if w.win.Content() != w.main || w.docLabel.Text != in || w.out.Text != filepath.Join(dir, "mine.pdf") ||
		w.keys.Selected != "pkcs12:"+filepath.Join(dir, "k.p12") || w.opts.Reason != "Approved" {
		t.Errorf("lost state: doc %q, out %q, key %q, options %+v", w.docLabel.Text, w.out.Text, w.keys.Selected, w.opts)
	}
	if got := loadSettings(t, path); got.Language != "de" {
		t.Errorf("language saved as %q", got.Language)
	}
	if os.Getenv("LC_ALL") != "en_US.UTF-8" || os.Getenv("LANGUAGE") != "en" {
		t.Errorf("environment changed: LC_ALL=%q LANGUAGE=%q", os.Getenv("LC_ALL"), os.Getenv("LANGUAGE"))
	}

	choose("System")
	if w.signBtn.Text != "Sign…" {
		t.Errorf("sign button %q after going back to the system language", w.signBtn.Text)
	}
	if got := loadSettings(t, path); got.Language != "" {
		t.Errorf("language saved as %q", got.Language)
	}
}

// TestKeyListDemo: the demo key is listed last, after cards, tokens and
// files, and can be chosen.
func TestKeyListDemo(t *testing.T) {
	l := NewKeyList()
	l.Demo = true
	l.AddFile("/home/erika/key.p12")
	items := l.Items()
	if len(items) != 2 {
		t.Fatalf("items %+v", items)
	}
	last := items[len(items)-1]
	if last.Source != SourceDemo || last.URI != demo.URI || last.Title != "Demo key (for trying Siegel)" ||
		last.Detail != "Signatures made with it have no legal effect" {
		t.Errorf("last item %+v", last)
	}
	l.Select(1)
	if l.Selected != "demo:" {
		t.Errorf("selected %q", l.Selected)
	}
}

// TestReviewDemo: signing with the demo key says so on the review,
// first; a real signer does not get the line.
func TestReviewDemo(t *testing.T) {
	k, err := demo.Open()
	if err != nil {
		t.Fatal(err)
	}
	r := reviewFixture()
	if m := NewReviewModel(r, time.Now()); m.Fields[0].Label == "Demo key" {
		t.Error("demo line for a real signer")
	}
	r.Signer = k.Chain()[0]
	m := NewReviewModel(r, time.Now())
	if f := m.Fields[0]; f.Label != "Demo key" || !strings.Contains(f.Value, "no legal effect") {
		t.Errorf("first field %+v", f)
	}
}

// TestOptionsImage: the stamp image goes with a visible stamp only.
func TestOptionsImage(t *testing.T) {
	o := NewOptions(app.Settings{StampImage: "/home/erika/stamp.png"})
	req, err := o.Request("in.pdf", "out.pdf", "demo:")
	if err != nil || req.ImagePath != "" {
		t.Fatalf("invisible: image %q, %v", req.ImagePath, err)
	}
	o.Visible = true
	if req, err = o.Request("in.pdf", "out.pdf", "demo:"); err != nil || req.ImagePath != "/home/erika/stamp.png" {
		t.Errorf("visible: image %q, %v", req.ImagePath, err)
	}
}
