package cli

import (
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/siegel-app/siegel/app"
	"github.com/siegel-app/siegel/signing/csc"
	"github.com/siegel-app/siegel/signing/pkcs11"
)

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// JSON shapes of "siegel keys --json": a contract for scripts.
type jsonModule struct {
	Module string      `json:"module"`
	Error  string      `json:"error,omitempty"`
	Tokens []jsonToken `json:"tokens"`
}

type jsonToken struct {
	Slot            uint      `json:"slot"`
	SlotDescription string    `json:"slotDescription"`
	Label           string    `json:"label"`
	Serial          string    `json:"serial"`
	Manufacturer    string    `json:"manufacturer"`
	Model           string    `json:"model"`
	LoginRequired   bool      `json:"loginRequired"`
	PINPad          bool      `json:"pinPad"`
	PINFinalTry     bool      `json:"pinFinalTry"`
	PINLocked       bool      `json:"pinLocked"`
	PINCountLow     bool      `json:"pinCountLow"`
	Keys            []jsonKey `json:"keys"`
}

type jsonKey struct {
	Label              string   `json:"label"`
	ID                 string   `json:"id"`
	Type               string   `json:"type"`
	Bits               int      `json:"bits"`
	AlwaysAuthenticate bool     `json:"alwaysAuthenticate"`
	URI                string   `json:"uri"`
	Holder             string   `json:"holder,omitempty"`
	Issuer             string   `json:"issuer,omitempty"`
	NotBefore          string   `json:"notBefore,omitempty"`
	NotAfter           string   `json:"notAfter,omitempty"`
	KeyUsage           []string `json:"keyUsage,omitempty"`
	HasCertificate     bool     `json:"hasCertificate"`
}

func runKeys(env Env, args []string) int {
	fs := newFlagSet(env, "keys", env.T("[--module PATH]... [--json] | --csc URL (--client-id ID --client-secret-file FILE | --username USER --password-file FILE) [--json]"))
	var modules stringList
	fs.Var(&modules, "module", env.T("PKCS#11 module `PATH` (repeatable); default: the well-known modules installed here"))
	asJSON := fs.Bool("json", false, env.T("print JSON"))
	service := fs.String("csc", "", env.T("list the credentials at the remote signing service `URL` (https://HOST/csc/v2) instead"))
	cf := addCSCFlags(env, fs, "--csc")
	pos, err := parse(env, fs, args)
	if err != nil {
		return usageError(env, fs, err)
	}
	if len(pos) != 0 {
		return usageError(env, fs, env.errorf("unexpected argument %q", pos[0]))
	}
	if *service != "" {
		if len(modules) > 0 {
			return usageError(env, fs, env.errorf("--csc and --module exclude each other"))
		}
		auth, err := cf.auth(env)
		if err != nil {
			return usageError(env, fs, err)
		}
		return runKeysCSC(env, *service, auth, *asJSON)
	}
	if cf.set() {
		return usageError(env, fs, env.errorf("--client-id, --client-secret-file, --username and --password-file are for --csc"))
	}
	ctx, stop := env.context()
	defer stop()
	res, err := app.ListTokens(ctx, modules)
	if err != nil {
		return failOp(env, "keys", "", fmt.Errorf("keys: %w", err))
	}
	out := make([]jsonModule, 0, len(res))
	modErr := map[string]error{}
	failed := false
	for _, m := range res {
		jm := jsonModule{Module: m.Module, Tokens: []jsonToken{}}
		if m.Err != nil {
			jm.Error = m.Err.Error()
			modErr[m.Module] = m.Err
			failed = true
		}
		for _, t := range m.Tokens {
			jt := tokenJSON(t)
			jm.Tokens = append(jm.Tokens, jt)
		}
		out = append(out, jm)
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return fail(env, err)
		}
	} else {
		printKeys(env, env.Stdout, out)
	}
	if failed {
		for _, m := range out {
			if m.Error != "" {
				fmt.Fprintf(env.Stderr, "siegel: %s\n", env.errText("keys", "", fmt.Errorf("keys: %w", modErr[m.Module])))
			}
		}
		return ExitError
	}
	return ExitOK
}

