package app

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/siegel-app/siegel/internal/csctest"
	"github.com/siegel-app/siegel/internal/judge"
	"github.com/siegel-app/siegel/internal/testpdf"
	"github.com/siegel-app/siegel/internal/testpki"
	"github.com/siegel-app/siegel/signing"
	"github.com/siegel-app/siegel/signing/csc"
)

// TestRemoteAccountHelpers: info offers both OAuth 2.0 grants; a wrong
// client secret is the service's own error; the right one authorizes and
// lists (here: no credentials); the auth for signing carries a copy of the
// secret, and the caller's is zeroed.
func TestRemoteAccountHelpers(t *testing.T) {
	srv := csctest.New(t, csctest.Options{})
	ctx := context.Background()
	_, types, err := RemoteAuthTypes(ctx, srv.URL, srv.Client)
	if err != nil || !slices.Equal(types, []string{AuthClientCredentials, AuthCode}) {
		t.Fatalf("auth types %v, %v", types, err)
	}
	if _, _, err := RemoteAuthTypes(ctx, srv.URL, nil); err == nil {
		t.Error("the test server's certificate was accepted without the test's roots")
	}
	a := RemoteAccount{Name: "Test", BaseURL: srv.URL, AuthType: AuthClientCredentials, ClientID: srv.ClientID}
	var se *csc.ServiceError
	if _, _, err := ConnectRemote(ctx, a, []byte("wrong"), srv.Client); !errors.As(err, &se) || se.Code != "invalid_client" {
		t.Errorf("wrong secret: %v", err)
	}
	secret := []byte(srv.ClientSecret)
	c, _, err := ConnectRemote(ctx, a, secret, srv.Client)
	if err != nil {
		t.Fatal(err)
	}
	if string(secret) == srv.ClientSecret {
		t.Error("secret not zeroed")
	}
	if keys, err := ListRemoteKeys(ctx, a, c); err != nil || len(keys) != 0 {
		t.Errorf("keys %v, %v", keys, err)
	}
	secret = []byte(srv.ClientSecret)
	auth, refresh, err := RemoteSignAuth(ctx, a, secret, srv.Client, nil)
	if err != nil || refresh != "" || string(auth.ClientSecret) != srv.ClientSecret || auth.ClientID != srv.ClientID || auth.HTTPClient != srv.Client {
		t.Errorf("sign auth %+v, %q, %v", auth, refresh, err)
	}
	if string(secret) == srv.ClientSecret {
		t.Error("caller's secret not zeroed")
	}
	if got := RemoteKeyURI(srv.URL+"/", "a b"); got != "csc:"+srv.URL+"?credential=a+b" {
		t.Errorf("URI %q", got)
	}
}

func TestCheckRemoteAccount(t *testing.T) {
	ok := RemoteAccount{Name: "A", BaseURL: "https://h/csc/v2", AuthType: AuthCode, ClientID: "c"}
	tests := []struct {
		name    string
		change  func(*RemoteAccount)
		wantErr string
	}{
		{"ok", func(*RemoteAccount) {}, ""},
		{"no name", func(a *RemoteAccount) { a.Name = " " }, "no name"},
		{"http", func(a *RemoteAccount) { a.BaseURL = "http://h/csc/v2" }, "https://"},
		{"no client", func(a *RemoteAccount) { a.ClientID = "" }, "no client ID"},
		{"auth type", func(a *RemoteAccount) { a.AuthType = "digest" }, "unknown auth type"},
		{"basic without username", func(a *RemoteAccount) { a.AuthType = AuthBasic }, "no username"},
		{"basic", func(a *RemoteAccount) { a.AuthType, a.ClientID, a.Username = AuthBasic, "", "erika" }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := ok
			tt.change(&a)
			err := CheckRemoteAccount(a)
			if (err == nil) != (tt.wantErr == "") || err != nil && !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// TestSettingsRemoteAccounts: accounts round-trip through the settings
// file, which has no field for a secret.
func TestSettingsRemoteAccounts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "settings.json")
	a := RemoteAccount{Name: "Seal", BaseURL: "https://h/csc/v2", AuthType: AuthClientCredentials, ClientID: "c"}
	if err := (Settings{RemoteAccounts: []RemoteAccount{a}}).Save(path); err != nil {
		t.Fatal(err)
	}
	s, err := LoadSettings(path)
	if err != nil || len(s.RemoteAccounts) != 1 || s.RemoteAccounts[0] != a {
		t.Fatalf("loaded %+v, %v", s.RemoteAccounts, err)
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), `"authType": "client_credentials"`) || strings.Contains(strings.ToLower(string(data)), "secret") {
		t.Errorf("settings file %s", data)
	}
}

