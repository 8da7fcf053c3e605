package pkcs11

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/siegel-app/siegel/signing"
)

// CardModules are the modules to ask about cards in readers: the given
// ones (configured vendor modules), or else the OpenSC module(s) installed
// here.
func CardModules(given []string) []string {
	if len(given) > 0 {
		return given
	}
	var out []string
	for _, m := range DefaultModules() {
		if strings.Contains(strings.ToLower(m), "opensc") {
			out = append(out, m)
		}
	}
	return out
}

// SlotOfReader reports whether a slot belongs to a PC/SC reader. OpenSC
// names each slot after its reader, with a suffix when a reader has
// several.
func SlotOfReader(slotDescription, reader string) bool {
	return slotDescription == reader || strings.HasPrefix(slotDescription, reader+" ")
}

// CardKeyURI resolves "card:READER" (optionally "card:READER?id=HEX",
// "?object=LABEL" or "?module-path=PATH") to the PKCS#11 URI of the
// signing key on the card in that reader. Without id or object it picks
// the card's signature key: one that asks the PIN for every signature
// (qualified signature keys do), else one certified for non-repudiation,
// else the first key with a certificate.
//
// list lists a module's tokens: ListTokens in this process, or through the
// out-of-process agent.
func CardKeyURI(card string, modules []string, list func(module string) ([]TokenInfo, error)) (string, error) {
	rest := strings.TrimPrefix(card, "card:")
	reader, query, _ := strings.Cut(rest, "?")
	q, err := url.ParseQuery(query)
	if err != nil {
		return "", fmt.Errorf("key %q: %w", card, err)
	}
	if reader, err = url.PathUnescape(reader); err != nil || reader == "" {
		return "", fmt.Errorf("key %q: no reader named", card)
	}
	if m := q.Get("module-path"); m != "" {
		modules = []string{m}
	}
	modules = CardModules(modules)
	if len(modules) == 0 {
		return "", fmt.Errorf("card in reader %q: no card module found (install OpenSC, or name one with ?module-path=)", reader)
	}
	var lastErr error
	for _, m := range modules {
		toks, err := list(m)
		if err != nil {
			lastErr = err
			continue
		}
		for _, t := range toks {
			if !SlotOfReader(t.SlotDescription, reader) {
				continue
			}
			k, err := pickKey(t.Keys, q.Get("id"), q.Get("object"))
			if err != nil {
				return "", fmt.Errorf("card in reader %q: %w", reader, err)
			}
			return k.URI, nil
		}
	}
	if lastErr != nil {
		return "", fmt.Errorf("card in reader %q: %w", reader, lastErr)
	}
	return "", fmt.Errorf("card in reader %q: %w (no card, or a card the module does not know)", reader, signing.ErrTokenNotPresent)
}

func pickKey(keys []KeyInfo, id, object string) (*KeyInfo, error) {
	var withCert []*KeyInfo
	for i := range keys {
		k := &keys[i]
		if id != "" || object != "" {
			if (id == "" || strings.EqualFold(fmt.Sprintf("%x", k.ID), id)) && (object == "" || k.Label == object) {
				return k, nil
			}
			continue
		}
		if k.Certificate != nil {
			withCert = append(withCert, k)
		}
	}
	if id != "" || object != "" {
		return nil, signing.ErrKeyNotFound
	}
	if len(withCert) == 0 {
		return nil, errors.Join(signing.ErrKeyNotFound, errors.New("the card has no key with a certificate"))
	}
	for _, k := range withCert {
		if k.AlwaysAuthenticate {
			return k, nil
		}
	}
	for _, k := range withCert {
		if k.Certificate.KeyUsage&x509.KeyUsageContentCommitment != 0 {
			return k, nil
		}
	}
	return withCert[0], nil
}
