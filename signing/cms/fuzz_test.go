package cms_test

import (
	"context"
	"crypto"
	"errors"
	"testing"

	"github.com/siegel-app/siegel/internal/testpki"
	"github.com/siegel-app/siegel/internal/tsatest"
	"github.com/siegel-app/siegel/signing/cms"
	"github.com/siegel-app/siegel/signing/tsa"
)

// FuzzParse holds Parse, Verify and ParseTimestampToken to never panicking
// on what an attacker can put into a PDF's /Contents, and Parse to report
// every failure as ErrMalformed. Seeds are real signatures and tokens.
func FuzzParse(f *testing.F) {
	p := testpki.MustShared(f)
	srv := tsatest.New(f, p)
	client := &tsa.Client{URL: srv.URL}
	digest := digestOf(crypto.SHA256, []byte("seed"))
	for _, s := range signers {
		e := s.entity(p)
		opts := s.opts
		for _, ts := range []bool{false, true} {
			if ts {
				opts.Timestamper = client.Timestamp
			}
			der, err := cms.SignDetached(context.Background(), e.Key, p.Chain(e), digestOf(opts.Hash, []byte("seed")), opts)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(der)
			if ts {
				sd, err := cms.Parse(der)
				if err != nil {
					f.Fatal(err)
				}
				f.Add(sd.TimestampToken)
			}
		}
	}
	tok, err := client.TimestampDigest(context.Background(), digest)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(tok)
	f.Add([]byte{})
	f.Add([]byte{0x30, 0x80, 0x00, 0x00}) // BER indefinite length

	f.Fuzz(func(t *testing.T, der []byte) {
		if _, _, err := cms.ParseTimestampToken(der); err != nil && !errors.Is(err, cms.ErrMalformed) {
			t.Fatalf("ParseTimestampToken error is not ErrMalformed: %v", err)
		}
		sd, err := cms.Parse(der)
		if err != nil {
			if !errors.Is(err, cms.ErrMalformed) {
				t.Fatalf("Parse error is not ErrMalformed: %v", err)
			}
			return
		}
		sd.Signer()
		_ = sd.Verify(sd.MessageDigest)
		_ = sd.Verify(nil)
	})
}
