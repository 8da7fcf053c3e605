package ui

import (
	"bytes"
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"slices"
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
	dts.Signer.Certificate.Subject.CommonName = "Siegel Test TSA"

	for _, tc := range []struct {
		name    string
		sigs    []verify.Signature
		status  VerifyStatus
		summary string   // in the file's summary
		card    []string // in the first card's line, summary, verdict and fields
	}{
		{"passed", []verify.Signature{passed}, VerifyPassed, "All signatures are valid",
			[]string{"Signature 1: Erika Mustermann — Valid, ", "(proved by a timestamp)",
				"intact and the signer's certificate is from a trusted authority", "Signature1", "Siegel Test CA", "1267",
				"the whole document", "PAdES-B-T", "TOTAL-PASSED"}},
		{"untrusted", []verify.Signature{passed, untrusted}, VerifyIndeterminate, "Not every signature",
			[]string{"Valid"}},
		{"changed", []verify.Signature{changed, untrusted}, VerifyFailed, "At least one signature is invalid",
			[]string{"Signature 1: Erika Mustermann — Invalid", "the document was changed after signing", "an earlier version", "TOTAL-FAILED / HASH_FAILURE"}},
		{"document timestamp", []verify.Signature{dts}, VerifyPassed, "All signatures are valid",
			[]string{"Document timestamp 1: Siegel Test TSA — Valid", "Timestamp authority", "Timestamp1"}},
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
			all := fmt.Sprint(c.Line, c.Title, c.Summary, c.Verdict, c.Fields)
			for _, w := range tc.card {
				if !strings.Contains(all, w) {
					t.Errorf("card lacks %q: %s", w, all)
				}
			}
		})
	}
	m := NewVerifyModel("/tmp/x.pdf", &verify.Report{Indication: verify.Indeterminate, Signatures: []verify.Signature{passed, untrusted}}, nil)
	c := m.Cards[1]
	if c.N != 2 || c.Status != VerifyIndeterminate || !strings.HasPrefix(c.Line, "Signature 2: Erika Mustermann — Not fully verified, ") ||
		!strings.HasSuffix(c.Line, "(claimed by the signer's computer)") || !strings.Contains(c.Summary, "not from a trusted authority") ||
		!strings.Contains(field(c, "Signed at"), "claimed") || len(c.Problems) != 1 {
		t.Errorf("untrusted card %+v", c)
	}
	unknown := verify.Signature{Field: "Sig", Indication: verify.TotalFailed, SubIndication: verify.FormatFailure, Coverage: verify.Partial}
	if c := NewVerifyModel("x", &verify.Report{Signatures: []verify.Signature{unknown}}, nil).Cards[0]; c.Line != "Signature 1: unknown signer — Invalid" ||
		field(c, "Signer") != "" || c.Revision != 0 {
		t.Errorf("unreadable signature: %+v", c)
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

// TestVerifyDetails: the details name the revision, what changed later,
// the qualified status and the revocation check; a passed signature with
// allowed later changes says which; only a signature followed by later
// changes offers its signed version.
func TestVerifyDetails(t *testing.T) {
	allowed := verifyFixture()
	allowed.Coverage, allowed.Revision = verify.WholeRevision, 2
	allowed.Modifications = verify.Modifications{Kind: verify.ModAllowed, Changes: []string{"annotation added on page 1", "signature added"}}
	allowed.Qualified = verify.QES
	allowed.Revocation = verify.Revocation{Source: verify.RevSourceOnline, Status: verify.RevStatusGood}
	disallowed := verifyFixture()
	disallowed.Indication, disallowed.SubIndication = verify.TotalFailed, verify.SigConstraintsFailure
	disallowed.Coverage, disallowed.Revision = verify.WholeRevision, 1
	disallowed.Modifications = verify.Modifications{Kind: verify.ModDisallowed, Changes: []string{"content of page 1 replaced"}}
	disallowed.Qualified = verify.QUnknown
	disallowed.Revocation = verify.Revocation{Source: verify.RevSourceEmbedded, Status: verify.RevStatusRevoked}
	whole := verifyFixture()
	whole.Revision, whole.Modifications = 3, verify.Modifications{Kind: verify.ModNone}
	whole.Qualified, whole.Revocation = verify.AdESQC, verify.Revocation{Source: verify.RevSourceNone, Status: verify.RevStatusNotChecked}

	m := NewVerifyModel("x.pdf", &verify.Report{Indication: verify.TotalFailed, Signatures: []verify.Signature{allowed, disallowed, whole}}, nil)
	for i, tc := range []struct {
		revision int
		note     string
		fields   map[string]string
	}{
		{2, "the later changes are allowed ones: annotation added on page 1; signature added.", map[string]string{
			"Signed revision":       "2",
			"Changes after signing": "only allowed ones: annotation added on page 1; signature added",
			"Qualified":             "qualified electronic signature (QES)",
			"Revocation":            "not revoked (fetched online)",
			"Serial number":         "1267",
			"Field":                 "Signature1",
		}},
		{1, "", map[string]string{
			"Changes after signing": "not allowed: content of page 1 replaced",
			"Qualified":             "not determined",
			"Revocation":            "revoked (information in the document)",
			"Result":                "TOTAL-FAILED / SIG_CONSTRAINTS_FAILURE",
		}},
		{0, "", map[string]string{
			"Signed revision":       "3",
			"Changes after signing": "none",
			"Covers":                "the whole document",
			"Qualified":             "advanced, with a qualified certificate (AdES-QC)",
			"Revocation":            "not checked (no information found)",
		}},
	} {
		c := m.Cards[i]
		if c.Revision != tc.revision {
			t.Errorf("card %d: revision to show %d, want %d", i+1, c.Revision, tc.revision)
		}
		if (tc.note == "") != (c.Note == "") || !strings.Contains(c.Note, tc.note) {
			t.Errorf("card %d: note %q, want %q", i+1, c.Note, tc.note)
		}
		for label, want := range tc.fields {
			if got := field(c, label); got != want {
				t.Errorf("card %d: %s = %q, want %q", i+1, label, got, want)
			}
		}
	}
	if !strings.Contains(m.Cards[1].Summary, "in a way this signature does not allow") {
		t.Errorf("disallowed changes: %q", m.Cards[1].Summary)
	}
}

// TestVerifySummary: each sub-indication the engine gives has its own
// sentence where it means something different to the reader.
func TestVerifySummary(t *testing.T) {
	for _, tc := range []struct {
		ind    verify.Indication
		sub    verify.SubIndication
		intact bool
		want   string
	}{
		{verify.TotalPassed, "", true, "intact and the signer's certificate is from a trusted authority"},
		{verify.TotalFailed, verify.HashFailure, false, "the document was changed after signing."},
		{verify.TotalFailed, verify.FormatFailure, false, "damaged or does not cover the document properly"},
		{verify.TotalFailed, verify.SigCryptoFailure, false, "its value does not match the signer's key"},
		{verify.TotalFailed, verify.SigConstraintsFailure, true, "changed after signing in a way this signature does not allow"},
		{verify.TotalFailed, verify.Revoked, true, "the signer's certificate was revoked."},
		{verify.Indeterminate, verify.NoCertificateChainFound, true, "not from a trusted authority"},
		{verify.Indeterminate, verify.TryLater, true, "no revocation information could be checked; checking online"},
		{verify.Indeterminate, verify.SigConstraintsFailure, true, "the changes could not be analysed"},
		{verify.Indeterminate, verify.RevokedNoPOE, true, "the signer's certificate was revoked and no timestamp proves"},
		{verify.Indeterminate, verify.RevokedCANoPOE, true, "an authority in the signer's chain was revoked and no timestamp proves"},
		{verify.Indeterminate, verify.Expired, true, "was not valid at the time that counts"},
		{verify.Indeterminate, verify.OutOfBoundsNoPOE, true, "was not valid at the time that counts"},
		{verify.Indeterminate, verify.CryptoConstraintsFailure, true, "could not be fully verified"},
		{verify.Indeterminate, verify.NoSigningCertificateFound, false, "could not be checked"},
	} {
		s := verify.Signature{Indication: tc.ind, SubIndication: tc.sub, Intact: tc.intact}
		if got := VerifySummary(s); !strings.Contains(got, tc.want) {
			t.Errorf("%s/%s: %q, want %q in it", tc.ind, tc.sub, got, tc.want)
		}
	}
}

// TestVerifyScreenMarkup is the golden of the Verify screen with two
// signatures, the first one's details open, the second one followed by
// later changes (it offers its signed version).
func TestVerifyScreenMarkup(t *testing.T) {
	newTestApp(t)
	untrusted := verifyFixture()
	untrusted.Field, untrusted.Indication, untrusted.SubIndication = "Signature2", verify.Indeterminate, verify.NoCertificateChainFound
	untrusted.Coverage, untrusted.Revision = verify.WholeRevision, 2
	untrusted.Problems = []string{"The signer's certificate is not from a trusted authority."}
	m := NewVerifyModel("/home/erika/contract-signed.pdf", &verify.Report{Indication: verify.Indeterminate,
		Signatures: []verify.Signature{verifyFixture(), untrusted}}, nil)
	// The golden must not depend on the machine's time zone.
	local := formatTime(verifyFixture().SigningTime)
	for i := range m.Cards {
		m.Cards[i].Line = strings.ReplaceAll(m.Cards[i].Line, local, "2026-11-25 14:30:00 +00:00")
		for j, f := range m.Cards[i].Fields {
			m.Cards[i].Fields[j].Value = strings.ReplaceAll(f.Value, local, "2026-11-25 14:30:00 +00:00")
		}
	}
	backs, shows := 0, [][2]int{}
	v := newVerifyView(m, func() { backs++ }, func() {})
	v.onShowRevision = func(n, rev int) { shows = append(shows, [2]int{n, rev}) }
	v.show(m)
	if v.rows[0].show != nil || v.rows[1].show == nil {
		t.Fatal("the signed version is offered for the wrong signature")
	}
	v.rows[0].details.Open(0)
	w := test.NewTempWindow(t, v.content)
	w.Resize(fyne.NewSize(900, 700))
	assertMarkup(t, "verify.xml", w)
	test.Tap(v.rows[1].show)
	if len(shows) != 1 || shows[0] != [2]int{2, 2} {
		t.Errorf("Show the signed version asked for %v", shows)
	}
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
	deadline := time.Now().Add(20 * time.Second)
	for {
		s, ok := await(shown, time.Until(deadline))
		if !ok {
			t.Fatalf("%s never shown", want)
		}
		if p := s.([2]any); p[0] == want {
			return p[1]
		}
	}
}

// TestVerifyScreen verifies a file signed in the test: the test root is
// no trust anchor of the system, which the screen says honestly; Back
// returns to the main screen. An unsigned file says it has no signature.
func TestVerifyScreen(t *testing.T) {
	signed, unsigned := signedPDF(t)
	w := newTestWindow(t, Deps{})
	t.Cleanup(w.Close)
	shown := noticesOf(w)

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
	w := newTestWindow(t, Deps{})
	t.Cleanup(w.Close)
	shown := noticesOf(w)
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
		case *widget.Accordion:
			for _, it := range x.Items {
				walk(it.Detail)
			}
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		}
	}
	walk(o)
	return b.String()
}

