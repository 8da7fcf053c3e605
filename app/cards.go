package app

import (
	"context"

	"github.com/siegel-app/siegel/cardreader"
	"github.com/siegel-app/siegel/signing/pkcs11"
	"github.com/siegel-app/siegel/signing/pkcs11/agent"
)

// CardSlot is a reader with its card and, when a PKCS#11 module knows the
// card, the token and keys on it.
type CardSlot struct {
	Reader cardreader.Reader
	Token  *pkcs11.TokenInfo // nil when no module shows a token for this reader
}

// CardOptions configure Cards.
type CardOptions struct {
	cardreader.Options
	// Modules are the PKCS#11 modules asked for tokens; empty means the
	// card modules installed here (OpenSC and configured vendor modules).
	Modules []string
}

// Cards lists readers, their cards and the tokens the PKCS#11 modules show
// for them. Without a PC/SC service it returns cardreader.ErrNoService.
func Cards(ctx context.Context, opts CardOptions) ([]CardSlot, error) {
	readers, err := cardreader.List(opts.Options)
	if err != nil {
		return nil, err
	}
	out := make([]CardSlot, len(readers))
	for i, r := range readers {
		out[i].Reader = r
	}
	var tokens []pkcs11.TokenInfo
	for _, m := range pkcs11.CardModules(opts.Modules) {
		toks, err := agent.ListTokens(ctx, m)
		if err != nil {
			continue // a module that cannot list is no reason to hide the readers
		}
		tokens = append(tokens, toks...)
	}
	for i := range out {
		if out[i].Reader.Card == nil {
			continue
		}
		for j := range tokens {
			if pkcs11.SlotOfReader(tokens[j].SlotDescription, out[i].Reader.Name) {
				out[i].Token = &tokens[j]
				break
			}
		}
	}
	return out, nil
}
