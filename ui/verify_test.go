package ui

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/siegel-app/siegel/app"
	"github.com/siegel-app/siegel/internal/testpdf"
	"github.com/siegel-app/siegel/internal/testpki"
	"github.com/siegel-app/siegel/signing"
	"github.com/siegel-app/siegel/signing/pades"
	"github.com/siegel-app/siegel/signing/verify"
)

func verifyFixture() verify.Signature {
	cert := &x509.Certificate{
		Subject:      pkix.Name{CommonName: "Erika Mustermann"},
		Issuer:       pkix.Name{CommonName: "Siegel Test CA"},
		SerialNumber: big.NewInt(4711),
	}
	return verify.Signature{
		Field: "Signature1", Indication: verify.TotalPassed, Intact: true,
		Signer:      verify.Signer{Subject: "CN=Erika Mustermann", Issuer: "CN=Siegel Test CA", Serial: "1267", Certificate: cert},
		SigningTime: time.Date(2026, 11, 25, 14, 30, 0, 0, time.UTC), TimeSource: verify.TimeFromTimestamp,
		Coverage: verify.WholeFile, Level: "PAdES-B-T", Reason: "Approved",
	}
}

func field(c SignatureCard, label string) string {
	for _, f := range c.Fields {
		if f.Label == label {
			return f.Value
		}
	}
	return ""
}

func TestVerifyModel(t *testing.T) {
	passed := verifyFixture()
	untrusted := verifyFixture()
	untrusted.Indication, untrusted.SubIndication, untrusted.TimeSource = verify.Indeterminate, verify.NoCertificateChainFound, verify.TimeClaimed
	untrusted.Problems = []string{"The signer's certificate is not from a trusted authority."}
	changed := verifyFixture()
	changed.Indication, changed.SubIndication, changed.Intact, changed.Coverage = verify.TotalFailed, verify.HashFailure, false, verify.WholeRevision
	dts := verifyFixture()
	dts.DocTimestamp, dts.Field = true, "Timestamp1"

	for _, tc := range []struct {
		name    string
		sigs    []verify.Signature
		status  VerifyStatus
		summary string   // in the file's summary
		card    []string // in the first card's summary, verdict and fields
	}{
		{"passed", []verify.Signature{passed}, VerifyPassed, "All signatures are valid",
			[]string{"intact and the signer's certificate is from a trusted authority", "Valid", "Erika Mustermann", "Siegel Test CA",
				"proved by a timestamp", "the whole document", "PAdES-B-T", "TOTAL-PASSED"}},
		{"untrusted", []verify.Signature{passed, untrusted}, VerifyIndeterminate, "Not every signature",
			[]string{"Valid"}},
		{"changed", []verify.Signature{changed, untrusted}, VerifyFailed, "At least one signature is invalid",
			[]string{"the document was changed after signing", "Invalid", "an earlier version", "TOTAL-FAILED / HASH_FAILURE"}},
		{"document timestamp", []verify.Signature{dts}, VerifyPassed, "All signatures are valid",
			[]string{"Document timestamp Timestamp1", "Timestamp authority"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := &verify.Report{File: "/tmp/x.pdf", Indication: verify.TotalPassed, Signatures: tc.sigs}
			for _, s := range tc.sigs {
				if s.Indication == verify.TotalFailed || (s.Indication == verify.Indeterminate && rep.Indication == verify.TotalPassed) {
					rep.Indication = s.Indication
				}
			}
			m := NewVerifyModel("/tmp/x.pdf", rep, nil)
			if m.Status != tc.status || !strings.Contains(m.Summary, tc.summary) || len(m.Cards) != len(tc.sigs) {
				t.Fatalf("status %v, summary %q, %d cards", m.Status, m.Summary, len(m.Cards))
			}
			c := m.Cards[0]
			all := fmt.Sprint(c.Title, c.Summary, c.Verdict, c.Fields)
			for _, w := range tc.card {
				if !strings.Contains(all, w) {
					t.Errorf("card lacks %q: %s", w, all)
				}
			}
		})
	}
	m := NewVerifyModel("/tmp/x.pdf", &verify.Report{Indication: verify.Indeterminate, Signatures: []verify.Signature{untrusted}}, nil)
	c := m.Cards[0]
	if c.Status != VerifyIndeterminate || !strings.Contains(c.Summary, "not from a trusted authority") ||
		!strings.Contains(field(c, "Signed at"), "claimed") || len(c.Problems) != 1 {
		t.Errorf("untrusted card %+v", c)
	}

	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("verify x: %w", verify.ErrNoSignature), "no signature"},
		{fmt.Errorf("verify x: %w", pades.ErrNotPDF), "not a PDF"},
		{errors.New("disk on fire"), "disk on fire"},
	} {
		m := NewVerifyModel("x", nil, tc.err)
		if m.Status != VerifyError || !strings.Contains(m.Summary, tc.want) || m.Status.importance() != widget.DangerImportance {
			t.Errorf("%v: %+v", tc.err, m)
		}
	}
	if m := NewVerifyModel("x", nil, nil); m.Status != VerifyChecking {
		t.Errorf("no result yet: %+v", m)
	}
}

