package verify_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/siegel-app/siegel/internal/judge"
	"github.com/siegel-app/siegel/internal/testenv"
	"github.com/siegel-app/siegel/internal/testpki"
	"github.com/siegel-app/siegel/internal/tsatest"
	"github.com/siegel-app/siegel/signing/tsa"
	"github.com/siegel-app/siegel/signing/verify"
)

// ASiC-E containers for these tests are made with independent tools:
// openssl cms signs the ASiCManifest of the CAdES variant, xmlsec1 the
// XAdESSignatures of the XAdES variant; the digests in the manifests and
// the ZIP are written here (archive/zip, crypto/sha256).

// zipEntry is one entry of a test container, in order.
type zipEntry struct {
	name   string
	data   []byte
	method uint16 // zip.Store or zip.Deflate
}

func writeZip(t testing.TB, path string, entries []zipEntry) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: e.method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mimetypeEntry() zipEntry {
	return zipEntry{"mimetype", []byte("application/vnd.etsi.asic-e+zip"), zip.Store}
}

// dataFiles are the two data files of the test containers; one name
// has a space and a directory, so references must be percent-encoded.
func dataFiles() []zipEntry {
	return []zipEntry{
		{"Kaufvertrag.txt", []byte("Kaufvertrag\x00\xff binary bytes\n"), zip.Deflate},
		{"Anlagen/Anlage 1.txt", []byte("Anlage 1: Grundriss\n"), zip.Deflate},
	}
}

func b64sha256(b []byte) string {
	d := sha256.Sum256(b)
	return base64.StdEncoding.EncodeToString(d[:])
}

func uriOf(name string) string { return (&url.URL{Path: name}).EscapedPath() }

