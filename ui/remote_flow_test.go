//go:build cgo

package ui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/siegel-app/siegel/app"
	"github.com/siegel-app/siegel/app/secrets"
	"github.com/siegel-app/siegel/internal/csctest"
	"github.com/siegel-app/siegel/internal/judge"
	"github.com/siegel-app/siegel/internal/testpdf"
	"github.com/siegel-app/siegel/internal/testpki"
)

// TestRemoteAccountFlow adds a client-credentials account of a CSC
// service (internal/csctest, keys on SoftHSM2) with no OS secret store:
// a wrong secret shows the service's own error, the right one lists the
// credentials in the key list, the saved settings hold no secret, and a
// PDF signed with a credential that wants a PIN and an OTP goes Review,
// PIN, OTP (with the service's hint), result, and is valid in pdfsig.
func TestRemoteAccountFlow(t *testing.T) {
	pki := testpki.MustShared(t)
	const pin, otp, hint = "135790", "424242", "the code shown in the Siegel Test Authenticator app"
	key := csctest.SoftHSMKey(t, "ui-remote", pki.SignerRSA, pki.Chain(pki.SignerRSA))
	srv := csctest.New(t, csctest.Options{},
		&csctest.Credential{ID: "seal-1", Description: "Company seal", Key: key, PIN: pin, OTP: otp, OTPDescription: hint, SCAL: 2})

	dir := t.TempDir()
	in := filepath.Join(dir, "invoice.pdf")
	os.WriteFile(in, testpdf.Pages(1), 0o644)
	var saved []app.Settings
	w := newTestWindow(t, Deps{
		Sign:         app.Sign,
		HTTPClient:   srv.Client, // trusts the test server; not a user-visible switch
		SaveSettings: func(s app.Settings) error { saved = append(saved, s); return nil },
	})
	t.Cleanup(w.Close)
	shown := noticesOf(w)
	w.Open(in)

	w.ShowAddRemote()
	v := waitFor(t, shown, "remote").(*remoteView)
	v.name.SetText("Company")
	v.url.SetText(srv.URL)
	test.Tap(v.next)
	types := waitFor(t, shown, "remote-types").([]string)
	if strings.Join(types, ",") != app.AuthClientCredentials+","+app.AuthCode {
		t.Fatalf("offered auth types %v", types)
	}
	if v.authType() != app.AuthClientCredentials || !v.secret.Visible() {
		t.Errorf("chosen %q, secret shown %v", v.authType(), v.secret.Visible())
	}
	v.clientID.SetText(srv.ClientID)
	test.Type(v.secret, "wrong-secret")
	test.Tap(v.connect)
	if msg := waitFor(t, shown, "remote-error").(string); !strings.Contains(msg, "invalid_client") {
		t.Errorf("wrong secret: %q does not carry the service's error", msg)
	}
	test.Type(v.secret, srv.ClientSecret)
	test.Tap(v.connect)
	waitFor(t, shown, "remote-connected")

	uri := srv.KeyURI("seal-1")
	var item KeyItem
	var ok bool
	item, ok = w.keys.Item(uri)
	if !ok {
		t.Fatalf("remote key not listed: %+v", w.keys.Items())
	}
	if w.keys.Selected != uri {
		t.Errorf("selected %q, want the new remote key", w.keys.Selected)
	}
	if item.Source != SourceRemote || item.Title != "Company seal" || item.Detail != "Company · SCAL 2 · remote" {
		t.Errorf("remote item %+v", item)
	}
	if len(saved) == 0 {
		t.Fatal("account not saved")
	}
	js, _ := json.Marshal(saved[len(saved)-1])
	if !strings.Contains(string(js), `"clientID":"`+srv.ClientID+`"`) || strings.Contains(string(js), srv.ClientSecret) {
		t.Errorf("saved settings %s: want the account without its secret", js)
	}

	selectKey(t, w, uri)
	w.StartSign()
	rv := nextOf(t, shown, "review").(*reviewView)
	test.Tap(rv.sign)
	pv := nextOf(t, shown, "pin").(*pinView)
	test.Type(pv.entry, pin)
	pv.entry.OnSubmitted(pv.entry.Text)
	ov := nextOf(t, shown, "pin").(*pinView)
	if text := labels(ov.content); !strings.Contains(text, hint) || !strings.Contains(text, "one-time password") {
		t.Errorf("OTP prompt %q: want the service's hint", text)
	}
	test.Type(ov.entry, otp)
	ov.entry.OnSubmitted(ov.entry.Text)
	if err, _ := nextOf(t, shown, "result").(error); err != nil {
		t.Fatalf("sign: %v", err)
	}
	sigs := judge.PDFSig(t, DefaultOut(in))
	if len(sigs) != 1 || !sigs[0].Valid || !sigs[0].Total {
		t.Fatalf("pdfsig: %+v", sigs)
	}
	if n := srv.Calls("signatures/signHash"); n != 1 {
		t.Errorf("signHash called %d times, want 1", n)
	}

	// The same remote key seals a folder from the batch screen: the
	// account's authorization reaches the seal run.
	folder, out := filepath.Join(dir, "outgoing"), filepath.Join(dir, "sealed")
	os.MkdirAll(folder, 0o755)
	os.WriteFile(filepath.Join(folder, "notice.pdf"), testpdf.Pages(1), 0o644)
	w.ShowBatch()
	bv := batchNext(t, shown, "batch", nil).(*batchView)
	bv.in.SetText(folder)
	bv.out.SetText(out)
	bv.key.SetSelected("Company seal")
	bv.level.SetSelected(app.LevelBB)
	test.Tap(bv.start)
	for _, secret := range []string{pin, otp} {
		p := batchNext(t, shown, "pin", nil).(*pinView)
		test.Type(p.entry, secret)
		p.entry.OnSubmitted(p.entry.Text)
	}
	if err, _ := batchNext(t, shown, "batch-done", nil).(error); err != nil {
		t.Fatalf("remote seal: %v", err)
	}
	if sigs := judge.PDFSig(t, filepath.Join(out, "notice.pdf")); len(sigs) != 1 || !sigs[0].Valid {
		t.Fatalf("sealed file: pdfsig %+v", sigs)
	}
	if n := srv.Calls("signatures/signHash"); n != 2 {
		t.Errorf("signHash called %d times in all, want 2", n)
	}
}