// tokenJSON is the JSON form of a token and its keys.
func tokenJSON(t pkcs11.TokenInfo) jsonToken {
	jt := jsonToken{Slot: t.SlotID, SlotDescription: t.SlotDescription, Label: t.Label, Serial: t.Serial,
		Manufacturer: t.Manufacturer, Model: t.Model, LoginRequired: t.LoginRequired, PINPad: t.PINPad,
		PINFinalTry: t.PINFinalTry, PINLocked: t.PINLocked, PINCountLow: t.PINCountLow, Keys: []jsonKey{}}
	for _, k := range t.Keys {
		jk := jsonKey{Label: k.Label, ID: hex.EncodeToString(k.ID), Type: k.KeyType, Bits: k.Bits,
			AlwaysAuthenticate: k.AlwaysAuthenticate, URI: k.URI, HasCertificate: k.Certificate != nil}
		if c := k.Certificate; c != nil {
			jk.Holder = c.Subject.String()
			jk.Issuer = c.Issuer.String()
			jk.NotBefore = c.NotBefore.UTC().Format(time.RFC3339)
			jk.NotAfter = c.NotAfter.UTC().Format(time.RFC3339)
			jk.KeyUsage = keyUsage(c.KeyUsage)
		}
		jt.Keys = append(jt.Keys, jk)
	}
	return jt
}

func printKeys(env Env, w io.Writer, mods []jsonModule) {
	for _, m := range mods {
		fmt.Fprintf(w, "%s %s\n", env.T("Module"), m.Module)
		if m.Error != "" {
			fmt.Fprintf(w, "  %s: %s\n", env.T("error"), m.Error)
			continue
		}
		if len(m.Tokens) == 0 {
			fmt.Fprintln(w, "  "+env.T("no token present"))
		}
		for _, t := range m.Tokens {
			var flags []string
			for _, f := range []struct {
				on   bool
				name string
			}{{t.LoginRequired, msg("login required")}, {t.PINPad, msg("PIN pad")}, {t.PINCountLow, msg("PIN count low")},
				{t.PINFinalTry, msg("PIN final try")}, {t.PINLocked, msg("PIN LOCKED")}} {
				if f.on {
					flags = append(flags, env.T(f.name))
				}
			}
			fmt.Fprintf(w, "  %s %s", env.T("Token"), env.Tf("%q serial %s (%s %s) slot %d", t.Label, t.Serial, t.Manufacturer, t.Model, t.Slot))
			if len(flags) > 0 {
				fmt.Fprintf(w, " [%s]", strings.Join(flags, ", "))
			}
			fmt.Fprintln(w)
			if len(t.Keys) == 0 {
				fmt.Fprintln(w, "    "+env.T("no keys visible without login"))
			}
			for _, k := range t.Keys {
				fmt.Fprintf(w, "    %s %q id %s %s-%d", env.T("Key"), k.Label, k.ID, k.Type, k.Bits)
				if k.AlwaysAuthenticate {
					fmt.Fprint(w, " "+env.T("(PIN for every signature)"))
				}
				fmt.Fprintln(w)
				var rows [][2]string
				if k.HasCertificate {
					rows = append(rows, [2]string{env.T("Holder"), k.Holder}, [2]string{env.T("Issuer"), k.Issuer},
						[2]string{env.T("Valid"), env.Tf("%s to %s", k.NotBefore, k.NotAfter)},
						[2]string{env.T("Usage"), strings.Join(k.KeyUsage, ", ")})
				} else {
					fmt.Fprintln(w, "      "+env.T("no certificate"))
				}
				rows = append(rows, [2]string{"URI", k.URI})
				writeIndented(w, "      ", 8, rows)
			}
		}
	}
}