// asicManifest is an ASiCManifest (EN 319 162-1 Annex A) naming sigName
// and listing files with their SHA-256 digests.
func asicManifest(sigName string, files []zipEntry) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<asic:ASiCManifest xmlns:asic="http://uri.etsi.org/02918/v1.2.1#" xmlns:ds="http://www.w3.org/2000/09/xmldsig#">` + "\n")
	fmt.Fprintf(&b, `<asic:SigReference URI="%s" MimeType="application/x-pkcs7-signature"/>`+"\n", sigName)
	for _, f := range files {
		fmt.Fprintf(&b, `<asic:DataObjectReference URI="%s" MimeType="text/plain"><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue>%s</ds:DigestValue></asic:DataObjectReference>`+"\n",
			uriOf(f.name), b64sha256(f.data))
	}
	b.WriteString(`</asic:ASiCManifest>` + "\n")
	return []byte(b.String())
}

// signerFiles writes e's key, certificate and the intermediate as PEM.
func signerFiles(t testing.TB, p *testpki.PKI, e *testpki.Entity, dir string) (key, cert, chain string) {
	t.Helper()
	keyDER, err := x509.MarshalPKCS8PrivateKey(e.Key)
	if err != nil {
		t.Fatal(err)
	}
	key, cert, chain = filepath.Join(dir, "key.pem"), filepath.Join(dir, "cert.pem"), filepath.Join(dir, "chain.pem")
	for path, b := range map[string][]byte{key: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
		cert: testpki.PEM(e.Cert), chain: testpki.PEM(p.Intermediate.Cert)} {
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return key, cert, chain
}

// opensslSign makes a detached CAdES signature (signing-certificate-v2,
// signing-time) over content with openssl cms.
func opensslSign(t testing.TB, p *testpki.PKI, e *testpki.Entity, content []byte) []byte {
	t.Helper()
	dir := t.TempDir()
	key, cert, chain := signerFiles(t, p, e, dir)
	in, out := filepath.Join(dir, "ASiCManifest.xml"), filepath.Join(dir, "sig.p7s")
	if err := os.WriteFile(in, content, 0o644); err != nil {
		t.Fatal(err)
	}
	judge.OpenSSL(t, "cms", "-sign", "-binary", "-cades", "-md", "sha256", "-in", in, "-signer", cert,
		"-inkey", key, "-certfile", chain, "-outform", "DER", "-out", out)
	der, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// cadesContainer is a container whose signature covers signed and which
// holds files; manifest, when not nil, replaces the manifest in it.
func cadesContainer(t testing.TB, p *testpki.PKI, path string, signed, files []zipEntry, manifest []byte) {
	t.Helper()
	const sig = "META-INF/signature001.p7s"
	m := asicManifest(sig, signed)
	der := opensslSign(t, p, p.SignerEC, m)
	if manifest != nil {
		m = manifest
	}
	entries := append([]zipEntry{mimetypeEntry()}, files...)
	entries = append(entries, zipEntry{"META-INF/ASiCManifest001.xml", m, zip.Deflate}, zipEntry{sig, der, zip.Deflate})
	writeZip(t, path, entries)
}

// xadesTemplate is an XAdESSignatures file with one ds:Signature to be
// completed by xmlsec1: a reference per data file (relative to the
// template's directory, where the files are written), one to the XAdES
// SignedProperties.
const xadesTemplate = `<?xml version="1.0" encoding="UTF-8"?>
<asic:XAdESSignatures xmlns:asic="http://uri.etsi.org/02918/v1.2.1#" xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:Signature Id="S1">
<ds:SignedInfo>
<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>
<ds:SignatureMethod Algorithm="{{METHOD}}"/>
{{REFS}}<ds:Reference Type="http://uri.etsi.org/01903#SignedProperties" URI="#S1-sp">
<ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>
<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>
<ds:DigestValue></ds:DigestValue>
</ds:Reference>
</ds:SignedInfo>
<ds:SignatureValue></ds:SignatureValue>
<ds:KeyInfo><ds:X509Data><ds:X509Certificate></ds:X509Certificate></ds:X509Data></ds:KeyInfo>
<ds:Object><xades:QualifyingProperties xmlns:xades="http://uri.etsi.org/01903/v1.3.2#" Target="#S1"><xades:SignedProperties Id="S1-sp"><xades:SignedSignatureProperties><xades:SigningTime>{{TIME}}</xades:SigningTime><xades:SigningCertificateV2><xades:Cert><xades:CertDigest><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue>{{CERTDIGEST}}</ds:DigestValue></xades:CertDigest></xades:Cert></xades:SigningCertificateV2></xades:SignedSignatureProperties></xades:SignedProperties>{{UNSIGNED}}</xades:QualifyingProperties></ds:Object>
</ds:Signature></asic:XAdESSignatures>
`

type xadesOpts struct {
	signer       *testpki.Entity   // nil: p.SignerRSA (xadesContainer)
	certDigestOf *x509.Certificate // nil: the signer's
	timestamp    *tsa.Client       // adds a SignatureTimeStamp
}

// xmlsecSign signs the template for files with xmlsec1 and returns the
// XAdESSignatures file.
func xmlsecSign(t testing.TB, p *testpki.PKI, e *testpki.Entity, files []zipEntry, o xadesOpts) []byte {
	t.Helper()
	bin := testenv.Need(t, "xmlsec1")["xmlsec1"]
	dir := t.TempDir() // no comma in it: xmlsec1 splits key,cert on commas
	if strings.Contains(dir, ",") {
		t.Fatalf("temporary directory %q has a comma", dir)
	}
	var refs strings.Builder
	for _, f := range files {
		path := filepath.Join(dir, filepath.FromSlash(f.name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, f.data, 0o644); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&refs, `<ds:Reference URI="%s"><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue></ds:DigestValue></ds:Reference>`+"\n", uriOf(f.name))
	}
	digestOf := e.Cert
	if o.certDigestOf != nil {
		digestOf = o.certDigestOf
	}
	method := "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
	if e.Cert.PublicKeyAlgorithm == x509.ECDSA {
		method = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256" // xmlsec1 writes r||s
	}
	tmpl := strings.NewReplacer("{{METHOD}}", method, "{{REFS}}", refs.String(), "{{TIME}}", time.Now().UTC().Format(time.RFC3339),
		"{{CERTDIGEST}}", b64sha256(digestOf.Raw), "{{UNSIGNED}}", "").Replace(xadesTemplate)
	in, out := filepath.Join(dir, "tmpl.xml"), filepath.Join(dir, "signatures.xml")
	if err := os.WriteFile(in, []byte(tmpl), 0o644); err != nil {
		t.Fatal(err)
	}
	key, cert, chain := signerFiles(t, p, e, dir)
	cmd := exec.Command(bin, "--sign", "--privkey-pem", key+","+cert+","+chain,
		"--id-attr:Id", "http://uri.etsi.org/01903/v1.3.2#:SignedProperties",
		"--output", out, in)
	cmd.Dir = dir // xmlsec1 resolves the file references from its working directory
	msg, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("xmlsec1 --sign: %v\n%s", err, msg)
	}
	signed, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if o.timestamp != nil {
		signed = addSignatureTimestamp(t, signed, o.timestamp)
	}
	return signed
}

// addSignatureTimestamp adds an unsigned SignatureTimeStamp (EN 319
// 132-1 §5.3) over the exclusive canonical form of ds:SignatureValue,
// written out here by hand: the element with its ds namespace and the
// text as xmlsec1 wrote it.
func addSignatureTimestamp(t testing.TB, signed []byte, c *tsa.Client) []byte {
	t.Helper()
	m := regexp.MustCompile(`(?s)<ds:SignatureValue>(.*?)</ds:SignatureValue>`).FindSubmatch(signed)
	if m == nil {
		t.Fatal("no SignatureValue in xmlsec1's output")
	}
	c14n := `<ds:SignatureValue xmlns:ds="http://www.w3.org/2000/09/xmldsig#">` + string(m[1]) + `</ds:SignatureValue>`
	token, err := c.Timestamp(context.Background(), []byte(c14n))
	if err != nil {
		t.Fatal(err)
	}
	unsigned := `<xades:UnsignedProperties><xades:UnsignedSignatureProperties><xades:SignatureTimeStamp Id="S1-ts">` +
		`<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>` +
		`<xades:EncapsulatedTimeStamp>` + base64.StdEncoding.EncodeToString(token) + `</xades:EncapsulatedTimeStamp>` +
		`</xades:SignatureTimeStamp></xades:UnsignedSignatureProperties></xades:UnsignedProperties>`
	out := bytes.Replace(signed, []byte(`</xades:QualifyingProperties>`), []byte(unsigned+`</xades:QualifyingProperties>`), 1)
	if bytes.Equal(out, signed) {
		t.Fatal("no QualifyingProperties in xmlsec1's output")
	}
	return out
}

func xadesContainer(t testing.TB, p *testpki.PKI, path string, signed, files []zipEntry, o xadesOpts) {
	t.Helper()
	signer := p.SignerRSA
	if o.signer != nil {
		signer = o.signer
	}
	sig := xmlsecSign(t, p, signer, signed, o)
	entries := append([]zipEntry{mimetypeEntry()}, files...)
	entries = append(entries, zipEntry{"META-INF/manifest.xml", []byte(`<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>`), zip.Deflate},
		zipEntry{"META-INF/signatures.xml", sig, zip.Deflate})
	writeZip(t, path, entries)
}

// testCRL is a CRL of issuer listing revoked serials, valid around now.
func testCRL(t testing.TB, issuer *testpki.Entity, revoked ...*big.Int) []byte {
	t.Helper()
	now := time.Now()
	var entries []x509.RevocationListEntry
	for _, s := range revoked {
		entries = append(entries, x509.RevocationListEntry{SerialNumber: s, RevocationTime: now.Add(-time.Hour)})
	}
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1),
		ThisUpdate: now.Add(-time.Minute), NextUpdate: now.Add(24 * time.Hour), RevokedCertificateEntries: entries},
		issuer.Cert, issuer.Key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestVerifyASiC(t *testing.T) {
	testenv.Need(t, "openssl", "xmlsec1")
	p := testpki.MustShared(t)
	dir := t.TempDir()
	at := func(name string) string { return filepath.Join(dir, name) }
	files := dataFiles()
	changed := slices.Clone(files)
	changed[1] = zipEntry{changed[1].name, []byte("Anlage 1: anderer Grundriss\n"), zip.Deflate}
	extra := append(slices.Clone(files), zipEntry{"Nachtrag.txt", []byte("nicht signiert"), zip.Deflate})
	all := []string{"Anlagen/Anlage 1.txt", "Kaufvertrag.txt"}
	client := &tsa.Client{URL: tsatest.New(t, p).URL}

	cadesContainer(t, p, at("cades.asice"), files, files, nil)
	cadesContainer(t, p, at("cades-changed.asice"), files, changed, nil)
	cadesContainer(t, p, at("cades-extra.asice"), files, extra, nil)
	cadesContainer(t, p, at("cades-other-manifest.asice"), files, files,
		asicManifest("META-INF/signature001.p7s", files[:1]))
	xadesContainer(t, p, at("xades.sce"), files, files, xadesOpts{})
	xadesContainer(t, p, at("xades-ec.asice"), files, files, xadesOpts{signer: p.SignerEC})
	xadesContainer(t, p, at("xades-bt.asice"), files, files, xadesOpts{timestamp: client})
	xadesContainer(t, p, at("xades-changed.asice"), files, changed, xadesOpts{})
	xadesContainer(t, p, at("xades-extra.asice"), files, extra, xadesOpts{})
	xadesContainer(t, p, at("xades-wrong-cert.asice"), files, files, xadesOpts{certDigestOf: p.SignerEC.Cert})

	// A second signature in another XAdES file, by the same signer, over
	// one file only: the container holds signatures with different
	// coverage.
	two := append([]zipEntry{mimetypeEntry()}, files...)
	two = append(two, zipEntry{"META-INF/signatures.xml", xmlsecSign(t, p, p.SignerRSA, files, xadesOpts{}), zip.Deflate},
		zipEntry{"META-INF/signatures2.xml", xmlsecSign(t, p, p.SignerRSA, files[:1], xadesOpts{}), zip.Deflate})
	writeZip(t, at("xades-two.asice"), two)

	// Edits of the XAdES file after signing: the signed properties
	// (claimed time), and a digest in SignedInfo.
	edited := func(name, old, new string) {
		sig := xmlsecSign(t, p, p.SignerRSA, files, xadesOpts{})
		b := regexp.MustCompile(old).ReplaceAll(sig, []byte(new))
		if bytes.Equal(b, sig) {
			t.Fatalf("%s: nothing replaced", name)
		}
		entries := append([]zipEntry{mimetypeEntry()}, files...)
		writeZip(t, at(name), append(entries, zipEntry{"META-INF/signatures.xml", b, zip.Deflate}))
	}
	edited("xades-time-edited.asice", `<xades:SigningTime>\d{4}`, `<xades:SigningTime>1999`)
	edited("xades-digest-edited.asice", `(<ds:Reference URI="Kaufvertrag.txt">.*?<ds:DigestValue>)[^<]`, `${1}A`)

	trusted := verify.Options{Roots: rootsOf(p), SkipRevocation: true}
	crls := verify.Options{Roots: rootsOf(p), CRLs: [][]byte{testCRL(t, p.Intermediate), testCRL(t, p.Root)}}
	revoked := verify.Options{Roots: rootsOf(p), CRLs: [][]byte{
		testCRL(t, p.Intermediate, p.SignerEC.Cert.SerialNumber, p.SignerRSA.Cert.SerialNumber), testCRL(t, p.Root)}}

	type want struct {
		ind      verify.Indication
		sub      verify.SubIndication
		intact   bool
		level    string
		time     string
		coverage verify.Coverage
		covers   []string
		problem  string // a substring of one of the problems
	}
	for _, tc := range []struct {
		name, file string
		opts       verify.Options
		sigs       []want
		unsigned   []string
	}{
		{"CAdES valid", "cades.asice", trusted, []want{{verify.TotalPassed, "", true, "CAdES-B-B", verify.TimeClaimed, verify.WholeContainer, all, "Revocation was not checked"}}, nil},
		{"CAdES with CRLs", "cades.asice", crls, []want{{verify.TotalPassed, "", true, "CAdES-B-B", verify.TimeClaimed, verify.WholeContainer, all, ""}}, nil},
		{"CAdES signer revoked", "cades.asice", revoked, []want{{verify.TotalFailed, verify.Revoked, true, "CAdES-B-B", verify.TimeClaimed, verify.WholeContainer, all, "was revoked"}}, nil},
		{"CAdES untrusted", "cades.asice", verify.Options{Roots: x509.NewCertPool(), SkipRevocation: true},
			[]want{{verify.Indeterminate, verify.NoCertificateChainFound, true, "CAdES-B-B", verify.TimeClaimed, verify.WholeContainer, all, "not from a trusted authority"}}, nil},
		{"CAdES data file changed", "cades-changed.asice", trusted, []want{{verify.TotalFailed, verify.HashFailure, false, "CAdES-B-B", verify.TimeClaimed, verify.Partial, all[1:], `Anlagen/Anlage 1.txt was changed`}}, all},
		{"CAdES file not covered", "cades-extra.asice", trusted, []want{{verify.TotalPassed, "", true, "CAdES-B-B", verify.TimeClaimed, verify.Partial, all, `"Nachtrag.txt"`}}, []string{"Nachtrag.txt"}},
		{"CAdES over another manifest", "cades-other-manifest.asice", trusted, []want{{verify.TotalFailed, verify.HashFailure, false, "", "", verify.Partial, nil, "not over the manifest META-INF/ASiCManifest001.xml"}}, all},
		{"XAdES valid", "xades.sce", trusted, []want{{verify.TotalPassed, "", true, "XAdES-B-B", verify.TimeClaimed, verify.WholeContainer, all, "Revocation was not checked"}}, nil},
		{"XAdES with CRLs", "xades.sce", crls, []want{{verify.TotalPassed, "", true, "XAdES-B-B", verify.TimeClaimed, verify.WholeContainer, all, ""}}, nil},
		{"XAdES signer revoked", "xades.sce", revoked, []want{{verify.TotalFailed, verify.Revoked, true, "XAdES-B-B", verify.TimeClaimed, verify.WholeContainer, all, "was revoked"}}, nil},
		{"XAdES ECDSA", "xades-ec.asice", trusted, []want{{verify.TotalPassed, "", true, "XAdES-B-B", verify.TimeClaimed, verify.WholeContainer, all, ""}}, nil},
		{"XAdES with timestamp", "xades-bt.asice", trusted, []want{{verify.TotalPassed, "", true, "XAdES-B-T", verify.TimeFromTimestamp, verify.WholeContainer, all, ""}}, nil},
		{"XAdES data file changed", "xades-changed.asice", trusted, []want{{verify.TotalFailed, verify.HashFailure, false, "XAdES-B-B", "", verify.Partial, all[1:], `Anlagen/Anlage 1.txt was changed`}}, all},
		{"XAdES file not covered", "xades-extra.asice", trusted, []want{{verify.TotalPassed, "", true, "XAdES-B-B", verify.TimeClaimed, verify.Partial, all, `"Nachtrag.txt"`}}, []string{"Nachtrag.txt"}},
		{"XAdES signing certificate digest of another certificate", "xades-wrong-cert.asice", trusted,
			[]want{{verify.Indeterminate, verify.NoSigningCertificateFound, true, "XMLDSig", "", verify.WholeContainer, all, "not the one the signed properties name"}}, nil},
		{"XAdES signed properties edited", "xades-time-edited.asice", trusted, []want{{verify.TotalFailed, verify.HashFailure, false, "XMLDSig", "", verify.WholeContainer, all, "reference 3"}}, all},
		{"XAdES SignedInfo edited", "xades-digest-edited.asice", trusted, []want{{verify.TotalFailed, verify.SigCryptoFailure, false, "XMLDSig", "", verify.Partial, nil, "does not verify"}}, all},
		{"two XAdES files", "xades-two.asice", trusted, []want{
			{verify.TotalPassed, "", true, "XAdES-B-B", verify.TimeClaimed, verify.WholeContainer, all, ""},
			{verify.TotalPassed, "", true, "XAdES-B-B", verify.TimeClaimed, verify.Partial, all[1:], `"Anlagen/Anlage 1.txt"`}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := verify.VerifyASiC(at(tc.file), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Signatures) != len(tc.sigs) {
				t.Fatalf("%d signatures, want %d", len(rep.Signatures), len(tc.sigs))
			}
			worst := verify.TotalPassed
			for i, w := range tc.sigs {
				s := rep.Signatures[i]
				if s.Indication != w.ind || s.SubIndication != w.sub || s.Intact != w.intact {
					t.Errorf("signature %d: %s/%s intact %v; want %s/%s intact %v; problems %q", i, s.Indication, s.SubIndication, s.Intact, w.ind, w.sub, w.intact, s.Problems)
				}
				if s.Level != w.level || s.TimeSource != w.time || s.Coverage != w.coverage || !slices.Equal(s.Covers, w.covers) {
					t.Errorf("signature %d: level %q time %q coverage %q covers %q; want %q %q %q %q", i, s.Level, s.TimeSource, s.Coverage, s.Covers, w.level, w.time, w.coverage, w.covers)
				}
				if w.problem != "" && !slices.ContainsFunc(s.Problems, func(p string) bool { return strings.Contains(p, w.problem) }) {
					t.Errorf("signature %d: no problem with %q in %q", i, w.problem, s.Problems)
				}
				if w.intact && !strings.HasSuffix(s.Signer.CommonName(), " Mustermann") {
					t.Errorf("signature %d: signer %q", i, s.Signer.Subject)
				}
				if !strings.HasPrefix(s.Field, "META-INF/signature") {
					t.Errorf("signature %d: field %q", i, s.Field)
				}
				if w.ind == verify.Indeterminate && worst == verify.TotalPassed || w.ind == verify.TotalFailed {
					worst = w.ind
				}
			}
			if rep.Indication != worst {
				t.Errorf("report %s, want %s", rep.Indication, worst)
			}
			wantFiles := all
			if strings.Contains(tc.file, "extra") {
				wantFiles = []string{all[0], all[1], "Nachtrag.txt"}
			}
			if !slices.Equal(rep.Files, wantFiles) || !slices.Equal(rep.Unsigned, tc.unsigned) {
				t.Errorf("files %q unsigned %q; want %q %q", rep.Files, rep.Unsigned, wantFiles, tc.unsigned)
			}
		})
	}
}

// TestVerifyASiCXAdESField: several ds:Signatures in one file are
// reported as name#Id.
func TestVerifyASiCXAdESField(t *testing.T) {
	testenv.Need(t, "xmlsec1")
	p := testpki.MustShared(t)
	files := dataFiles()
	a := xmlsecSign(t, p, p.SignerRSA, files, xadesOpts{})
	b := xmlsecSign(t, p, p.SignerRSA, files, xadesOpts{})
	// The second signature's Ids must differ (Ids are unique per file).
	b = []byte(strings.NewReplacer(`Id="S1"`, `Id="S2"`, `Target="#S1"`, `Target="#S2"`, `S1-sp`, `S2-sp`).Replace(string(b)))
	sig2 := regexp.MustCompile(`(?s)<ds:Signature Id="S2">.*</ds:Signature>`).Find(b)
	merged := bytes.Replace(a, []byte(`</asic:XAdESSignatures>`), append(sig2, []byte(`</asic:XAdESSignatures>`)...), 1)
	path := filepath.Join(t.TempDir(), "two.asice")
	entries := append([]zipEntry{mimetypeEntry()}, files...)
	writeZip(t, path, append(entries, zipEntry{"META-INF/signatures.xml", merged, zip.Deflate}))
	rep, err := verify.VerifyASiC(path, verify.Options{Roots: rootsOf(p), SkipRevocation: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Signatures) != 2 || rep.Signatures[0].Field != "META-INF/signatures.xml#S1" || rep.Signatures[1].Field != "META-INF/signatures.xml#S2" {
		t.Fatalf("signatures %+v", rep.Signatures)
	}
	// The first is intact; the second was edited after signing (its
	// Ids, and with them its SignedInfo).
	if s := rep.Signatures[0]; s.Indication != verify.TotalPassed {
		t.Errorf("first: %s %q", s.Indication, s.Problems)
	}
	if s := rep.Signatures[1]; s.Indication != verify.TotalFailed || s.Intact {
		t.Errorf("second (edited): %s/%s intact %v", s.Indication, s.SubIndication, s.Intact)
	}
}

func TestVerifyASiCErrors(t *testing.T) {
	testenv.Need(t, "openssl")
	p := testpki.MustShared(t)
	dir := t.TempDir()
	at := func(name string) string { return filepath.Join(dir, name) }
	files := dataFiles()
	const sigName = "META-INF/signature001.p7s"
	m := asicManifest(sigName, files)
	sig := zipEntry{sigName, opensslSign(t, p, p.SignerEC, m), zip.Deflate}
	man := zipEntry{"META-INF/ASiCManifest001.xml", m, zip.Deflate}
	container := func(name string, entries ...zipEntry) string {
		writeZip(t, at(name), entries)
		return at(name)
	}
	valid := container("valid.asice", append(append([]zipEntry{mimetypeEntry()}, files...), man, sig)...)
	if _, err := verify.VerifyASiC(valid, verify.Options{Roots: rootsOf(p), SkipRevocation: true}); err != nil {
		t.Fatalf("the valid container: %v", err)
	}
	if err := os.WriteFile(at("not-zip.asice"), []byte("PK\x03\x04 but not a zip"), 0o644); err != nil {
		t.Fatal(err)
	}
	bomb := bytes.Repeat([]byte{0}, 20<<20)
	for _, tc := range []struct {
		name, path string
		want       error
		msg        string
	}{
		{"not a zip", at("not-zip.asice"), verify.ErrContainer, "zip"},
		{"missing", at("missing.asice"), verify.ErrContainer, "no such file"},
		{"wrong mimetype", container("wrong-mime.asice", zipEntry{"mimetype", []byte("application/vnd.etsi.asic-s+zip"), zip.Store}, files[0], man, sig),
			verify.ErrContainer, "asic-s+zip"},
		{"mimetype not first", container("late-mime.asice", files[0], mimetypeEntry(), man, sig), verify.ErrContainer, `"Kaufvertrag.txt", not "mimetype"`},
		{"mimetype compressed", container("deflated-mime.asice", zipEntry{"mimetype", []byte("application/vnd.etsi.asic-e+zip"), zip.Deflate}, files[0], man, sig),
			verify.ErrContainer, "stored"},
		{"no mimetype", container("no-mime.asice", files[0], man, sig), verify.ErrContainer, "mimetype"},
		{"path traversal", container("traversal.asice", mimetypeEntry(), zipEntry{"../../etc/evil", []byte("x"), zip.Deflate}, man, sig),
			verify.ErrContainer, "leaves the container"},
		{"absolute name", container("absolute.asice", mimetypeEntry(), zipEntry{"/etc/evil", []byte("x"), zip.Deflate}, man, sig),
			verify.ErrContainer, "leaves the container"},
		{"backslash name", container("backslash.asice", mimetypeEntry(), zipEntry{`..\evil`, []byte("x"), zip.Deflate}, man, sig),
			verify.ErrContainer, "backslash"},
		{"duplicate name", container("dup.asice", mimetypeEntry(), files[0], files[0], man, sig), verify.ErrContainer, "twice"},
		{"zip bomb", container("bomb.asice", mimetypeEntry(), zipEntry{"zeros.bin", bomb, zip.Deflate}, man, sig), verify.ErrContainer, "ZIP bomb"},
		{"no signature", container("unsigned.asice", append([]zipEntry{mimetypeEntry()}, files...)...), verify.ErrNoSignature, ""},
		{"manifest only", container("manifest-only.asice", mimetypeEntry(), files[0], man), verify.ErrNoSignature, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := verify.VerifyASiC(tc.path, verify.Options{Roots: rootsOf(p), SkipRevocation: true})
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), filepath.Base(tc.path)) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %v (report %v), want %v naming the file and %q", err, rep, tc.want, tc.msg)
			}
		})
	}

	// Signature files that cannot be read are reported as failed, never
	// skipped.
	for _, tc := range []struct {
		name    string
		entries []zipEntry
		problem string
	}{
		{"CMS garbage", []zipEntry{man, {sigName, []byte("not a CMS"), zip.Deflate}}, "cannot be read"},
		{"no manifest names it", []zipEntry{{sigName, sig.data, zip.Deflate}}, "0 ASiCManifest"},
		{"XAdES garbage", []zipEntry{{"META-INF/signatures.xml", []byte("<not-xades/>"), zip.Deflate}}, "root element"},
		{"manifest lists a missing file", []zipEntry{{man.name, asicManifest(sigName, append(slices.Clone(files), zipEntry{"gone.txt", nil, 0})), zip.Deflate},
			{sigName, opensslSign(t, p, p.SignerEC, asicManifest(sigName, append(slices.Clone(files), zipEntry{"gone.txt", nil, 0}))), zip.Deflate}}, "gone.txt is missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := container(strings.ReplaceAll(tc.name, " ", "-")+".asice", append(append([]zipEntry{mimetypeEntry()}, files...), tc.entries...)...)
			rep, err := verify.VerifyASiC(path, verify.Options{Roots: rootsOf(p), SkipRevocation: true})
			if err != nil {
				t.Fatal(err)
			}
			s := rep.Signatures[0]
			if rep.Indication != verify.TotalFailed || s.SubIndication != verify.FormatFailure ||
				!slices.ContainsFunc(s.Problems, func(p string) bool { return strings.Contains(p, tc.problem) }) {
				t.Errorf("%s/%s %q; want TOTAL-FAILED/FORMAT_FAILURE with %q", s.Indication, s.SubIndication, s.Problems, tc.problem)
			}
		})
	}
}
