package csc

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/siegel-app/siegel/signing"
)

var (
	_ signing.Key           = (*Key)(nil)
	_ signing.ContextSigner = (*Key)(nil)
	_ signing.BatchSigner   = (*Key)(nil)
)

// Auth is how Open gets a service token.
type Auth struct {
	// ClientID and ClientSecret for the client credentials grant (seals).
	// ClientSecret is zeroed once used.
	ClientID     string
	ClientSecret []byte
	// Token, when set, is used instead (e.g. from an authorization code
	// flow the GUI ran, or refreshed from the OS secret store).
	Token *Token
	// Username and Password sign in with auth/login (HTTP Basic) when
	// Username is set and there is no Token. Password is zeroed once used.
	Username string
	Password []byte
	// HTTPClient carries the requests (see Client.HTTPClient); nil means
	// the system roots.
	HTTPClient *http.Client
	// Browser opens a URL in the person's browser, for credentials
	// authorized there (auth mode oauth2code); nil: such credentials
	// cannot sign. ClientID is the OAuth 2.0 client.
	Browser func(ctx context.Context, url string) error
}

// Zero zeroes the client secret and the password; a nil Auth is left.
func (a *Auth) Zero() {
	if a != nil {
		signing.Zero(a.ClientSecret)
		signing.Zero(a.Password)
	}
}

// Options open a Key.
type Options struct {
	PIN    signing.PINFunc
	Logger *slog.Logger
	Auth   Auth
}

// Key is one credential of a CSC service as a signing.Key. Each Sign
// authorizes (asking for the PIN and/or OTP through the PINFunc) and then
// signs the one digest; SignDigests signs many under one authorization.
type Key struct {
	client *Client
	info   *CredentialInfo
	chain  []*x509.Certificate
	pin    signing.PINFunc
	algos  []string
	// browser and clientID serve oauth2code credentials.
	browser  func(ctx context.Context, url string) error
	clientID string
	mu       sync.Mutex
}

// ParseURI splits "csc:https://HOST/csc/v2?credential=ID" into the
// service's base URL and the credential ID.
func ParseURI(uri string) (baseURL, credentialID string, err error) {
	rest, ok := strings.CutPrefix(uri, "csc:")
	if !ok {
		return "", "", fmt.Errorf("key %q: not a csc: URI", uri)
	}
	u, err := url.Parse(rest)
	if err != nil {
		return "", "", fmt.Errorf("key %q: %w", uri, err)
	}
	if u.Scheme != "https" || u.Host == "" {
		return "", "", fmt.Errorf("key %q: the service URL must be https://HOST/…", uri)
	}
	q := u.Query()
	credentialID = q.Get("credential")
	if credentialID == "" {
		return "", "", fmt.Errorf("key %q: no credential (add ?credential=ID)", uri)
	}
	q.Del("credential")
	u.RawQuery = q.Encode()
	u.Fragment = ""
	return u.String(), credentialID, nil
}

// Open opens the credential named by uri
// ("csc:https://HOST/csc/v2?credential=ID"): info, a service token (from
// opts.Auth), and credentials/info for the chain and the auth objects.
func Open(ctx context.Context, uri string, opts Options) (*Key, error) {
	// Whichever secret is not used is zeroed too.
	defer zero(opts.Auth.ClientSecret)
	defer zero(opts.Auth.Password)
	base, id, err := ParseURI(uri)
	if err != nil {
		return nil, err
	}
	c := &Client{BaseURL: base, HTTPClient: opts.Auth.HTTPClient, Logger: opts.Logger}
	if _, err := c.Info(ctx); err != nil {
		return nil, err
	}
	switch {
	case opts.Auth.Token != nil:
		c.SetToken(*opts.Auth.Token)
	case opts.Auth.Username != "":
		if _, err := c.Login(ctx, opts.Auth.Username, opts.Auth.Password); err != nil {
			return nil, err
		}
	case opts.Auth.ClientID != "":
		if _, err := c.ClientCredentials(ctx, opts.Auth.ClientID, opts.Auth.ClientSecret); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("key %q: no service authorization (client ID and secret, username and password, or a token)", uri)
	}
	k, err := NewKey(ctx, c, id, opts.PIN)
	if err != nil {
		return nil, err
	}
	k.SetBrowser(opts.Auth.ClientID, opts.Auth.Browser)
	return k, nil
}

// SetBrowser lets an oauth2code credential be authorized in the browser:
// open shows the URL, clientID is the OAuth 2.0 client.
func (k *Key) SetBrowser(clientID string, open func(ctx context.Context, url string) error) {
	k.mu.Lock()
	k.clientID, k.browser = clientID, open
	k.mu.Unlock()
}