// signedTwice signs a one-page PDF twice with the test PKI's RSA signer
// through app.Sign: revision 1 is the unsigned PDF, signature 1 signs
// revision 2, signature 2 the whole file (revision 3).
func signedTwice(t *testing.T) string {
	t.Helper()
	pki := testpki.MustShared(t)
	dir := t.TempDir()
	der, err := pki.PKCS12(pki.SignerRSA, "pw")
	if err != nil {
		t.Fatal(err)
	}
	p12, in := filepath.Join(dir, "k.p12"), filepath.Join(dir, "in.pdf")
	os.WriteFile(p12, der, 0o600)
	os.WriteFile(in, testpdf.Pages(1), 0o644)
	ports := app.Ports{PIN: func(context.Context, signing.PINRequest) ([]byte, error) { return []byte("pw"), nil }}
	for _, out := range []string{"once.pdf", "twice.pdf"} {
		out = filepath.Join(dir, out)
		if _, err := app.Sign(context.Background(), app.SignRequest{KeyURI: "pkcs12:" + p12, In: in, Out: out}, ports); err != nil {
			t.Fatal(err)
		}
		in = out
	}
	return in
}

// recordingRenderer opens every PDF as a one-page fakeDoc and hands the
// bytes it was given to the test, once hold is closed.
type recordingRenderer struct {
	hold   chan struct{}
	opened chan []byte
}