// keyUsage names the key usage bits (RFC 5280 §4.2.1.3).
func keyUsage(ku x509.KeyUsage) []string {
	names := []string{"digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment",
		"keyAgreement", "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly"}
	var out []string
	for i, n := range names {
		if ku&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// JSON shapes of "siegel keys --csc URL --json": a contract for scripts.
type jsonCSCService struct {
	Service     string           `json:"service"`
	Name        string           `json:"name"`
	Specs       string           `json:"specs"`
	AuthTypes   []string         `json:"authTypes"`
	Credentials []jsonCredential `json:"credentials"`
}

type jsonCredential struct {
	ID          string           `json:"id"`
	URI         string           `json:"uri"`
	Description string           `json:"description,omitempty"`
	KeyStatus   string           `json:"keyStatus"`
	KeyAlgo     []string         `json:"keyAlgo"`
	KeyLen      int              `json:"keyLen"`
	Curve       string           `json:"curve,omitempty"`
	CertStatus  string           `json:"certStatus,omitempty"`
	Chain       []jsonCert       `json:"chain"`
	SCAL        string           `json:"scal"`
	Multisign   int              `json:"multisign"`
	AuthMode    string           `json:"authMode"`
	AuthObjects []csc.AuthObject `json:"authObjects"`
	Error       string           `json:"error,omitempty"`
}

type jsonCert struct {
	Subject   string `json:"subject"`
	Issuer    string `json:"issuer"`
	Serial    string `json:"serial"`
	NotBefore string `json:"notBefore"`
	NotAfter  string `json:"notAfter"`
}

// runKeysCSC lists the credentials of a CSC service (credentials/list and
// credentials/info) with a client credentials token or a basic login.
func runKeysCSC(env Env, service string, auth *csc.Auth, asJSON bool) int {
	defer auth.Zero()
	ctx, stop := env.context()
	defer stop()
	c := &csc.Client{BaseURL: strings.TrimRight(service, "/")}
	info, err := c.Info(ctx)
	if err != nil {
		return failOp(env, "keys", "", fmt.Errorf("keys: %w", err))
	}
	if auth.Username != "" {
		_, err = c.Login(ctx, auth.Username, auth.Password)
	} else {
		_, err = c.ClientCredentials(ctx, auth.ClientID, auth.ClientSecret)
	}
	if err != nil {
		return failOp(env, "keys", "", fmt.Errorf("keys: %w", err))
	}
	creds, err := c.Credentials(ctx)
	if err != nil {
		return failOp(env, "keys", "", fmt.Errorf("keys: %w", err))
	}
	out := jsonCSCService{Service: c.BaseURL, Name: info.Name, Specs: info.Specs, AuthTypes: info.AuthType, Credentials: []jsonCredential{}}
	for _, ci := range creds {
		jc := jsonCredential{ID: ci.ID, URI: "csc:" + c.BaseURL + "?credential=" + url.QueryEscape(ci.ID),
			Description: ci.Description, KeyStatus: ci.Key.Status, KeyAlgo: ci.Key.Algo, KeyLen: ci.Key.Len, Curve: ci.Key.Curve,
			CertStatus: ci.Cert.Status, Chain: []jsonCert{}, SCAL: ci.SCAL, Multisign: ci.Multisign,
			AuthMode: ci.Auth.Mode, AuthObjects: ci.Auth.Objects}
		if jc.AuthObjects == nil {
			jc.AuthObjects = []csc.AuthObject{}
		}
		chain, err := ci.Chain()
		if err != nil {
			jc.Error = err.Error()
		}
		for _, cert := range chain {
			jc.Chain = append(jc.Chain, jsonCert{Subject: cert.Subject.String(), Issuer: cert.Issuer.String(),
				Serial: cert.SerialNumber.Text(16), NotBefore: cert.NotBefore.UTC().Format(time.RFC3339),
				NotAfter: cert.NotAfter.UTC().Format(time.RFC3339)})
		}
		out.Credentials = append(out.Credentials, jc)
	}
	if asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return fail(env, err)
		}
		return ExitOK
	}
	w := env.Stdout
	fmt.Fprintln(w, env.Tf("Service %s (%s, CSC API %s)", out.Name, out.Service, out.Specs))
	if len(out.Credentials) == 0 {
		fmt.Fprintln(w, "  "+env.T("no credentials"))
	}
	for _, jc := range out.Credentials {
		fmt.Fprintf(w, "  %s %q %s-%d SCAL %s", env.T("Credential"), jc.ID, strings.Join(jc.KeyAlgo, ","), jc.KeyLen, jc.SCAL)
		if jc.Multisign > 1 {
			fmt.Fprint(w, " "+env.Tf("(up to %d signatures per authorization)", jc.Multisign))
		}
		fmt.Fprintln(w)
		if jc.Description != "" {
			fmt.Fprintf(w, "    %s %s\n", env.T("Description"), jc.Description)
		}
		for i, cert := range jc.Chain {
			fmt.Fprintf(w, "    %s  %s\n            %s\n", env.Tf("Cert %d", i+1), cert.Subject, env.Tf("valid %s to %s", cert.NotBefore, cert.NotAfter))
		}
		var objs []string
		for _, o := range jc.AuthObjects {
			s := o.ID
			if o.Description != "" {
				s += " (" + o.Description + ")"
			}
			objs = append(objs, s)
		}
		writeIndented(w, "    ", 7, [][2]string{{env.T("Auth"), jc.AuthMode + " " + strings.Join(objs, ", ")}, {"URI", jc.URI}})
	}
	return ExitOK
}