// TestRemoteBasicLogin: a service offering basic login is offered as
// such; a wrong password is the service's own error, asked once; the
// right one lists the credentials, and a PDF signed through the account's
// sign auth (the password from the secret store) is valid in pdfsig.
func TestRemoteBasicLogin(t *testing.T) {
	pki := testpki.MustShared(t)
	const pin = "246810"
	key := csctest.SoftHSMKey(t, "app-basic", pki.SignerRSA, pki.Chain(pki.SignerRSA))
	srv := csctest.New(t, csctest.Options{Basic: true},
		&csctest.Credential{ID: "q-1", Description: "Qualified key", Key: key, PIN: pin, SCAL: 2})
	ctx := context.Background()
	_, types, err := RemoteAuthTypes(ctx, srv.URL, srv.Client)
	if err != nil || !slices.Equal(types, []string{AuthClientCredentials, AuthCode, AuthBasic}) {
		t.Fatalf("auth types %v, %v", types, err)
	}
	a := RemoteAccount{Name: "Erika", BaseURL: srv.URL, AuthType: AuthBasic, Username: srv.Username}
	if err := CheckRemoteAccount(a); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(a.SecretAccount(), srv.Username) {
		t.Errorf("secret account %q does not name the user", a.SecretAccount())
	}
	var se *csc.ServiceError
	if _, _, err := ConnectRemote(ctx, a, []byte("wrong"), srv.Client); !errors.As(err, &se) || se.Status != 401 ||
		!strings.Contains(err.Error(), "Invalid username or password") {
		t.Errorf("wrong password: %v", err)
	}
	if n := srv.Calls("auth/login"); n != 1 {
		t.Errorf("auth/login called %d times, want 1", n)
	}
	c, _, err := ConnectRemote(ctx, a, []byte(srv.Password), srv.Client)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := ListRemoteKeys(ctx, a, c)
	if err != nil || len(keys) != 1 || keys[0].URI != srv.KeyURI("q-1") {
		t.Fatalf("keys %+v, %v", keys, err)
	}

	password := []byte(srv.Password)
	auth, refresh, err := RemoteSignAuth(ctx, a, password, srv.Client, nil)
	if err != nil || refresh != "" || auth.Username != srv.Username || string(auth.Password) != srv.Password {
		t.Fatalf("sign auth %q, %q, %v", auth.Username, refresh, err)
	}
	if string(password) == srv.Password {
		t.Error("caller's password not zeroed")
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
	if err := os.WriteFile(in, testpdf.Pages(1), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Sign(ctx, SignRequest{KeyURI: keys[0].URI, In: in, Out: out, CSC: auth}, Ports{
		PIN:    func(context.Context, signing.PINRequest) ([]byte, error) { return []byte(pin), nil },
		Review: func(context.Context, *Review) error { return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	if string(auth.Password) == srv.Password {
		t.Error("password not zeroed after signing")
	}
	sigs := judge.PDFSig(t, out)
	if len(sigs) != 1 || !sigs[0].Valid || !sigs[0].Total {
		t.Fatalf("pdfsig: %+v", sigs)
	}
	if n := srv.Calls("auth/login"); n != 3 {
		t.Errorf("auth/login called %d times, want 3", n)
	}
}
