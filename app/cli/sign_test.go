package cli_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siegel-app/siegel/app/cli"
	"github.com/siegel-app/siegel/internal/judge"
	"github.com/siegel-app/siegel/internal/softhsm"
	"github.com/siegel-app/siegel/internal/testenv"
	"github.com/siegel-app/siegel/internal/testpdf"
	"github.com/siegel-app/siegel/internal/testpki"
	"github.com/siegel-app/siegel/internal/tsatest"
	"github.com/siegel-app/siegel/signing/cms"
)

// run runs the CLI in-process, as the binary would.
func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = cli.Run(cli.Env{Stdin: strings.NewReader(""), Stdout: &o, Stderr: &e}, args)
	return code, o.String(), e.String()
}

type fixture struct {
	dir     string
	pki     *testpki.PKI
	pinFile string
	p12RSA  string
	p12EC   string
	root    string // root CA PEM
	chain   string // intermediate PEM
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{dir: t.TempDir(), pki: testpki.MustShared(t)}
	f.pinFile = f.write("pin.txt", []byte("1234\n"))
	for _, e := range []struct {
		path *string
		ent  *testpki.Entity
	}{{&f.p12RSA, f.pki.SignerRSA}, {&f.p12EC, f.pki.SignerEC}} {
		der, err := f.pki.PKCS12(e.ent, "1234")
		if err != nil {
			t.Fatal(err)
		}
		*e.path = f.write(e.ent.Cert.Subject.CommonName+".p12", der)
	}
	f.root = f.write("root.pem", testpki.PEM(f.pki.Root.Cert))
	f.chain = f.write("chain.pem", testpki.PEM(f.pki.Intermediate.Cert, f.pki.TSA.Cert))
	return f
}

func (f *fixture) write(name string, data []byte) string {
	p := filepath.Join(f.dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		panic(err)
	}
	return p
}

func (f *fixture) pdf(name string, pages int) string {
	return f.write(name, testpdf.Pages(pages))
}

// checkSigned judges out with pdfsig, qpdf and openssl: n signatures, all
// valid, the last one covering the whole file, PAdES attributes in place.
func checkSigned(t *testing.T, f *fixture, out string, n int) []judge.Signed {
	t.Helper()
	judge.QPDFCheck(t, out)
	sigs := judge.PDFSig(t, out)
	if len(sigs) != n {
		t.Fatalf("pdfsig found %d signatures, want %d", len(sigs), n)
	}
	for i, s := range sigs {
		if !s.Valid {
			t.Errorf("pdfsig: signature %d not valid:\n%s", i+1, s.Raw)
		}
		if s.SubFilter != "ETSI.CAdES.detached" {
			t.Errorf("pdfsig: signature %d type %q, want ETSI.CAdES.detached", i+1, s.SubFilter)
		}
	}
	if !sigs[n-1].Total {
		t.Errorf("pdfsig: last signature does not cover the whole document:\n%s", sigs[n-1].Raw)
	}
	raw := judge.Signatures(t, out)
	if len(raw) != n {
		t.Fatalf("found %d byte ranges, want %d", len(raw), n)
	}
	dump := judge.CMSPrint(t, raw[n-1].CMS)
	for _, want := range []string{"signingCertificateV2", "messageDigest", "contentType"} {
		if !strings.Contains(dump, want) {
			t.Errorf("CMS lacks %s:\n%s", want, dump)
		}
	}
	// Only the signer's own signed attributes: a B-T timestamp token nested
	// in the unsigned attributes has a signingTime of its own.
	outer, _, _ := strings.Cut(dump, "unsignedAttrs")
	if strings.Contains(outer, "signingTime") {
		t.Errorf("CMS has a signingTime attribute; PAdES baseline forbids it")
	}
	// The full chain is in the CMS.
	for _, c := range []string{"Siegel Test Intermediate CA", "Siegel Test Root CA"} {
		if !strings.Contains(dump, c) {
			t.Errorf("CMS certificates lack %s", c)
		}
	}
	return raw
}

