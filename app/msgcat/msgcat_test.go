package msgcat

import (
	"testing"
	"testing/fstest"
)

func TestBase(t *testing.T) {
	for in, want := range map[string]string{"de_AT.UTF-8": "de", "sl-SI": "sl", "DE": "de", "sl": "sl",
		"C": "c", "C.UTF-8": "c", "en_US@euro": "en", "": ""} {
		if got := Base(in); got != want {
			t.Errorf("Base(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLoad(t *testing.T) {
	fsys := fstest.MapFS{
		"t/de.json":   {Data: []byte(`{"Yes": "Ja"}`)},
		"t/sl.json":   {Data: []byte(`{"Yes": "Da"}`)},
		"bad/de.json": {Data: []byte(`{"Yes": 1}`)},
	}
	cats, err := Load(fsys, "t", []string{"de", "sl"})
	if err != nil || cats["de"]["Yes"] != "Ja" || cats["sl"]["Yes"] != "Da" {
		t.Errorf("Load = %v, %v", cats, err)
	}
	if _, err := Load(fsys, "t", []string{"fr"}); err == nil {
		t.Error("a missing catalogue loaded")
	}
	if _, err := Load(fsys, "bad", []string{"de"}); err == nil {
		t.Error("a catalogue with a non-string value loaded")
	}
}
