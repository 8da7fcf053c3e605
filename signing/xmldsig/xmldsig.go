// Package xmldsig has the parts of XML Signature (XMLDSig 1.1) checking
// that the EU trusted lists and XAdES signatures in ASiC-E containers
// share: algorithm identifiers, canonicalisation (goxmldsig's), element
// lookup that refuses duplicate Ids, nesting limits, KeyInfo
// certificates and ECDSA values.
//
// The validation flow itself stays with each caller: goxmldsig v1.5.0's
// Validate takes the last Reference instead of the one to the document
// and does not read ECDSA r||s values, so Siegel checks SignedInfo and
// every Reference itself over these pieces.
package xmldsig

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

// Namespace is the XMLDSig namespace.
const Namespace = dsig.Namespace

// SignatureAlgorithms maps SignatureMethod URIs to Go's algorithms.
var SignatureAlgorithms = map[string]x509.SignatureAlgorithm{
	"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256":   x509.SHA256WithRSA,
	"http://www.w3.org/2001/04/xmldsig-more#rsa-sha384":   x509.SHA384WithRSA,
	"http://www.w3.org/2001/04/xmldsig-more#rsa-sha512":   x509.SHA512WithRSA,
	"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256": x509.ECDSAWithSHA256,
	"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384": x509.ECDSAWithSHA384,
	"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512": x509.ECDSAWithSHA512,
	// RFC 6931 §2.3.10: salt length = hash length, MGF1 with the same hash,
	// as Go's *WithRSAPSS verify.
	"http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1": x509.SHA256WithRSAPSS,
	"http://www.w3.org/2007/05/xmldsig-more#sha384-rsa-MGF1": x509.SHA384WithRSAPSS,
	"http://www.w3.org/2007/05/xmldsig-more#sha512-rsa-MGF1": x509.SHA512WithRSAPSS,
}

// DigestAlgorithms maps DigestMethod URIs to hashes; SHA-1 is refused.
var DigestAlgorithms = map[string]crypto.Hash{
	"http://www.w3.org/2001/04/xmlenc#sha256":       crypto.SHA256,
	"http://www.w3.org/2001/04/xmldsig-more#sha384": crypto.SHA384,
	"http://www.w3.org/2001/04/xmlenc#sha512":       crypto.SHA512,
}

// Canonicalizer is the canonicalisation named alg; prefixes is the
// InclusiveNamespaces PrefixList of exclusive C14N.
func Canonicalizer(alg, prefixes string) (dsig.Canonicalizer, error) {
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

// PrefixList is the PrefixList of an ec:InclusiveNamespaces child
// (exclusive C14N §3).
func PrefixList(el *etree.Element) string {
	for _, c := range el.ChildElements() {
		if c.Tag == "InclusiveNamespaces" {
			return c.SelectAttrValue("PrefixList", "")
		}
	}
	return ""
}

// CanonicalizeInContext canonicalises a subtree with the namespaces in
// scope at its place declared on it, as C14N of a document subset does.
func CanonicalizeInContext(el *etree.Element, canon dsig.Canonicalizer) ([]byte, error) {
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

// ElementByID finds the one element whose Id attribute is id; an id that
// is not unique is refused (XML Signature wrapping hides a second one).
func ElementByID(root *etree.Element, id string) (*etree.Element, error) {
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

// Contains reports whether inner is outer or lies inside it.
func Contains(outer, inner *etree.Element) bool {
	for e := inner; e != nil; e = e.Parent() {
		if e == outer {
			return true
		}
	}
	return false
}

// Children are el's child elements with the local name tag in namespace
// ns; none for a nil el.
func Children(el *etree.Element, ns, tag string) []*etree.Element {
	if el == nil {
		return nil
	}
	var out []*etree.Element
	for _, c := range el.ChildElements() {
		if c.Tag == tag && c.NamespaceURI() == ns {
			out = append(out, c)
		}
	}
	return out
}

// DSChildren are el's ds:tag children.
func DSChildren(el *etree.Element, tag string) []*etree.Element {
	return Children(el, Namespace, tag)
}

// OnlyChild is el's one ds:tag child; none or several are an error.
func OnlyChild(el *etree.Element, tag string) (*etree.Element, error) {
	c := DSChildren(el, tag)
	if len(c) != 1 {
		return nil, fmt.Errorf("%d ds:%s in ds:%s, want one", len(c), tag, el.Tag)
	}
	return c[0], nil
}

// MaxDepth bounds element nesting before the recursive tree code (copy,
// canonicalisation) sees a document; trusted lists nest about 15.
const MaxDepth = 128

// CheckDepth refuses a document whose elements nest deeper than limit.
func CheckDepth(data []byte, limit int) error {
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

// KeyInfoCerts are the certificates of ds:KeyInfo/ds:X509Data, in
// order; ones that do not parse are left out.
func KeyInfoCerts(sig *etree.Element) []*x509.Certificate {
	var out []*x509.Certificate
	for _, ki := range DSChildren(sig, "KeyInfo") {
		for _, xd := range DSChildren(ki, "X509Data") {
			for _, c := range DSChildren(xd, "X509Certificate") {
				der, err := base64.StdEncoding.DecodeString(StripSpace(c.Text()))
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

// StripSpace removes XML whitespace, as base64 content may carry it.
func StripSpace(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\n', '\r':
			return -1
		}
		return r
	}, s)
}

// ECDSADER turns an ECDSA SignatureValue in the r||s form of RFC 4050
// and XMLDSig 1.1 §6.4.3 into the ASN.1 form Go verifies; a value that is
// already ASN.1 is kept (some signers, goxmldsig among them, write that).
func ECDSADER(raw []byte) []byte {
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
