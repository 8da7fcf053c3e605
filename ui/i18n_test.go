package ui

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"syscall"
	"testing"

	"github.com/siegel-app/siegel/app"
	"github.com/siegel-app/siegel/app/seal"
	"github.com/siegel-app/siegel/signing"
	"github.com/siegel-app/siegel/signing/csc"
	"github.com/siegel-app/siegel/signing/pades"
	"github.com/siegel-app/siegel/signing/pkcs11/agent"
	"github.com/siegel-app/siegel/signing/revocation"
	"github.com/siegel-app/siegel/signing/tsa"
)

// TestI18nLanguageChoice: the settings' language wins over the system's, and
// "" follows the system (read from the environment on Unix).
func TestI18nLanguageChoice(t *testing.T) {
	t.Cleanup(func() { SetupLanguage("en") })
	t.Setenv("LC_ALL", "")
	t.Setenv("LANGUAGE", "")
	t.Setenv("LC_MESSAGES", "")
	for _, tc := range []struct{ system, forced, want string }{
		{"de_DE.UTF-8", "", "Signieren"}, // the system's German
		{"de_DE.UTF-8", "en", "Sign"},
		{"de_DE.UTF-8", "de", "Signieren"},
		{"de_DE.UTF-8", "sl", "Podpiši"},
		{"sl_SI.UTF-8", "", "Podpiši"}, // the system's Slovenian
		{"sl_SI", "", "Podpiši"},
		{"sl_SI.UTF-8", "de", "Signieren"},
		{"sl_SI.UTF-8", "en", "Sign"},
		{"fr_FR.UTF-8", "", "Sign"}, // no French: English
		{"fr_FR.UTF-8", "sl", "Podpiši"},
	} {
		t.Setenv("LANG", tc.system)
		if err := SetupLanguage(tc.forced); err != nil {
			t.Fatal(err)
		}
		if got := T("Sign"); got != tc.want {
			t.Errorf("system %s, forced %q: T(Sign) = %q, want %q", tc.system, tc.forced, got, tc.want)
		}
	}
	SetupLanguage("de")
	if got := TN("{{.N}} tries left", 1, map[string]any{"N": 1}); got != "Noch 1 Versuch" {
		t.Errorf("German singular: %q", got)
	}
}

// TestI18nSlovenianPlurals: Slovenian counts have four forms (CLDR: one for
// 1, 101, …; two for 2, 102; few for 3, 4, 103; other for the rest),
// and TN picks each one.
func TestI18nSlovenianPlurals(t *testing.T) {
	t.Cleanup(func() { SetupLanguage("en") })
	if err := SetupLanguage("sl"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		n    int
		want string
	}{
		{1, "Še 1 poskus"}, {2, "Še 2 poskusa"}, {3, "Še 3 poskusi"}, {4, "Še 4 poskusi"},
		{5, "Še 5 poskusov"}, {0, "Še 0 poskusov"}, {11, "Še 11 poskusov"},
		{101, "Še 101 poskus"}, {102, "Še 102 poskusa"}, {103, "Še 103 poskusi"}, {111, "Še 111 poskusov"},
	} {
		if got := TN("{{.N}} tries left", tc.n, map[string]any{"N": tc.n}); got != tc.want {
			t.Errorf("n=%d: %q, want %q", tc.n, got, tc.want)
		}
	}
	if got := ResultText(&signing.PINError{RetriesLeft: 2}); got != "Napačen PIN. Še 2 poskusa." {
		t.Errorf("wrong PIN, 2 tries: %q", got)
	}
	if got := NewPINModel(signing.PINRequest{Token: "Kartica", RetriesLeft: 3}).Tries; got != "Še 3 poskusi" {
		t.Errorf("PIN dialog, 3 tries: %q", got)
	}
}

// TestI18nSlovenianSwitch: choosing Slovenščina in the settings translates the
// window at once, is saved, and switching on to Deutsch and back works
// the same way.
func TestI18nSlovenianSwitch(t *testing.T) {
	t.Setenv("LC_ALL", "en_US.UTF-8")
	t.Setenv("LANGUAGE", "en")
	t.Cleanup(func() { SetupLanguage("en") })
	w, path, _, shown := settingsWindow(t, app.Settings{}, false, nil)
	choose := func(name string) {
		w.ShowSettings()
		v := next(t, shown, "settings").(*settingsView)
		v.lang.SetSelected(name)
		v.dialog.Submit()
	}
	for _, tc := range []struct{ name, code, sign, menu string }{
		{"Slovenščina", "sl", "Podpiši…", "Datoteka"},
		{"Deutsch", "de", "Signieren…", "Datei"},
		{"Slovenščina", "sl", "Podpiši…", "Datoteka"},
		{"English", "en", "Sign…", "File"},
	} {
		choose(tc.name)
		if w.signBtn.Text != tc.sign {
			t.Errorf("sign button %q after choosing %s", w.signBtn.Text, tc.name)
		}
		if menu := w.win.MainMenu(); menu == nil || menu.Items[0].Label != tc.menu {
			t.Errorf("menu after choosing %s: %+v", tc.name, menu)
		}
		if got := loadSettings(t, path); got.Language != tc.code {
			t.Errorf("%s saved as %q", tc.name, got.Language)
		}
	}
}

