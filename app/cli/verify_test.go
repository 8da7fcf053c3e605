package cli_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"io"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/siegel-app/siegel/app/cli"
	"github.com/siegel-app/siegel/internal/judge"
	"github.com/siegel-app/siegel/internal/testenv"
	"github.com/siegel-app/siegel/internal/testpki"
	"github.com/siegel-app/siegel/internal/tltest"
	"github.com/siegel-app/siegel/signing/cms"
)

// verifyFixture is a signed PDF, the CRLs that make its chain's status
// known (the test PKI's certificates name no revocation URLs), and files
// that cannot be verified.
type verifyFixture struct {
	*fixture
	signed, flipped, unsigned, notPDF, truncated string
	crlInter, crlRoot                            string
}

func newVerifyFixture(t *testing.T) *verifyFixture {
	t.Helper()
	f := &verifyFixture{fixture: newFixture(t)}
	in := f.pdf("in.pdf", 2)
	f.signed = filepath.Join(f.dir, "signed.pdf")
	if code, _, stderr := run(t, "sign", "--key", "pkcs12:"+f.p12EC, "--pin-file", f.pinFile, "--reason", "Approved", in, f.signed); code != 0 {
		t.Fatalf("sign: %d %s", code, stderr)
	}
	b, err := os.ReadFile(f.signed)
	if err != nil {
		t.Fatal(err)
	}
	// The binary comment on the second line: the file still parses, only
	// the signed bytes differ.
	flipped := append([]byte{}, b...)
	flipped[10] ^= 0x01
	f.flipped = f.write("flipped.pdf", flipped)
	f.truncated = f.write("truncated.pdf", b[:len(b)/3])
	f.unsigned = in
	f.notPDF = f.write("notes.pdf", []byte("just some text, not a PDF\n"))
	f.crlInter = f.write("inter.crl", f.crl(t, f.pki.Intermediate))
	f.crlRoot = f.write("root.crl", f.crl(t, f.pki.Root))
	return f
}

// crl is an empty, current CRL of issuer: every certificate it issued is
// good.
func (f *verifyFixture) crl(t *testing.T, issuer *testpki.Entity, revoked ...*x509.Certificate) []byte {
	t.Helper()
	now := time.Now()
	tmpl := &x509.RevocationList{Number: big.NewInt(now.UnixNano()), ThisUpdate: now.Add(-time.Hour), NextUpdate: now.Add(24 * time.Hour)}
	for _, c := range revoked {
		tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries,
			x509.RevocationListEntry{SerialNumber: c.SerialNumber, RevocationTime: now.Add(-2 * time.Hour)})
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, issuer.Cert, issuer.Key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func (f *verifyFixture) trusted(args ...string) []string {
	return append([]string{"verify", "--trust", f.root, "--crl", f.crlInter, "--crl", f.crlRoot}, args...)
}

func TestVerifyExitCodes(t *testing.T) {
	f := newVerifyFixture(t)
	revoked := f.write("revoked.crl", f.crl(t, f.pki.Intermediate, f.pki.SignerEC.Cert))
	for _, tc := range []struct {
		name string
		args []string
		code int
		// stderr: "" for none, else what the one line must contain
		stderr string
	}{
		{"valid, trusted, revocation known", f.trusted(f.signed), 0, ""},
		{"byte flipped", f.trusted(f.flipped), 1, ""},
		{"signer revoked", []string{"verify", "--trust", f.root, "--crl", revoked, "--crl", f.crlRoot, f.signed}, 1, ""},
		{"untrusted root", []string{"verify", f.signed}, 2, ""},
		{"revocation unknown", []string{"verify", "--trust", f.root, f.signed}, 2, ""},
		{"not a PDF", f.trusted(f.notPDF), 3, "siegel: verify " + f.notPDF + ": "},
		{"truncated", f.trusted(f.truncated), 3, "siegel: verify " + f.truncated + ": "},
		{"unsigned", f.trusted(f.unsigned), 3, "siegel: verify " + f.unsigned + ": no signature"},
		{"missing", f.trusted(filepath.Join(f.dir, "missing.pdf")), 3, "no such file"},
		{"valid and failed", f.trusted(f.signed, f.flipped), 1, ""},
		{"valid and indeterminate", []string{"verify", "--trust", f.root, f.signed, "--crl", f.crlInter, f.signed}, 2, ""},
		{"failed and unprocessable", f.trusted(f.flipped, f.notPDF), 3, "siegel: verify " + f.notPDF},
		{"no file", []string{"verify", "--json"}, 2, "no file given"},
		{"bad --at", f.trusted("--at", "yesterday", f.signed), 2, "--at"},
		{"--data with two files", f.trusted("--data", f.signed, f.signed, f.signed), 2, "--data"},
		{"--out alone", f.trusted("--out", "x.pdf", f.signed), 2, "--out"},
		{"bad report name", f.trusted("--report", "r.txt", f.signed), 2, "--report"},
		{"unreadable trust file", []string{"verify", "--trust", filepath.Join(f.dir, "none.pem"), f.signed}, 3, "trust file"},
		{"unreadable CRL file", []string{"verify", "--crl", filepath.Join(f.dir, "none.crl"), f.signed}, 3, "CRL file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := run(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout, stderr)
			}
			if tc.stderr == "" && stderr != "" {
				t.Errorf("stderr: %s", stderr)
			}
			if tc.stderr != "" && !strings.Contains(stderr, tc.stderr) {
				t.Errorf("stderr %q lacks %q", stderr, tc.stderr)
			}
			if tc.code == 3 && strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
				t.Errorf("want one line on stderr, got:\n%s", stderr)
			}
		})
	}
}

