package trustlist

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/russellhaering/goxmldsig/etreeutils"
)

// Signature errors; a *ListError wraps one of them, or a transport or
// format error.
var (
	// ErrSignature: the list's XML signature is missing or does not verify.
	ErrSignature = errors.New("trusted list signature invalid")
	// ErrSigner: the list is signed, but not by a certificate allowed to
	// sign it (Options.LOTLSigners for the LOTL, the LOTL pointer's
	// certificates for a national list).
	ErrSigner = errors.New("trusted list signed by a certificate that is not allowed to sign it")
)

// verifyXML checks the enveloped XML signature of a trusted list
// (TS 119 612 §5.7.1: XMLDSig with XAdES, as a child of the root) against
// the certificates allowed to sign it, and returns the signed content
// (the list canonicalised as its reference says, the signature removed)
// and the signer. Only what the signature covers is returned, so content
// outside it (signature wrapping) never reaches Parse.
//
// Core validation after XMLDSig §3.2: the SignatureValue over the
// canonical SignedInfo, then every Reference (the whole list, and the
// XAdES SignedProperties), each with its transforms and digest. The
// canonicalisations are goxmldsig's; the validation flow is Siegel's own
// because goxmldsig v1.5.0's Validate takes the last Reference instead of
// the one to the document (a loop-variable address under go 1.21
// semantics), which fails every real list, whose SignedProperties
// reference comes second, and it does not read ECDSA r||s values.
func verifyXML(data []byte, allowed []*x509.Certificate, now time.Time) ([]byte, *x509.Certificate, error) {
	if err := checkDepth(data, maxXMLDepth); err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(data); err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	root := doc.Root()
	if root == nil {
		return nil, nil, fmt.Errorf("%w: no root element", ErrFormat)
	}
	sigs := findSignatures(root)
	if len(sigs) != 1 {
		return nil, nil, fmt.Errorf("%w: %d ds:Signature elements where TS 119 612 §5.7.1 has exactly one", ErrSignature, len(sigs))
	}
	sigEl := sigs[0]
	if sigEl.Parent() != root {
		return nil, nil, fmt.Errorf("%w: ds:Signature is not a child of the list", ErrSignature)
	}
	// The signer is an allowed certificate that ds:KeyInfo names (any of
	// its X509Certificates: some lists put the chain there), or any allowed
	// one when KeyInfo carries no certificate.
	var candidates []*x509.Certificate
	inKeyInfo := keyInfoCerts(sigEl)
	for _, c := range inKeyInfo {
		if containsCert(allowed, c) {
			candidates = append(candidates, c)
		}
	}
	if len(inKeyInfo) == 0 {
		candidates = allowed
	}
	if len(candidates) == 0 {
		return nil, nil, fmt.Errorf("%w: %s (serial %s)", ErrSigner, inKeyInfo[0].Subject, inKeyInfo[0].SerialNumber)
	}
	content, signer, err := coreValidate(root, sigEl, candidates, now)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrSignature, err)
	}
	return content, signer, nil
}

