// Package csctest is a Cloud Signature Consortium API service for tests:
// a real HTTPS server (TLS 1.2+) on 127.0.0.1 implementing info,
// oauth2/authorize, oauth2/token (client credentials, authorization code
// with PKCE S256, refresh token), credentials/list, credentials/info,
// credentials/authorize (PIN, OTP, SCAL 2 hash binding, SAD expiry,
// numSignatures) and signatures/signHash, signing with a signing.Key (a
// SoftHSM2 key in the main tests). It speaks v2.0.0.2 field names at
// /csc/v2, or v1.0.4.0 names at /csc/v1, and has fault modes for the
// client's error paths. There is no open-source CSC server that runs here.
package csctest

import (
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/siegel-app/siegel/signing"
)

// Credential is one key of the service.
type Credential struct {
	ID          string
	Description string
	Key         signing.Key
	// PIN and OTP, when set, are asked for (auth mode explicit); with
	// neither the mode is implicit.
	PIN, OTP       string
	OTPDescription string // where the OTP comes from, shown to the person
	SCAL           int    // 1 or 2
	// OAuth2Code makes the mode oauth2code: signatures are authorized in
	// the browser (oauth2/authorize with scope credential), no PIN here.
	OAuth2Code bool
	Multisign  int // signatures under one SAD; 0 means 1
}

// Fault makes a method misbehave.
type Fault int

const (
	FaultNone      Fault = iota
	FaultMalformed       // 200 with a body that is not JSON
	FaultHang            // no reply until the request's context ends
	FaultServer          // 500 with a JSON error body
	FaultFewerSigs       // signHash returns one signature less
)

// Server is the test service.
type Server struct {
	// URL is the base URL, https://127.0.0.1:PORT/csc/v2 (or v1).
	URL string
	// Client trusts the server's certificate; production code gets it as
	// csc.Client.HTTPClient.
	Client *http.Client
	// ClientID and ClientSecret are the OAuth 2.0 client.
	ClientID, ClientSecret string
	// Username and Password sign in with auth/login (HTTP Basic) when
	// Options.Basic is set.
	Username, Password string

	srv  *httptest.Server
	v1   bool
	stop chan struct{} // closed at the end of the test: hanging handlers return

	mu     sync.Mutex
	creds  map[string]*Credential
	order  []string
	tokens map[string]*grant // access and refresh tokens
	codes  map[string]*code
	sads   map[string]*sad
	calls  map[string]int
	faults map[string]Fault
	basic  bool
	hashes []int // hashes per signatures/signHash request, in order
}

type grant struct {
	expires time.Time
	refresh bool
	scope   string
	sad     *sad // credential scope: what the token authorizes
}

type code struct {
	challenge, redirect, clientID, scope string
	sad                                  *sad
}

type sad struct {
	cred    string
	hashes  []string // base64; nil: not bound (SCAL 1)
	left    int
	expires time.Time
}

// Options configure New.
type Options struct {
	V1    bool // speak CSC API v1.0.4.0 at /csc/v1
	Basic bool // offer auth/login with Username and Password (authType basic)
}

// New starts a service with creds; it stops at the end of the test.
func New(t testing.TB, opts Options, creds ...*Credential) *Server {
	t.Helper()
	s := &Server{ClientID: "siegel-test", ClientSecret: "client-secret-" + rand.Text()[:8], v1: opts.V1,
		creds: map[string]*Credential{}, tokens: map[string]*grant{}, codes: map[string]*code{},
		sads: map[string]*sad{}, stop: make(chan struct{}), calls: map[string]int{}, faults: map[string]Fault{}, basic: opts.Basic}
	if opts.Basic {
		s.Username, s.Password = "signer", "password-"+rand.Text()[:8]
	}
	for _, c := range creds {
		s.creds[c.ID] = c
		s.order = append(s.order, c.ID)
	}
	prefix := "/csc/v2/"
	if opts.V1 {
		prefix = "/csc/v1/"
	}
	mux := http.NewServeMux()
	mux.HandleFunc(prefix, func(w http.ResponseWriter, r *http.Request) {
		s.serve(w, r, strings.TrimPrefix(r.URL.Path, prefix))
	})
	s.srv = httptest.NewUnstartedServer(mux)
	s.srv.EnableHTTP2 = false
	// Handshakes refused by clients that do not trust the server are a
	// tested outcome, not noise for the test log.
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.srv.TLS = &tls.Config{MinVersion: tls.VersionTLS12}
	s.srv.StartTLS()
	t.Cleanup(s.srv.Close)
	t.Cleanup(func() { close(s.stop) }) // runs before Close
	s.Client = s.srv.Client()
	s.URL = s.srv.URL + strings.TrimSuffix(prefix, "/")
	return s
}