// jsonOut is the documented shape of "siegel verify --json".
type jsonOut struct {
	File       string `json:"file"`
	Error      string `json:"error"`
	Indication string `json:"indication"`
	Signatures []struct {
		Field         string `json:"field"`
		DocTimestamp  bool   `json:"docTimestamp"`
		Indication    string `json:"indication"`
		SubIndication string `json:"subIndication"`
		Intact        bool   `json:"intact"`
		Signer        struct {
			Subject, Issuer, Serial string
			Chain                   []string
		} `json:"signer"`
		SigningTime   *string `json:"signingTime"`
		TimeSource    string  `json:"timeSource"`
		Coverage      string  `json:"coverage"`
		Revision      int     `json:"revision"`
		Modifications struct {
			Kind    string   `json:"kind"`
			Changes []string `json:"changes"`
		} `json:"modifications"`
		Level      string `json:"level"`
		Qualified  string `json:"qualified"`
		Revocation struct {
			Source string `json:"source"`
			Status string `json:"status"`
		} `json:"revocation"`
		Reason   string   `json:"reason"`
		Problems []string `json:"problems"`
	} `json:"signatures"`
}

func TestVerifyJSON(t *testing.T) {
	f := newVerifyFixture(t)
	code, stdout, _ := run(t, f.trusted("--json", f.signed)...)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stdout)
	}
	// Every documented key is there, with the documented types.
	var raw map[string]any
	if err := json.Unmarshal([]byte(stdout), &raw); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	sig := raw["signatures"].([]any)[0].(map[string]any)
	for _, k := range []string{"field", "docTimestamp", "indication", "subIndication", "intact", "signer", "signingTime",
		"timeSource", "coverage", "revision", "modifications", "level", "qualified", "revocation", "problems"} {
		if _, ok := sig[k]; !ok {
			t.Errorf("signature lacks %q:\n%s", k, stdout)
		}
	}
	var j jsonOut
	if err := json.Unmarshal([]byte(stdout), &j); err != nil {
		t.Fatal(err)
	}
	s := j.Signatures[0]
	if j.File != f.signed || j.Indication != "TOTAL-PASSED" || len(j.Signatures) != 1 {
		t.Fatalf("%+v", j)
	}
	if s.Field == "" || s.Indication != "TOTAL-PASSED" || s.SubIndication != "" || !s.Intact ||
		!strings.Contains(s.Signer.Subject, "CN="+f.pki.SignerEC.Cert.Subject.CommonName) ||
		!strings.Contains(s.Signer.Issuer, "Siegel Test Intermediate CA") || s.Signer.Serial == "" || len(s.Signer.Chain) != 3 {
		t.Errorf("signature: %+v", s)
	}
	if s.SigningTime == nil || s.TimeSource != "claimed" {
		t.Errorf("time %v source %q", s.SigningTime, s.TimeSource)
	} else if st, err := time.Parse(time.RFC3339, *s.SigningTime); err != nil || time.Since(st) > time.Hour {
		t.Errorf("signingTime %q: %v", *s.SigningTime, err)
	}
	if s.Coverage != "whole file" || s.Revision != 2 || s.Modifications.Kind != "none" || s.Modifications.Changes == nil ||
		s.Level != "PAdES-B-B" || s.Qualified == "" || s.Revocation.Source != "file" || s.Revocation.Status != "good" ||
		s.Reason != "Approved" || s.Problems == nil {
		t.Errorf("signature: %+v", s)
	}

	// A failed one says why.
	_, stdout, _ = run(t, f.trusted("--json", f.flipped)...)
	j = jsonOut{}
	if err := json.Unmarshal([]byte(stdout), &j); err != nil {
		t.Fatal(err)
	}
	if j.Indication != "TOTAL-FAILED" || j.Signatures[0].SubIndication != "HASH_FAILURE" || j.Signatures[0].Intact ||
		len(j.Signatures[0].Problems) == 0 {
		t.Errorf("flipped: %+v", j)
	}

	// Several files: an array, in order, with an error object for the
	// file that could not be processed.
	code, stdout, stderr := run(t, f.trusted("--json", f.signed, f.notPDF, f.flipped)...)
	var arr []jsonOut
	if err := json.Unmarshal([]byte(stdout), &arr); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	if code != 3 || len(arr) != 3 || arr[0].Indication != "TOTAL-PASSED" || arr[1].File != f.notPDF || arr[1].Error == "" ||
		arr[1].Signatures != nil || arr[2].Indication != "TOTAL-FAILED" {
		t.Errorf("exit %d: %+v", code, arr)
	}
	if !strings.Contains(stderr, f.notPDF) {
		t.Errorf("stderr: %q", stderr)
	}
}