func coreValidate(root, sigEl *etree.Element, candidates []*x509.Certificate, now time.Time) ([]byte, *x509.Certificate, error) {
	si, err := onlyChild(sigEl, "SignedInfo")
	if err != nil {
		return nil, nil, err
	}
	sv, err := onlyChild(sigEl, "SignatureValue")
	if err != nil {
		return nil, nil, err
	}
	cm, err := onlyChild(si, "CanonicalizationMethod")
	if err != nil {
		return nil, nil, err
	}
	sm, err := onlyChild(si, "SignatureMethod")
	if err != nil {
		return nil, nil, err
	}
	canon, err := canonicalizer(cm.SelectAttrValue("Algorithm", ""), prefixList(cm))
	if err != nil {
		return nil, nil, fmt.Errorf("SignedInfo: %v", err)
	}
	canonSI, err := canonicalizeInContext(si, canon)
	if err != nil {
		return nil, nil, fmt.Errorf("SignedInfo: %v", err)
	}
	alg, ok := signatureAlgorithms[sm.SelectAttrValue("Algorithm", "")]
	if !ok {
		return nil, nil, fmt.Errorf("signature method %q not supported", sm.SelectAttrValue("Algorithm", ""))
	}
	sigValue, err := base64.StdEncoding.DecodeString(stripSpace(sv.Text()))
	if err != nil {
		return nil, nil, fmt.Errorf("SignatureValue: %v", err)
	}
	var signer *x509.Certificate
	var sigErr error
	for _, c := range candidates {
		if now.Before(c.NotBefore) || now.After(c.NotAfter) {
			sigErr = fmt.Errorf("signer %s is valid from %s to %s", c.Subject,
				c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339))
			continue
		}
		v := sigValue
		if c.PublicKeyAlgorithm == x509.ECDSA {
			v = ecdsaDER(v)
		}
		if err := c.CheckSignature(alg, canonSI, v); err != nil {
			sigErr = fmt.Errorf("SignatureValue: %v", err)
			continue
		}
		signer = c
		break
	}
	if signer == nil {
		return nil, nil, sigErr
	}

	// Read the references from what was verified, not from the tree.
	signed := etree.NewDocument()
	if err := signed.ReadFromBytes(canonSI); err != nil {
		return nil, nil, fmt.Errorf("SignedInfo: %v", err)
	}
	refs := dsChildren(signed.Root(), "Reference")
	if len(refs) == 0 {
		return nil, nil, errors.New("SignedInfo has no Reference")
	}
	var whole []byte
	for i, ref := range refs {
		b, isWhole, err := digestReference(root, sigEl, ref)
		if err != nil {
			return nil, nil, fmt.Errorf("reference %d (URI %q): %v", i+1, ref.SelectAttrValue("URI", ""), err)
		}
		if isWhole {
			whole = b
		}
	}
	if whole == nil {
		return nil, nil, errors.New("no reference covers the whole list with the enveloped-signature transform")
	}
	return whole, signer, nil
}

// digestReference dereferences ref (same-document URIs only), applies its
// transforms and compares the digest. isWhole: it is the list itself.
func digestReference(root, sigEl, ref *etree.Element) (out []byte, isWhole bool, err error) {
	uri := ref.SelectAttrValue("URI", "")
	var target *etree.Element
	switch {
	case uri == "":
		target = root
	case strings.HasPrefix(uri, "#") && len(uri) > 1:
		if target, err = elementByID(root, uri[1:]); err != nil {
			return nil, false, err
		}
	default:
		return nil, false, errors.New("only same-document references are supported")
	}

	var canon dsig.Canonicalizer
	enveloped := false
	if tr := dsChildren(ref, "Transforms"); len(tr) == 1 {
		for _, t := range dsChildren(tr[0], "Transform") {
			alg := t.SelectAttrValue("Algorithm", "")
			switch {
			case alg == string(dsig.EnvelopedSignatureAltorithmId):
				if canon != nil {
					return nil, false, errors.New("enveloped-signature transform after canonicalisation")
				}
				enveloped = true
			case canon == nil:
				if canon, err = canonicalizer(alg, prefixList(t)); err != nil {
					return nil, false, err
				}
			default:
				return nil, false, fmt.Errorf("transform %q after canonicalisation not supported", alg)
			}
		}
	} else if len(tr) > 1 {
		return nil, false, errors.New("more than one ds:Transforms")
	}
	if canon == nil {
		// XMLDSig §4.4.3.2: a node-set becomes octets by C14N 1.0.
		canon = dsig.MakeC14N10RecCanonicalizer()
	}

	var el *etree.Element
	switch {
	case target == root:
		el = root.Copy()
		if enveloped {
			idx := sigEl.Index()
			if idx < 0 || idx >= len(el.Child) {
				return nil, false, errors.New("signature not found for the enveloped-signature transform")
			}
			el.Child = append(el.Child[:idx:idx], el.Child[idx+1:]...)
		}
	case enveloped && contains(target, sigEl):
		return nil, false, errors.New("enveloped signature inside a referenced element not supported")
	default:
		ctx, err := etreeutils.NSBuildParentContext(target)
		if err != nil {
			return nil, false, err
		}
		if el, err = etreeutils.NSDetatch(ctx, target); err != nil {
			return nil, false, err
		}
	}
	b, err := canon.Canonicalize(el)
	if err != nil {
		return nil, false, err
	}

	dm := dsChildren(ref, "DigestMethod")
	dv := dsChildren(ref, "DigestValue")
	if len(dm) != 1 || len(dv) != 1 {
		return nil, false, errors.New("needs one DigestMethod and one DigestValue")
	}
	h, ok := digestAlgorithms[dm[0].SelectAttrValue("Algorithm", "")]
	if !ok {
		return nil, false, fmt.Errorf("digest method %q not supported", dm[0].SelectAttrValue("Algorithm", ""))
	}
	want, err := base64.StdEncoding.DecodeString(stripSpace(dv[0].Text()))
	if err != nil {
		return nil, false, fmt.Errorf("DigestValue: %v", err)
	}
	d := h.New()
	d.Write(b)
	if !bytes.Equal(d.Sum(nil), want) {
		return nil, false, errors.New("digest does not match: the content was changed after signing")
	}
	return b, target == root && enveloped, nil
}

