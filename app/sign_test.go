package app_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/siegel-app/siegel/app"
	"github.com/siegel-app/siegel/internal/judge"
	"github.com/siegel-app/siegel/internal/softhsm"
	"github.com/siegel-app/siegel/internal/testpdf"
	"github.com/siegel-app/siegel/internal/testpki"
	"github.com/siegel-app/siegel/signing"
	"github.com/siegel-app/siegel/signing/cms"
	"github.com/siegel-app/siegel/signing/pades"
	"github.com/siegel-app/siegel/signing/pkcs11"
)

// TestSignOrderAndOnce: the review comes before any PIN, the key signs
// exactly once per document, and a key that wants its PIN for every
// signature (CKA_ALWAYS_AUTHENTICATE) is asked for it.
func TestSignOrderAndOnce(t *testing.T) {
	pki := testpki.MustShared(t)
	tok := softhsm.NewToken(t, "siegel-app", "1234")
	tok.ImportKey(t, []byte{1}, "plain", pki.SignerRSA, pki.Chain(pki.SignerRSA), false)
	tok.ImportKey(t, []byte{2}, "always", pki.SignerEC, pki.Chain(pki.SignerEC), true)

	for _, tc := range []struct {
		name string
		id   []byte
		want []string
	}{
		{"login once", []byte{1}, []string{"review", "pin:user"}},
		{"always authenticate", []byte{2}, []string{"review", "pin:user", "pin:context"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var events []string
			pin := func(_ context.Context, r signing.PINRequest) ([]byte, error) {
				kind := map[signing.PINKind]string{signing.UserPIN: "user", signing.ContextPIN: "context"}[r.Kind]
				events = append(events, "pin:"+kind)
				return []byte("1234"), nil
			}
			key, err := pkcs11.Open(context.Background(), tok.URI(tc.id), pkcs11.Options{PIN: pin})
			if err != nil {
				t.Fatal(err)
			}
			defer key.Close()
			dir := t.TempDir()
			in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
			os.WriteFile(in, testpdf.Pages(1), 0o644)
			_, err = app.Sign(context.Background(), app.SignRequest{Key: key, In: in, Out: out}, app.Ports{
				PIN: pin,
				Review: func(_ context.Context, r *app.Review) error {
					events = append(events, "review")
					if _, err := os.Stat(r.Prepared); err != nil {
						t.Errorf("prepared revision not there to show: %v", err)
					}
					return nil
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			if key.Signatures() != 1 {
				t.Errorf("key signed %d times, want once", key.Signatures())
			}
			if !slices.Equal(events, tc.want) {
				t.Errorf("events %v, want %v", events, tc.want)
			}
			if sigs := judge.PDFSig(t, out); len(sigs) != 1 || !sigs[0].Valid {
				t.Errorf("pdfsig: %+v", sigs)
			}
		})
	}
}

// TestSignCancelledAtReview: declining the review signs nothing and leaves
// nothing behind.
func TestSignCancelledAtReview(t *testing.T) {
	pki := testpki.MustShared(t)
	dir := t.TempDir()
	der, _ := pki.PKCS12(pki.SignerEC, "pw")
	p12 := filepath.Join(dir, "k.p12")
	os.WriteFile(p12, der, 0o600)
	in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
	os.WriteFile(in, testpdf.Pages(1), 0o644)
	_, err := app.Sign(context.Background(), app.SignRequest{KeyURI: "pkcs12:" + p12, In: in, Out: out}, app.Ports{
		// A PKCS#12 file is decrypted to read its chain, so its password
		// comes before the review; a card's PIN comes after (above).
		PIN: func(context.Context, signing.PINRequest) ([]byte, error) { return []byte("pw"), nil },
		Review: func(context.Context, *app.Review) error {
			return signing.ErrCancelled
		},
	})
	if !errors.Is(err, signing.ErrCancelled) {
		t.Fatalf("err = %v, want ErrCancelled", err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 2 {
		t.Errorf("directory has %d entries after a cancelled signature, want in.pdf and k.p12", len(ents))
	}
}

func TestStampLines(t *testing.T) {
	pki := testpki.MustShared(t)
	at := time.Date(2026, 11, 25, 14, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		lang, reason string
		want         []string
	}{
		{"en_US.UTF-8", "", []string{"Digitally signed by Erika Mustermann", "Date: 2026-11-25 14:30:00 +00:00"}},
		{"de_DE.UTF-8", "Freigabe", []string{"Digital signiert von Erika Mustermann", "Datum: 25.11.2026 14:30:00 +00:00", "Grund: Freigabe"}},
		{"sl", "Odobritev", []string{"Podpisnik: Erika Mustermann", "Datum: 25. 11. 2026 14:30:00 +00:00", "Razlog: Odobritev"}},
	} {
		if got := app.StampLines(pki.SignerRSA.Cert, at, tc.reason, tc.lang); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %q, want %q", tc.lang, got, tc.want)
		}
	}
}

// TestReviewedDigestIsSigned: with a SoftHSM2 token, the digest the review
// shows is the one in the signature, and a prepared file changed on disk
// between review and signing is refused without a signature being made.
func TestReviewedDigestIsSigned(t *testing.T) {
	pki := testpki.MustShared(t)
	tok := softhsm.NewToken(t, "siegel-review", "1234")
	tok.ImportKey(t, []byte{1}, "rsa", pki.SignerRSA, pki.Chain(pki.SignerRSA), false)
	asked := 0
	pin := func(context.Context, signing.PINRequest) ([]byte, error) { asked++; return []byte("1234"), nil }

	for _, tamper := range []bool{false, true} {
		asked = 0
		key, err := pkcs11.Open(context.Background(), tok.URI([]byte{1}), pkcs11.Options{PIN: pin})
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
		os.WriteFile(in, testpdf.Pages(2), 0o644)
		var shown []byte
		_, err = app.Sign(context.Background(), app.SignRequest{Key: key, In: in, Out: out}, app.Ports{
			PIN: pin,
			Review: func(_ context.Context, r *app.Review) error {
				shown = r.Digest
				if tamper {
					// Someone changes a byte of the revision being signed.
					f, err := os.OpenFile(r.Prepared, os.O_RDWR, 0)
					if err != nil {
						return err
					}
					defer f.Close()
					_, err = f.WriteAt([]byte("X"), 200)
					return err
				}
				return nil
			},
		})
		key.Close()
		if tamper {
			if !errors.Is(err, pades.ErrPreparedChanged) {
				t.Fatalf("tampered revision: err = %v, want ErrPreparedChanged", err)
			}
			if _, serr := os.Stat(out); serr == nil {
				t.Error("an output was written from a tampered revision")
			}
			if asked != 0 {
				t.Error("the PIN was asked for a revision changed after the review")
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		raw := judge.Signatures(t, out)
		sd, err := cms.Parse(raw[0].CMS)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(sd.MessageDigest, shown) {
			t.Errorf("signed digest %x, shown %x", sd.MessageDigest, shown)
		}
		data, _ := os.ReadFile(out)
		br := raw[0].ByteRange
		h := sha256.New()
		h.Write(data[br[0] : br[0]+br[1]])
		h.Write(data[br[2] : br[2]+br[3]])
		if !bytes.Equal(h.Sum(nil), shown) {
			t.Error("the digest shown is not the SHA-256 of the signed byte ranges")
		}
	}
}
