package csc_test

import (
	"context"
	"crypto"
	"crypto/tls"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/siegel-app/siegel/internal/csctest"
	"github.com/siegel-app/siegel/internal/softhsm"
	"github.com/siegel-app/siegel/internal/testpki"
	"github.com/siegel-app/siegel/signing"
	"github.com/siegel-app/siegel/signing/csc"
)

func TestMain(m *testing.M) {
	code := m.Run()
	softhsm.Cleanup()
	os.Exit(code)
}

const (
	goodPIN = "135790"
	goodOTP = "424242"
	otpHint = "the code shown in the Siegel Test Authenticator app"
)

func hsmKeys(t *testing.T) (rsaKey, ecKey signing.Key) {
	t.Helper()
	pki := testpki.MustShared(t)
	// Each test gets its own tokens: SoftHSMKey closes them at its end.
	rsaKey = csctest.SoftHSMKey(t, "csc-rsa-"+shortName(t), pki.SignerRSA, pki.Chain(pki.SignerRSA))
	ecKey = csctest.SoftHSMKey(t, "csc-ec-"+shortName(t), pki.SignerEC, pki.Chain(pki.SignerEC))
	return rsaKey, ecKey
}

func shortName(t *testing.T) string {
	n := strings.NewReplacer("/", "-", "_", "-").Replace(t.Name())
	if len(n) > 20 {
		n = n[len(n)-20:]
	}
	return n
}

// service starts a service with an RSA credential (PIN, SCAL 1), an EC
// credential (PIN and OTP, SCAL 2) and an RSA seal that may sign three
// digests under one authorization (PIN, SCAL 2).
func service(t *testing.T, v1 bool) *csctest.Server {
	t.Helper()
	rsaKey, ecKey := hsmKeys(t)
	return csctest.New(t, csctest.Options{V1: v1},
		&csctest.Credential{ID: "rsa-1", Description: "RSA signing key", Key: rsaKey, PIN: goodPIN, SCAL: 1},
		&csctest.Credential{ID: "ec-2", Description: "EC qualified key", Key: ecKey, PIN: goodPIN, OTP: goodOTP, OTPDescription: otpHint, SCAL: 2},
		&csctest.Credential{ID: "seal-3", Description: "Seal", Key: rsaKey, PIN: goodPIN, SCAL: 2, Multisign: 3},
	)
}

// secrets answers PIN and OTP prompts and records them.
type secrets struct {
	mu       sync.Mutex
	pin, otp string
	reqs     []signing.PINRequest
}

func (s *secrets) fn(_ context.Context, req signing.PINRequest) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs = append(s.reqs, req)
	if req.Kind == signing.OTP {
		return []byte(s.otp), nil
	}
	return []byte(s.pin), nil
}

func digest(msg string) []byte { return testpki.Digest(crypto.SHA256, msg) }

func open(t *testing.T, srv *csctest.Server, cred string, s *secrets) *csc.Key {
	t.Helper()
	secret := []byte(srv.ClientSecret)
	k, err := csc.Open(context.Background(), srv.KeyURI(cred), csc.Options{PIN: s.fn,
		Auth: csc.Auth{ClientID: srv.ClientID, ClientSecret: secret, HTTPClient: srv.Client}})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range secret {
		if b != 0 {
			t.Fatal("client secret was not zeroed after use")
		}
	}
	return k
}

