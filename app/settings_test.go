package app_test

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/siegel-app/siegel/app"
)

func TestSettingsRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cfg", "settings.json")
	s, err := app.LoadSettings(path)
	if err != nil || !reflect.DeepEqual(s, app.Settings{}) {
		t.Fatalf("missing file: %+v, %v", s, err)
	}
	want := app.Settings{CardModules: []string{"/opt/vendor/lib.so"}, PINPad: map[string]bool{"Cheap Reader 00": false},
		TSA: "http://127.0.0.1/tsa", Level: "B-T", Language: "de"}
	if err := want.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := app.LoadSettings(path)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, %v; want %+v", got, err, want)
	}
	os.WriteFile(path, []byte("{broken"), 0o600)
	if _, err := app.LoadSettings(path); err == nil {
		t.Error("broken settings file read without error")
	}
}