// TestI18nErrorTexts: the errors Siegel knows by name reach the user in the
// chosen language, also when wrapped with the file they are about; only
// causes from lower layers that are not known stay English.
func TestI18nErrorTexts(t *testing.T) {
	t.Cleanup(func() { SetupLanguage("en") })
	known := []error{
		signing.ErrTokenRemoved, signing.ErrTokenNotPresent, signing.ErrKeyNotFound, signing.ErrNoCertificate,
		signing.ErrPINLocked, signing.ErrPINIncorrect, signing.ErrCancelled,
		fmt.Errorf("open /tmp/a.pdf: %w", pades.ErrNotPDF), fmt.Errorf("/tmp/a.pdf: %w", pades.ErrEncrypted),
		fmt.Errorf("/tmp/a.pdf: %w: xref", pades.ErrDamaged), pades.ErrSameFile,
		fmt.Errorf("/tmp/b.pdf: %w", pades.ErrOutputExists), fmt.Errorf("%w (9 bytes needed)", pades.ErrPlaceholderTooSmall),
		pades.ErrPreparedChanged, &app.BlockingContentError{},
		// Causes from lower layers, framed as they come.
		fmt.Errorf("/tmp/a.pdf: %w", pades.ErrUnsupportedPDF), fmt.Errorf("audit log: %w", seal.ErrTampered),
		fmt.Errorf("timestamp: %w: status 2", tsa.ErrRejected), fmt.Errorf("timestamp: %w", tsa.ErrBadResponse),
		fmt.Errorf("timestamp: %w", tsa.ErrMismatch), fmt.Errorf("timestamp: %w: 503", tsa.ErrHTTPStatus),
		fmt.Errorf("signer: %w", revocation.ErrRevoked), fmt.Errorf("csc: %w", csc.ErrTokenExpired),
		fmt.Errorf("csc: %w", csc.ErrSADExpired), fmt.Errorf("sign: %w", agent.ErrUnresponsive),
		fmt.Errorf("sign: %w", agent.ErrExited), fmt.Errorf("C_Sign: %w", signing.ErrUnsupported),
		&fs.PathError{Op: "write", Path: "/out/a.pdf", Err: syscall.ENOSPC},
		&fs.PathError{Op: "open", Path: "/in/a.pdf", Err: syscall.ENOENT},
		&fs.PathError{Op: "open", Path: "/in/a.pdf", Err: syscall.EACCES},
		&fs.PathError{Op: "mkdir", Path: "/out", Err: syscall.EEXIST},
	}
	english := map[error]string{}
	SetupLanguage("en")
	for _, err := range known {
		english[err] = ResultText(err)
	}
	for _, code := range []string{"de", "sl"} {
		SetupLanguage(code)
		seen := map[string]error{}
		for _, err := range known {
			got := ResultText(err)
			if got == english[err] || got == err.Error() {
				t.Errorf("%s: %v is shown in English: %q", code, err, got)
			}
			if prev, ok := seen[got]; ok {
				t.Errorf("%s: %v and %v both read %q", code, prev, err, got)
			}
			seen[got] = err
		}
	}
	SetupLanguage("sl")
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("/tmp/a.pdf: %w", pades.ErrEncrypted), "Dokument je šifriran"},
		{fmt.Errorf("/tmp/a.pdf: %w: bad xref", pades.ErrDamaged), "Datoteka PDF je poškodovana: /tmp/a.pdf: damaged PDF: bad xref"},
		{signing.ErrTokenRemoved, "Kartica ali žeton je bil odstranjen."},
		{errors.New("output folder: no space left on device"), "output folder: no space left on device"},
		// A known cause keeps the lower layer's text, which names the file.
		{&fs.PathError{Op: "write", Path: "/out/a.pdf", Err: syscall.ENOSPC},
			"Na disku ni več prostora. Podrobnosti: write /out/a.pdf: no space left on device"},
	} {
		if got := ResultText(tc.err); !strings.HasPrefix(got, tc.want) {
			t.Errorf("ResultText(%v) = %q, want %q…", tc.err, got, tc.want)
		}
	}
	for _, tc := range []struct {
		path string
		err  error
		want string
	}{
		{"/usr/lib/x.txt", ErrModuleFile, "x.txt ni modul PKCS#11: izberite datoteko .so, .dll ali .dylib."},
		{"/home/e/s.gif", ErrImageFile, "s.gif ni slika žiga: izberite datoteko PNG ali JPEG."},
		{"/etc/ca.der", ErrTrustFile, "ca.der ni datoteka s potrdili"},
	} {
		if got := settingsErrorText(tc.path, fmt.Errorf("%s: %w", tc.path, tc.err)); !strings.HasPrefix(got, tc.want) {
			t.Errorf("settings error for %s: %q, want %q…", tc.path, got, tc.want)
		}
	}
	for _, tc := range []struct {
		a    app.RemoteAccount
		want string
	}{
		{app.RemoteAccount{Name: "x", BaseURL: "http://x", AuthType: app.AuthBasic}, "Naslov storitve se mora začeti s https://."},
		{app.RemoteAccount{Name: "x", BaseURL: "https://x", AuthType: app.AuthBasic}, "Vnesite uporabniško ime."},
		{app.RemoteAccount{Name: "x", BaseURL: "https://x", AuthType: app.AuthBasic, Username: "a:b"}, "Uporabniško ime ne sme vsebovati dvopičja."},
		{app.RemoteAccount{Name: "x", BaseURL: "https://x", AuthType: app.AuthClientCredentials}, "Vnesite ID odjemalca."},
		{app.RemoteAccount{Name: "x", BaseURL: "https://x", AuthType: "magic", ClientID: "c"}, "Računa ni mogoče dodati: remote account x: unknown auth type"},
	} {
		err := app.CheckRemoteAccount(tc.a)
		if err == nil {
			t.Fatalf("%+v passes the check", tc.a)
		}
		if got := remoteAccountText(tc.a, err); !strings.HasPrefix(got, tc.want) {
			t.Errorf("%+v: %q, want %q…", tc.a, got, tc.want)
		}
	}
}