var signatureAlgorithms = map[string]x509.SignatureAlgorithm{
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

var digestAlgorithms = map[string]crypto.Hash{
	"http://www.w3.org/2001/04/xmlenc#sha256":       crypto.SHA256,
	"http://www.w3.org/2001/04/xmldsig-more#sha384": crypto.SHA384,
	"http://www.w3.org/2001/04/xmlenc#sha512":       crypto.SHA512,
}

func canonicalizer(alg, prefixes string) (dsig.Canonicalizer, error) {
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

// prefixList is the PrefixList of an ec:InclusiveNamespaces child
// (exclusive C14N §3).
func prefixList(el *etree.Element) string {
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

// elementByID finds the one element whose Id attribute is id; an id that
// is not unique is refused (XML Signature wrapping hides a second one).
func elementByID(root *etree.Element, id string) (*etree.Element, error) {
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

func contains(outer, inner *etree.Element) bool {
	for e := inner; e != nil; e = e.Parent() {
		if e == outer {
			return true
		}
	}
	return false
}

func dsChildren(el *etree.Element, tag string) []*etree.Element {
	var out []*etree.Element
	for _, c := range el.ChildElements() {
		if c.Tag == tag && c.NamespaceURI() == dsig.Namespace {
			out = append(out, c)
		}
	}
	return out
}

func onlyChild(el *etree.Element, tag string) (*etree.Element, error) {
	c := dsChildren(el, tag)
	if len(c) != 1 {
		return nil, fmt.Errorf("%d ds:%s in ds:%s, want one", len(c), tag, el.Tag)
	}
	return c[0], nil
}

// maxXMLDepth bounds element nesting before the recursive tree code
// (copy, canonicalisation) sees a document; trusted lists nest about 15.
const maxXMLDepth = 128

func checkDepth(data []byte, limit int) error {
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

// findSignatures collects every ds:Signature element, at any depth.
func findSignatures(el *etree.Element) []*etree.Element {
	var out []*etree.Element
	var walk func(e *etree.Element, depth int)
	walk = func(e *etree.Element, depth int) {
		if depth > 64 {
			return
		}
		if e.Tag == "Signature" && e.NamespaceURI() == dsig.Namespace {
			out = append(out, e)
		}
		for _, c := range e.ChildElements() {
			walk(c, depth+1)
		}
	}
	walk(el, 0)
	return out
}

// keyInfoCerts are the certificates of ds:KeyInfo/ds:X509Data; ones
// that do not parse are left out.
func keyInfoCerts(sig *etree.Element) []*x509.Certificate {
	var out []*x509.Certificate
	for _, ki := range dsChildren(sig, "KeyInfo") {
		for _, xd := range dsChildren(ki, "X509Data") {
			for _, c := range dsChildren(xd, "X509Certificate") {
				if cert, err := parseCert(c.Text()); err == nil {
					out = append(out, cert)
				}
			}
		}
	}
	return out
}

func containsCert(certs []*x509.Certificate, c *x509.Certificate) bool {
	for _, a := range certs {
		if a.Equal(c) {
			return true
		}
	}
	return false
}

// ecdsaDER turns an ECDSA SignatureValue in the r||s form of RFC 4050
// and XMLDSig 1.1 §6.4.3 into the ASN.1 form Go verifies; a value that is
// already ASN.1 is kept (some signers, goxmldsig among them, write that).
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

// signerNames lists certificates for an error message.
func signerNames(certs []*x509.Certificate) string {
	var names []string
	for _, c := range certs {
		names = append(names, c.Subject.String())
	}
	return strings.Join(names, "; ")
}
