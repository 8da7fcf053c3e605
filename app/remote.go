package app

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/siegel-app/siegel/signing/csc"
)

// Auth types of a remote account (OAuth 2.0 grants, CSC API v2 §8.3, and
// auth/login, §11.2).
const (
	AuthClientCredentials = "client_credentials" // seals: client ID and secret
	AuthCode              = "authorization_code" // a person: browser sign-in with PKCE
	AuthBasic             = "basic"              // username and password (auth/login)
)

// RemoteAccount is a CSC service the person added. Its secret (client
// secret, refresh token or password) is in the OS secret store under
// SecretService and SecretAccount, never in the settings.
type RemoteAccount struct {
	Name     string `json:"name"`
	BaseURL  string `json:"baseURL"`
	AuthType string `json:"authType"`
	ClientID string `json:"clientID"`
	Username string `json:"username,omitempty"` // AuthBasic
}

// SecretService names Siegel's entries in the OS secret store.
const SecretService = "Siegel remote signing"

// SecretAccount names the account's secret in the store: one per service,
// client (or user) and grant.
func (a RemoteAccount) SecretAccount() string {
	if a.AuthType == AuthBasic {
		return a.AuthType + " " + a.Username + " @ " + a.BaseURL
	}
	return a.AuthType + " " + a.ClientID + " @ " + a.BaseURL
}

// RemoteAuthTypes reads the service's info and returns it with the auth
// types Siegel can use there (oauth2client → client credentials,
// oauth2code → authorization code, basic → username and password), in
// that order.
func RemoteAuthTypes(ctx context.Context, baseURL string, hc *http.Client) (*csc.Info, []string, error) {
	c := &csc.Client{BaseURL: strings.TrimSpace(baseURL), HTTPClient: hc}
	info, err := c.Info(ctx)
	if err != nil {
		return nil, nil, err
	}
	var types []string
	if slices.Contains(info.AuthType, "oauth2client") {
		types = append(types, AuthClientCredentials)
	}
	if slices.Contains(info.AuthType, "oauth2code") {
		types = append(types, AuthCode)
	}
	if slices.Contains(info.AuthType, "basic") {
		types = append(types, AuthBasic)
	}
	if len(types) == 0 {
		return info, nil, fmt.Errorf("remote account %s: the service offers %s, Siegel signs in with OAuth 2.0 or basic login only",
			baseURL, strings.Join(info.AuthType, ", "))
	}
	return info, types, nil
}

// ConnectRemote gets a service token for a: with the client secret
// (client credentials), the refresh token (authorization code) or the
// password (basic) in secret, which is zeroed. For authorization code the returned token's
// RefreshToken replaces the stored one (services rotate them).
func ConnectRemote(ctx context.Context, a RemoteAccount, secret []byte, hc *http.Client) (*csc.Client, csc.Token, error) {
	c := &csc.Client{BaseURL: a.BaseURL, HTTPClient: hc}
	var tok csc.Token
	var err error
	switch a.AuthType {
	case AuthClientCredentials:
		tok, err = c.ClientCredentials(ctx, a.ClientID, secret)
	case AuthCode:
		tok, err = c.Refresh(ctx, a.ClientID, string(secret))
		clear(secret)
	case AuthBasic:
		tok, err = c.Login(ctx, a.Username, secret)
	default:
		clear(secret)
		return nil, tok, fmt.Errorf("remote account %s: unknown auth type %q", a.Name, a.AuthType)
	}
	if err != nil {
		return nil, tok, fmt.Errorf("remote account %s: %w", a.Name, err)
	}
	return c, tok, nil
}

// StartRemoteSignIn begins the browser sign-in of an authorization code
// account: open url in the person's browser, then wait returns the
// authorized client and the token, whose RefreshToken is the secret to
// keep.
func StartRemoteSignIn(ctx context.Context, a RemoteAccount, hc *http.Client) (browserURL string, wait func(context.Context) (*csc.Client, csc.Token, error), err error) {
	c := &csc.Client{BaseURL: a.BaseURL, HTTPClient: hc}
	u, w, err := c.StartAuthorization(ctx, csc.AuthOptions{ClientID: a.ClientID})
	if err != nil {
		return "", nil, fmt.Errorf("remote account %s: %w", a.Name, err)
	}
	return u, func(ctx context.Context) (*csc.Client, csc.Token, error) {
		tok, err := w(ctx)
		if err != nil {
			return nil, tok, fmt.Errorf("remote account %s: %w", a.Name, err)
		}
		return c, tok, nil
	}, nil
}