func TestVerifyHuman(t *testing.T) {
	f := newVerifyFixture(t)
	t.Setenv("LANG", "en_GB.UTF-8")
	t.Setenv("LC_ALL", "")
	t.Setenv("LC_MESSAGES", "")
	_, stdout, _ := run(t, f.trusted(f.signed, f.flipped)...)
	cn := f.pki.SignerEC.Cert.Subject.CommonName
	for _, want := range []string{f.signed + ": ✓ valid (TOTAL-PASSED), 1 signature\n", "✓ Signature 1, field Signature1: valid (TOTAL-PASSED)", cn, "Siegel Test Intermediate CA",
		"(claimed by the signer, not proven)", "the whole file", "PAdES-B-B", "Qualified status:",
		f.flipped + ": ✗ invalid (TOTAL-FAILED)", "TOTAL-FAILED/HASH_FAILURE", "      - The signed bytes were changed"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "\x1b") {
		t.Errorf("ANSI codes in output that is not a terminal:\n%q", stdout)
	}
	if strings.Contains(stdout, "SERIALNUMBER=") {
		t.Errorf("the summary names the signer by the whole subject:\n%s", stdout)
	}
	_, stdout, _ = run(t, "verify", f.signed)
	if !strings.Contains(stdout, "? Signature 1") || !strings.Contains(stdout, "NO_CERTIFICATE_CHAIN_FOUND") {
		t.Errorf("untrusted:\n%s", stdout)
	}
	_, stdout, _ = run(t, f.trusted("--lang", "de", f.signed)...)
	if !strings.Contains(stdout, "gültig (TOTAL-PASSED)") || !strings.Contains(stdout, "Unterzeichner") {
		t.Errorf("German:\n%s", stdout)
	}
}

// TestVerifyColour: colour on a terminal, none with NO_COLOR.
func TestVerifyColour(t *testing.T) {
	f := newVerifyFixture(t)
	screen := func(t *testing.T) string {
		master, slave := openPTY(t)
		code := cli.Run(cli.Env{Stdin: strings.NewReader(""), Stdout: slave, Stderr: io.Discard}, f.trusted(f.signed, f.flipped))
		if code != 1 {
			t.Errorf("exit %d", code)
		}
		// With the terminal's other end closed, reading drains what was
		// written and then ends.
		slave.Close()
		var b bytes.Buffer
		io.Copy(&b, master)
		return b.String()
	}
	t.Setenv("NO_COLOR", "")
	t.Setenv("TERM", "xterm")
	out := screen(t)
	if !strings.Contains(out, "\x1b[32m✓") || !strings.Contains(out, "\x1b[31m✗") {
		t.Errorf("no colours on a terminal:\n%q", out)
	}
	t.Setenv("NO_COLOR", "1")
	if out := screen(t); strings.Contains(out, "\x1b[") || !strings.Contains(out, "✓") {
		t.Errorf("NO_COLOR set:\n%q", out)
	}
}