// NewKey wraps credential id of an authorized client.
func NewKey(ctx context.Context, c *Client, id string, pin signing.PINFunc) (*Key, error) {
	info, err := c.CredentialInfo(ctx, id)
	if err != nil {
		return nil, err
	}
	if info.Key.Status == "disabled" {
		return nil, fmt.Errorf("csc credential %s: key is disabled", id)
	}
	chain, err := info.Chain()
	if err != nil {
		return nil, err
	}
	if len(chain) == 0 {
		return nil, fmt.Errorf("csc credential %s: %w", id, signing.ErrNoCertificate)
	}
	k := &Key{client: c, info: info, chain: chain, pin: pin}
	if si, err := c.cachedInfo(ctx); err == nil {
		k.algos = si.SignAlgorithms.Algos
	}
	return k, nil
}

// Info is the credential's credentials/info reply.
func (k *Key) Info() CredentialInfo { return *k.info }

// Client is the key's client, e.g. for its token.
func (k *Key) Client() *Client { return k.client }

func (k *Key) Public() crypto.PublicKey   { return k.chain[0].PublicKey }
func (k *Key) Chain() []*x509.Certificate { return slices.Clone(k.chain) }

// Close forgets the token; the service keeps nothing open.
func (k *Key) Close() error {
	k.client.SetToken(Token{})
	return nil
}

func (k *Key) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return k.SignContext(context.Background(), rand, digest, opts)
}

// SignContext authorizes one signature and signs digest.
func (k *Key) SignContext(ctx context.Context, _ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	sigs, err := k.SignDigests(ctx, [][]byte{digest}, opts)
	if err != nil {
		return nil, err
	}
	return sigs[0], nil
}

// MaxBatch is how many digests SignDigests takes under one authorization:
// the credential's multisign (1 when the service gives none).
func (k *Key) MaxBatch() int { return max(k.info.Multisign, 1) }