// CertPEM is the server's certificate, for SSL_CERT_FILE.
func (s *Server) CertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.srv.Certificate().Raw})
}

// KeyURI is the csc: URI of credential id.
func (s *Server) KeyURI(id string) string {
	return "csc:" + s.URL + "?credential=" + url.QueryEscape(id)
}

// Calls returns how often method was called.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// SignHashSizes returns the number of hashes of each signatures/signHash
// request so far, in order.
func (s *Server) SignHashSizes() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.hashes)
}

// SetFault makes method misbehave from now on.
func (s *Server) SetFault(method string, f Fault) {
	s.mu.Lock()
	s.faults[method] = f
	s.mu.Unlock()
}

// ExpireSADs ends the life of every SAD issued so far.
func (s *Server) ExpireSADs() {
	s.mu.Lock()
	for _, v := range s.sads {
		v.expires = time.Now().Add(-time.Second)
	}
	s.mu.Unlock()
}

// ExpireTokens ends the life of every access token issued so far.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	for _, v := range s.tokens {
		v.expires = time.Now().Add(-time.Second)
	}
	s.mu.Unlock()
}

// apiError is the service's error reply (CSC API v2 §10.1).
type apiError struct {
	status int
	code   string
	desc   string
}

func errReq(desc string) *apiError { return &apiError{400, "invalid_request", desc} }