// TestRemoteSignInFlow adds an authorization-code account: the browser
// is sent to the service's sign-in page (PKCE, loopback redirect), the
// refresh token lands in the secret store, and signing with a credential
// of that account refreshes it (the service rotates it) before the
// Review.
func TestRemoteSignInFlow(t *testing.T) {
	pki := testpki.MustShared(t)
	const pin = "135790"
	key := csctest.SoftHSMKey(t, "ui-signin", pki.SignerRSA, pki.Chain(pki.SignerRSA))
	srv := csctest.New(t, csctest.Options{},
		&csctest.Credential{ID: "q-1", Description: "Qualified key", Key: key, PIN: pin, SCAL: 1})
	dir := t.TempDir()
	in := filepath.Join(dir, "contract.pdf")
	os.WriteFile(in, testpdf.Pages(1), 0o644)
	store := &secrets.Memory{} // stands in for the OS store
	w := newTestWindow(t, Deps{Sign: app.Sign, HTTPClient: srv.Client, Secrets: store})
	t.Cleanup(w.Close)
	shown := noticesOf(w)
	w.Open(in)

	w.ShowAddRemote()
	v := waitFor(t, shown, "remote").(*remoteView)
	v.url.SetText(srv.URL)
	test.Tap(v.next)
	waitFor(t, shown, "remote-types")
	v.types.SetSelected(authTypeText(app.AuthCode))
	if v.secret.Visible() {
		t.Error("secret entry shown for a browser sign-in")
	}
	v.clientID.SetText(srv.ClientID)
	test.Tap(v.connect)
	u := waitFor(t, shown, "remote-browser").(string)
	resp, err := srv.Client.Get(u) // the person's browser: the test service signs them in
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	a := waitFor(t, shown, "remote-connected").(app.RemoteAccount)
	if a.AuthType != app.AuthCode || a.Name == "" {
		t.Errorf("account %+v", a)
	}
	first, err := store.Get(app.SecretService, a.SecretAccount())
	if err != nil || len(first) == 0 {
		t.Fatalf("refresh token not stored: %v", err)
	}

	selectKey(t, w, srv.KeyURI("q-1"))
	w.StartSign()
	rv := nextOf(t, shown, "review").(*reviewView)
	test.Tap(rv.sign)
	pv := nextOf(t, shown, "pin").(*pinView)
	test.Type(pv.entry, pin)
	pv.entry.OnSubmitted(pv.entry.Text)
	if err, _ := nextOf(t, shown, "result").(error); err != nil {
		t.Fatalf("sign: %v", err)
	}
	if sigs := judge.PDFSig(t, DefaultOut(in)); len(sigs) != 1 || !sigs[0].Valid {
		t.Fatalf("pdfsig: %+v", sigs)
	}
	second, err := store.Get(app.SecretService, a.SecretAccount())
	if err != nil || string(second) == string(first) {
		t.Errorf("refresh token after signing: %v (rotated: %v)", err, string(second) != string(first))
	}

	// The next start connects the saved account with the stored token, in
	// the background; the store waits until the test listens.
	gate := &gatedStore{Store: store, open: make(chan struct{})}
	w2 := newTestWindow(t, Deps{Settings: app.Settings{RemoteAccounts: []app.RemoteAccount{a}},
		HTTPClient: srv.Client, Secrets: gate})
	t.Cleanup(w2.Close)
	shown2 := noticesOf(w2)
	close(gate.open)
	waitFor(t, shown2, "remote-keys")
	if it, ok := w2.keys.Item(srv.KeyURI("q-1")); !ok || it.Source != SourceRemote {
		t.Errorf("saved account's key not listed at start: %+v", w2.keys.Items())
	}
}

// gatedStore holds Get until open is closed.
type gatedStore struct {
	secrets.Store
	open chan struct{}
}

func (g *gatedStore) Get(service, account string) ([]byte, error) {
	<-g.open
	return g.Store.Get(service, account)
}
