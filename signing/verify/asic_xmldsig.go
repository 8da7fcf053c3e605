package verify

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"io"
	"math/big"
	"strings"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/russellhaering/goxmldsig/etreeutils"
)

// XML signature helpers for XAdES in ASiC-E containers, copied from
// signing/trustlist/xmlsig.go (which keeps its own, tested with the
// trusted lists): goxmldsig's canonicalisations under Siegel's own
// reference and signature checks, because goxmldsig v1.5.0's Validate
// picks the wrong Reference when there are several and does not read
// ECDSA r||s values.

var xmlSignatureAlgorithms = map[string]x509.SignatureAlgorithm{
	"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256":   x509.SHA256WithRSA,
	"http://www.w3.org/2001/04/xmldsig-more#rsa-sha384":   x509.SHA384WithRSA,
	"http://www.w3.org/2001/04/xmldsig-more#rsa-sha512":   x509.SHA512WithRSA,
	"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256": x509.ECDSAWithSHA256,
	"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384": x509.ECDSAWithSHA384,
	"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512": x509.ECDSAWithSHA512,
	// RFC 6931 §2.3.10: salt length = hash length, MGF1 with the same hash.
	"http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1": x509.SHA256WithRSAPSS,
	"http://www.w3.org/2007/05/xmldsig-more#sha384-rsa-MGF1": x509.SHA384WithRSAPSS,
	"http://www.w3.org/2007/05/xmldsig-more#sha512-rsa-MGF1": x509.SHA512WithRSAPSS,
}

var xmlDigestAlgorithms = map[string]crypto.Hash{
	"http://www.w3.org/2001/04/xmlenc#sha256":       crypto.SHA256,
	"http://www.w3.org/2001/04/xmldsig-more#sha384": crypto.SHA384,
	"http://www.w3.org/2001/04/xmlenc#sha512":       crypto.SHA512,
}

func xmlCanonicalizer(alg, prefixes string) (dsig.Canonicalizer, error) {
	switch dsig.AlgorithmID(alg) {
	case dsig.CanonicalXML10ExclusiveAlgorithmId:
		return dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList(prefixes), nil
	case dsig.CanonicalXML10ExclusiveWithCommentsAlgorithmId:
		return dsig.MakeC14N10ExclusiveWithCommentsCanonicalizerWithPrefixList(prefixes), nil
	case dsig.CanonicalXML10RecAlgorithmId:
		return dsig.MakeC14N10RecCanonicalizer(), nil
	case dsig.CanonicalXML10WithCommentsAlgorithmId:
		return dsig.MakeC14N10WithCommentsCanonicalizer(), nil
	case dsig.CanonicalXML11AlgorithmId:
		return dsig.MakeC14N11Canonicalizer(), nil
	case dsig.CanonicalXML11WithCommentsAlgorithmId:
		return dsig.MakeC14N11WithCommentsCanonicalizer(), nil
	}
	return nil, fmt.Errorf("canonicalisation or transform %q not supported", alg)
}

// xmlPrefixList is the PrefixList of an ec:InclusiveNamespaces child
// (exclusive C14N §3).
func xmlPrefixList(el *etree.Element) string {
	for _, c := range el.ChildElements() {
		if c.Tag == "InclusiveNamespaces" {
			return c.SelectAttrValue("PrefixList", "")
		}
	}
	return ""
}

// canonicalizeInContext canonicalises a subtree with the namespaces in
// scope at its place declared on it, as C14N of a document subset does.
func canonicalizeInContext(el *etree.Element, canon dsig.Canonicalizer) ([]byte, error) {
	ctx, err := etreeutils.NSBuildParentContext(el)
	if err != nil {
		return nil, err
	}
	detached, err := etreeutils.NSDetatch(ctx, el)
	if err != nil {
		return nil, err
	}
	return canon.Canonicalize(detached)
}

// xmlElementByID finds the one element whose Id attribute is id; an id
// that is not unique is refused (XML Signature wrapping hides a second
// one).
func xmlElementByID(root *etree.Element, id string) (*etree.Element, error) {
	var found []*etree.Element
	var walk func(e *etree.Element, depth int)
	walk = func(e *etree.Element, depth int) {
		if depth > 256 {
			return
		}
		for _, a := range e.Attr {
			if a.Space == "" && (a.Key == "Id" || a.Key == "ID" || a.Key == "id") && a.Value == id {
				found = append(found, e)
				break
			}
		}
		for _, c := range e.ChildElements() {
			walk(c, depth+1)
		}
	}
	walk(root, 0)
	if len(found) != 1 {
		return nil, fmt.Errorf("%d elements with Id %q", len(found), id)
	}
	return found[0], nil
}

func xmlContains(outer, inner *etree.Element) bool {
	for e := inner; e != nil; e = e.Parent() {
		if e == outer {
			return true
		}
	}
	return false
}

// nsChildren are el's child elements with the local name tag in namespace ns.
func nsChildren(el *etree.Element, ns, tag string) []*etree.Element {
	var out []*etree.Element
	if el == nil {
		return nil
	}
	for _, c := range el.ChildElements() {
		if c.Tag == tag && c.NamespaceURI() == ns {
			out = append(out, c)
		}
	}
	return out
}

func dsChildren(el *etree.Element, tag string) []*etree.Element {
	return nsChildren(el, dsig.Namespace, tag)
}

func dsOnlyChild(el *etree.Element, tag string) (*etree.Element, error) {
	c := dsChildren(el, tag)
	if len(c) != 1 {
		return nil, fmt.Errorf("%d ds:%s in ds:%s, want one", len(c), tag, el.Tag)
	}
	return c[0], nil
}

// maxXMLDepth bounds element nesting before the recursive tree code
// (copy, canonicalisation) sees a document.
const maxXMLDepth = 128

func checkXMLDepth(data []byte, limit int) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	depth := 0
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			if depth++; depth > limit {
				return fmt.Errorf("elements nested deeper than %d", limit)
			}
		case xml.EndElement:
			depth--
		}
	}
}

// keyInfoCerts are the certificates of ds:KeyInfo/ds:X509Data, in
// order; ones that do not parse are left out.
func keyInfoCerts(sig *etree.Element) []*x509.Certificate {
	var out []*x509.Certificate
	for _, ki := range dsChildren(sig, "KeyInfo") {
		for _, xd := range dsChildren(ki, "X509Data") {
			for _, c := range dsChildren(xd, "X509Certificate") {
				der, err := base64.StdEncoding.DecodeString(stripSpace(c.Text()))
				if err != nil || len(der) > 64<<10 {
					continue
				}
				if cert, err := x509.ParseCertificate(der); err == nil {
					out = append(out, cert)
				}
			}
		}
	}
	return out
}

func stripSpace(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\n', '\r':
			return -1
		}
		return r
	}, s)
}

// ecdsaDER turns an ECDSA SignatureValue in the r||s form of RFC 4050
// and XMLDSig 1.1 §6.4.3 into the ASN.1 form Go verifies; a value that is
// already ASN.1 is kept.
func ecdsaDER(raw []byte) []byte {
	var probe struct{ R, S *big.Int }
	if rest, err := asn1.Unmarshal(raw, &probe); err == nil && len(rest) == 0 {
		return raw
	}
	if len(raw) == 0 || len(raw)%2 != 0 {
		return raw
	}
	n := len(raw) / 2
	der, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(raw[:n]), new(big.Int).SetBytes(raw[n:])})
	if err != nil {
		return raw
	}
	return der
}
