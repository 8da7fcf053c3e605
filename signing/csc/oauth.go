package csc

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Token is an OAuth 2.0 access token of the service (RFC 6749 §5.1).
// Tokens are secrets: never log them.
type Token struct {
	AccessToken  string
	RefreshToken string
	TokenType    string
	Expires      time.Time // zero: the service did not say
	Scope        string
}

// oauthURL is the OAuth 2.0 endpoint: under info's oauth2 base URI when
// the service names one, else under BaseURL (CSC API v2 §8.3).
func (c *Client) oauthURL(ctx context.Context, method string) (string, error) {
	info, err := c.cachedInfo(ctx)
	if err != nil {
		return "", err
	}
	if info.OAuth2 != "" {
		u, err := url.Parse(strings.TrimRight(info.OAuth2, "/"))
		if err != nil || u.Scheme != "https" {
			return "", fmt.Errorf("csc info: oauth2 %q is not an https URL", info.OAuth2)
		}
		return u.String() + "/" + method, nil
	}
	return c.endpoint(method)
}

// token POSTs a form to oauth2/token and keeps the token it returns.
func (c *Client) tokenRequest(ctx context.Context, form url.Values, keep bool) (Token, error) {
	u, err := c.oauthURL(ctx, "oauth2/token")
	if err != nil {
		return Token{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return Token{}, fmt.Errorf("csc oauth2/token: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var out struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		TokenType    string `json:"token_type"`
		ExpiresIn    int64  `json:"expires_in"`
		Scope        string `json:"scope"`
	}
	if err := c.do(req, "oauth2/token", &out); err != nil {
		return Token{}, err
	}
	if out.AccessToken == "" {
		return Token{}, errMissing("oauth2/token", "access_token")
	}
	t := Token{AccessToken: out.AccessToken, RefreshToken: out.RefreshToken, TokenType: out.TokenType, Scope: out.Scope}
	if out.ExpiresIn > 0 {
		t.Expires = time.Now().Add(time.Duration(out.ExpiresIn) * time.Second)
	}
	if keep {
		c.SetToken(t)
	}
	return t, nil
}

// ClientCredentials gets a service token with the OAuth 2.0 client
// credentials grant (seals: CSC API v2 §8.3.3) and uses it from now on.
// secret is zeroed.
func (c *Client) ClientCredentials(ctx context.Context, clientID string, secret []byte) (Token, error) {
	defer zero(secret)
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {string(secret)}}
	return c.tokenRequest(ctx, form, true)
}

// Refresh gets a new service token with a refresh token and uses it.
func (c *Client) Refresh(ctx context.Context, clientID, refreshToken string) (Token, error) {
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}}
	if clientID != "" {
		form.Set("client_id", clientID)
	}
	return c.tokenRequest(ctx, form, true)
}

// AuthOptions start an OAuth 2.0 authorization code flow.
type AuthOptions struct {
	ClientID string
	// ClientSecret, for confidential clients; zeroed after use. Public
	// clients rely on PKCE alone.
	ClientSecret []byte
	// Scope is "service" (a service token, the default) or "credential"
	// (a credential token that authorizes signatures, CSC API v2 §8.3.2).
	Scope string
	// RedirectPort is the loopback port; 0 picks a free one (RFC 8252
	// §7.3). The listener binds 127.0.0.1 only.
	RedirectPort int
	// For Scope "credential": the credential, the number of signatures and
	// the hashes (base64 on the wire) with their algorithm.
	CredentialID     string
	NumSignatures    int
	Hashes           [][]byte
	HashAlgorithmOID string
	Lang             string
}

