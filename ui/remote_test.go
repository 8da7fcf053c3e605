package ui

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/siegel-app/siegel/app"
	"github.com/siegel-app/siegel/app/secrets"
	"github.com/siegel-app/siegel/signing"
	"github.com/siegel-app/siegel/signing/csc"
)

// TestKeyListRemote: remote keys follow the files, titled by the
// credential's description or else its certificate's CN, with the
// account, SCAL and "remote" below; they leave with their account, and a
// chosen one is let go.
func TestKeyListRemote(t *testing.T) {
	l := NewKeyList()
	l.Demo = true
	l.AddFile("/home/erika/erika.p12")
	a := app.RemoteAccount{Name: "Company", BaseURL: "https://csc.example/csc/v2", AuthType: app.AuthClientCredentials, ClientID: "c"}
	leaf := &x509.Certificate{Subject: pkix.Name{CommonName: "Erika Mustermann"}}
	l.SetRemote(a, []app.RemoteKey{
		{URI: app.RemoteKeyURI(a.BaseURL, "seal 1"), Info: csc.CredentialInfo{ID: "seal 1", Description: "Company seal", SCAL: "2"}, Chain: []*x509.Certificate{leaf}},
		{URI: app.RemoteKeyURI(a.BaseURL, "q-2"), Info: csc.CredentialInfo{ID: "q-2", Cert: csc.CertInfo{Status: "revoked"}}, Chain: []*x509.Certificate{leaf}},
	})
	items := l.Items()
	if len(items) != 4 {
		t.Fatalf("items = %+v", items)
	}
	want := []KeySource{SourceFile, SourceRemote, SourceRemote, SourceDemo}
	for i, it := range items {
		if it.Source != want[i] {
			t.Errorf("item %d is source %d, want %d", i, it.Source, want[i])
		}
	}
	r1, r2 := items[1], items[2]
	if r1.URI != "csc:https://csc.example/csc/v2?credential=seal+1" || r1.Title != "Company seal" || r1.Account != "Company" {
		t.Errorf("first remote key = %+v", r1)
	}
	if r1.Detail != "Company · SCAL 2 · remote" || r1.Blocked {
		t.Errorf("first remote key detail %q, blocked %v", r1.Detail, r1.Blocked)
	}
	if r2.Title != "Erika Mustermann" || r2.Detail != "Company · SCAL 1 · remote" || !r2.Blocked {
		t.Errorf("second remote key = %+v (a revoked certificate cannot sign)", r2)
	}

	l.Select(1)
	l.SetRemote(a, nil) // the account lists nothing now
	if l.Selected != "" {
		t.Errorf("selected %q after its key went away", l.Selected)
	}
	l.SetRemote(a, []app.RemoteKey{{URI: r1.URI, Info: csc.CredentialInfo{ID: "seal 1"}, Chain: []*x509.Certificate{leaf}}})
	l.Select(1)
	l.RemoveRemote("Company")
	if l.Selected != "" || len(l.Items()) != 2 {
		t.Errorf("after RemoveRemote: selected %q, items %+v", l.Selected, l.Items())
	}
}

// TestPINModelOTP: a one-time password says so, and where it comes from
// in the service's words, or in general ones when it gives none; it has
// no tries and no block warning (the service does not tell them).
func TestPINModelOTP(t *testing.T) {
	req := signing.PINRequest{Kind: signing.OTP, Token: "csc.example", Key: "Company seal", RetriesLeft: -1,
		Hint: "the code in the Authenticator app"}
	m := NewPINModel(req)
	if m.Title != "One-time password" || m.Entry != "One-time password" {
		t.Errorf("title %q, entry %q", m.Title, m.Entry)
	}
	for _, s := range []string{"Company seal", "csc.example", "the code in the Authenticator app"} {
		if !strings.Contains(m.Message, s) {
			t.Errorf("message %q does not name %q", m.Message, s)
		}
	}
	if m.Tries != "" || m.Warning != "" || m.Blocked || m.PINPad {
		t.Errorf("OTP model %+v", m)
	}
	req.Hint = ""
	if m := NewPINModel(req); !strings.Contains(m.Message, "signing service") {
		t.Errorf("without a hint: %q", m.Message)
	}
	// The credential's PIN is asked as a PIN.
	req.Kind = signing.UserPIN
	if m := NewPINModel(req); m.Title != "PIN" || m.Blocked {
		t.Errorf("remote PIN model %+v", m)
	}
}

