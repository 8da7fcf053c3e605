// Siegel signs, seals and verifies documents. Without arguments, or with
// one PDF file, it starts the desktop app; with a command it runs the
// command line.
package main

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
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
	if doc, ok := guiArgs(args); ok {
		code = gui(doc)
	} else {
		code = cli.Main(args)
	}
	agent.Shutdown() // log out of tokens and end the PKCS#11 agent
	os.Exit(code)
}

// guiArgs says whether args start the desktop app: none, or a single
// existing .pdf file to open in it.
func guiArgs(args []string) (doc string, ok bool) {
	switch {
	case len(args) == 0:
		return "", true
	case len(args) == 1 && strings.EqualFold(filepath.Ext(args[0]), ".pdf"):
		if st, err := os.Stat(args[0]); err == nil && !st.IsDir() {
			return args[0], true
		}
	}
	return "", false
}

func gui(doc string) int {
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
	if doc != "" {
		w.Open(doc)
	}
	w.Window().ShowAndRun()
	return 0
}