func TestSignClientCredentials(t *testing.T) {
	for _, v1 := range []bool{false, true} {
		name := "v2"
		if v1 {
			name = "v1"
		}
		t.Run(name, func(t *testing.T) {
			srv := service(t, v1)
			for _, tc := range []struct {
				cred    string
				wantOTP bool
			}{{"rsa-1", false}, {"ec-2", true}} {
				s := &secrets{pin: goodPIN, otp: goodOTP}
				k := open(t, srv, tc.cred, s)
				d := digest("document " + tc.cred)
				sig, err := signing.SignContext(context.Background(), k, nil, d, crypto.SHA256)
				if err != nil {
					t.Fatalf("%s: %v", tc.cred, err)
				}
				if err := testpki.Verify(k.Public(), d, sig, crypto.SHA256); err != nil {
					t.Fatalf("%s: signature does not verify: %v", tc.cred, err)
				}
				if got := k.Chain()[0].Subject.CommonName; got == "" {
					t.Fatalf("%s: no chain", tc.cred)
				}
				var otp *signing.PINRequest
				for i, r := range s.reqs {
					if r.Kind == signing.OTP {
						otp = &s.reqs[i]
					}
				}
				if tc.wantOTP != (otp != nil) {
					t.Fatalf("%s: OTP asked %v, want %v (%+v)", tc.cred, otp != nil, tc.wantOTP, s.reqs)
				}
				if otp != nil && otp.Hint != otpHint {
					t.Fatalf("%s: OTP prompt hint %q, want %q", tc.cred, otp.Hint, otpHint)
				}
			}
		})
	}
}

// browser follows the authorization URL as a person's browser would: to
// the service's login page, which here approves at once, and back to the
// loopback redirect.
func browser(t *testing.T, srv *csctest.Server, u string) {
	t.Helper()
	resp, err := srv.Client.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Request.URL.String(), "http://127.0.0.1:") {
		t.Fatalf("browser ended at %s with %s", resp.Request.URL, resp.Status)
	}
}

