package ui

import (
	"testing"

	"github.com/siegel-app/siegel/app"
)

// TestEUTrustListSettings: the settings dialog's EU trusted-list choice
// reaches the saved settings, and verifying in the window asks for the
// lists with the chosen LOTL signers only when it is on.
func TestEUTrustListSettings(t *testing.T) {
	m := NewSettingsModel(app.Settings{EUTrustLists: true, LOTLSigners: "/etc/siegel/lotl.pem"})
	if !m.EUTrustLists || m.LOTLSigners != "/etc/siegel/lotl.pem" {
		t.Fatalf("model %+v", m)
	}
	m.EUTrustLists = false
	s, _, err := m.Result()
	if err != nil || s.EUTrustLists || s.LOTLSigners != "/etc/siegel/lotl.pem" {
		t.Errorf("result %+v, %v", s, err)
	}

	w := newTestWindow(t, Deps{Settings: app.Settings{EUTrustLists: true,
		LOTLSigners: "/etc/siegel/lotl.pem", LOTLURL: "https://lotl.example/eu-lotl.xml", TrustFiles: []string{"/etc/a.pem"}}})
	defer w.Close()
	o := w.verifyOptions()
	if tl := o.TrustLists; tl == nil || tl.LOTLSigners != "/etc/siegel/lotl.pem" || tl.LOTLURL != "https://lotl.example/eu-lotl.xml" {
		t.Errorf("trust lists %+v", o.TrustLists)
	}
	if len(o.TrustFiles) != 1 {
		t.Errorf("trust files %q", o.TrustFiles)
	}
	w.deps.Settings.EUTrustLists = false
	if o := w.verifyOptions(); o.TrustLists != nil {
		t.Error("trusted lists used although switched off")
	}
}
