package cli

import (
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/siegel-app/siegel/app"
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
	fs := newFlagSet(env, "keys", "[--module PATH]... [--json]")
	var modules stringList
	fs.Var(&modules, "module", "PKCS#11 module `PATH` (repeatable); default: the well-known modules installed here")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return usageError(env, fs, err)
	}
	if len(pos) != 0 {
		return usageError(env, fs, fmt.Errorf("unexpected argument %q", pos[0]))
	}
	ctx, stop := env.context()
	defer stop()
	res, err := app.ListTokens(ctx, modules)
	if err != nil {
		return fail(env, fmt.Errorf("keys: %w", err))
	}
	out := make([]jsonModule, 0, len(res))
	failed := false
	for _, m := range res {
		jm := jsonModule{Module: m.Module, Tokens: []jsonToken{}}
		if m.Err != nil {
			jm.Error = m.Err.Error()
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
		printKeys(env.Stdout, out)
	}
	if failed {
		for _, m := range out {
			if m.Error != "" {
				fmt.Fprintf(env.Stderr, "siegel: keys: %s\n", m.Error)
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

func printKeys(w io.Writer, mods []jsonModule) {
	for _, m := range mods {
		fmt.Fprintf(w, "Module %s\n", m.Module)
		if m.Error != "" {
			fmt.Fprintf(w, "  error: %s\n", m.Error)
			continue
		}
		if len(m.Tokens) == 0 {
			fmt.Fprintln(w, "  no token present")
		}
		for _, t := range m.Tokens {
			var flags []string
			for _, f := range []struct {
				on   bool
				name string
			}{{t.LoginRequired, "login required"}, {t.PINPad, "PIN pad"}, {t.PINCountLow, "PIN count low"},
				{t.PINFinalTry, "PIN final try"}, {t.PINLocked, "PIN LOCKED"}} {
				if f.on {
					flags = append(flags, f.name)
				}
			}
			fmt.Fprintf(w, "  Token %q serial %s (%s %s) slot %d", t.Label, t.Serial, t.Manufacturer, t.Model, t.Slot)
			if len(flags) > 0 {
				fmt.Fprintf(w, " [%s]", strings.Join(flags, ", "))
			}
			fmt.Fprintln(w)
			if len(t.Keys) == 0 {
				fmt.Fprintln(w, "    no keys visible without login")
			}
			for _, k := range t.Keys {
				fmt.Fprintf(w, "    Key %q id %s %s-%d", k.Label, k.ID, k.Type, k.Bits)
				if k.AlwaysAuthenticate {
					fmt.Fprint(w, " (PIN for every signature)")
				}
				fmt.Fprintln(w)
				if k.HasCertificate {
					fmt.Fprintf(w, "      Holder   %s\n      Issuer   %s\n      Valid    %s to %s\n      Usage    %s\n",
						k.Holder, k.Issuer, k.NotBefore, k.NotAfter, strings.Join(k.KeyUsage, ", "))
				} else {
					fmt.Fprintln(w, "      no certificate")
				}
				fmt.Fprintf(w, "      URI      %s\n", k.URI)
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