func TestVerifyReport(t *testing.T) {
	f := newVerifyFixture(t)
	cn := f.pki.SignerEC.Cert.Subject.CommonName
	files := []string{f.signed, f.flipped, f.notPDF}
	facts := []string{"Signature verification report", "Verified at", "Verified with", "Siegel " + cli.Version,
		"Trust anchors", "the system's certificate store", f.root, "Revocation sources", f.crlInter, "nothing fetched online",
		f.signed, f.flipped, f.notPDF, "could not be processed", cn, "Siegel Test Intermediate CA",
		"valid (TOTAL-PASSED)", "invalid (TOTAL-FAILED/HASH_FAILURE)", "PAdES-B-B", "claimed by the signer",
		"The signed bytes were changed", "SHA-256"}

	t.Run("html", func(t *testing.T) {
		out := filepath.Join(f.dir, "report.html")
		if code, _, stderr := run(t, f.trusted(append([]string{"--report", out}, files...)...)...); code != 3 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		html := string(b)
		for _, want := range facts {
			want = strings.ReplaceAll(want, "'", "&#39;")
			if !strings.Contains(html, want) {
				t.Errorf("HTML lacks %q", want)
			}
		}
		// Self-contained: nothing loaded from elsewhere, no script.
		for _, bad := range []string{"<script", "src=", "href=", "@import", "url("} {
			if strings.Contains(html, bad) {
				t.Errorf("HTML contains %q", bad)
			}
		}
		if !strings.Contains(html, "@media print") || !strings.HasPrefix(html, "<!DOCTYPE html>") {
			t.Error("not a printable HTML page")
		}
	})

	t.Run("pdf", func(t *testing.T) {
		out := filepath.Join(f.dir, "report.pdf")
		if code, _, stderr := run(t, f.trusted(append([]string{"--report", out}, files...)...)...); code != 3 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		judge.QPDFCheck(t, out)
		// Wrapped lines and page breaks split facts: compare the text
		// with white space removed.
		raw := judge.PDFText(t, out)
		text := strings.Join(strings.Fields(raw), "")
		for _, want := range facts {
			if !strings.Contains(text, strings.Join(strings.Fields(want), "")) {
				t.Errorf("PDF text lacks %q:\n%s", want, raw)
			}
		}
	})

	t.Run("pdf, German, several pages", func(t *testing.T) {
		out := filepath.Join(f.dir, "bericht.pdf")
		many := []string{}
		for i := 0; i < 8; i++ {
			many = append(many, f.signed, f.flipped)
		}
		if code, _, stderr := run(t, f.trusted(append([]string{"--report", out, "--lang", "de"}, many...)...)...); code != 1 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		judge.QPDFCheck(t, out)
		text := judge.PDFText(t, out)
		flat := strings.Join(strings.Fields(text), " ")
		for _, want := range []string{"Prüfbericht elektronischer Signaturen", "Geprüft am", "Unterzeichner", "gültig (TOTAL-PASSED)",
			"Änderungen nach dem Signieren", "Seite 2 /"} {
			if !strings.Contains(flat, want) {
				t.Errorf("PDF text lacks %q:\n%s", want, text)
			}
		}
		if pages := strings.Count(text, "\f"); pages < 3 {
			t.Errorf("%d pages, want several", pages)
		}
	})

	t.Run("refuses to overwrite an input", func(t *testing.T) {
		before, _ := os.ReadFile(f.signed)
		// A trust file whose name could be a report's.
		anchors := f.write("anchors.html", testpki.PEM(f.pki.Root.Cert))
		for _, target := range []string{f.signed, anchors, filepath.Join(f.dir, ".", "signed.pdf")} {
			code, _, stderr := run(t, f.trusted("--trust", anchors, "--report", target, f.signed)...)
			if code == 0 || !strings.Contains(stderr, "refusing to overwrite") {
				t.Errorf("%s: exit %d: %s", target, code, stderr)
			}
		}
		if code, _, _ := run(t, f.trusted("--report", f.signed+".html", f.signed)...); code != 0 {
			t.Errorf("report beside the input: exit %d", code)
		}
		after, _ := os.ReadFile(f.signed)
		if !bytes.Equal(before, after) {
			t.Error("the input changed")
		}
		if names := listDir(t, f.dir); strings.Contains(names, ".siegel-report") {
			t.Errorf("temporary file left: %s", names)
		}
	})
}