// TestVerifyScreenMarkup is the golden of the Verify screen with two
// signatures.
func TestVerifyScreenMarkup(t *testing.T) {
	test.NewTempApp(t)
	untrusted := verifyFixture()
	untrusted.Field, untrusted.Indication, untrusted.SubIndication = "Signature2", verify.Indeterminate, verify.NoCertificateChainFound
	untrusted.Problems = []string{"The signer's certificate is not from a trusted authority."}
	m := NewVerifyModel("/home/erika/contract-signed.pdf", &verify.Report{Indication: verify.Indeterminate,
		Signatures: []verify.Signature{verifyFixture(), untrusted}}, nil)
	for i := range m.Cards { // the golden must not depend on the machine's time zone
		for j, f := range m.Cards[i].Fields {
			if f.Label == T("Signed at") {
				m.Cards[i].Fields[j].Value = "2026-11-25 14:30:00 +00:00"
			}
		}
	}
	backs := 0
	v := newVerifyView(m, func() { backs++ })
	w := test.NewTempWindow(t, v.content)
	w.Resize(fyne.NewSize(900, 700))
	assertMarkup(t, "verify.xml", w)
	test.Tap(v.back)
	if backs != 1 {
		t.Errorf("Back tapped, handler ran %d times", backs)
	}
}

// signedPDF signs a one-page PDF with the test PKI's RSA signer through
// app.Sign and returns the signed file and the unsigned one.
func signedPDF(t *testing.T) (signed, unsigned string) {
	t.Helper()
	pki := testpki.MustShared(t)
	dir := t.TempDir()
	der, err := pki.PKCS12(pki.SignerRSA, "pw")
	if err != nil {
		t.Fatal(err)
	}
	p12, in, out := filepath.Join(dir, "k.p12"), filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
	os.WriteFile(p12, der, 0o600)
	os.WriteFile(in, testpdf.Pages(1), 0o644)
	_, err = app.Sign(context.Background(), app.SignRequest{KeyURI: "pkcs12:" + p12, In: in, Out: out}, app.Ports{
		PIN: func(context.Context, signing.PINRequest) ([]byte, error) { return []byte("pw"), nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	return out, in
}

// waitFor returns the value of the next notification named want, passing
// over others (previews, results).
func waitFor(t *testing.T, shown chan any, want string) any {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case s := <-shown:
			if p := s.([2]any); p[0] == want {
				return p[1]
			}
		case <-deadline:
			t.Fatalf("%s never shown", want)
		}
	}
}

// TestVerifyScreen verifies a file signed in the test: the test root is
// no trust anchor of the system, which the screen says honestly; Back
// returns to the main screen. An unsigned file says it has no signature.
func TestVerifyScreen(t *testing.T) {
	signed, unsigned := signedPDF(t)
	w := NewWindow(test.NewTempApp(t), Deps{})
	t.Cleanup(w.Close)
	shown := make(chan any, 16)
	w.shown = func(what string, v any) { shown <- [2]any{what, v} }

	w.Verify(signed)
	v := waitFor(t, shown, "verify").(*verifyView)
	if w.win.Content() != v.content {
		t.Fatal("verify screen not in the window")
	}
	if v.summary.Importance != widget.WarningImportance || !strings.Contains(v.summary.Text, "Not every signature") {
		t.Errorf("summary %q (importance %v)", v.summary.Text, v.summary.Importance)
	}
	if len(v.cards.Objects) != 1 {
		t.Fatalf("%d signature cards", len(v.cards.Objects))
	}
	texts := labels(v.cards.Objects[0])
	for _, want := range []string{"Signature1", "Not fully verified", "Erika Mustermann", "not from a trusted authority",
		"INDETERMINATE / NO_CERTIFICATE_CHAIN_FOUND", "PAdES-B-B", "the whole document", "claimed by the signer's computer"} {
		if !strings.Contains(texts, want) {
			t.Errorf("card lacks %q:\n%s", want, texts)
		}
	}
	test.Tap(v.back)
	if w.win.Content() != w.main {
		t.Error("Back did not return to the main screen")
	}

	w.Verify(unsigned)
	v = waitFor(t, shown, "verify").(*verifyView)
	if v.summary.Text != "The document has no signature." || len(v.cards.Objects) != 0 {
		t.Errorf("unsigned: %q, %d cards", v.summary.Text, len(v.cards.Objects))
	}
}

// TestSignedResultChecksCopy: the signing result dialog verifies the new
// file and says what it found.
func TestSignedResultChecksCopy(t *testing.T) {
	signed, _ := signedPDF(t)
	w := NewWindow(test.NewTempApp(t), Deps{})
	t.Cleanup(w.Close)
	shown := make(chan any, 16)
	w.shown = func(what string, v any) { shown <- [2]any{what, v} }
	w.showResult(&app.SignResult{Out: signed, Level: "PAdES-B-B"}, nil)
	text := waitFor(t, shown, "signed-check").(string)
	if !strings.Contains(text, "The signature is intact; the signer's certificate is not from a trusted authority.") {
		t.Errorf("result says %q", text)
	}
}

// labels gathers the text of every label under o.
func labels(o fyne.CanvasObject) string {
	var b strings.Builder
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Label:
			b.WriteString(x.Text + "\n")
		case *widget.Card:
			walk(x.Content)
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		}
	}
	walk(o)
	return b.String()
}