func TestSignPKCS12(t *testing.T) {
	f := newFixture(t)
	tsa := tsatest.New(t, f.pki)
	stamp := f.write("stamp.png", stampPNG())
	tests := []struct {
		name  string
		key   string
		extra []string
	}{
		{"rsa invisible B-B", f.p12RSA, nil},
		{"ec invisible B-B", f.p12EC, nil},
		{"rsa visible with image", f.p12RSA, []string{"--visible", "1:300,50,220,70", "--image", stamp, "--reason", "Genehmigt – Grüße"}},
		{"ec certify", f.p12EC, []string{"--certify=2", "--location", "Berlin", "--contact", "max@example.test"}},
		{"rsa B-T", f.p12RSA, []string{"--tsa", tsa.URL}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := f.pdf(strings.ReplaceAll(tc.name, " ", "_")+".pdf", 2)
			before, _ := os.ReadFile(in)
			out := strings.TrimSuffix(in, ".pdf") + "-signed.pdf"
			args := append([]string{"sign", "--key", "pkcs12:" + tc.key, "--pin-file", f.pinFile}, tc.extra...)
			code, stdout, stderr := run(t, append(args, in, out)...)
			if code != 0 {
				t.Fatalf("exit %d: %s%s", code, stdout, stderr)
			}
			if after, _ := os.ReadFile(in); !bytes.Equal(before, after) {
				t.Fatal("input changed")
			}
			if !strings.Contains(stderr, "SHA-256") {
				t.Errorf("no review shown before signing:\n%s", stderr)
			}
			checkSigned(t, f, out, 1)
			data, _ := os.ReadFile(out)
			if tc.extra != nil && tc.extra[0] == "--certify=2" && !bytes.Contains(data, []byte("/DocMDP")) {
				t.Error("certification signature without /DocMDP")
			}
			if tc.extra != nil && tc.extra[0] == "--tsa" {
				checkTimestamp(t, f, out)
			}
		})
	}
}

// checkTimestamp verifies the B-T signature timestamp with openssl ts:
// the token's imprint is the hash of the signature value (ETSI EN 319 122-1
// §5.3).
func checkTimestamp(t *testing.T, f *fixture, out string) {
	t.Helper()
	raw := judge.Signatures(t, out)
	sd, err := cms.Parse(raw[len(raw)-1].CMS)
	if err != nil {
		t.Fatal(err)
	}
	if len(sd.TimestampToken) == 0 {
		t.Fatal("B-T signature has no signature timestamp")
	}
	tok := f.write("token.der", sd.TimestampToken)
	sum := sha256.Sum256(sd.Signature)
	res := judge.OpenSSL(t, "ts", "-verify", "-in", tok, "-token_in", "-digest", hex.EncodeToString(sum[:]),
		"-CAfile", f.root, "-untrusted", f.chain)
	if !strings.Contains(res, "Verification: OK") {
		t.Fatalf("openssl ts -verify: %s", res)
	}
}

func TestSignTwiceKeepsFirstValid(t *testing.T) {
	f := newFixture(t)
	in := f.pdf("in.pdf", 1)
	once := filepath.Join(f.dir, "once.pdf")
	twice := filepath.Join(f.dir, "twice.pdf")
	if code, _, e := run(t, "sign", "--key", "pkcs12:"+f.p12RSA, "--pin-file", f.pinFile, in, once); code != 0 {
		t.Fatal(e)
	}
	if code, _, e := run(t, "sign", "--key", "pkcs12:"+f.p12EC, "--pin-file", f.pinFile, "--visible", "1:50,50,200,60", once, twice); code != 0 {
		t.Fatal(e)
	}
	raw := checkSigned(t, f, twice, 2)
	onceData, _ := os.ReadFile(once)
	if raw[0].ByteRange[2]+raw[0].ByteRange[3] != int64(len(onceData)) {
		t.Error("first signature no longer ends where its revision ends")
	}
}

func TestSignPKCS11(t *testing.T) {
	f := newFixture(t)
	tok := softhsm.NewToken(t, "siegel-cli", "1234")
	tok.ImportKey(t, []byte{1}, "rsa", f.pki.SignerRSA, f.pki.Chain(f.pki.SignerRSA), false)
	tok.ImportKey(t, []byte{2}, "ec", f.pki.SignerEC, f.pki.Chain(f.pki.SignerEC), false)

	code, stdout, stderr := run(t, "keys", "--module", tok.ModulePath, "--json")
	if code != 0 {
		t.Fatalf("keys: exit %d: %s", code, stderr)
	}
	for _, want := range []string{`"label": "siegel-cli"`, "Erika Mustermann", "Max Mustermann", `"uri": "pkcs11:`} {
		if !strings.Contains(stdout, want) {
			t.Errorf("keys --json lacks %s:\n%s", want, stdout)
		}
	}
	for _, id := range [][]byte{{1}, {2}} {
		in := f.pdf("in.pdf", 1)
		out := filepath.Join(f.dir, "out.pdf")
		os.Remove(out)
		if code, o, e := run(t, "sign", "--key", tok.URI(id), "--pin-file", f.pinFile, in, out); code != 0 {
			t.Fatalf("sign with %x: exit %d: %s%s", id, code, o, e)
		}
		checkSigned(t, f, out, 1)
	}
}