func (r recordingRenderer) Open(_ context.Context, pdf []byte) (RenderedDoc, error) {
	<-r.hold
	r.opened <- pdf
	return &fakeDoc{pages: 1}, nil
}

// waitAll returns the values of the next notifications named names, in
// any order, passing over others.
func waitAll(t *testing.T, shown chan any, names ...string) map[string]any {
	t.Helper()
	got := map[string]any{}
	deadline := time.Now().Add(20 * time.Second)
	for len(got) < len(names) {
		s, ok := await(shown, time.Until(deadline))
		if !ok {
			t.Fatalf("%v never shown (only %v)", names, got)
		}
		if p := s.([2]any); slices.Contains(names, p[0].(string)) {
			got[p[0].(string)] = p[1]
		}
	}
	return got
}

// openedBytes waits until the renderer is given want.
func openedBytes(t *testing.T, opened chan []byte, want []byte, what string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got, ok := await(opened, time.Until(deadline))
		if !ok {
			t.Fatalf("%s never shown", what)
		}
		if bytes.Equal(got, want) {
			return
		}
	}
}

// TestVerifyShowSignedVersion: a file signed twice has two lines; "Show
// the signed version" of signature 1 renders revision 2, the bytes up to
// the end of its byte range, from a temporary file; "Show the current
// file" goes back to the whole file, and Back leaves no temporary file.
func TestVerifyShowSignedVersion(t *testing.T) {
	path := signedTwice(t)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	opened, hold := make(chan []byte, 16), make(chan struct{})
	w := newTestWindow(t, Deps{Renderer: recordingRenderer{hold, opened}})
	t.Cleanup(w.Close)
	w.view.bg = now
	shown := noticesOf(w)

	// The test lets one piece of background work show at a time, and
	// acts only when it has.
	w.Verify(path)
	v := waitFor(t, shown, "verify").(*verifyView)
	close(hold)
	waitFor(t, shown, "preview")
	openedBytes(t, opened, data, "the current file")
	if len(v.rows) != 2 {
		t.Fatalf("%d signature lines, want 2", len(v.rows))
	}
	for i, r := range v.rows {
		if want := fmt.Sprintf("Signature %d: Erika Mustermann — ", i+1); !strings.HasPrefix(r.line.Text, want) {
			t.Errorf("line %d is %q, want it to start with %q", i+1, r.line.Text, want)
		}
	}
	if v.rows[1].show != nil {
		t.Error("signature 2 covers the whole file, yet offers a signed version")
	}
	if v.rows[0].show == nil {
		t.Fatal("signature 1 does not offer its signed version")
	}
	rep, err := app.Verify(context.Background(), path, app.VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s1 := rep.Signatures[0]
	if s1.Revision != 2 {
		t.Fatalf("signature 1 signs revision %d, want 2", s1.Revision)
	}
	signedEnd := s1.ByteRange[2] + s1.ByteRange[3]

	test.Tap(v.rows[0].show)
	tmp := waitAll(t, shown, "revision", "preview")["revision"].(string)
	openedBytes(t, opened, data[:signedEnd], "revision 2")
	if !strings.HasPrefix(tmp, os.TempDir()) {
		t.Errorf("signed version extracted to %s, not under %s", tmp, os.TempDir())
	}
	if got := labels(v.revisionBar); !strings.Contains(got, "Showing revision 2: the version signature 1 signed") {
		t.Errorf("bar above the preview says %q", got)
	}

	test.Tap(v.current)
	waitAll(t, shown, "current", "preview")
	openedBytes(t, opened, data, "the current file again")
	if len(v.revisionBar.Objects) != 0 {
		t.Error("the bar of the signed version stays up on the current file")
	}
	if _, err := os.Stat(filepath.Dir(tmp)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the extracted version is left after showing the current file: %v", err)
	}

	test.Tap(v.rows[0].show)
	tmp = waitAll(t, shown, "revision", "preview")["revision"].(string)
	openedBytes(t, opened, data[:signedEnd], "revision 2 again")
	test.Tap(v.back)
	if w.win.Content() != w.main {
		t.Error("Back did not return to the main screen")
	}
	if _, err := os.Stat(filepath.Dir(tmp)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the extracted version is left after Back: %v", err)
	}
}

// TestVerifyTrustFromSettings: the settings' trust files are anchors of
// the Verify screen: the test root makes the signer trusted, and what is
// left open is revocation (the file has no revocation data).
func TestVerifyTrustFromSettings(t *testing.T) {
	signed, _ := signedPDF(t)
	root := filepath.Join(t.TempDir(), "root.pem")
	if err := testpki.MustShared(t).WriteRootPEM(root); err != nil {
		t.Fatal(err)
	}
	w := newTestWindow(t, Deps{Settings: app.Settings{TrustFiles: []string{root}}})
	t.Cleanup(w.Close)
	shown := noticesOf(w)
	w.Verify(signed)
	v := waitFor(t, shown, "verify").(*verifyView)
	texts := labels(v.cards)
	if strings.Contains(texts, "NO_CERTIFICATE_CHAIN_FOUND") || !strings.Contains(texts, "TRY_LATER") ||
		!strings.Contains(texts, "no revocation information could be checked") {
		t.Errorf("with the test root as trust file:\n%s", texts)
	}

	w.deps.Settings.TrustFiles = []string{filepath.Join(t.TempDir(), "gone.pem")}
	w.Verify(signed)
	v = waitFor(t, shown, "verify").(*verifyView)
	if !strings.Contains(v.summary.Text, "gone.pem") || v.summary.Importance != widget.DangerImportance {
		t.Errorf("a missing trust file: %q", v.summary.Text)
	}
}