// TestAddRemoteBasicLogin adds an account of a service that offers basic
// login (a small HTTPS service here: info, auth/login, credentials/list):
// the dialog asks for a username and password instead of a client, an
// empty password is refused before anything is sent, a wrong one shows
// the service's answer, and the right one lands in the secret store, not
// in the settings.
func TestAddRemoteBasicLogin(t *testing.T) {
	const user, pass = "erika", "correct horse"
	var logins atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/csc/v2/info":
			io.WriteString(w, `{"specs":"2.0.0.2","name":"Basic","authType":["basic"],"methods":["auth/login","credentials/list"]}`)
		case "/csc/v2/auth/login":
			logins.Add(1)
			if u, p, ok := r.BasicAuth(); !ok || u != user || p != pass {
				w.WriteHeader(401)
				io.WriteString(w, `{"error":"access_denied","error_description":"Invalid username or password"}`)
				return
			}
			io.WriteString(w, `{"access_token":"tok","expires_in":3600}`)
		case "/csc/v2/credentials/list":
			if r.Header.Get("Authorization") != "Bearer tok" {
				w.WriteHeader(401)
				io.WriteString(w, `{"error":"invalid_token","error_description":"Invalid access token"}`)
				return
			}
			io.WriteString(w, `{"credentialIDs":[]}`)
		default:
			w.WriteHeader(404)
			io.WriteString(w, `{"error":"invalid_request"}`)
		}
	}))
	t.Cleanup(srv.Close)
	store := &secrets.Memory{}
	var saved []app.Settings
	w := newTestWindow(t, Deps{HTTPClient: srv.Client(), Secrets: store,
		SaveSettings: func(s app.Settings) error { saved = append(saved, s); return nil }})
	t.Cleanup(w.Close)
	shown := noticesOf(w)

	w.ShowAddRemote()
	v := waitFor(t, shown, "remote").(*remoteView)
	v.name.SetText("Erika")
	v.url.SetText(srv.URL + "/csc/v2")
	test.Tap(v.next)
	if types := waitFor(t, shown, "remote-types").([]string); len(types) != 1 || types[0] != app.AuthBasic {
		t.Fatalf("offered %v", types)
	}
	if v.authType() != app.AuthBasic || !v.username.Visible() || !v.password.Visible() || v.clientID.Visible() || v.secret.Visible() {
		t.Errorf("basic login: username %v, password %v, client ID %v, secret %v shown",
			v.username.Visible(), v.password.Visible(), v.clientID.Visible(), v.secret.Visible())
	}
	v.username.SetText(user)
	test.Tap(v.connect)
	if msg := waitFor(t, shown, "remote-error").(string); msg != "Enter the password." {
		t.Errorf("empty password: %q", msg)
	}
	test.Type(v.password, "wrong")
	test.Tap(v.connect)
	if msg := waitFor(t, shown, "remote-error").(string); !strings.Contains(msg, "Invalid username or password") {
		t.Errorf("wrong password: %q does not carry the service's answer", msg)
	}
	test.Type(v.password, pass)
	test.Tap(v.connect)
	a := waitFor(t, shown, "remote-connected").(app.RemoteAccount)
	if a.AuthType != app.AuthBasic || a.Username != user || a.ClientID != "" {
		t.Errorf("account %+v", a)
	}
	if got, err := store.Get(app.SecretService, a.SecretAccount()); err != nil || string(got) != pass {
		t.Errorf("password in the store: %q, %v", got, err)
	}
	if n := logins.Load(); n != 2 {
		t.Errorf("auth/login called %d times, want 2", n)
	}
	if len(saved) == 0 {
		t.Fatal("account not saved")
	}
	js, _ := json.Marshal(saved[len(saved)-1])
	if !strings.Contains(string(js), `"username":"erika"`) || strings.Contains(string(js), pass) {
		t.Errorf("saved settings %s: want the account without its password", js)
	}
}