func TestVerifyDetachedCLI(t *testing.T) {
	f := newVerifyFixture(t)
	data := f.write("contract.txt", []byte("Kaufvertrag\x00\xff\n"))
	changed := f.write("changed.txt", []byte("Kaufvertrag\x00\xfe\n"))
	h := crypto.SHA256.New()
	h.Write([]byte("Kaufvertrag\x00\xff\n"))
	der, err := cms.SignDetached(context.Background(), f.pki.SignerRSA.Key, f.pki.Chain(f.pki.SignerRSA), h.Sum(nil), cms.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sig := f.write("contract.txt.p7s", der)
	other := f.write("signature.p7s", der)

	opensslOK := func(data string) bool {
		bin := testenv.Need(t, "openssl")["openssl"]
		out, err := exec.Command(bin, "cms", "-verify", "-binary", "-inform", "DER", "-content", data,
			"-CAfile", f.root, "-purpose", "any", "-in", sig, "-out", os.DevNull).CombinedOutput()
		if err == nil != strings.Contains(string(out), "Verification successful") {
			t.Fatalf("openssl: %v\n%s", err, out)
		}
		return err == nil
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		ind  string
		sub  string
	}{
		{"data beside", f.trusted("--json", sig), 0, "TOTAL-PASSED", ""},
		{"--data", f.trusted("--json", other, "--data", data), 0, "TOTAL-PASSED", ""},
		{"changed data", f.trusted("--json", other, "--data", changed), 1, "TOTAL-FAILED", "HASH_FAILURE"},
		{"untrusted", []string{"verify", "--json", sig}, 2, "INDETERMINATE", "NO_CERTIFICATE_CHAIN_FOUND"},
		{"no data", f.trusted("--json", other), 3, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := run(t, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tc.code, stdout, stderr)
			}
			var j jsonOut
			if err := json.Unmarshal([]byte(stdout), &j); err != nil {
				t.Fatalf("%v\n%s", err, stdout)
			}
			if tc.code == 3 {
				if j.Error == "" || !strings.Contains(stderr, "siegel: verify "+other+": ") {
					t.Errorf("%+v %s", j, stderr)
				}
				return
			}
			s := j.Signatures[0]
			if j.Indication != tc.ind || s.SubIndication != tc.sub || s.Coverage != "whole file" {
				t.Errorf("%+v", j)
			}
		})
	}
	if !opensslOK(data) || opensslOK(changed) {
		t.Error("openssl disagrees: the signature verifies over the data and not over the changed data")
	}
}

func TestVerifyExtractRevision(t *testing.T) {
	f := newVerifyFixture(t)
	twice := filepath.Join(f.dir, "twice.pdf")
	if code, _, stderr := run(t, "sign", "--key", "pkcs12:"+f.p12RSA, "--pin-file", f.pinFile, f.signed, twice); code != 0 {
		t.Fatalf("sign: %s", stderr)
	}
	out := filepath.Join(f.dir, "first.pdf")
	code, stdout, stderr := run(t, "verify", "--extract-revision", "2", "--out", out, twice)
	if code != 0 || !strings.Contains(stdout, out) {
		t.Fatalf("exit %d: %s%s", code, stdout, stderr)
	}
	got, _ := os.ReadFile(out)
	want, _ := os.ReadFile(f.signed)
	if !bytes.Equal(got, want) {
		t.Errorf("revision 2 of the twice-signed file (%d bytes) is not the once-signed file (%d bytes)", len(got), len(want))
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
	}{
		{"out exists", []string{"verify", "--extract-revision", "2", "--out", out, twice}, 3},
		{"no such revision", []string{"verify", "--extract-revision", "9", "--out", out + "2", twice}, 3},
		{"no --out", []string{"verify", "--extract-revision", "2", twice}, 2},
		{"two files", []string{"verify", "--extract-revision", "2", "--out", out + "3", twice, twice}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if code, _, stderr := run(t, tc.args...); code != tc.code {
				t.Errorf("exit %d, want %d: %s", code, tc.code, stderr)
			}
		})
	}
}