// stampPNG makes a small PNG with transparency.
func stampPNG() []byte {
	return testpdf.StampPNG()
}

func TestNoPINOnCommandLine(t *testing.T) {
	code, _, stderr := run(t, "sign", "--pin", "1234", "--key", "pkcs12:x.p12", "a.pdf", "b.pdf")
	if code != cli.ExitUsage || !strings.Contains(stderr, "pin") {
		t.Fatalf("exit %d, %s", code, stderr)
	}
}

// TestSignXrefStreamInput: a PDF with a cross-reference stream and object
// streams (PDF 1.5+, as most producers write today) gets an update with a
// cross-reference stream, and signs twice.
func TestSignXrefStreamInput(t *testing.T) {
	f := newFixture(t)
	qpdf := testenv.Need(t, "qpdf")["qpdf"]
	plain := f.pdf("plain.pdf", 3)
	in := filepath.Join(f.dir, "streams.pdf")
	if out, err := exec.Command(qpdf, "--object-streams=generate", plain, in).CombinedOutput(); err != nil {
		t.Fatalf("qpdf: %v %s", err, out)
	}
	once, twice := filepath.Join(f.dir, "once.pdf"), filepath.Join(f.dir, "twice.pdf")
	if code, _, e := run(t, "sign", "--key", "pkcs12:"+f.p12EC, "--pin-file", f.pinFile, "--visible", "3:40,40,200,50", in, once); code != 0 {
		t.Fatal(e)
	}
	checkSigned(t, f, once, 1)
	data, _ := os.ReadFile(once)
	if !bytes.Contains(data[len(data)-2000:], []byte("/Type /XRef")) {
		t.Error("update after a cross-reference stream should end with a cross-reference stream")
	}
	if code, _, e := run(t, "sign", "--key", "pkcs12:"+f.p12RSA, "--pin-file", f.pinFile, once, twice); code != 0 {
		t.Fatal(e)
	}
	checkSigned(t, f, twice, 2)
}

// TestSignForce: --force replaces an existing output, atomically.
func TestSignForce(t *testing.T) {
	f := newFixture(t)
	in := f.pdf("in.pdf", 1)
	out := f.write("out.pdf", []byte("an older file"))
	if code, _, e := run(t, "sign", "--key", "pkcs12:"+f.p12EC, "--pin-file", f.pinFile, "--force", in, out); code != 0 {
		t.Fatal(e)
	}
	checkSigned(t, f, out, 1)
}

// TestSignBlockingContent: a document with JavaScript is not signed unless
// the signer accepts the audit's finding with --accept-findings.
func TestSignBlockingContent(t *testing.T) {
	f := newFixture(t)
	in := f.write("js.pdf", testpdf.Build([]string{
		"<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
		"<< /Length 0 >>\nstream\n\nendstream",
		"<< /S /JavaScript /JS (app.alert(1)) >>",
	}, ""))
	out := filepath.Join(f.dir, "js-signed.pdf")
	code, _, stderr := run(t, "sign", "--key", "pkcs12:"+f.p12EC, "--pin-file", f.pinFile, in, out)
	if code == 0 || !strings.Contains(stderr, "javascript") || !strings.Contains(stderr, "--accept-findings") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("signed although the finding was not accepted")
	}
	if code, _, stderr := run(t, "sign", "--key", "pkcs12:"+f.p12EC, "--pin-file", f.pinFile, "--accept-findings", in, out); code != 0 {
		t.Fatalf("with --accept-findings: exit %d: %s", code, stderr)
	} else if !strings.Contains(stderr, "Content   blocking:") {
		t.Errorf("the review did not show the finding:\n%s", stderr)
	}
	checkSigned(t, f, out, 1)
}
