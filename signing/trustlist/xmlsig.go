package trustlist

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/russellhaering/goxmldsig/etreeutils"
	"github.com/siegel-app/siegel/signing/xmldsig"
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
	if err := xmldsig.CheckDepth(data, xmldsig.MaxDepth); err != nil {
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
	si, err := xmldsig.OnlyChild(sigEl, "SignedInfo")
	if err != nil {
		return nil, nil, err
	}
	sv, err := xmldsig.OnlyChild(sigEl, "SignatureValue")
	if err != nil {
		return nil, nil, err
	}
	cm, err := xmldsig.OnlyChild(si, "CanonicalizationMethod")
	if err != nil {
		return nil, nil, err
	}
	sm, err := xmldsig.OnlyChild(si, "SignatureMethod")
	if err != nil {
		return nil, nil, err
	}
	canon, err := xmldsig.Canonicalizer(cm.SelectAttrValue("Algorithm", ""), xmldsig.PrefixList(cm))
	if err != nil {
		return nil, nil, fmt.Errorf("SignedInfo: %v", err)
	}
	canonSI, err := xmldsig.CanonicalizeInContext(si, canon)
	if err != nil {
		return nil, nil, fmt.Errorf("SignedInfo: %v", err)
	}
	alg, ok := xmldsig.SignatureAlgorithms[sm.SelectAttrValue("Algorithm", "")]
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
			v = xmldsig.ECDSADER(v)
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
	refs := xmldsig.DSChildren(signed.Root(), "Reference")
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
		if target, err = xmldsig.ElementByID(root, uri[1:]); err != nil {
			return nil, false, err
		}
	default:
		return nil, false, errors.New("only same-document references are supported")
	}

	var canon dsig.Canonicalizer
	enveloped := false
	if tr := xmldsig.DSChildren(ref, "Transforms"); len(tr) == 1 {
		for _, t := range xmldsig.DSChildren(tr[0], "Transform") {
			alg := t.SelectAttrValue("Algorithm", "")
			switch {
			case alg == string(dsig.EnvelopedSignatureAltorithmId):
				if canon != nil {
					return nil, false, errors.New("enveloped-signature transform after canonicalisation")
				}
				enveloped = true
			case canon == nil:
				if canon, err = xmldsig.Canonicalizer(alg, xmldsig.PrefixList(t)); err != nil {
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
	case enveloped && xmldsig.Contains(target, sigEl):
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

	dm := xmldsig.DSChildren(ref, "DigestMethod")
	dv := xmldsig.DSChildren(ref, "DigestValue")
	if len(dm) != 1 || len(dv) != 1 {
		return nil, false, errors.New("needs one DigestMethod and one DigestValue")
	}
	h, ok := xmldsig.DigestAlgorithms[dm[0].SelectAttrValue("Algorithm", "")]
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
	for _, ki := range xmldsig.DSChildren(sig, "KeyInfo") {
		for _, xd := range xmldsig.DSChildren(ki, "X509Data") {
			for _, c := range xmldsig.DSChildren(xd, "X509Certificate") {
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

// signerNames lists certificates for an error message.
func signerNames(certs []*x509.Certificate) string {
	var names []string
	for _, c := range certs {
		names = append(names, c.Subject.String())
	}
	return strings.Join(names, "; ")
}