// tlFixture is a PDF signed by a qualified signer of the test PKI and
// EU trusted lists on 127.0.0.1 that name the PKI's intermediate as a
// qualified CA.
type tlFixture struct {
	*verifyFixture
	qes     string
	w       *tltest.World
	signers string
	cache   string
}

func newTLFixture(t *testing.T) *tlFixture {
	t.Helper()
	f := &tlFixture{verifyFixture: newVerifyFixture(t)}
	e, err := f.pki.NewSignerQC("Qualified Signer", "ec", testpki.QC{Compliance: true, SSCD: true, Type: "esign"})
	if err != nil {
		t.Fatal(err)
	}
	der, err := f.pki.PKCS12(e, "1234")
	if err != nil {
		t.Fatal(err)
	}
	p12 := f.write("qes.p12", der)
	f.qes = filepath.Join(f.dir, "qes.pdf")
	if code, _, stderr := run(t, "sign", "--key", "pkcs12:"+p12, "--pin-file", f.pinFile, f.pdf("qes-in.pdf", 1), f.qes); code != 0 {
		t.Fatalf("sign: %d %s", code, stderr)
	}
	f.w = tltest.NewWorld(t, "DE", f.pki.Intermediate.Cert)
	f.signers = f.write("lotl-signers.pem", tltest.PEM(f.w.LOTLSigner.Cert))
	f.cache = filepath.Join(f.dir, "tl-cache")
	cli.TrustListHTTPClient = f.w.Server.Client()
	t.Cleanup(func() { cli.TrustListHTTPClient = nil })
	return f
}

// lists are the flags that use the fixture's trusted lists.
func (f *tlFixture) lists(args ...string) []string {
	return append([]string{"verify", "--eu-trust-lists", "--lotl-signers", f.signers, "--lotl-url", f.w.LOTLURL,
		"--trust-list-cache", f.cache, "--crl", f.crlInter}, args...)
}

type jsonTrustSources struct {
	jsonOut
	TrustSources []struct {
		Kind, File, Territory, URL, IssueDate, Error string
		SequenceNumber                               int
	} `json:"trustSources"`
}

