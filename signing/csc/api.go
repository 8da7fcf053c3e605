package csc

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Info is the reply of the info method (CSC API v2 §11.1).
type Info struct {
	Specs          string   `json:"specs"`
	Name           string   `json:"name"`
	Logo           string   `json:"logo"`
	Region         string   `json:"region"`
	Lang           string   `json:"lang"`
	Description    string   `json:"description"`
	AuthType       []string `json:"authType"` // "external", "TLS", "basic", "digest", "oauth2code", "oauth2client"
	OAuth2         string   `json:"oauth2"`   // base URI of the OAuth 2.0 server; empty: BaseURL
	OAuth2Issuer   string   `json:"oauth2Issuer"`
	Methods        []string `json:"methods"`
	SignAlgorithms struct {
		Algos      []string `json:"algos"`
		AlgoParams []string `json:"algoParams"`
	} `json:"signAlgorithms"`
}

// V1 reports whether the service speaks CSC API 1.x.
func (i *Info) V1() bool { return strings.HasPrefix(i.Specs, "1.") }

// Info calls info and remembers the reply: it says which field names the
// service speaks (v1 or v2) and where its OAuth 2.0 server is.
func (c *Client) Info(ctx context.Context) (*Info, error) {
	var info Info
	if err := c.callWith(ctx, "info", []byte(`{"lang":"en"}`), "", &info); err != nil {
		return nil, err
	}
	if info.Specs == "" {
		return nil, errMissing("info", "specs")
	}
	c.mu.Lock()
	c.info = &info
	c.mu.Unlock()
	return &info, nil
}

// cachedInfo returns the info reply, asking once.
func (c *Client) cachedInfo(ctx context.Context) (*Info, error) {
	c.mu.Lock()
	info := c.info
	c.mu.Unlock()
	if info != nil {
		return info, nil
	}
	return c.Info(ctx)
}

func (c *Client) v1(ctx context.Context) (bool, error) {
	info, err := c.cachedInfo(ctx)
	if err != nil {
		return false, err
	}
	return info.V1(), nil
}

// KeyInfo is credentials/info "key".
type KeyInfo struct {
	Status string   `json:"status"` // "enabled" or "disabled"
	Algo   []string `json:"algo"`   // OIDs
	Len    int      `json:"len"`
	Curve  string   `json:"curve"` // OID, for EC keys
}

// CertInfo is credentials/info "cert".
type CertInfo struct {
	Status       string   `json:"status"`       // "valid", "expired", "revoked", "suspended"
	Certificates []string `json:"certificates"` // base64 DER, leaf first
	IssuerDN     string   `json:"issuerDN"`
	SerialNumber string   `json:"serialNumber"`
	SubjectDN    string   `json:"subjectDN"`
	ValidFrom    string   `json:"validFrom"` // GeneralizedTime text
	ValidTo      string   `json:"validTo"`
}

// AuthObject is one secret the credential asks for (v2 auth.objects).
type AuthObject struct {
	Type        string `json:"type"` // "Password" or "Numeric"…
	ID          string `json:"id"`   // "PIN" or "OTP"
	Format      string `json:"format,omitempty"`
	Label       string `json:"label,omitempty"`
	Description string `json:"description,omitempty"`
	Generator   string `json:"generator,omitempty"`
}

// AuthInfo is credentials/info "auth" (v2); v1 replies are mapped into it.
type AuthInfo struct {
	Mode       string       `json:"mode"` // "implicit", "explicit" or "oauth2code"
	Expression string       `json:"expression,omitempty"`
	Objects    []AuthObject `json:"objects,omitempty"`
}

// Needs reports whether the credential asks for the secret id ("PIN",
// "OTP") in explicit mode.
func (a AuthInfo) Needs(id string) (AuthObject, bool) {
	if a.Mode != "explicit" {
		return AuthObject{}, false
	}
	for _, o := range a.Objects {
		if strings.EqualFold(o.ID, id) {
			return o, true
		}
	}
	return AuthObject{}, false
}

// CredentialInfo is what credentials/info tells of one credential.
type CredentialInfo struct {
	ID          string   `json:"credentialID"`
	Description string   `json:"description,omitempty"`
	Key         KeyInfo  `json:"key"`
	Cert        CertInfo `json:"cert"`
	Auth        AuthInfo `json:"auth"`
	SCAL        string   `json:"SCAL"` // "1" or "2"; "1" when absent
	Multisign   int      `json:"multisign"`
	Lang        string   `json:"lang,omitempty"`
}