// SignDigests signs all digests under one credentials/authorize (with
// numSignatures n, and the hashes bound for SCAL 2) and one
// signatures/signHash. More than one digest needs a credential whose
// multisign allows that many.
func (k *Key) SignDigests(ctx context.Context, digests [][]byte, opts crypto.SignerOpts) ([][]byte, error) {
	if len(digests) == 0 {
		return nil, nil
	}
	if n := len(digests); n > 1 && k.info.Multisign < n {
		return nil, fmt.Errorf("csc credential %s: %d signatures under one authorization, but multisign allows %d: %w",
			k.info.ID, n, max(k.info.Multisign, 1), signing.ErrUnsupported)
	}
	hashOID, signOID, err := k.algorithms(opts)
	if err != nil {
		return nil, err
	}
	for _, d := range digests {
		if len(d) != opts.HashFunc().Size() {
			return nil, fmt.Errorf("csc credential %s: digest of %d bytes for %s", k.info.ID, len(d), opts.HashFunc())
		}
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.info.Auth.Mode == "oauth2code" {
		if k.browser == nil {
			return nil, fmt.Errorf("csc credential %s: authorization in the browser (oauth2code) is not available here: %w", k.info.ID, signing.ErrUnsupported)
		}
		// The hashes are always bound: the person approves these
		// documents at the service.
		sad, err := k.client.AuthorizeInBrowser(ctx, AuthOptions{ClientID: k.clientID, CredentialID: k.info.ID,
			NumSignatures: len(digests), Hashes: digests, HashAlgorithmOID: hashOID}, k.browser)
		if err != nil {
			return nil, fmt.Errorf("csc credential %s: authorize: %w", k.info.ID, err)
		}
		return k.signHash(ctx, sad, digests, hashOID, signOID)
	}
	req := AuthorizeRequest{NumSignatures: len(digests)}
	if k.info.SCAL2() {
		req.Hashes, req.HashAlgorithmOID = digests, hashOID
	}
	defer func() {
		for _, a := range req.AuthData {
			zero(a.Value)
		}
	}()
	for _, id := range []string{"PIN", "OTP"} {
		obj, ok := k.info.Auth.Needs(id)
		if !ok {
			continue
		}
		v, err := k.ask(ctx, id, obj)
		if err != nil {
			return nil, err
		}
		req.AuthData = append(req.AuthData, AuthData{ID: id, Value: v})
	}
	sad, err := k.client.Authorize(ctx, k.info.ID, req)
	if err != nil {
		return nil, fmt.Errorf("csc credential %s: authorize: %w", k.info.ID, err)
	}
	return k.signHash(ctx, sad, digests, hashOID, signOID)
}

func (k *Key) signHash(ctx context.Context, sad SAD, digests [][]byte, hashOID, signOID string) ([][]byte, error) {
	sigs, err := k.client.SignHash(ctx, k.info.ID, sad, digests, hashOID, signOID, nil)
	if err != nil {
		return nil, fmt.Errorf("csc credential %s: %w", k.info.ID, err)
	}
	if _, ok := k.Public().(*ecdsa.PublicKey); ok {
		for i := range sigs {
			sigs[i] = ecdsaDER(sigs[i])
		}
	}
	return sigs, nil
}

// ask gets the PIN or OTP from the person.
func (k *Key) ask(ctx context.Context, id string, obj AuthObject) ([]byte, error) {
	if k.pin == nil {
		return nil, fmt.Errorf("csc credential %s: no way to ask for the %s: %w", k.info.ID, id, signing.ErrCancelled)
	}
	req := signing.PINRequest{Kind: signing.UserPIN, Token: k.client.host(), Key: k.label(), RetriesLeft: -1}
	if id == "OTP" {
		req.Kind = signing.OTP
	}
	hint := obj.Description
	if hint == "" {
		hint = obj.Label
	}
	req.Hint = hint
	v, err := k.pin(ctx, req)
	if err != nil {
		return nil, err
	}
	if len(v) == 0 {
		return nil, fmt.Errorf("csc credential %s: no %s given: %w", k.info.ID, id, signing.ErrCancelled)
	}
	return v, nil
}

func (k *Key) label() string {
	if k.info.Description != "" {
		return k.info.Description
	}
	if cn := k.chain[0].Subject.CommonName; cn != "" {
		return cn
	}
	return k.info.ID
}

func (c *Client) host() string {
	if u, err := url.Parse(c.BaseURL); err == nil {
		return u.Host
	}
	return c.BaseURL
}

// OIDs of CSC signAlgo and hashAlgorithmOID (RFC 8017, RFC 5758).
const (
	OIDSHA256          = "2.16.840.1.101.3.4.2.1"
	OIDSHA384          = "2.16.840.1.101.3.4.2.2"
	OIDSHA512          = "2.16.840.1.101.3.4.2.3"
	OIDRSAEncryption   = "1.2.840.113549.1.1.1"
	OIDSHA256WithRSA   = "1.2.840.113549.1.1.11"
	OIDSHA384WithRSA   = "1.2.840.113549.1.1.12"
	OIDSHA512WithRSA   = "1.2.840.113549.1.1.13"
	OIDECDSAWithSHA256 = "1.2.840.10045.4.3.2"
	OIDECDSAWithSHA384 = "1.2.840.10045.4.3.3"
	OIDECDSAWithSHA512 = "1.2.840.10045.4.3.4"
	OIDECPublicKey     = "1.2.840.10045.2.1"
	OIDRSASSAPSS       = "1.2.840.113549.1.1.10"
)

// algorithms picks hashAlgorithmOID and signAlgo for opts. For RSA
// PKCS#1 v1.5 the service's listed algorithms decide between
// rsaEncryption (hash named separately) and sha*WithRSAEncryption.
func (k *Key) algorithms(opts crypto.SignerOpts) (hashOID, signOID string, err error) {
	var idx int
	switch opts.HashFunc() {
	case crypto.SHA256:
		hashOID, idx = OIDSHA256, 0
	case crypto.SHA384:
		hashOID, idx = OIDSHA384, 1
	case crypto.SHA512:
		hashOID, idx = OIDSHA512, 2
	default:
		return "", "", fmt.Errorf("csc credential %s: hash %v: %w", k.info.ID, opts.HashFunc(), signing.ErrUnsupported)
	}
	switch k.Public().(type) {
	case *rsa.PublicKey:
		if _, pss := opts.(*rsa.PSSOptions); pss {
			return "", "", fmt.Errorf("csc credential %s: RSASSA-PSS: %w", k.info.ID, signing.ErrUnsupported)
		}
		with := []string{OIDSHA256WithRSA, OIDSHA384WithRSA, OIDSHA512WithRSA}[idx]
		if len(k.algos) > 0 && !slices.Contains(k.algos, OIDRSAEncryption) && slices.Contains(k.algos, with) {
			return hashOID, with, nil
		}
		return hashOID, OIDRSAEncryption, nil
	case *ecdsa.PublicKey:
		return hashOID, []string{OIDECDSAWithSHA256, OIDECDSAWithSHA384, OIDECDSAWithSHA512}[idx], nil
	default:
		return "", "", fmt.Errorf("csc credential %s: key type %T: %w", k.info.ID, k.Public(), signing.ErrUnsupported)
	}
}

// ecdsaDER returns an ECDSA signature as DER: services send either DER or
// the plain r||s of IEEE P1363; crypto.Signer callers expect DER.
func ecdsaDER(sig []byte) []byte {
	var v struct{ R, S *big.Int }
	if rest, err := asn1.Unmarshal(sig, &v); err == nil && len(rest) == 0 {
		return sig
	}
	if len(sig) == 0 || len(sig)%2 != 0 {
		return sig
	}
	n := len(sig) / 2
	der, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(sig[:n]), new(big.Int).SetBytes(sig[n:])})
	if err != nil {
		return sig
	}
	return der
}