// RemoteKey is one credential of an account, as the key list shows it.
type RemoteKey struct {
	URI   string // csc:BASEURL?credential=ID
	Info  csc.CredentialInfo
	Chain []*x509.Certificate
}

// ListRemoteKeys lists the credentials of an authorized client
// (credentials/list with their info). Disabled keys and credentials
// without a certificate are left out: they cannot sign.
func ListRemoteKeys(ctx context.Context, a RemoteAccount, c *csc.Client) ([]RemoteKey, error) {
	infos, err := c.Credentials(ctx)
	if err != nil {
		return nil, fmt.Errorf("remote account %s: %w", a.Name, err)
	}
	var out []RemoteKey
	for _, ci := range infos {
		if ci.Key.Status == "disabled" {
			continue
		}
		chain, err := ci.Chain()
		if err != nil || len(chain) == 0 {
			continue
		}
		out = append(out, RemoteKey{URI: RemoteKeyURI(a.BaseURL, ci.ID), Info: ci, Chain: chain})
	}
	return out, nil
}

// RemoteKeyURI is the csc: URI of credential id at baseURL.
func RemoteKeyURI(baseURL, id string) string {
	return "csc:" + strings.TrimRight(baseURL, "/") + "?credential=" + url.QueryEscape(id)
}

// RemoteSignAuth is SignRequest.CSC for a key of a, from its secret
// (zeroed): client credentials and basic login pass the secret on (a
// fresh token at signing); authorization code turns the refresh token into a token now,
// and returns the new refresh token to store. browser opens the sign-in
// page for credentials authorized there (oauth2code).
func RemoteSignAuth(ctx context.Context, a RemoteAccount, secret []byte, hc *http.Client, browser func(context.Context, string) error) (auth *csc.Auth, refresh string, err error) {
	switch a.AuthType {
	case AuthClientCredentials:
		s := append([]byte(nil), secret...)
		clear(secret)
		return &csc.Auth{ClientID: a.ClientID, ClientSecret: s, HTTPClient: hc, Browser: browser}, "", nil
	case AuthBasic:
		s := append([]byte(nil), secret...)
		clear(secret)
		return &csc.Auth{Username: a.Username, Password: s, HTTPClient: hc, Browser: browser}, "", nil
	case AuthCode:
		_, tok, err := ConnectRemote(ctx, a, secret, hc)
		if err != nil {
			return nil, "", err
		}
		return &csc.Auth{ClientID: a.ClientID, Token: &tok, HTTPClient: hc, Browser: browser}, tok.RefreshToken, nil
	}
	clear(secret)
	return nil, "", fmt.Errorf("remote account %s: unknown auth type %q", a.Name, a.AuthType)
}

// CheckRemoteAccount says what is missing before an account is added.
func CheckRemoteAccount(a RemoteAccount) error {
	switch {
	case strings.TrimSpace(a.Name) == "":
		return errors.New("remote account: no name")
	case !strings.HasPrefix(a.BaseURL, "https://"):
		return fmt.Errorf("remote account %s: the service URL must start with https://", a.Name)
	case a.AuthType == AuthBasic && a.Username == "":
		return fmt.Errorf("remote account %s: no username", a.Name)
	case a.AuthType == AuthBasic && strings.Contains(a.Username, ":"):
		return fmt.Errorf("remote account %s: the username cannot contain a colon", a.Name)
	case a.AuthType != AuthBasic && a.ClientID == "":
		return fmt.Errorf("remote account %s: no client ID", a.Name)
	case a.AuthType != AuthClientCredentials && a.AuthType != AuthCode && a.AuthType != AuthBasic:
		return fmt.Errorf("remote account %s: unknown auth type %q", a.Name, a.AuthType)
	}
	return nil
}
