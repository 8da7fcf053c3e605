package ui

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/siegel-app/siegel/app"
	"github.com/siegel-app/siegel/cardreader"
	"github.com/siegel-app/siegel/signing"
	"github.com/siegel-app/siegel/signing/pkcs11"
)

func TestKeyListEvents(t *testing.T) {
	l := NewKeyList()
	card := func(pin cardreader.PINState) *cardreader.Card {
		return &cardreader.Card{Name: "D-Trust Card 5", PIN: pin}
	}
	l.Apply(cardreader.Event{Kind: cardreader.ReaderAdded, Reader: cardreader.Reader{Name: "Reader B"}})
	if n := len(l.Items()); n != 0 {
		t.Fatalf("empty reader listed: %d items", n)
	}
	l.Apply(cardreader.Event{Kind: cardreader.CardInserted, Reader: cardreader.Reader{Name: "Reader B", PINPad: true,
		Card: card(cardreader.PINState{Known: true, RetriesLeft: 1})}})
	l.Apply(cardreader.Event{Kind: cardreader.CardInserted, Reader: cardreader.Reader{Name: "Reader A",
		Card: card(cardreader.PINState{Known: true, Blocked: true})}})
	items := l.Items()
	if len(items) != 2 || items[0].URI != "card:Reader A" || items[1].URI != "card:Reader B" {
		t.Fatalf("items = %+v", items)
	}
	if !items[0].Blocked || !strings.Contains(items[0].Detail, "blocked") {
		t.Errorf("blocked card: %+v", items[0])
	}
	if !strings.Contains(items[1].Detail, "Last PIN try") || !strings.Contains(items[1].Detail, "PIN pad") {
		t.Errorf("final-try pin-pad card: %+v", items[1])
	}
	l.Select(1)
	if l.Selected != "card:Reader B" {
		t.Fatalf("Selected = %q", l.Selected)
	}
	l.Apply(cardreader.Event{Kind: cardreader.CardRemoved, Reader: cardreader.Reader{Name: "Reader B"}})
	if l.Selected != "" || len(l.Items()) != 1 {
		t.Errorf("after removal: selected %q, items %+v", l.Selected, l.Items())
	}
	l.Apply(cardreader.Event{Kind: cardreader.ServiceDown})
	if len(l.Items()) != 0 || l.Status == "" {
		t.Errorf("service down: status %q, items %+v", l.Status, l.Items())
	}
}

func TestKeyListTokensAndFiles(t *testing.T) {
	l := NewKeyList()
	cert := &x509.Certificate{Subject: pkix.Name{CommonName: "Erika Mustermann"}}
	l.SetTokens([]app.ModuleTokens{{Module: "/usr/lib/softhsm/libsofthsm2.so", Tokens: []pkcs11.TokenInfo{{
		Label: "siegel",
		Keys: []pkcs11.KeyInfo{
			{Label: "k1", Certificate: cert, URI: "pkcs11:token=siegel;id=%01"},
			{Label: "no cert", URI: "pkcs11:token=siegel;id=%02"},
		},
	}}}})
	l.AddFile("/home/erika/key.p12")
	items := l.Items()
	if len(items) != 2 {
		t.Fatalf("items = %+v", items)
	}
	if items[0].Title != "Erika Mustermann" || !strings.Contains(items[0].Detail, "libsofthsm2.so") {
		t.Errorf("token key = %+v", items[0])
	}
	if items[1].URI != "pkcs12:/home/erika/key.p12" || l.Selected != items[1].URI {
		t.Errorf("file = %+v, selected %q", items[1], l.Selected)
	}
}

// TestKeyListCardOnce: a card's PKCS#11 token (OpenSC names the slot
// after the reader) is not listed beside the card itself; other tokens
// are, and the token comes back when the card's reader empties.
func TestKeyListCardOnce(t *testing.T) {
	l := NewKeyList()
	cert := &x509.Certificate{Subject: pkix.Name{CommonName: "Erika Mustermann"}}
	l.SetTokens([]app.ModuleTokens{{Module: "opensc-pkcs11.so", Tokens: []pkcs11.TokenInfo{
		{Label: "PIV", SlotDescription: "Virtual PCD 00 00", Keys: []pkcs11.KeyInfo{{Certificate: cert, URI: "pkcs11:token=PIV;id=%02"}}},
		{Label: "HSM", SlotDescription: "SoftHSM slot 0", Keys: []pkcs11.KeyInfo{{Certificate: cert, URI: "pkcs11:token=HSM;id=%01"}}},
	}}})
	l.Apply(cardreader.Event{Kind: cardreader.CardInserted, Reader: cardreader.Reader{Name: "Virtual PCD 00 00", Card: &cardreader.Card{Name: "PIV"}}})
	var uris []string
	for _, it := range l.Items() {
		uris = append(uris, it.URI)
	}
	if want := []string{"card:Virtual PCD 00 00", "pkcs11:token=HSM;id=%01"}; !slices.Equal(uris, want) {
		t.Errorf("items %q, want %q", uris, want)
	}
	l.Apply(cardreader.Event{Kind: cardreader.CardRemoved, Reader: cardreader.Reader{Name: "Virtual PCD 00 00"}})
	if n := len(l.Items()); n != 2 {
		t.Errorf("%d items after the card left, want both tokens (until relisted)", n)
	}
}

