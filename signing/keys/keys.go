// Package keys opens a signing.Key from its URI, choosing the backend by
// scheme: RFC 7512 "pkcs11:" URIs for tokens, cards and HSMs,
// "card:READER" for the card in a PC/SC reader, "pkcs12:/path/file.p12"
// for key files, "csc:https://HOST/csc/v2?credential=ID" for a credential
// at a remote signing service (CSC API), and "demo:" for the demo key that
// needs no card or file.
package keys

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/siegel-app/siegel/signing"
	"github.com/siegel-app/siegel/signing/csc"
	"github.com/siegel-app/siegel/signing/demo"
	"github.com/siegel-app/siegel/signing/pkcs11"
	"github.com/siegel-app/siegel/signing/pkcs11/agent"
	"github.com/siegel-app/siegel/signing/pkcs12"
)

// Options are handed to the backend.
type Options struct {
	PIN    signing.PINFunc
	Logger *slog.Logger
	// CardModules are configured vendor modules for "card:" keys; OpenSC
	// is used when empty.
	CardModules []string
	// CSC authorizes "csc:" keys at the service (client ID and secret, or
	// a token); its ClientSecret is zeroed once used.
	CSC *csc.Auth
}

// Open opens the key named by uri.
func Open(ctx context.Context, uri string, opts Options) (signing.Key, error) {
	scheme, rest, ok := strings.Cut(uri, ":")
	if !ok {
		return nil, fmt.Errorf("key %q: not a key URI (expected pkcs11:…, card:READER or pkcs12:/path/file.p12)", uri)
	}
	switch strings.ToLower(scheme) {
	case "pkcs11":
		// Out of process: a module that hangs (OpenSC when a card is
		// pulled mid-signature) costs a restarted agent, not a frozen app.
		return agent.Open(ctx, uri, pkcs11.Options{PIN: opts.PIN, Logger: opts.Logger})
	case "card":
		keyURI, err := pkcs11.CardKeyURI(uri, opts.CardModules, func(m string) ([]pkcs11.TokenInfo, error) {
			return agent.ListTokens(ctx, m)
		})
		if err != nil {
			return nil, err
		}
		return agent.Open(ctx, keyURI, pkcs11.Options{PIN: opts.PIN, Logger: opts.Logger})
	case "pkcs12":
		path := strings.TrimPrefix(rest, "//")
		if path == "" {
			return nil, fmt.Errorf("key %q: no file named", uri)
		}
		return pkcs12.Open(ctx, path, opts.PIN)
	case "csc":
		var auth csc.Auth
		if opts.CSC != nil {
			auth = *opts.CSC
		}
		return csc.Open(ctx, uri, csc.Options{PIN: opts.PIN, Logger: opts.Logger, Auth: auth})
	case "demo":
		return demo.Open()
	default:
		return nil, fmt.Errorf("key %q: %w key scheme %q (use pkcs11:, card:, pkcs12:, csc: or demo:)", uri, signing.ErrUnsupported, scheme)
	}
}
