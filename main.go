// Siegel signs, seals and verifies documents. Without arguments, with
// one PDF or signature file, or with --verify FILE, it starts the desktop
// app; with a command it runs the command line.
package main

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"github.com/siegel-app/siegel/app"
	"github.com/siegel-app/siegel/app/cli"
	"github.com/siegel-app/siegel/signing/pkcs11/agent"
	"github.com/siegel-app/siegel/ui"
)

//go:embed assets/icon.png
var icon []byte

func main() {
	args := os.Args[1:]
	var code int
	if start, ok := guiArgs(args); ok {
		code = gui(start)
	} else {
		code = cli.Main(args)
	}
	agent.Shutdown() // log out of tokens and end the PKCS#11 agent
	os.Exit(code)
}

// guiStart is what the desktop app opens first: nothing, a PDF to sign,
// or a file to verify.
type guiStart struct {
	doc    string
	verify bool
}

// verifyExts are the files the verify view takes besides PDFs: detached
// CMS and ASiC-E containers.
var verifyExts = []string{".p7s", ".p7m", ".asice", ".sce"}

// guiArgs says whether args start the desktop app: none; a single
// existing .pdf file to open for signing; a single existing signature
// file or container to verify; or "--verify FILE" (the desktop entry's
// "Verify with Siegel"), which the verify view reports on even when the
// file cannot be read.
func guiArgs(args []string) (start guiStart, ok bool) {
	switch {
	case len(args) == 0:
		return guiStart{}, true
	case len(args) == 2 && args[0] == "--verify":
		return guiStart{doc: args[1], verify: true}, true
	case len(args) == 1:
		st, err := os.Stat(args[0])
		if err != nil || st.IsDir() {
			return guiStart{}, false
		}
		ext := strings.ToLower(filepath.Ext(args[0]))
		if ext == ".pdf" {
			return guiStart{doc: args[0]}, true
		}
		if slices.Contains(verifyExts, ext) {
			return guiStart{doc: args[0], verify: true}, true
		}
	}
	return guiStart{}, false
}

func gui(start guiStart) int {
	var s app.Settings
	var loadErr error
	if path, err := app.SettingsPath(); err == nil {
		if s, loadErr = app.LoadSettings(path); loadErr != nil {
			fmt.Fprintln(os.Stderr, "siegel:", loadErr) // start with defaults rather than not at all
		}
	}
	if err := ui.SetupLanguage(s.Language); err != nil {
		fmt.Fprintln(os.Stderr, "siegel: translations:", err)
	}
	a := fyneapp.NewWithID("app.siegel.Siegel")
	a.SetIcon(fyne.NewStaticResource("icon.png", icon))
	// No tray icon: fyne's systray panics on quit without a D-Bus session.
	deps := ui.DefaultDeps(s)
	if loadErr != nil {
		// A file we could not read is the person's to fix, not ours to overwrite.
		deps.SaveSettings = func(app.Settings) error { return fmt.Errorf("%w; not overwritten", loadErr) }
	}
	w := ui.NewWindow(a, deps)
	switch {
	case start.verify:
		w.Verify(start.doc)
	case start.doc != "":
		w.Open(start.doc)
	}
	w.Window().ShowAndRun()
	return 0
}