// Chain parses the certificates, leaf first.
func (ci *CredentialInfo) Chain() ([]*x509.Certificate, error) {
	var chain []*x509.Certificate
	for i, b64 := range ci.Cert.Certificates {
		der, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return nil, fmt.Errorf("csc credential %s: certificate %d: %w", ci.ID, i+1, err)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("csc credential %s: certificate %d: %w", ci.ID, i+1, err)
		}
		chain = append(chain, cert)
	}
	return chain, nil
}

// SCAL2 reports whether the SAD must be bound to the hashes.
func (ci *CredentialInfo) SCAL2() bool { return ci.SCAL == "2" }

// v1Info is a v1 credentials/info reply (CSC API v1.0.4.0 §11.5).
type v1Info struct {
	Description string          `json:"description"`
	Key         KeyInfo         `json:"key"`
	Cert        CertInfo        `json:"cert"`
	AuthMode    string          `json:"authMode"`
	SCAL        json.RawMessage `json:"SCAL"`
	PIN         *struct {
		Presence    string `json:"presence"` // "true", "false", "optional"
		Format      string `json:"format"`   // "A" or "N"
		Label       string `json:"label"`
		Description string `json:"description"`
	} `json:"PIN"`
	OTP *struct {
		Presence    bool   `json:"presence"`
		Type        string `json:"type"` // "offline" or "online"
		Format      string `json:"format"`
		Label       string `json:"label"`
		Description string `json:"description"`
		ID          string `json:"ID"`
		Provider    string `json:"provider"`
	} `json:"OTP"`
	Multisign int    `json:"multisign"`
	Lang      string `json:"lang"`
}

func (v *v1Info) v2(id string) CredentialInfo {
	ci := CredentialInfo{ID: id, Description: v.Description, Key: v.Key, Cert: v.Cert,
		SCAL: scal(v.SCAL), Multisign: v.Multisign, Lang: v.Lang, Auth: AuthInfo{Mode: v.AuthMode}}
	if p := v.PIN; p != nil && p.Presence != "false" {
		typ := "Password"
		if p.Format == "N" {
			typ = "Numeric"
		}
		ci.Auth.Objects = append(ci.Auth.Objects, AuthObject{Type: typ, ID: "PIN", Format: p.Format, Label: p.Label, Description: p.Description})
	}
	if o := v.OTP; o != nil && o.Presence {
		typ := "Password"
		if o.Format == "N" {
			typ = "Numeric"
		}
		desc := o.Description
		if desc == "" && o.Provider != "" {
			desc = o.Provider
		}
		ci.Auth.Objects = append(ci.Auth.Objects, AuthObject{Type: typ, ID: "OTP", Format: o.Format, Label: o.Label, Description: desc, Generator: o.Type})
	}
	return ci
}

// scal reads SCAL, a string in the specification and a number in some
// services.
func scal(raw json.RawMessage) string {
	s := strings.Trim(string(raw), `" `)
	if s == "" || s == "null" {
		return "1"
	}
	return s
}

// ListCredentials returns the IDs of the credentials the token may use
// (credentials/list).
func (c *Client) ListCredentials(ctx context.Context) ([]string, error) {
	var out struct {
		CredentialIDs []string `json:"credentialIDs"`
	}
	if err := c.call(ctx, "credentials/list", []byte(`{"maxResults":100}`), &out); err != nil {
		return nil, err
	}
	return out.CredentialIDs, nil
}

// Credentials lists the credentials with their info: in one
// credentials/list call with credentialInfo where the service gives it
// (v2), else one credentials/info per credential.
func (c *Client) Credentials(ctx context.Context) ([]CredentialInfo, error) {
	v1, err := c.v1(ctx)
	if err != nil {
		return nil, err
	}
	var ids []string
	if !v1 {
		var out struct {
			CredentialIDs   []string          `json:"credentialIDs"`
			CredentialInfos []json.RawMessage `json:"credentialInfos"`
		}
		body := []byte(`{"credentialInfo":true,"certificates":"chain","certInfo":true,"authInfo":true}`)
		if err := c.call(ctx, "credentials/list", body, &out); err != nil {
			return nil, err
		}
		if len(out.CredentialInfos) == len(out.CredentialIDs) && len(out.CredentialIDs) > 0 {
			infos := make([]CredentialInfo, 0, len(out.CredentialInfos))
			for i, raw := range out.CredentialInfos {
				ci, err := decodeInfo(raw, out.CredentialIDs[i], "credentials/list")
				if err != nil {
					return nil, err
				}
				infos = append(infos, ci)
			}
			return infos, nil
		}
		ids = out.CredentialIDs
	} else if ids, err = c.ListCredentials(ctx); err != nil {
		return nil, err
	}
	infos := make([]CredentialInfo, 0, len(ids))
	for _, id := range ids {
		ci, err := c.CredentialInfo(ctx, id)
		if err != nil {
			return nil, err
		}
		infos = append(infos, *ci)
	}
	return infos, nil
}

