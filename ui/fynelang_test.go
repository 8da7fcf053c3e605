package ui

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/siegel-app/siegel/internal/testenv"
)

// TestFyneStringsFollowSetting: the strings of Fyne's own widgets (its
// dialogs' buttons and titles, the file dialog) are in the language of
// Siegel's own, chosen in the settings or following the system, whatever
// language the system has.
func TestFyneStringsFollowSetting(t *testing.T) {
	t.Cleanup(func() { SetupLanguage("en") })
	t.Setenv("LC_ALL", "")
	t.Setenv("LANGUAGE", "")
	t.Setenv("LC_MESSAGES", "")
	german := map[string]string{"Cancel": "Abbrechen", "Error": "Fehler", "Yes": "Ja", "No": "Nein", "Open": "Öffnen"}
	english := map[string]string{"Cancel": "Cancel", "Error": "Error", "Yes": "Yes", "No": "No", "Open": "Open"}
	slovenian := map[string]string{"Cancel": "Prekliči", "Error": "Napaka", "Yes": "Da", "No": "Ne", "File": "datoteko"}
	for _, tc := range []struct {
		system, forced string
		want           map[string]string
		parent         string
	}{
		{"fr_FR.UTF-8", "de", german, "Übergeordnet"},
		{"fr_FR.UTF-8", "sl", slovenian, "Nadrejena"},
		{"fr_FR.UTF-8", "", english, "Parent"}, // as Siegel's strings: no French
		{"de_DE.UTF-8", "en", english, "Parent"},
		{"de_DE.UTF-8", "", german, "Übergeordnet"},
		{"de_AT.UTF-8", "", german, "Übergeordnet"},
		{"sl_SI.UTF-8", "", slovenian, "Nadrejena"},
		{"sl_SI.UTF-8", "de", german, "Übergeordnet"},
		{"en_GB.UTF-8", "sl", slovenian, "Nadrejena"},
		{"C.UTF-8", "de", german, "Übergeordnet"},
		{"C.UTF-8", "", english, "Parent"},
	} {
		t.Setenv("LANG", tc.system)
		if err := SetupLanguage(tc.forced); err != nil {
			t.Fatal(err)
		}
		for key, want := range tc.want {
			if got := lang.L(key); got != want {
				t.Errorf("system %s, forced %q: Fyne's %q is %q, want %q", tc.system, tc.forced, key, got, want)
			}
		}
		if got := lang.X("file.parent", "Parent"); got != tc.parent {
			t.Errorf("system %s, forced %q: Fyne's file.parent is %q, want %q", tc.system, tc.forced, got, tc.parent)
		}
	}
}

// TestFyneTextsComplete: each language has exactly the keys of the Fyne
// release in go.mod, so no string of Fyne's widgets is left to the system's
// language.
func TestFyneTextsComplete(t *testing.T) {
	testenv.Need(t, "go")
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "fyne.io/fyne/v2").Output()
	if err != nil {
		t.Fatalf("go list -m fyne.io/fyne/v2: %v", err)
	}
	data, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "lang", "translations", "base.en.json"))
	if err != nil {
		t.Fatal(err)
	}
	keys := func(s string) []string {
		var m map[string]any
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			t.Fatal(err)
		}
		var k []string
		for key := range m {
			k = append(k, key)
		}
		slices.Sort(k)
		return k
	}
	want := keys(string(data))
	for code, texts := range fyneTexts {
		if got := keys(texts); !slices.Equal(got, want) {
			t.Errorf("%s: keys %q, want Fyne's %q", code, got, want)
		}
	}
}

// TestFileDialogInSettingsLanguage: a file dialog opened with German chosen
// reads German, its title included, on a system in English.
func TestFileDialogInSettingsLanguage(t *testing.T) {
	t.Setenv("LC_ALL", "en_US.UTF-8")
	t.Cleanup(func() { SetupLanguage("en") })
	w := newTestWindow(t, Deps{})
	t.Cleanup(w.Close)
	if err := SetupLanguage("de"); err != nil {
		t.Error(err)
	}
	w.win.Resize(fyne.NewSize(900, 700))
	w.ShowOpen()
	texts := visibleTexts(w.win.Canvas().Overlays().Top())
	for _, want := range []string{T("Open a PDF to sign"), "Abbrechen", "Öffnen"} {
		if !slices.Contains(texts, want) {
			t.Errorf("the file dialog shows no %q: %q", want, texts)
		}
	}
	if title := T("Open a PDF to sign"); title == "Open a PDF to sign" {
		t.Error("the dialog's title is not translated")
	}
	for _, english := range []string{"Cancel", "Open", "Open File"} {
		if slices.Contains(texts, english) {
			t.Errorf("the file dialog shows %q in English: %q", english, texts)
		}
	}
}

// visibleTexts lists the texts of the labels and buttons under o.
func visibleTexts(o fyne.CanvasObject) []string {
	var out []string
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch v := o.(type) {
		case *widget.Label:
			out = append(out, v.Text)
		case *widget.Button:
			out = append(out, v.Text)
		}
		if c, ok := o.(*fyne.Container); ok {
			for _, child := range c.Objects {
				walk(child)
			}
		} else if wd, ok := o.(fyne.Widget); ok {
			for _, child := range test.WidgetRenderer(wd).Objects() {
				walk(child)
			}
		}
	}
	if o != nil {
		walk(o)
	}
	return out
}