func TestVerifyTrustListsCLI(t *testing.T) {
	f := newTLFixture(t)
	decode := func(t *testing.T, stdout string) jsonTrustSources {
		t.Helper()
		var j jsonTrustSources
		if err := json.Unmarshal([]byte(stdout), &j); err != nil || len(j.Signatures) != 1 {
			t.Fatalf("%v\n%s", err, stdout)
		}
		return j
	}

	t.Run("qualified through the list", func(t *testing.T) {
		code, stdout, stderr := run(t, f.lists("--json", f.qes)...)
		j := decode(t, stdout)
		s := j.Signatures[0]
		if code != 0 || stderr != "" || s.Indication != "TOTAL-PASSED" || s.Qualified != "QES" ||
			len(s.Signer.Chain) != 2 || !strings.Contains(s.Signer.Chain[1], "Siegel Test Intermediate CA") {
			t.Fatalf("exit %d stderr %q: %+v", code, stderr, s)
		}
		var kinds []string
		for _, ts := range j.TrustSources {
			kinds = append(kinds, ts.Kind+":"+ts.Territory)
		}
		if got := strings.Join(kinds, " "); got != "system: lotl:EU trustedList:DE" {
			t.Errorf("trustSources %s", got)
		}
		if de := j.TrustSources[2]; de.URL != f.w.TLURL || de.SequenceNumber != 7 || de.IssueDate == "" || de.Error != "" {
			t.Errorf("DE source %+v", de)
		}
	})

	t.Run("without the lists no chain", func(t *testing.T) {
		code, stdout, _ := run(t, "verify", "--crl", f.crlInter, "--json", f.qes)
		s := decode(t, stdout).Signatures[0]
		if code != 2 || s.SubIndication != "NO_CERTIFICATE_CHAIN_FOUND" {
			t.Errorf("exit %d: %s/%s", code, s.Indication, s.SubIndication)
		}
	})

	t.Run("report names the lists", func(t *testing.T) {
		out := filepath.Join(f.dir, "tl-report.html")
		if code, _, stderr := run(t, f.lists("--report", out, f.qes)...); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"the qualified CAs of the EU trusted lists below", "EU trusted lists",
			"list of trusted lists (EU), sequence number 300", "DE, sequence number 7, issued ", f.w.TLURL, f.w.LOTLURL} {
			if !strings.Contains(string(b), want) {
				t.Errorf("report lacks %q", want)
			}
		}
		pdf := filepath.Join(f.dir, "tl-bericht.pdf")
		if code, _, stderr := run(t, f.lists("--report", pdf, "--lang", "de", f.qes)...); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		judge.QPDFCheck(t, pdf)
		text := strings.Join(strings.Fields(judge.PDFText(t, pdf)), "")
		for _, want := range []string{"EU-Vertrauenslisten", "ListederVertrauenslisten(EU),Folgenummer300", "DE,Folgenummer7,ausgestellt"} {
			if !strings.Contains(text, want) {
				t.Errorf("PDF report lacks %q:\n%s", want, judge.PDFText(t, pdf))
			}
		}
	})

	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr []string
	}{
		{"no LOTL signers", []string{"verify", "--eu-trust-lists", "--lotl-url", f.w.LOTLURL, f.qes}, 3,
			[]string{"siegel: verify: EU trusted lists: no LOTL signer certificates", "--lotl-signers FILE.pem"}},
		{"offline without a cache", []string{"verify", "--eu-trust-lists", "--lotl-signers", f.signers, "--lotl-url", f.w.LOTLURL,
			"--trust-list-cache", filepath.Join(f.dir, "no-cache"), "--offline", f.qes}, 3,
			[]string{"EU trusted lists (offline", f.w.LOTLURL, "not in the trusted list cache"}},
		{"LOTL signed by another", []string{"verify", "--eu-trust-lists", "--lotl-signers", f.root, "--lotl-url", f.w.LOTLURL, f.qes}, 3,
			[]string{"list of trusted lists " + f.w.LOTLURL}},
		{"unreadable signers file", []string{"verify", "--eu-trust-lists", "--lotl-signers", filepath.Join(f.dir, "none.pem"), f.qes}, 3,
			[]string{"LOTL signers file"}},
		{"--offline alone", []string{"verify", "--offline", f.qes}, 2, []string{"--offline goes with --eu-trust-lists"}},
		{"--lotl-signers alone", []string{"verify", "--lotl-signers", f.signers, f.qes}, 2, []string{"--lotl-signers goes with --eu-trust-lists"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := run(t, tc.args...)
			if code != tc.code || stdout != "" {
				t.Errorf("exit %d, want %d; stdout %q", code, tc.code, stdout)
			}
			for _, want := range tc.stderr {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr %q lacks %q", stderr, want)
				}
			}
			if tc.code == 3 && strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
				t.Errorf("want one line on stderr, got:\n%s", stderr)
			}
		})
	}

	// Last: the server goes away; the cache the runs above filled serves.
	t.Run("offline from the cache", func(t *testing.T) {
		f.w.Server.Close()
		code, stdout, stderr := run(t, f.lists("--offline", "--json", f.qes)...)
		if s := decode(t, stdout).Signatures[0]; code != 0 || stderr != "" || s.Qualified != "QES" {
			t.Errorf("exit %d stderr %q: %+v", code, stderr, s)
		}
	})
}