func decodeInfo(raw json.RawMessage, id, method string) (CredentialInfo, error) {
	// The outer SCAL shadows the embedded one: it may be a string or a
	// number.
	type plain CredentialInfo
	var p struct {
		plain
		SCAL json.RawMessage `json:"SCAL"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return CredentialInfo{}, fmt.Errorf("csc %s: malformed credential info: %w", method, err)
	}
	ci := CredentialInfo(p.plain)
	ci.SCAL = scal(p.SCAL)
	if ci.ID == "" {
		ci.ID = id
	}
	return ci, nil
}

// CredentialInfo calls credentials/info with the certificate chain and
// the auth objects.
func (c *Client) CredentialInfo(ctx context.Context, id string) (*CredentialInfo, error) {
	v1, err := c.v1(ctx)
	if err != nil {
		return nil, err
	}
	body, _ := json.Marshal(map[string]any{"credentialID": id, "certificates": "chain", "certInfo": true, "authInfo": true})
	var raw json.RawMessage
	if err := c.call(ctx, "credentials/info", body, &raw); err != nil {
		return nil, err
	}
	if v1 {
		var v v1Info
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("csc credentials/info: malformed reply: %w", err)
		}
		ci := v.v2(id)
		return &ci, nil
	}
	ci, err := decodeInfo(raw, id, "credentials/info")
	if err != nil {
		return nil, err
	}
	return &ci, nil
}

// AuthData is one secret for credentials/authorize: ID "PIN" or "OTP".
// Value is zeroed by Authorize.
type AuthData struct {
	ID    string
	Value []byte
}

// AuthorizeRequest is what credentials/authorize is asked for.
type AuthorizeRequest struct {
	NumSignatures int
	// Hashes bind the SAD to these digests (required for SCAL 2).
	Hashes           [][]byte
	HashAlgorithmOID string
	AuthData         []AuthData
	Description      string
}

// SAD is Signature Activation Data with its end of life. For a
// credential authorized in the browser (oauth2code, scope credential) it
// is the credential token instead, sent as the bearer of signHash.
type SAD struct {
	Value           string
	CredentialToken string
	Expires         time.Time
}

// Authorize calls credentials/authorize and returns the SAD. The secrets
// in req.AuthData are zeroed, and so is the request body after sending.
// A wrong PIN or OTP unwraps to signing.ErrPINIncorrect; it is never
// retried here.
func (c *Client) Authorize(ctx context.Context, credentialID string, req AuthorizeRequest) (SAD, error) {
	defer func() {
		for _, a := range req.AuthData {
			zero(a.Value)
		}
	}()
	v1, err := c.v1(ctx)
	if err != nil {
		return SAD{}, err
	}
	if req.NumSignatures < 1 {
		req.NumSignatures = 1
	}
	// Written by hand so the secrets go into one buffer that is zeroed,
	// not into Go strings that linger.
	var b bytes.Buffer
	b.WriteString(`{"credentialID":`)
	writeJSONString(&b, []byte(credentialID))
	b.WriteString(`,"numSignatures":` + strconv.Itoa(req.NumSignatures))
	if len(req.Hashes) > 0 {
		if v1 {
			b.WriteString(`,"hash":`)
		} else {
			b.WriteString(`,"hashes":`)
		}
		writeHashes(&b, req.Hashes)
		if !v1 && req.HashAlgorithmOID != "" {
			b.WriteString(`,"hashAlgorithmOID":`)
			writeJSONString(&b, []byte(req.HashAlgorithmOID))
		}
	}
	if req.Description != "" {
		b.WriteString(`,"description":`)
		writeJSONString(&b, []byte(req.Description))
	}
	if v1 {
		// v1 has top-level PIN and OTP fields.
		for _, a := range req.AuthData {
			b.WriteString(`,`)
			writeJSONString(&b, []byte(strings.ToUpper(a.ID)))
			b.WriteString(`:`)
			writeJSONString(&b, a.Value)
		}
	} else if len(req.AuthData) > 0 {
		b.WriteString(`,"authData":[`)
		for i, a := range req.AuthData {
			if i > 0 {
				b.WriteString(`,`)
			}
			b.WriteString(`{"id":`)
			writeJSONString(&b, []byte(a.ID))
			b.WriteString(`,"value":`)
			writeJSONString(&b, a.Value)
			b.WriteString(`}`)
		}
		b.WriteString(`]`)
	}
	b.WriteString(`}`)
	body := b.Bytes()
	defer zero(body[:cap(body)])
	var out struct {
		SAD       string `json:"SAD"`
		ExpiresIn int64  `json:"expiresIn"`
	}
	if err := c.call(ctx, "credentials/authorize", body, &out); err != nil {
		return SAD{}, err
	}
	if out.SAD == "" {
		return SAD{}, errMissing("credentials/authorize", "SAD")
	}
	if out.ExpiresIn <= 0 {
		out.ExpiresIn = 3600 // the specification's default
	}
	return SAD{Value: out.SAD, Expires: time.Now().Add(time.Duration(out.ExpiresIn) * time.Second)}, nil
}

// SignHash calls signatures/signHash for hashes under sad and returns one
// signature per hash, in order. signAlgoParams is DER (e.g. RSASSA-PSS
// parameters) or nil.
func (c *Client) SignHash(ctx context.Context, credentialID string, sad SAD, hashes [][]byte, hashAlgorithmOID, signAlgoOID string, signAlgoParams []byte) ([][]byte, error) {
	if !sad.Expires.IsZero() && time.Now().After(sad.Expires) {
		return nil, fmt.Errorf("csc signatures/signHash: %w", ErrSADExpired)
	}
	v1, err := c.v1(ctx)
	if err != nil {
		return nil, err
	}
	enc := make([]string, len(hashes))
	for i, h := range hashes {
		enc[i] = base64.StdEncoding.EncodeToString(h)
	}
	m := map[string]any{"credentialID": credentialID, "signAlgo": signAlgoOID}
	bearer := c.Token().AccessToken
	if sad.CredentialToken != "" {
		bearer = sad.CredentialToken
	} else {
		m["SAD"] = sad.Value
	}
	if v1 {
		m["hash"], m["hashAlgo"] = enc, hashAlgorithmOID
	} else {
		m["hashes"], m["hashAlgorithmOID"] = enc, hashAlgorithmOID
	}
	if len(signAlgoParams) > 0 {
		m["signAlgoParams"] = base64.StdEncoding.EncodeToString(signAlgoParams)
	}
	body, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	var out struct {
		Signatures []string `json:"signatures"`
	}
	if err := c.callWith(ctx, "signatures/signHash", body, bearer, &out); err != nil {
		return nil, err
	}
	if len(out.Signatures) != len(hashes) {
		return nil, fmt.Errorf("csc signatures/signHash: service returned %d signatures for %d hashes", len(out.Signatures), len(hashes))
	}
	sigs := make([][]byte, len(hashes))
	for i, s := range out.Signatures {
		if sigs[i], err = base64.StdEncoding.DecodeString(s); err != nil {
			return nil, fmt.Errorf("csc signatures/signHash: signature %d: %w", i+1, err)
		}
	}
	return sigs, nil
}

func writeHashes(b *bytes.Buffer, hashes [][]byte) {
	b.WriteString(`[`)
	for i, h := range hashes {
		if i > 0 {
			b.WriteString(`,`)
		}
		b.WriteString(`"` + base64.StdEncoding.EncodeToString(h) + `"`)
	}
	b.WriteString(`]`)
}

// writeJSONString writes s as a JSON string without making a Go string.
func writeJSONString(b *bytes.Buffer, s []byte) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRune(s[i:])
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteByte(byte(r))
		case r < 0x20 || r == utf8.RuneError && n == 1:
			c := s[i]
			b.WriteString(`\u00`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
		default:
			b.Write(s[i : i+n])
		}
		i += n
	}
	b.WriteByte('"')
}

func zero(b []byte) {
	for i := range b {
		b[i] = 0
	}
}