func TestAuthorizationCodePKCE(t *testing.T) {
	srv := service(t, false)
	ctx := context.Background()
	c := &csc.Client{BaseURL: srv.URL, HTTPClient: srv.Client}
	u, wait, err := c.StartAuthorization(ctx, csc.AuthOptions{ClientID: srv.ClientID, Scope: "service"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(u, "code_challenge_method=S256") {
		t.Fatalf("authorization URL without PKCE S256: %s", u)
	}
	browser(t, srv, u)
	tok, err := wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == "" || tok.RefreshToken == "" {
		t.Fatalf("token %+v", tok)
	}
	creds, err := c.Credentials(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(creds) != 3 || creds[1].ID != "ec-2" || creds[1].SCAL != "2" || len(creds[1].Auth.Objects) != 2 {
		t.Fatalf("credentials %+v", creds)
	}
	// Refresh, then the used refresh token is spent.
	if _, err := c.Refresh(ctx, srv.ClientID, tok.RefreshToken); err != nil {
		t.Fatal(err)
	}
	_, err = c.Refresh(ctx, srv.ClientID, tok.RefreshToken)
	var se *csc.ServiceError
	if !errors.As(err, &se) || se.Code != "invalid_grant" || se.Status != 400 {
		t.Fatalf("reused refresh token: got %v, want invalid_grant (HTTP 400)", err)
	}
	if _, err := c.Credentials(ctx); err != nil {
		t.Fatalf("with the refreshed token: %v", err)
	}
}

func TestAuthorizationWaitCancelled(t *testing.T) {
	srv := service(t, false)
	c := &csc.Client{BaseURL: srv.URL, HTTPClient: srv.Client}
	_, wait, err := c.StartAuthorization(context.Background(), csc.AuthOptions{ClientID: srv.ClientID})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := wait(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

func TestErrors(t *testing.T) {
	srv := service(t, false)
	ctx := context.Background()
	client := func(t *testing.T) *csc.Client {
		c := &csc.Client{BaseURL: srv.URL, HTTPClient: srv.Client}
		if _, err := c.ClientCredentials(ctx, srv.ClientID, []byte(srv.ClientSecret)); err != nil {
			t.Fatal(err)
		}
		return c
	}
	auth := func(pin string, hashes ...[]byte) csc.AuthorizeRequest {
		return csc.AuthorizeRequest{NumSignatures: max(len(hashes), 1), Hashes: hashes, HashAlgorithmOID: csc.OIDSHA256,
			AuthData: []csc.AuthData{{ID: "PIN", Value: []byte(pin)}}}
	}
	d1, d2 := digest("one"), digest("two")

	t.Run("wrong PIN is not retried", func(t *testing.T) {
		before := srv.Calls("credentials/authorize")
		k := open(t, srv, "rsa-1", &secrets{pin: "000000"})
		_, err := k.SignContext(ctx, nil, d1, crypto.SHA256)
		if !errors.Is(err, signing.ErrPINIncorrect) {
			t.Fatalf("got %v, want ErrPINIncorrect", err)
		}
		var se *csc.ServiceError
		if !errors.As(err, &se) || se.Status != 400 || se.Code != "invalid_request" || se.Description != "Invalid PIN" {
			t.Fatalf("service error not kept: %#v", se)
		}
		if n := srv.Calls("credentials/authorize") - before; n != 1 {
			t.Fatalf("credentials/authorize called %d times, want 1", n)
		}
	})
	t.Run("wrong OTP", func(t *testing.T) {
		k := open(t, srv, "ec-2", &secrets{pin: goodPIN, otp: "111111"})
		_, err := k.SignContext(ctx, nil, d1, crypto.SHA256)
		var se *csc.ServiceError
		if !errors.Is(err, signing.ErrPINIncorrect) || !errors.As(err, &se) || !se.IsOTP() {
			t.Fatalf("got %v, want a rejected OTP", err)
		}
	})
	t.Run("expired SAD", func(t *testing.T) {
		c := client(t)
		sad, err := c.Authorize(ctx, "rsa-1", auth(goodPIN))
		if err != nil {
			t.Fatal(err)
		}
		srv.ExpireSADs()
		_, err = c.SignHash(ctx, "rsa-1", sad, [][]byte{d1}, csc.OIDSHA256, csc.OIDRSAEncryption, nil)
		if !errors.Is(err, csc.ErrSADExpired) {
			t.Fatalf("got %v, want ErrSADExpired", err)
		}
	})
	t.Run("SAD bound to other hashes", func(t *testing.T) {
		c := client(t)
		sad, err := c.Authorize(ctx, "seal-3", auth(goodPIN, d1))
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.SignHash(ctx, "seal-3", sad, [][]byte{d2}, csc.OIDSHA256, csc.OIDRSAEncryption, nil)
		var se *csc.ServiceError
		if !errors.As(err, &se) || se.Code != "invalid_request" {
			t.Fatalf("got %v, want invalid_request", err)
		}
		if _, err := c.SignHash(ctx, "seal-3", sad, [][]byte{d1}, csc.OIDSHA256, csc.OIDRSAEncryption, nil); err != nil {
			t.Fatalf("the bound hash: %v", err)
		}
	})
	t.Run("more hashes than authorized", func(t *testing.T) {
		c := client(t)
		sad, err := c.Authorize(ctx, "rsa-1", auth(goodPIN))
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.SignHash(ctx, "rsa-1", sad, [][]byte{d1, d2}, csc.OIDSHA256, csc.OIDRSAEncryption, nil)
		var se *csc.ServiceError
		if !errors.As(err, &se) || se.Status != 400 {
			t.Fatalf("got %v, want a service error", err)
		}
	})
	t.Run("fewer signatures than hashes", func(t *testing.T) {
		c := client(t)
		srv.SetFault("signatures/signHash", csctest.FaultFewerSigs)
		defer srv.SetFault("signatures/signHash", csctest.FaultNone)
		sad, err := c.Authorize(ctx, "seal-3", auth(goodPIN, d1, d2))
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.SignHash(ctx, "seal-3", sad, [][]byte{d1, d2}, csc.OIDSHA256, csc.OIDRSAEncryption, nil)
		if err == nil || !strings.Contains(err.Error(), "1 signatures for 2 hashes") {
			t.Fatalf("got %v, want a count mismatch", err)
		}
	})
	t.Run("malformed JSON", func(t *testing.T) {
		c := client(t)
		srv.SetFault("credentials/authorize", csctest.FaultMalformed)
		defer srv.SetFault("credentials/authorize", csctest.FaultNone)
		_, err := c.Authorize(ctx, "rsa-1", auth(goodPIN))
		if err == nil || !strings.Contains(err.Error(), "malformed JSON") {
			t.Fatalf("got %v, want malformed JSON", err)
		}
	})
	t.Run("server error", func(t *testing.T) {
		c := client(t)
		srv.SetFault("credentials/info", csctest.FaultServer)
		defer srv.SetFault("credentials/info", csctest.FaultNone)
		_, err := c.CredentialInfo(ctx, "rsa-1")
		var se *csc.ServiceError
		if !errors.As(err, &se) || se.Status != 500 || se.Code != "server_error" || !strings.Contains(err.Error(), "HTTP 500") {
			t.Fatalf("got %v, want server_error (HTTP 500)", err)
		}
	})
	t.Run("hanging server", func(t *testing.T) {
		c := client(t)
		srv.SetFault("signatures/signHash", csctest.FaultHang)
		defer srv.SetFault("signatures/signHash", csctest.FaultNone)
		sad, err := c.Authorize(ctx, "rsa-1", auth(goodPIN))
		if err != nil {
			t.Fatal(err)
		}
		tctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		_, err = c.SignHash(tctx, "rsa-1", sad, [][]byte{d1}, csc.OIDSHA256, csc.OIDRSAEncryption, nil)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %v, want a deadline error", err)
		}
	})
	t.Run("hanging server, client timeout", func(t *testing.T) {
		c := &csc.Client{BaseURL: srv.URL, HTTPClient: srv.Client, Timeout: 300 * time.Millisecond}
		srv.SetFault("info", csctest.FaultHang)
		defer srv.SetFault("info", csctest.FaultNone)
		if _, err := c.Info(ctx); err == nil {
			t.Fatal("no error from a hanging service")
		}
	})
	t.Run("expired token", func(t *testing.T) {
		c := client(t)
		srv.ExpireTokens()
		_, err := c.ListCredentials(ctx)
		var se *csc.ServiceError
		if !errors.Is(err, csc.ErrTokenExpired) || !errors.As(err, &se) || se.Status != 401 {
			t.Fatalf("got %v, want ErrTokenExpired (HTTP 401)", err)
		}
	})
	t.Run("wrong client secret", func(t *testing.T) {
		c := &csc.Client{BaseURL: srv.URL, HTTPClient: srv.Client}
		_, err := c.ClientCredentials(ctx, srv.ClientID, []byte("nope"))
		var se *csc.ServiceError
		if !errors.As(err, &se) || se.Code != "invalid_client" {
			t.Fatalf("got %v, want invalid_client", err)
		}
	})
}

func TestWrongPINv1(t *testing.T) {
	srv := service(t, true)
	k := open(t, srv, "rsa-1", &secrets{pin: "000000"})
	_, err := k.SignContext(context.Background(), nil, digest("x"), crypto.SHA256)
	var se *csc.ServiceError
	if !errors.Is(err, signing.ErrPINIncorrect) || !errors.As(err, &se) || se.Code != "invalid_pin" {
		t.Fatalf("got %v, want invalid_pin", err)
	}
	if n := srv.Calls("credentials/authorize"); n != 1 {
		t.Fatalf("credentials/authorize called %d times, want 1", n)
	}
}

func TestMultisign(t *testing.T) {
	for _, v1 := range []bool{false, true} {
		srv := service(t, v1)
		k := open(t, srv, "seal-3", &secrets{pin: goodPIN})
		ds := [][]byte{digest("a"), digest("b"), digest("c")}
		sigs, err := k.SignDigests(context.Background(), ds, crypto.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		for i := range ds {
			if err := testpki.Verify(k.Public(), ds[i], sigs[i], crypto.SHA256); err != nil {
				t.Fatalf("signature %d: %v", i, err)
			}
		}
		if a, s := srv.Calls("credentials/authorize"), srv.Calls("signatures/signHash"); a != 1 || s != 1 {
			t.Fatalf("v1=%v: %d authorize and %d signHash calls, want 1 and 1", v1, a, s)
		}
		// A credential without multisign refuses a batch before asking.
		one := open(t, srv, "rsa-1", &secrets{pin: goodPIN})
		if _, err := one.SignDigests(context.Background(), ds[:2], crypto.SHA256); !errors.Is(err, signing.ErrUnsupported) {
			t.Fatalf("got %v, want ErrUnsupported", err)
		}
		if a := srv.Calls("credentials/authorize"); a != 1 {
			t.Fatalf("authorize called for a batch the credential cannot sign")
		}
	}
}

func TestTLS12Minimum(t *testing.T) {
	old := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	old.TLS = &tls.Config{MaxVersion: tls.VersionTLS11}
	old.StartTLS()
	defer old.Close()
	hc := old.Client()
	hc.Transport.(*http.Transport).TLSClientConfig.MinVersion = tls.VersionTLS10
	c := &csc.Client{BaseURL: old.URL + "/csc/v2", HTTPClient: hc}
	_, err := c.Info(context.Background())
	if err == nil || !strings.Contains(err.Error(), "protocol version") {
		t.Fatalf("got %v, want a TLS version failure", err)
	}
}

func TestParseURI(t *testing.T) {
	for _, tc := range []struct {
		uri, base, id string
		bad           bool
	}{
		{"csc:https://tsp.example/csc/v2?credential=abc%2F1", "https://tsp.example/csc/v2", "abc/1", false},
		{"csc:https://tsp.example/csc/v2?x=1&credential=c", "https://tsp.example/csc/v2?x=1", "c", false},
		{"csc:http://tsp.example/csc/v2?credential=c", "", "", true},
		{"csc:https://tsp.example/csc/v2", "", "", true},
	} {
		base, id, err := csc.ParseURI(tc.uri)
		if (err != nil) != tc.bad || base != tc.base || id != tc.id {
			t.Errorf("%s: got %q %q %v", tc.uri, base, id, err)
		}
	}
}

func TestOAuth2CodeCredential(t *testing.T) {
	rsaKey, _ := hsmKeys(t)
	srv := csctest.New(t, csctest.Options{},
		&csctest.Credential{ID: "remote-1", Key: rsaKey, OAuth2Code: true, SCAL: 2, Multisign: 2})
	opened := 0
	k, err := csc.Open(context.Background(), srv.KeyURI("remote-1"), csc.Options{
		Auth: csc.Auth{ClientID: srv.ClientID, ClientSecret: []byte(srv.ClientSecret), HTTPClient: srv.Client,
			Browser: func(_ context.Context, u string) error {
				opened++
				if !strings.Contains(u, "scope=credential") || !strings.Contains(u, "credentialID=remote-1") {
					t.Errorf("authorization URL %s", u)
				}
				browser(t, srv, u)
				return nil
			}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := k.Info().Auth.Mode; got != "oauth2code" {
		t.Fatalf("auth mode %q", got)
	}
	ds := [][]byte{digest("p"), digest("q")}
	sigs, err := k.SignDigests(context.Background(), ds, crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	for i := range ds {
		if err := testpki.Verify(k.Public(), ds[i], sigs[i], crypto.SHA256); err != nil {
			t.Fatalf("signature %d: %v", i, err)
		}
	}
	if opened != 1 || srv.Calls("credentials/authorize") != 0 || srv.Calls("signatures/signHash") != 1 {
		t.Fatalf("browser opened %d times, %d authorize, %d signHash calls", opened,
			srv.Calls("credentials/authorize"), srv.Calls("signatures/signHash"))
	}
	// Without a browser such a credential cannot sign.
	k.SetBrowser(srv.ClientID, nil)
	if _, err := k.SignContext(context.Background(), nil, ds[0], crypto.SHA256); !errors.Is(err, signing.ErrUnsupported) {
		t.Fatalf("got %v, want ErrUnsupported", err)
	}
}

func TestServiceErrorUnwrap(t *testing.T) {
	for _, tc := range []struct {
		e    csc.ServiceError
		want error
	}{
		{csc.ServiceError{Method: "credentials/authorize", Status: 400, Code: "invalid_pin", Description: "The PIN is invalid"}, signing.ErrPINIncorrect},
		{csc.ServiceError{Method: "credentials/authorize", Status: 400, Code: "invalid_otp"}, signing.ErrPINIncorrect},
		{csc.ServiceError{Method: "credentials/authorize", Status: 400, Code: "invalid_request", Description: "Invalid OTP"}, signing.ErrPINIncorrect},
		{csc.ServiceError{Method: "credentials/authorize", Status: 400, Code: "invalid_request", Description: "Missing (or invalid type) string parameter PIN"}, nil},
		{csc.ServiceError{Method: "credentials/list", Status: 401, Code: "invalid_token", Description: "The access token expired"}, csc.ErrTokenExpired},
		{csc.ServiceError{Method: "signatures/signHash", Status: 400, Code: "invalid_request", Description: "SAD expired"}, csc.ErrSADExpired},
		{csc.ServiceError{Method: "signatures/signHash", Status: 500, Code: "server_error"}, nil},
	} {
		got := tc.e.Unwrap()
		if got != tc.want {
			t.Errorf("%v: unwraps to %v, want %v", &tc.e, got, tc.want)
		}
	}
}

func TestBasicLogin(t *testing.T) {
	for _, v1 := range []bool{false, true} {
		t.Run(map[bool]string{false: "v2", true: "v1"}[v1], func(t *testing.T) {
			rsaKey, _ := hsmKeys(t)
			srv := csctest.New(t, csctest.Options{V1: v1, Basic: true},
				&csctest.Credential{ID: "rsa-1", Key: rsaKey, PIN: goodPIN, SCAL: 1, Multisign: 2})
			ctx := context.Background()
			c := &csc.Client{BaseURL: srv.URL, HTTPClient: srv.Client}
			info, err := c.Info(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(info.AuthType, "basic") {
				t.Fatalf("info authType %v lacks basic", info.AuthType)
			}

			// A wrong password is the service's answer, asked once.
			wrong := []byte("not-the-password")
			_, err = c.Login(ctx, srv.Username, wrong)
			var se *csc.ServiceError
			if !errors.As(err, &se) || se.Status != 401 || se.Method != "auth/login" {
				t.Fatalf("wrong password: %v, want a 401 ServiceError of auth/login", err)
			}
			if errors.Is(err, csc.ErrTokenExpired) || errors.Is(err, signing.ErrPINIncorrect) {
				t.Errorf("wrong password reads as %v", err)
			}
			if n := srv.Calls("auth/login"); n != 1 {
				t.Errorf("auth/login called %d times, want 1 (no retry)", n)
			}
			if string(wrong) != strings.Repeat("\x00", len(wrong)) {
				t.Error("password not zeroed")
			}

			pw := []byte(srv.Password)
			tok, err := c.Login(ctx, srv.Username, pw)
			if err != nil {
				t.Fatal(err)
			}
			if tok.AccessToken == "" || tok.Expires.IsZero() || c.Token().AccessToken != tok.AccessToken {
				t.Errorf("token %+v not kept", tok.Expires)
			}
			if pw[0] != 0 {
				t.Error("password not zeroed")
			}
			ids, err := c.ListCredentials(ctx)
			if err != nil || len(ids) != 1 {
				t.Fatalf("list after login: %v %v", ids, err)
			}

			// Open signs in with Auth.Username and Auth.Password.
			s := &secrets{pin: goodPIN}
			k, err := csc.Open(ctx, srv.KeyURI("rsa-1"), csc.Options{PIN: s.fn,
				Auth: csc.Auth{Username: srv.Username, Password: []byte(srv.Password), HTTPClient: srv.Client}})
			if err != nil {
				t.Fatal(err)
			}
			if k.MaxBatch() != 2 {
				t.Errorf("MaxBatch %d, want 2", k.MaxBatch())
			}
			sigs, err := k.SignDigests(ctx, [][]byte{digest("a"), digest("b")}, crypto.SHA256)
			if err != nil || len(sigs) != 2 {
				t.Fatalf("sign after login: %d %v", len(sigs), err)
			}
		})
	}
}
