package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"github.com/siegel-app/siegel/app"
	"github.com/siegel-app/siegel/internal/testpki"
	"github.com/siegel-app/siegel/internal/tltest"
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

// TestVerifyTrustListProblems verifies a signed PDF with the EU trusted
// lists of a test server (its DE list names the test PKI's intermediate
// CA): lists that load leave no trace on the Verify screen; a LOTL that
// is not trusted is the screen's error; a DE list whose signature fails
// is said on the screen and in the signing dialog's check, in the GUI's
// language, and the signer is then from an unknown authority.
func TestVerifyTrustListProblems(t *testing.T) {
	signed, _ := signedPDF(t)
	world := tltest.NewWorld(t, "DE", testpki.MustShared(t).Intermediate.Cert)
	dir := t.TempDir()
	signers := filepath.Join(dir, "lotl-signers.pem")
	wrongSigners := filepath.Join(dir, "wrong-signers.pem")
	if err := os.WriteFile(signers, tltest.PEM(world.LOTLSigner.Cert), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(wrongSigners, tltest.PEM(world.TLSigner.Cert), 0o644); err != nil {
		t.Fatal(err)
	}

	// screen is what the Verify screen shows, read on the UI thread.
	type screen struct {
		summary    string
		importance widget.Importance
		hidden     bool // the trusted-list section
		lists      []*widget.Label
		texts      string // the labels of the signature cards
	}
	// window verifies with the lists signed by signersFile, a fresh disk
	// cache (never the user's) and a client that trusts the test server.
	window := func(t *testing.T, signersFile string) (*Window, chan any) {
		w := newTestWindow(t, Deps{HTTPClient: world.Server.Client(), Settings: app.Settings{
			EUTrustLists: true, LOTLURL: world.LOTLURL, LOTLSigners: signersFile}})
		t.Cleanup(w.Close)
		w.trustListDir = t.TempDir()
		shown := noticesOf(w)
		return w, shown
	}
	verifyIn := func(t *testing.T, w *Window, shown chan any) screen {
		t.Helper()
		w.Verify(signed)
		v := waitFor(t, shown, "verify").(*verifyView)
		s := screen{summary: v.summary.Text, importance: v.summary.Importance, hidden: v.trustLists.Hidden,
			texts: labels(v.cards)}
		var walk func(fyne.CanvasObject)
		walk = func(o fyne.CanvasObject) {
			switch x := o.(type) {
			case *widget.Label:
				s.lists = append(s.lists, x)
			case *fyne.Container:
				for _, c := range x.Objects {
					walk(c)
				}
			}
		}
		walk(v.trustLists)
		return s
	}

	t.Run("lists loaded", func(t *testing.T) {
		w, shown := window(t, signers)
		s := verifyIn(t, w, shown)
		if !s.hidden || len(s.lists) != 0 {
			t.Errorf("a trusted-list section without problems (hidden %v): %d labels", s.hidden, len(s.lists))
		}
		// The DE list made the intermediate CA an anchor.
		if strings.Contains(s.texts, "NO_CERTIFICATE_CHAIN_FOUND") || !strings.Contains(s.texts, "Erika Mustermann") {
			t.Errorf("verified with the lists:\n%s", s.texts)
		}
	})

	t.Run("LOTL not trusted", func(t *testing.T) {
		w, shown := window(t, wrongSigners)
		s := verifyIn(t, w, shown)
		if s.importance != widget.DangerImportance || !strings.Contains(s.summary, "EU trusted lists") ||
			!strings.Contains(s.summary, world.LOTLURL) || strings.Contains(s.texts, "Erika Mustermann") {
			t.Errorf("summary %q (importance %v):\n%s", s.summary, s.importance, s.texts)
		}
	})

	t.Run("national list tampered", func(t *testing.T) {
		world.Tamper(t)
		fetched := world.Server.Count("/lotl.xml")
		if err := SetupLanguage("de"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { SetupLanguage("en") })
		w, shown := window(t, signers)
		s := verifyIn(t, w, shown)
		if s.hidden || len(s.lists) != 2 {
			t.Fatalf("trusted-list section hidden %v, %d labels:\n%s", s.hidden, len(s.lists), s.texts)
		}
		if head := s.lists[0]; head.Text != "EU-Vertrauenslisten" || head.Importance != widget.WarningImportance {
			t.Errorf("heading %q (importance %v)", head.Text, head.Importance)
		}
		note := s.lists[1]
		if !strings.HasPrefix(note.Text, "Vertrauensliste DE ("+world.TLURL+"): ") ||
			!strings.HasSuffix(note.Text, "; ihre Dienste werden nicht verwendet") || note.Wrapping != fyne.TextWrapWord {
			t.Errorf("note %q", note.Text)
		}
		// Without the DE list the intermediate CA is no anchor.
		if !strings.Contains(s.texts, "NO_CERTIFICATE_CHAIN_FOUND") {
			t.Errorf("verified without the DE list:\n%s", s.texts)
		}

		// The signing dialog's check of the copy says it too, from the
		// lists the window has loaded already.
		w.showResult(&app.SignResult{Out: signed, Level: "PAdES-B-B"}, nil)
		text := waitFor(t, shown, "signed-check").(string)
		if !strings.Contains(text, note.Text) {
			t.Errorf("signed check %q lacks %q", text, note.Text)
		}
		if n := world.Server.Count("/lotl.xml") - fetched; n != 1 {
			t.Errorf("LOTL fetched %d times", n)
		}
	})
}