// TestVerifyTamperedTrustListCLI: a national list whose signature fails is
// a warning on stderr and in the report; the run goes on.
func TestVerifyTamperedTrustListCLI(t *testing.T) {
	f := newTLFixture(t)
	f.w.Tamper(t)
	out := filepath.Join(f.dir, "tampered-report.html")
	code, stdout, stderr := run(t, f.lists("--trust", f.root, "--crl", f.crlRoot, "--report", out, f.qes)...)
	if code != 0 || !strings.Contains(stdout, "TOTAL-PASSED") {
		t.Errorf("exit %d:\n%s\n%s", code, stdout, stderr)
	}
	if !strings.HasPrefix(stderr, "siegel: warning: trusted list DE ("+f.w.TLURL+"): ") ||
		!strings.Contains(stderr, "signature") || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
		t.Errorf("stderr %q", stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Trusted list warnings", "DE, " + f.w.TLURL + ": not used: ", "trusted list DE (" + f.w.TLURL + ")"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

// TestVerifyDir: a folder of received files, listed by result (failed,
// indeterminate, passed, unprocessable), with the exit code of the worst.
func TestVerifyDir(t *testing.T) {
	f := newVerifyFixture(t)
	t.Setenv("LANG", "en_GB.UTF-8")
	t.Setenv("LC_ALL", "")
	t.Setenv("LC_MESSAGES", "")
	dir := filepath.Join(f.dir, "inbox")
	copyTo := func(src, rel string) string {
		t.Helper()
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	valid := copyTo(f.signed, "a-valid.pdf")
	changed := copyTo(f.flipped, "sub/z-changed.PDF")
	broken := copyTo(f.notPDF, "b-broken.pdf")
	copyTo(f.notPDF, "notes.txt")         // not a signed file type: left out
	copyTo(f.flipped, ".part/hidden.pdf") // hidden: left out
	copyTo(f.flipped, ".c-being-written.pdf")

	code, stdout, stderr := run(t, f.trusted("--dir", dir)...)
	if code != 3 {
		t.Errorf("exit %d, want 3\n%s\n%s", code, stdout, stderr)
	}
	iFailed, iPassed, iBroken := strings.Index(stdout, "== Failed (1) =="), strings.Index(stdout, "== Passed (1) =="), strings.Index(stdout, "== Could not be verified (1) ==")
	iChanged, iValid, iBrokenFile := strings.Index(stdout, changed+": ✗"), strings.Index(stdout, valid+": ✓"), strings.Index(stdout, "verify "+broken+": ")
	if iFailed < 0 || iPassed < 0 || iBroken < 0 || iChanged < 0 || iValid < 0 || iBrokenFile < 0 ||
		!(iFailed < iChanged && iChanged < iPassed && iPassed < iValid && iValid < iBroken && iBroken < iBrokenFile) {
		t.Errorf("not grouped failed, passed, unprocessable:\n%s", stdout)
	}
	if strings.Contains(stdout, "Indeterminate") || strings.Contains(stdout, "hidden") || strings.Contains(stdout, "notes.txt") || strings.Contains(stdout, "being-written") {
		t.Errorf("an empty group or a file that is not to be verified:\n%s", stdout)
	}
	if !strings.HasSuffix(stdout, "3 files: 1 failed, 0 indeterminate, 1 passed, 1 could not be verified\n") {
		t.Errorf("no count summary at the end:\n%s", stdout)
	}
	if !strings.Contains(stderr, broken) {
		t.Errorf("stderr does not name the unprocessable file: %q", stderr)
	}

	// JSON: an array sorted likewise; without the unprocessable file the
	// exit code is that of the failed one.
	if err := os.Remove(broken); err != nil {
		t.Fatal(err)
	}
	copyTo(f.signed, "sub/m-valid.pdf")
	code, stdout, stderr = run(t, f.trusted("--json", "--dir", dir)...)
	if code != 1 {
		t.Errorf("exit %d, want 1\n%s", code, stderr)
	}
	var got []jsonOut
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("json: %v\n%s", err, stdout)
	}
	var order []string
	for _, g := range got {
		order = append(order, filepath.Base(g.File)+" "+g.Indication)
	}
	want := "z-changed.PDF TOTAL-FAILED,a-valid.pdf TOTAL-PASSED,m-valid.pdf TOTAL-PASSED"
	if strings.Join(order, ",") != want {
		t.Errorf("json order %v, want %s", order, want)
	}

	// Only the valid ones: exit 0; untrusted: indeterminate, exit 2.
	os.Remove(changed)
	if code, stdout, _ := run(t, f.trusted("--dir", dir)...); code != 0 || !strings.Contains(stdout, "2 files: 0 failed, 0 indeterminate, 2 passed") {
		t.Errorf("valid folder: exit %d\n%s", code, stdout)
	}
	if code, stdout, _ := run(t, "verify", "--lang", "de", "--dir", dir); code != 2 || !strings.Contains(stdout, "== Unbestimmt (2) ==") {
		t.Errorf("untrusted folder: exit %d\n%s", code, stdout)
	}
	if code, _, stderr := run(t, "verify", "--dir", filepath.Join(f.dir, "none")); code != 3 || !strings.Contains(stderr, "none") {
		t.Errorf("missing folder: exit %d, %s", code, stderr)
	}
}
