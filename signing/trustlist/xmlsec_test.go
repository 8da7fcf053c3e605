package trustlist

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siegel-app/siegel/internal/testenv"
)

// xmlsec1 (libxmlsec1, apt package xmlsec1) is the independent judge:
// it verifies the lists this package's tests sign, and signs lists, shaped
// like the real ones with a XAdES SignedProperties reference, that Siegel
// must verify.

const idAttr = "http://uri.etsi.org/02231/v2#:TrustServiceStatusList"

func writePEM(t *testing.T, dir, name, typ string, der []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestXMLSecVerifiesOurSignatures(t *testing.T) {
	bin := testenv.Need(t, "xmlsec1")["xmlsec1"]
	p := testPKI(t)
	dir := t.TempDir()
	de := p.signedDE(t)
	tests := []struct {
		name   string
		data   []byte
		signer *entity
		ok     bool
	}{
		{"LOTL, exclusive C14N, #Id reference", p.signedLOTL(t, "https://tl.example.test"), p.lotlSigner, true},
		{"DE, inclusive C14N, empty URI", de, p.deSigner, true},
		{"AT, ECDSA r||s", p.signedAT(t), p.atSigner, true},
		{"DE tampered", bytes.Replace(de, []byte(StatusGranted), []byte(StatusWithdrawn), 1), p.deSigner, false},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := filepath.Join(dir, "list.xml")
			if err := os.WriteFile(f, tc.data, 0o600); err != nil {
				t.Fatal(err)
			}
			ca := writePEM(t, dir, "signer.pem", "CERTIFICATE", tc.signer.Cert.Raw)
			out, err := exec.Command(bin, "--verify", "--trusted-pem", ca, "--id-attr:Id", idAttr, f).CombinedOutput()
			if (err == nil) != tc.ok {
				t.Fatalf("xmlsec1 --verify: %v\n%s", err, out)
			}
			// And Siegel agrees.
			_, _, verr := verifyXML(tc.data, []*x509.Certificate{tc.signer.Cert}, now)
			if (verr == nil) != tc.ok {
				t.Fatalf("verifyXML (case %d): %v", i, verr)
			}
		})
	}
}

// xadesTemplate is a ds:Signature template as the EU lists carry it: a
// reference to the whole list and one to the XAdES SignedProperties.
const xadesTemplate = `<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="sig-1">
<ds:SignedInfo>
<ds:CanonicalizationMethod Algorithm="{{C14N}}"/>
<ds:SignatureMethod Algorithm="{{METHOD}}"/>
<ds:Reference Id="ref-list" URI="">
<ds:Transforms>
<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>
<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>
</ds:Transforms>
<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>
<ds:DigestValue></ds:DigestValue>
</ds:Reference>
<ds:Reference Type="http://uri.etsi.org/01903#SignedProperties" URI="#xades-sp">
<ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>
<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>
<ds:DigestValue></ds:DigestValue>
</ds:Reference>
</ds:SignedInfo>
<ds:SignatureValue></ds:SignatureValue>
<ds:KeyInfo><ds:X509Data><ds:X509Certificate></ds:X509Certificate></ds:X509Data></ds:KeyInfo>
<ds:Object><xades:QualifyingProperties xmlns:xades="http://uri.etsi.org/01903/v1.3.2#" Target="#sig-1"><xades:SignedProperties Id="xades-sp"><xades:SignedSignatureProperties><xades:SigningTime>2026-01-01T00:00:00Z</xades:SigningTime></xades:SignedSignatureProperties></xades:SignedProperties></xades:QualifyingProperties></ds:Object>
</ds:Signature>`

func TestXMLSecSignedListsVerify(t *testing.T) {
	bin := testenv.Need(t, "xmlsec1")["xmlsec1"]
	p := testPKI(t)
	tests := []struct {
		name, c14n, method string
		signer             *entity
		list               tplList
	}{
		{"RSA-SHA256 with inclusive C14N of SignedInfo", "http://www.w3.org/TR/2001/REC-xml-c14n-20010315", "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", p.deSigner, p.deList()},
		{"ECDSA-SHA256 with exclusive C14N", "http://www.w3.org/2001/10/xml-exc-c14n#", "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256", p.atSigner, p.atList()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir() // no comma in it: xmlsec1 splits key,cert on commas
			if strings.Contains(dir, ",") {
				t.Fatalf("temporary directory %q has a comma", dir)
			}
			sigXML := strings.NewReplacer("{{C14N}}", tc.c14n, "{{METHOD}}", tc.method).Replace(xadesTemplate)
			list := string(render(t, tc.list))
			end := "</tsl:TrustServiceStatusList>"
			tmpl := strings.Replace(list, end, sigXML+end, 1)
			in := filepath.Join(dir, "tmpl.xml")
			if err := os.WriteFile(in, []byte(tmpl), 0o600); err != nil {
				t.Fatal(err)
			}
			keyDER, err := x509.MarshalPKCS8PrivateKey(tc.signer.Key)
			if err != nil {
				t.Fatal(err)
			}
			key := writePEM(t, dir, "key.pem", "PRIVATE KEY", keyDER)
			cert := writePEM(t, dir, "cert.pem", "CERTIFICATE", tc.signer.Cert.Raw)
			out := filepath.Join(dir, "signed.xml")
			msg, err := exec.Command(bin, "--sign", "--privkey-pem", key+","+cert,
				"--id-attr:Id", "http://uri.etsi.org/01903/v1.3.2#:SignedProperties",
				"--output", out, in).CombinedOutput()
			if err != nil {
				t.Fatalf("xmlsec1 --sign: %v\n%s", err, msg)
			}
			signed, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			content, signer, err := verifyXML(signed, []*x509.Certificate{tc.signer.Cert}, now)
			if err != nil {
				t.Fatalf("verifyXML of xmlsec1's signature: %v", err)
			}
			if !signer.Equal(tc.signer.Cert) {
				t.Error("wrong signer")
			}
			tl, err := Parse(content)
			if err != nil || tl.Territory != tc.list.Territory || len(tl.Providers) != 1 {
				t.Fatalf("parsed %+v, %v", tl, err)
			}
			if bytes.Contains(content, []byte("SignedProperties")) {
				t.Error("the signature's content leaked into the list content")
			}
			// Changes that must break it: the list, the signed properties,
			// and a second element with the SignedProperties' Id (wrapping).
			for _, bad := range []struct{ what, old, new string }{
				{"list", "Supervisor " + tc.list.Territory, "Supervisor XX"},
				{"signing time", "2026-01-01T00:00:00Z</xades:SigningTime>", "2026-01-02T00:00:00Z</xades:SigningTime>"},
				{"duplicate Id", "<tsl:SchemeInformation>", `<tsl:SchemeInformation Id="xades-sp">`},
			} {
				b := bytes.Replace(signed, []byte(bad.old), []byte(bad.new), 1)
				if bytes.Equal(b, signed) {
					t.Fatalf("%s: nothing replaced", bad.what)
				}
				if _, _, err := verifyXML(b, []*x509.Certificate{tc.signer.Cert}, now); !errors.Is(err, ErrSignature) {
					t.Errorf("%s changed: err = %v", bad.what, err)
				}
			}
		})
	}
}