func TestOptionsRequest(t *testing.T) {
	for _, tc := range []struct {
		name    string
		opts    Options
		in, key string
		wantErr error
		check   func(*testing.T, app.SignRequest)
	}{
		{name: "no document", opts: Options{Level: app.LevelBB}, key: "card:R", wantErr: ErrNoDocument},
		{name: "no key", opts: Options{Level: app.LevelBB}, in: "a.pdf", wantErr: ErrNoKey},
		{name: "B-T without TSA", opts: Options{Level: app.LevelBT, TSA: " "}, in: "a.pdf", key: "card:R", wantErr: ErrNoTSA},
		{name: "B-LT without TSA", opts: Options{Level: app.LevelBLT}, in: "a.pdf", key: "card:R", wantErr: ErrNoTSA},
		{name: "B-LTA", opts: Options{Level: app.LevelBLTA, TSA: " http://tsa "}, in: "a.pdf", key: "card:R",
			check: func(t *testing.T, r app.SignRequest) {
				if r.TSA != "http://tsa" || r.Level != app.LevelBLTA {
					t.Errorf("request = %+v", r)
				}
			}},
		{name: "bad rectangle", opts: Options{Level: app.LevelBB, Visible: true, Page: "1", X: "0", Y: "0", W: "0", H: "10"},
			in: "a.pdf", key: "card:R", wantErr: ErrRectangle},
		{name: "B-B invisible", opts: Options{Level: app.LevelBB, TSA: "http://tsa", Reason: " approved "}, in: "a.pdf", key: "card:R",
			check: func(t *testing.T, r app.SignRequest) {
				if r.TSA != "" || r.Reason != "approved" || r.Visible != nil || r.Level != app.LevelBB {
					t.Errorf("request = %+v", r)
				}
			}},
		{name: "B-T visible", opts: Options{Level: app.LevelBT, TSA: "http://tsa", Visible: true, Page: "2", X: "10", Y: "20", W: "200", H: "50"},
			in: "a.pdf", key: "card:R",
			check: func(t *testing.T, r app.SignRequest) {
				v := r.Visible
				if r.TSA != "http://tsa" || v == nil || v.Page != 2 || v.X != 10 || v.Y != 20 || v.W != 200 || v.H != 50 {
					t.Errorf("request = %+v, visible %+v", r, v)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := tc.opts.Request(tc.in, "out.pdf", tc.key)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if tc.check != nil {
				tc.check(t, req)
			}
		})
	}
}

func TestNewOptionsFromSettings(t *testing.T) {
	if o := NewOptions(app.Settings{TSA: "http://tsa"}); o.Level != app.LevelBT {
		t.Errorf("with a TSA the default level is %s", o.Level)
	}
	if o := NewOptions(app.Settings{}); o.Level != app.LevelBB {
		t.Errorf("without a TSA the default level is %s", o.Level)
	}
	if o := NewOptions(app.Settings{TSA: "http://tsa", Level: app.LevelBLTA}); o.Level != app.LevelBLTA {
		t.Errorf("remembered B-LTA became %s", o.Level)
	}
	if o := NewOptions(app.Settings{Level: "B-X"}); o.Level != app.LevelBB {
		t.Errorf("an unknown remembered level became %s", o.Level)
	}
}

func TestDefaultOut(t *testing.T) {
	for in, want := range map[string]string{"/d/a.pdf": "/d/a-signed.pdf", "/d/b.PDF": "/d/b-signed.PDF", "/d/c": "/d/c-signed.pdf"} {
		if got := DefaultOut(in); got != want {
			t.Errorf("DefaultOut(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPINModel(t *testing.T) {
	for _, tc := range []struct {
		name                         string
		req                          signing.PINRequest
		wantWarning, wantTries       bool
		wantPINPad, wantBlocked      bool
		wantInMessage, wantInWarning string
	}{
		{name: "unknown count", req: signing.PINRequest{Token: "Card", Key: "Erika", RetriesLeft: -1}, wantInMessage: "Card"},
		{name: "three tries", req: signing.PINRequest{Token: "Card", RetriesLeft: 3}, wantTries: true},
		{name: "final try", req: signing.PINRequest{Token: "Card", RetriesLeft: -1, FinalTry: true}, wantWarning: true, wantInWarning: "Last try"},
		{name: "blocked", req: signing.PINRequest{Token: "Card", RetriesLeft: 0}, wantWarning: true, wantBlocked: true, wantInWarning: "blocked"},
		{name: "pin pad", req: signing.PINRequest{Token: "Card", RetriesLeft: -1, PINPad: true}, wantPINPad: true, wantInMessage: "keypad"},
		{name: "password", req: signing.PINRequest{Kind: signing.Password, Token: "key.p12", RetriesLeft: -1}, wantInMessage: "key.p12"},
		{name: "password before review", req: signing.PINRequest{Kind: signing.Password, Token: "key.p12", RetriesLeft: -1}, wantInMessage: "Nothing is signed before"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := NewPINModel(tc.req)
			if (m.Warning != "") != tc.wantWarning || (m.Tries != "") != tc.wantTries || m.PINPad != tc.wantPINPad || m.Blocked != tc.wantBlocked {
				t.Errorf("model = %+v", m)
			}
			if !strings.Contains(m.Message, tc.wantInMessage) || !strings.Contains(m.Warning, tc.wantInWarning) {
				t.Errorf("model = %+v", m)
			}
		})
	}
}

func TestReviewModel(t *testing.T) {
	r := reviewFixture()
	m := NewReviewModel(r, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	got := map[string]string{}
	for _, f := range m.Fields {
		got[f.Label] = f.Value
	}
	if got["SHA-256 of the signed bytes"] != "00010203 04050607 08090A0B 0C0D0E0F 10111213 14151617 18191A1B 1C1D1E1F" {
		t.Errorf("digest shown as %q", got["SHA-256 of the signed bytes"])
	}
	if got["Signer"] != "Erika Mustermann" || got["Issued by"] != "Siegel Test CA" || got["Level"] != "PAdES-B-B" {
		t.Errorf("fields = %v", got)
	}
	if !strings.Contains(got["Valid"], "not valid now") {
		t.Errorf("expired certificate not marked: %q", got["Valid"])
	}
}

func TestResultText(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{signing.ErrCancelled, "Nothing was signed"},
		{&signing.PINError{RetriesLeft: 2}, "2 tries left"},
		{&signing.PINError{Locked: true}, "blocked"},
	} {
		if got := ResultText(tc.err); !strings.Contains(got, tc.want) {
			t.Errorf("ResultText(%v) = %q, want %q in it", tc.err, got, tc.want)
		}
	}
}

func reviewFixture() *app.Review {
	digest := make([]byte, 32)
	for i := range digest {
		digest[i] = byte(i)
	}
	return &app.Review{
		In: "/home/erika/contract.pdf", Out: "/home/erika/contract-signed.pdf", Prepared: "/nonexistent/prepared.pdf",
		Digest: digest, Level: "PAdES-B-B", Reason: "Approved",
		Signer: &x509.Certificate{
			Subject:   pkix.Name{CommonName: "Erika Mustermann"},
			Issuer:    pkix.Name{CommonName: "Siegel Test CA"},
			NotBefore: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
			NotAfter:  time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC),
		},
	}
}

// TestTranslations: every string the package shows has a German
// translation (a missing one would show English to a German user).
func TestTranslations(t *testing.T) {
	de := readJSON(t, "translations/de.json")
	for _, s := range shownStrings(t) {
		if _, ok := de[s]; !ok {
			t.Errorf("no German for %q", s)
		}
	}
}

// TestForcedLanguage: the settings' language wins over the environment.
func TestForcedLanguage(t *testing.T) {
	t.Setenv("LC_ALL", "en_US.UTF-8")
	t.Setenv("LANGUAGE", "en")
	if err := SetupLanguage("de"); err != nil {
		t.Fatal(err)
	}
	defer SetupLanguage("en")
	if got := T("Sign"); got != "Signieren" {
		t.Errorf(`T("Sign") = %q in German`, got)
	}
	if got := NewPINModel(signing.PINRequest{Token: "Karte", RetriesLeft: 1}).Tries; got != "Noch 1 Versuch" {
		t.Errorf("tries = %q", got)
	}
}

// TestBatchPINModel: sealing a folder has no Review, so its password
// prompt does not promise one, and says the key then seals every file.
func TestBatchPINModel(t *testing.T) {
	m := NewBatchPINModel(signing.PINRequest{Kind: signing.Password, Token: "seal.p12", RetriesLeft: -1})
	if strings.Contains(m.Message, "review") || !strings.Contains(m.Message, "seal.p12") || !strings.Contains(m.Message, "every file of the folder") {
		t.Errorf("password prompt %q", m.Message)
	}
	p := NewBatchPINModel(signing.PINRequest{Token: "HSM", Key: "Seal", RetriesLeft: 2})
	if !strings.Contains(p.Message, "HSM") || !strings.Contains(p.Message, "every file") || p.Tries == "" {
		t.Errorf("PIN prompt %+v", p)
	}
}