// StartAuthorization begins the authorization code flow with PKCE S256
// (RFC 7636): it listens on 127.0.0.1 for the redirect and returns the URL
// to open in the person's browser (the caller opens it), and wait, which
// returns the token once the browser comes back and the code is exchanged.
// wait must be called once; it stops the listener. A "service" token is
// used by the Client from then on.
func (c *Client) StartAuthorization(ctx context.Context, o AuthOptions) (browserURL string, wait func(context.Context) (Token, error), err error) {
	authURL, err := c.oauthURL(ctx, "oauth2/authorize")
	if err != nil {
		zero(o.ClientSecret)
		return "", nil, err
	}
	if o.Scope == "" {
		o.Scope = "service"
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(o.RedirectPort)))
	if err != nil {
		zero(o.ClientSecret)
		return "", nil, fmt.Errorf("csc oauth2/authorize: loopback listener: %w", err)
	}
	redirect := fmt.Sprintf("http://%s/callback", ln.Addr().String())
	verifier, state := randomString(32), randomString(16)
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {o.ClientID},
		"redirect_uri":          {redirect},
		"scope":                 {o.Scope},
		"code_challenge":        {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"},
		"state":                 {state},
	}
	if o.Lang != "" {
		q.Set("lang", o.Lang)
	}
	if o.Scope == "credential" {
		q.Set("credentialID", o.CredentialID)
		n := o.NumSignatures
		if n < 1 {
			n = 1
		}
		q.Set("numSignatures", strconv.Itoa(n))
		if len(o.Hashes) > 0 {
			hs := make([]string, len(o.Hashes))
			for i, h := range o.Hashes {
				hs[i] = base64.URLEncoding.EncodeToString(h)
			}
			q.Set("hashes", strings.Join(hs, ","))
			q.Set("hashAlgorithmOID", o.HashAlgorithmOID)
		}
	}
	type result struct {
		code string
		err  error
	}
	done := make(chan result, 1)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second}
	srv.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/callback" {
			http.NotFound(w, r)
			return
		}
		p := r.URL.Query()
		var res result
		switch {
		case subtle.ConstantTimeCompare([]byte(p.Get("state")), []byte(state)) != 1:
			// Not our request (or forged): ignore it, keep waiting.
			http.Error(w, "unknown state", http.StatusBadRequest)
			return
		case p.Get("error") != "":
			res.err = &ServiceError{Method: "oauth2/authorize", Status: http.StatusFound, Code: p.Get("error"), Description: p.Get("error_description")}
		case p.Get("code") == "":
			res.err = errMissing("oauth2/authorize", "code")
		default:
			res.code = p.Get("code")
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		msg := "Signed in. You can close this window and return to Siegel."
		if res.err != nil {
			msg = "Sign-in failed: " + res.err.Error()
		}
		fmt.Fprintf(w, "<!doctype html><title>Siegel</title><p>%s</p>", html.EscapeString(msg))
		select {
		case done <- res:
		default:
		}
	})
	go srv.Serve(ln)
	secret := append([]byte(nil), o.ClientSecret...)
	zero(o.ClientSecret)
	wait = func(ctx context.Context) (Token, error) {
		defer zero(secret)
		defer srv.Close()
		var res result
		select {
		case res = <-done:
		case <-ctx.Done():
			return Token{}, fmt.Errorf("csc oauth2/authorize: waiting for the browser: %w", ctx.Err())
		}
		if res.err != nil {
			return Token{}, res.err
		}
		form := url.Values{"grant_type": {"authorization_code"}, "code": {res.code}, "client_id": {o.ClientID},
			"redirect_uri": {redirect}, "code_verifier": {verifier}}
		if len(secret) > 0 {
			form.Set("client_secret", string(secret))
		}
		return c.tokenRequest(ctx, form, o.Scope == "service")
	}
	return authURL + "?" + q.Encode(), wait, nil
}

// AuthorizeInBrowser authorizes signatures of an oauth2code credential:
// the authorization code flow with scope "credential" for o.CredentialID,
// o.NumSignatures and o.Hashes, with open showing the URL to the person
// (their browser). The credential token it yields is the SAD.
func (c *Client) AuthorizeInBrowser(ctx context.Context, o AuthOptions, open func(ctx context.Context, url string) error) (SAD, error) {
	o.Scope = "credential"
	u, wait, err := c.StartAuthorization(ctx, o)
	if err != nil {
		return SAD{}, err
	}
	if err := open(ctx, u); err != nil {
		wctx, cancel := context.WithCancel(ctx)
		cancel()
		wait(wctx) // stops the listener
		return SAD{}, fmt.Errorf("csc oauth2/authorize: open the browser: %w", err)
	}
	tok, err := wait(ctx)
	if err != nil {
		return SAD{}, err
	}
	return SAD{CredentialToken: tok.AccessToken, Expires: tok.Expires}, nil
}

func randomString(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(errors.New("csc: no randomness: " + err.Error()))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// Login gets a service token with auth/login (CSC API v2 §11.2, v1 §11.2):
// the user's name and password in an HTTP Basic Authorization header. The
// token is used from now on; password is zeroed. A wrong password is the
// service's error (*ServiceError), and nothing is retried.
func (c *Client) Login(ctx context.Context, user string, password []byte) (Token, error) {
	defer zero(password)
	if strings.Contains(user, ":") {
		// RFC 7617 §2: the user-id cannot contain a colon.
		return Token{}, fmt.Errorf("csc auth/login: the username %q contains a colon", user)
	}
	u, err := c.endpoint("auth/login")
	if err != nil {
		return Token{}, err
	}
	cred := make([]byte, 0, len(user)+1+len(password))
	cred = append(append(append(cred, user...), ':'), password...)
	enc := make([]byte, base64.StdEncoding.EncodedLen(len(cred)))
	base64.StdEncoding.Encode(enc, cred)
	zero(cred)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader("{}"))
	if err != nil {
		zero(enc)
		return Token{}, fmt.Errorf("csc auth/login: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Basic "+string(enc))
	zero(enc)
	var out struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		ExpiresIn    int64  `json:"expires_in"`
	}
	if err := c.do(req, "auth/login", &out); err != nil {
		return Token{}, err
	}
	if out.AccessToken == "" {
		return Token{}, errMissing("auth/login", "access_token")
	}
	t := Token{AccessToken: out.AccessToken, RefreshToken: out.RefreshToken, TokenType: "Bearer"}
	if out.ExpiresIn > 0 {
		t.Expires = time.Now().Add(time.Duration(out.ExpiresIn) * time.Second)
	}
	c.SetToken(t)
	return t, nil
}
