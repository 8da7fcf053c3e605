package ui

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"strings"
	"testing"

	"github.com/siegel-app/siegel/app"
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