func (s *Server) serve(w http.ResponseWriter, r *http.Request, method string) {
	s.mu.Lock()
	s.calls[method]++
	fault := s.faults[method]
	s.mu.Unlock()
	switch fault {
	case FaultMalformed:
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"SAD": "abc", "signatures": [`)
		return
	case FaultHang:
		// Reading the body lets net/http notice the client hanging up,
		// which ends the request's context.
		io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-s.stop:
		}
		return
	case FaultServer:
		writeJSON(w, 500, map[string]string{"error": "server_error", "error_description": "The service is unavailable"})
		return
	}
	var out any
	var aerr *apiError
	switch method {
	case "info":
		out = s.info()
	case "oauth2/authorize":
		s.authorizeOAuth(w, r)
		return
	case "oauth2/token":
		out, aerr = s.token(r)
	case "auth/login":
		out, aerr = s.login(r)
	default:
		var body map[string]any
		var g *grant
		if r.Method != http.MethodPost {
			aerr = &apiError{405, "invalid_request", "Method not allowed"}
		} else if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil {
			aerr = errReq("Malformed JSON body")
		} else if g, aerr = s.checkToken(r, method); aerr == nil {
			switch method {
			case "credentials/list":
				out, aerr = s.list(body)
			case "credentials/info":
				out, aerr = s.credInfo(body)
			case "credentials/authorize":
				out, aerr = s.authorize(body)
			case "signatures/signHash":
				out, aerr = s.signHash(body, g, fault)
			default:
				aerr = &apiError{404, "invalid_request", "Unknown method " + method}
			}
		}
	}
	if aerr != nil {
		writeJSON(w, aerr.status, map[string]string{"error": aerr.code, "error_description": aerr.desc})
		return
	}
	writeJSON(w, 200, out)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (s *Server) info() map[string]any {
	m := map[string]any{
		"specs": "2.0.0.2", "name": "Siegel test CSC service", "logo": "", "region": "DE", "lang": "en-US",
		"description": "CSC service for Siegel's tests",
		"authType":    []string{"oauth2code", "oauth2client"},
		"methods": []string{"oauth2/authorize", "oauth2/token", "credentials/list", "credentials/info",
			"credentials/authorize", "signatures/signHash"},
		"signAlgorithms": map[string]any{"algos": []string{"1.2.840.113549.1.1.1", "1.2.840.113549.1.1.11", "1.2.840.10045.4.3.2"}},
	}
	if s.basic {
		m["authType"] = append(m["authType"].([]string), "basic")
		m["methods"] = append([]string{"auth/login"}, m["methods"].([]string)...)
	}
	if s.v1 {
		m["specs"] = "1.0.4.0"
		delete(m, "signAlgorithms")
	}
	return m
}

// login is auth/login (v2 §11.2, v1 §11.2): HTTP Basic authentication
// with the user's name and password.
func (s *Server) login(r *http.Request) (any, *apiError) {
	if !s.basic {
		return nil, &apiError{404, "invalid_request", "Unknown method auth/login"}
	}
	if r.Method != http.MethodPost {
		return nil, &apiError{405, "invalid_request", "Method not allowed"}
	}
	user, pass, ok := r.BasicAuth()
	if !ok {
		return nil, &apiError{401, "invalid_request", "Missing Authorization header"}
	}
	if user != s.Username || pass != s.Password {
		return nil, &apiError{401, "access_denied", "Invalid username or password"}
	}
	out := s.issue("service", nil)
	delete(out, "token_type") // auth/login replies have none
	return out, nil
}

func randomToken() string { return rand.Text() }

func (s *Server) issue(scope string, bind *sad) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	at := randomToken()
	if bind != nil {
		// A credential token authorizes these signatures only, once: no
		// refresh token.
		bind.expires = time.Now().Add(5 * time.Minute)
		s.tokens[at] = &grant{expires: bind.expires, scope: scope, sad: bind}
		return map[string]any{"access_token": at, "token_type": "SAD", "expires_in": 300}
	}
	rt := randomToken()
	s.tokens[at] = &grant{expires: time.Now().Add(time.Hour), scope: scope}
	s.tokens[rt] = &grant{expires: time.Now().Add(24 * time.Hour), refresh: true, scope: scope}
	return map[string]any{"access_token": at, "refresh_token": rt, "token_type": "Bearer", "expires_in": 3600}
}

// token is oauth2/token (RFC 6749 §4.1.3, §4.4, §6; RFC 7636 §4.6).
func (s *Server) token(r *http.Request) (any, *apiError) {
	if err := r.ParseForm(); err != nil {
		return nil, errReq("Malformed form")
	}
	f := r.PostForm
	switch f.Get("grant_type") {
	case "client_credentials":
		if f.Get("client_id") != s.ClientID || f.Get("client_secret") != s.ClientSecret {
			return nil, &apiError{401, "invalid_client", "Invalid client credentials"}
		}
		return s.issue("service", nil), nil
	case "authorization_code":
		s.mu.Lock()
		c := s.codes[f.Get("code")]
		delete(s.codes, f.Get("code")) // one use only
		s.mu.Unlock()
		if c == nil {
			return nil, &apiError{400, "invalid_grant", "Invalid authorization code"}
		}
		if f.Get("client_id") != c.clientID || f.Get("redirect_uri") != c.redirect {
			return nil, &apiError{400, "invalid_grant", "client_id or redirect_uri do not match"}
		}
		sum := sha256.Sum256([]byte(f.Get("code_verifier")))
		if base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge {
			return nil, &apiError{400, "invalid_grant", "PKCE verification failed"}
		}
		return s.issue(c.scope, c.sad), nil
	case "refresh_token":
		s.mu.Lock()
		g := s.tokens[f.Get("refresh_token")]
		if g != nil && g.refresh {
			delete(s.tokens, f.Get("refresh_token"))
		}
		s.mu.Unlock()
		if g == nil || !g.refresh || time.Now().After(g.expires) {
			return nil, &apiError{400, "invalid_grant", "Invalid refresh token"}
		}
		return s.issue(g.scope, nil), nil
	default:
		return nil, &apiError{400, "unsupported_grant_type", "Unsupported grant_type"}
	}
}

// authorizeOAuth is oauth2/authorize: the login page of a real service;
// here the person approves at once and the browser is redirected back.
func (s *Server) authorizeOAuth(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect, err := url.Parse(q.Get("redirect_uri"))
	fail := func(desc string) {
		writeJSON(w, 400, map[string]string{"error": "invalid_request", "error_description": desc})
	}
	switch {
	case r.Method != http.MethodGet:
		fail("GET only")
	case q.Get("response_type") != "code":
		fail("response_type must be code")
	case q.Get("client_id") != s.ClientID:
		fail("Invalid client_id")
	case err != nil || redirect.Scheme != "http" || redirect.Hostname() != "127.0.0.1":
		fail("redirect_uri must be a loopback URI")
	case q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256":
		fail("PKCE with S256 is required")
	case q.Get("scope") != "service" && q.Get("scope") != "credential":
		fail("Invalid scope")
	default:
		var bind *sad
		if q.Get("scope") == "credential" {
			cred := s.creds[q.Get("credentialID")]
			n, err := strconv.Atoi(q.Get("numSignatures"))
			if cred == nil || err != nil || n < 1 || n > max(cred.Multisign, 1) {
				fail("Invalid credentialID or numSignatures")
				return
			}
			bind = &sad{cred: cred.ID, left: n}
			if q.Get("hashes") != "" {
				for _, h := range strings.Split(q.Get("hashes"), ",") {
					d, err := base64.URLEncoding.DecodeString(h)
					if err != nil {
						fail("Invalid parameter hashes")
						return
					}
					bind.hashes = append(bind.hashes, base64.StdEncoding.EncodeToString(d))
				}
			}
			if cred.SCAL >= 2 && len(bind.hashes) != n {
				fail("The number of hashes does not match numSignatures")
				return
			}
		}
		c := randomToken()
		s.mu.Lock()
		s.codes[c] = &code{challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri"), clientID: q.Get("client_id"), scope: q.Get("scope"), sad: bind}
		s.mu.Unlock()
		back := redirect.Query()
		back.Set("code", c)
		back.Set("state", q.Get("state"))
		redirect.RawQuery = back.Encode()
		http.Redirect(w, r, redirect.String(), http.StatusFound)
	}
}

// checkToken checks the bearer token: a service token for every method,
// or a credential token for signatures/signHash.
func (s *Server) checkToken(r *http.Request, method string) (*grant, *apiError) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	g := s.tokens[tok]
	s.mu.Unlock()
	switch {
	case !ok || g == nil || g.refresh || g.scope == "credential" && method != "signatures/signHash":
		return nil, &apiError{401, "invalid_token", "Invalid access token"}
	case time.Now().After(g.expires):
		return nil, &apiError{401, "invalid_token", "The access token expired"}
	}
	return g, nil
}

func str(body map[string]any, k string) string { v, _ := body[k].(string); return v }

func strs(body map[string]any, k string) ([]string, bool) {
	raw, ok := body[k].([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(raw))
	for _, x := range raw {
		s, ok := x.(string)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

func (s *Server) list(body map[string]any) (any, *apiError) {
	out := map[string]any{"credentialIDs": s.order}
	if b, _ := body["credentialInfo"].(bool); b && !s.v1 {
		var infos []any
		for _, id := range s.order {
			ci := s.describe(s.creds[id])
			ci["credentialID"] = id
			infos = append(infos, ci)
		}
		out["credentialInfos"] = infos
	}
	return out, nil
}

func (s *Server) credInfo(body map[string]any) (any, *apiError) {
	c := s.creds[str(body, "credentialID")]
	if c == nil {
		return nil, errReq("Invalid parameter credentialID")
	}
	return s.describe(c), nil
}

// describe is credentials/info (v2 §11.5, v1 §11.5).
func (s *Server) describe(c *Credential) map[string]any {
	chain := c.Key.Chain()
	var certs []string
	for _, x := range chain {
		certs = append(certs, base64.StdEncoding.EncodeToString(x.Raw))
	}
	leaf := chain[0]
	algo, length, curve := []string{"1.2.840.113549.1.1.1"}, 0, ""
	switch pub := leaf.PublicKey.(type) {
	case interface{ Size() int }:
		length = pub.Size() * 8
	}
	if leaf.PublicKeyAlgorithm == x509.ECDSA {
		algo, curve, length = []string{"1.2.840.10045.2.1"}, "1.2.840.10045.3.1.7", 256
	}
	multi := max(c.Multisign, 1)
	m := map[string]any{
		"description": c.Description,
		"key":         map[string]any{"status": "enabled", "algo": algo, "len": length, "curve": curve},
		"cert": map[string]any{"status": "valid", "certificates": certs, "issuerDN": leaf.Issuer.String(),
			"serialNumber": leaf.SerialNumber.Text(16), "subjectDN": leaf.Subject.String(),
			"validFrom": leaf.NotBefore.UTC().Format("20060102150405Z"), "validTo": leaf.NotAfter.UTC().Format("20060102150405Z")},
		"SCAL": fmt.Sprint(max(c.SCAL, 1)), "multisign": multi, "lang": "en-US",
	}
	mode := "implicit"
	if c.PIN != "" || c.OTP != "" {
		mode = "explicit"
	}
	if c.OAuth2Code {
		mode = "oauth2code"
	}
	if s.v1 {
		m["authMode"] = mode
		m["PIN"] = map[string]any{"presence": fmt.Sprint(c.PIN != ""), "format": "N", "label": "PIN", "description": "Signing PIN"}
		if c.OTP != "" {
			m["OTP"] = map[string]any{"presence": true, "type": "offline", "format": "N", "label": "OTP",
				"description": c.OTPDescription, "ID": "otp-1", "provider": "test"}
		}
		return m
	}
	var objs []any
	if c.PIN != "" {
		objs = append(objs, map[string]any{"type": "Password", "id": "PIN", "format": "N", "label": "PIN", "description": "Signing PIN"})
	}
	if c.OTP != "" {
		objs = append(objs, map[string]any{"type": "Password", "id": "OTP", "format": "N", "label": "OTP", "description": c.OTPDescription, "generator": "totp"})
	}
	auth := map[string]any{"mode": mode}
	if len(objs) > 0 {
		auth["objects"] = objs
		if c.PIN != "" && c.OTP != "" {
			auth["expression"] = "PIN AND OTP"
		}
	}
	m["auth"] = auth
	return m
}

// authorize is credentials/authorize (v2 §11.6; v1 §11.6 with hash, PIN,
// OTP at the top level).
func (s *Server) authorize(body map[string]any) (any, *apiError) {
	c := s.creds[str(body, "credentialID")]
	if c == nil {
		return nil, errReq("Invalid parameter credentialID")
	}
	n, ok := body["numSignatures"].(float64)
	if !ok || n < 1 || n != float64(int(n)) {
		return nil, errReq("Missing (or invalid type) integer parameter numSignatures")
	}
	if int(n) > max(c.Multisign, 1) {
		return nil, errReq("Numbers of signatures is too high")
	}
	hashKey := "hashes"
	if s.v1 {
		hashKey = "hash"
	}
	hashes, hasHashes := strs(body, hashKey)
	if _, present := body[hashKey]; present && !hasHashes {
		return nil, errReq("Invalid parameter " + hashKey)
	}
	if c.SCAL >= 2 {
		if len(hashes) != int(n) {
			return nil, errReq("The number of hashes does not match numSignatures")
		}
		if !s.v1 && str(body, "hashAlgorithmOID") == "" {
			return nil, errReq("Missing (or invalid type) string parameter hashAlgorithmOID")
		}
	}
	var pin, otp string
	if s.v1 {
		pin, otp = str(body, "PIN"), str(body, "OTP")
	} else if raw, ok := body["authData"].([]any); ok {
		for _, x := range raw {
			o, _ := x.(map[string]any)
			switch str(o, "id") {
			case "PIN":
				pin = str(o, "value")
			case "OTP":
				otp = str(o, "value")
			}
		}
	}
	if c.PIN != "" {
		if pin == "" {
			return nil, errReq("Missing (or invalid type) string parameter PIN")
		}
		if pin != c.PIN {
			if s.v1 {
				return nil, &apiError{400, "invalid_pin", "The PIN is invalid"}
			}
			return nil, errReq("Invalid PIN")
		}
	}
	if c.OTP != "" {
		if otp == "" {
			return nil, errReq("Missing (or invalid type) string parameter OTP")
		}
		if otp != c.OTP {
			if s.v1 {
				return nil, &apiError{400, "invalid_otp", "The OTP is invalid"}
			}
			return nil, errReq("Invalid OTP")
		}
	}
	v := randomToken()
	sd := &sad{cred: c.ID, left: int(n), expires: time.Now().Add(5 * time.Minute)}
	if c.SCAL >= 2 {
		sd.hashes = hashes
	}
	s.mu.Lock()
	s.sads[v] = sd
	s.mu.Unlock()
	return map[string]any{"SAD": v, "expiresIn": 300}, nil
}

var hashByOID = map[string]crypto.Hash{
	"2.16.840.1.101.3.4.2.1": crypto.SHA256, "2.16.840.1.101.3.4.2.2": crypto.SHA384, "2.16.840.1.101.3.4.2.3": crypto.SHA512,
}

// signHash is signatures/signHash (v2 §11.9; v1 §11.9 with hash and
// hashAlgo).
func (s *Server) signHash(body map[string]any, g *grant, fault Fault) (any, *apiError) {
	c := s.creds[str(body, "credentialID")]
	if c == nil {
		return nil, errReq("Invalid parameter credentialID")
	}
	hashKey, algKey := "hashes", "hashAlgorithmOID"
	if s.v1 {
		hashKey, algKey = "hash", "hashAlgo"
	}
	hashes, ok := strs(body, hashKey)
	if !ok || len(hashes) == 0 {
		return nil, errReq("Missing (or invalid type) array parameter " + hashKey)
	}
	signAlgo := str(body, "signAlgo")
	hashAlg, hashGiven := hashByOID[str(body, algKey)]
	switch signAlgo {
	case "1.2.840.113549.1.1.11":
		hashAlg, hashGiven = crypto.SHA256, true
	case "1.2.840.10045.4.3.2":
		hashAlg, hashGiven = crypto.SHA256, true
	case "1.2.840.113549.1.1.1":
	default:
		return nil, errReq("Invalid parameter signAlgo")
	}
	if !hashGiven {
		return nil, errReq("Missing (or invalid type) string parameter " + algKey)
	}
	s.mu.Lock()
	sd := s.sads[str(body, "SAD")]
	if str(body, "SAD") == "" && g.sad != nil {
		sd = g.sad // authorized in the browser with a credential token
	}
	var aerr *apiError
	switch {
	case sd == nil || sd.cred != c.ID:
		aerr = errReq("Invalid parameter SAD")
	case time.Now().After(sd.expires):
		aerr = errReq("SAD expired")
	case len(hashes) > sd.left:
		aerr = errReq("Numbers of signatures is too high")
	}
	if aerr == nil && sd.hashes != nil {
		for _, h := range hashes {
			if !slices.Contains(sd.hashes, h) {
				aerr = errReq("Hash is not authorized by the SAD")
				break
			}
		}
	}
	if aerr == nil {
		sd.left -= len(hashes)
		s.hashes = append(s.hashes, len(hashes))
	}
	s.mu.Unlock()
	if aerr != nil {
		return nil, aerr
	}
	var sigs []string
	for _, h := range hashes {
		d, err := base64.StdEncoding.DecodeString(h)
		if err != nil || len(d) != hashAlg.Size() {
			return nil, errReq("Invalid parameter " + hashKey)
		}
		sig, err := c.Key.Sign(rand.Reader, d, hashAlg)
		if err != nil {
			return nil, &apiError{500, "server_error", "Signing failed"}
		}
		sigs = append(sigs, base64.StdEncoding.EncodeToString(sig))
	}
	if fault == FaultFewerSigs {
		sigs = sigs[:len(sigs)-1]
	}
	return map[string]any{"signatures": sigs}, nil
}
