package verify

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

	"github.com/siegel-app/siegel/signing/cms"
	"github.com/siegel-app/siegel/signing/xmldsig"
)

// XAdES (ETSI EN 319 132-1) namespace and the Type of the reference to
// the signed properties.
const (
	xadesNS              = "http://uri.etsi.org/01903/v1.3.2#"
	xadesSignedPropsType = "http://uri.etsi.org/01903#SignedProperties"
)

// asicXAdES checks the XAdES signature file name of the container (EN 319
// 162-1 §4.4.2, §A.5): an asic:XAdESSignatures root with one or more
// ds:Signature children, each a Signature of the report.
func (v *pdfVerifier) asicXAdES(c *container, name string) []Signature {
	fail := func(why Text) []Signature {
		s := Signature{Field: name, Indication: TotalPassed, Coverage: Partial, Modifications: Modifications{Kind: ModNone}, Level: "XAdES"}
		s.set(TotalFailed, FormatFailure, why)
		return []Signature{s}
	}
	b, err := c.read(name, maxASiCMeta)
	if err != nil {
		return fail(tf("The signature file cannot be read: %v.", err))
	}
	if err := xmldsig.CheckDepth(b, xmldsig.MaxDepth); err != nil {
		return fail(tf("The signature file is not XML that can be read: %v.", err))
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(b); err != nil {
		return fail(tf("The signature file is not XML that can be read: %v.", err))
	}
	root := doc.Root()
	if root == nil || root.Tag != "XAdESSignatures" || root.NamespaceURI() != asicNS {
		return fail(tf("The signature file's root element is not asic:XAdESSignatures."))
	}
	sigEls := xmldsig.DSChildren(root, "Signature")
	if len(sigEls) == 0 {
		return fail(tf("The signature file holds no ds:Signature."))
	}
	var out []Signature
	for i, el := range sigEls {
		s := v.xadesSignature(c, root, el)
		s.Field = name
		if len(sigEls) > 1 {
			id := el.SelectAttrValue("Id", "")
			if id == "" {
				id = fmt.Sprint(i + 1)
			}
			s.Field += "#" + id
		}
		out = append(out, s)
	}
	return out
}

// xadesSignature checks one ds:Signature: XMLDSig core validation (§3.2:
// the SignatureValue over the canonical SignedInfo with a certificate of
// ds:KeyInfo, then every Reference), the signed properties (signing
// certificate, claimed signing time), a signature timestamp, then trust,
// revocation and qualified status as for a CMS.
func (v *pdfVerifier) xadesSignature(c *container, root, sigEl *etree.Element) Signature {
	s := Signature{Indication: TotalPassed, Coverage: Partial, Modifications: Modifications{Kind: ModNone}, Level: "XMLDSig"}
	defer func() {
		if s.Qualified == "" || !s.Intact {
			s.Qualified = QUnknown
		}
	}()
	certs := xmldsig.KeyInfoCerts(sigEl)
	if len(certs) == 0 {
		s.set(Indeterminate, NoSigningCertificateFound, tf("The signature carries no signing certificate in ds:KeyInfo."))
		return s
	}
	s.Signer = signerOf(certs[0])
	canonSI, sigValue, alg, err := signedInfo(sigEl)
	if err != nil {
		s.set(TotalFailed, FormatFailure, tf("The signature cannot be read: %v.", err))
		return s
	}
	if alg == x509.UnknownSignatureAlgorithm {
		s.set(Indeterminate, CryptoConstraintsFailure, tf("The signature method is not supported."))
		return s
	}
	// The signer is the certificate of ds:KeyInfo whose key verifies
	// the SignatureValue; which one is meant, the signed properties
	// confirm below.
	var leaf *x509.Certificate
	var sigErr error
	for _, cert := range certs {
		val := sigValue
		if cert.PublicKeyAlgorithm == x509.ECDSA {
			val = xmldsig.ECDSADER(val)
		}
		if sigErr = cert.CheckSignature(alg, canonSI, val); sigErr == nil {
			leaf = cert
			break
		}
	}
	if leaf == nil {
		s.set(TotalFailed, SigCryptoFailure, tf("The signature value does not verify: %v.", sigErr))
		return s
	}
	s.Signer = signerOf(leaf)
	s.Intact = true

	// Read the references from what was verified, not from the tree.
	signed := etree.NewDocument()
	if err := signed.ReadFromBytes(canonSI); err != nil {
		s.Intact = false
		s.set(TotalFailed, FormatFailure, tf("The signed info cannot be read: %v.", err))
		return s
	}
	refs := xmldsig.DSChildren(signed.Root(), "Reference")
	covers := map[string]bool{}
	var props *etree.Element
	for i, ref := range refs {
		uri := ref.SelectAttrValue("URI", "")
		if strings.HasPrefix(uri, "#") {
			target, err := sameDocumentReference(root, sigEl, ref)
			if err != nil {
				s.Intact = false
				s.set(TotalFailed, HashFailure, tf("The signed reference %d (%q) does not verify: %v.", i+1, truncate(uri, 80), err))
				continue
			}
			isProps := target.Tag == "SignedProperties" && target.NamespaceURI() == xadesNS
			if isProps || ref.SelectAttrValue("Type", "") == xadesSignedPropsType {
				// The properties belong to this signature: inside it,
				// in QualifyingProperties whose Target names it.
				if qp := target.Parent(); !isProps || !xmldsig.Contains(sigEl, target) || qp == nil ||
					qp.SelectAttrValue("Target", "") != "#"+sigEl.SelectAttrValue("Id", "") {
					s.Intact = false
					s.set(TotalFailed, FormatFailure, tf("The reference to the signed properties does not name this signature's xades:SignedProperties."))
					continue
				}
				props = target
			}
			continue
		}
		fname, ok := containerName(uri)
		if !ok {
			s.Intact = false
			s.set(TotalFailed, FormatFailure, tf("The signature references %q, which is not a file of the container.", truncate(uri, 80)))
			continue
		}
		if len(xmldsig.DSChildren(ref, "Transforms")) > 0 {
			s.Intact = false
			s.set(Indeterminate, FormatFailure, tf("The reference to %s has transforms, which are not supported for container files.", fname))
			continue
		}
		dm, dv := xmldsig.DSChildren(ref, "DigestMethod"), xmldsig.DSChildren(ref, "DigestValue")
		if len(dm) != 1 || len(dv) != 1 {
			s.Intact = false
			s.set(TotalFailed, FormatFailure, tf("The reference to %s needs one DigestMethod and one DigestValue.", fname))
			continue
		}
		checkFileDigest(c, &s, fname, dm[0].SelectAttrValue("Algorithm", ""), dv[0].Text(), covers)
	}
	if len(refs) == 0 {
		s.Intact = false
		s.set(TotalFailed, FormatFailure, tf("The signature has no ds:Reference."))
	}
	c.setCoverage(&s, covers)
	ssp := firstChild(props, xadesNS, "SignedSignatureProperties")
	matched, named := signingCertificateMatches(ssp, leaf)
	if !s.Intact {
		if matched {
			s.Level = "XAdES-B-B"
		}
		return s
	}

	// Signed properties (EN 319 132-1 §5.2.1, §5.2.2): the signing
	// certificate must be the one that verified; the time is claimed.
	if props == nil {
		s.note(tf("The signature has no signed XAdES properties: the signing certificate is not protected by it, and it is no XAdES baseline signature."))
	} else {
		switch {
		case !named:
			s.note(tf("The signed properties do not name the signing certificate (SigningCertificateV2)."))
		case !matched:
			s.set(Indeterminate, NoSigningCertificateFound, tf("The signing certificate cannot be identified: the certificate in ds:KeyInfo is not the one the signed properties name."))
			return s
		default:
			s.Level = "XAdES-B-B"
		}
		if st := firstChild(ssp, xadesNS, "SigningTime"); st != nil {
			if t, err := time.Parse(time.RFC3339, strings.TrimSpace(st.Text())); err == nil {
				s.SigningTime, s.TimeSource = t, TimeClaimed
			}
		}
	}
	if t, ok := v.xadesTimestamp(&s, sigEl); ok {
		s.SigningTime, s.TimeSource = t, TimeFromTimestamp
		if s.Level == "XAdES-B-B" {
			s.Level = "XAdES-B-T"
		}
	}
	switch {
	case s.TimeSource == TimeClaimed:
		s.note(tf("No timestamp proves the signing time; the time shown is the one the signer's computer claimed."))
	case s.TimeSource == "":
		s.note(tf("No timestamp proves the signing time, and the signature claims none."))
	}
	v.trust(&s, certs, nil)
	v.checkRevocation(&s, nil)
	return s
}

// signedInfo canonicalises ds:SignedInfo as its CanonicalizationMethod
// says and reads the SignatureValue and SignatureMethod.
func signedInfo(sigEl *etree.Element) (canon, value []byte, alg x509.SignatureAlgorithm, err error) {
	si, err := xmldsig.OnlyChild(sigEl, "SignedInfo")
	if err != nil {
		return nil, nil, 0, err
	}
	sv, err := xmldsig.OnlyChild(sigEl, "SignatureValue")
	if err != nil {
		return nil, nil, 0, err
	}
	cm, err := xmldsig.OnlyChild(si, "CanonicalizationMethod")
	if err != nil {
		return nil, nil, 0, err
	}
	sm, err := xmldsig.OnlyChild(si, "SignatureMethod")
	if err != nil {
		return nil, nil, 0, err
	}
	c14n, err := xmldsig.Canonicalizer(cm.SelectAttrValue("Algorithm", ""), xmldsig.PrefixList(cm))
	if err != nil {
		return nil, nil, 0, fmt.Errorf("SignedInfo: %v", err)
	}
	if canon, err = xmldsig.CanonicalizeInContext(si, c14n); err != nil {
		return nil, nil, 0, fmt.Errorf("SignedInfo: %v", err)
	}
	if value, err = base64.StdEncoding.DecodeString(xmldsig.StripSpace(sv.Text())); err != nil {
		return nil, nil, 0, fmt.Errorf("SignatureValue: %v", err)
	}
	return canon, value, xmldsig.SignatureAlgorithms[sm.SelectAttrValue("Algorithm", "")], nil
}

// sameDocumentReference resolves a "#Id" reference in the signature file,
// applies its canonicalisation and compares the digest; it returns the
// element referenced. Only canonicalisation transforms are supported (no
// XPath, no enveloped signature: XAdES signatures in ASiC are detached).
func sameDocumentReference(root, sigEl, ref *etree.Element) (*etree.Element, error) {
	target, err := xmldsig.ElementByID(root, ref.SelectAttrValue("URI", "")[1:])
	if err != nil {
		return nil, err
	}
	var canon dsig.Canonicalizer
	if tr := xmldsig.DSChildren(ref, "Transforms"); len(tr) == 1 {
		for _, t := range xmldsig.DSChildren(tr[0], "Transform") {
			if canon != nil {
				return nil, errors.New("more than one transform")
			}
			if canon, err = xmldsig.Canonicalizer(t.SelectAttrValue("Algorithm", ""), xmldsig.PrefixList(t)); err != nil {
				return nil, err
			}
		}
	} else if len(tr) > 1 {
		return nil, errors.New("more than one ds:Transforms")
	}
	if canon == nil {
		// XMLDSig §4.4.3.2: a node-set becomes octets by C14N 1.0.
		canon = dsig.MakeC14N10RecCanonicalizer()
	}
	if xmldsig.Contains(target, sigEl) {
		return nil, errors.New("it contains the signature itself")
	}
	b, err := xmldsig.CanonicalizeInContext(target, canon)
	if err != nil {
		return nil, err
	}
	dm, dv := xmldsig.DSChildren(ref, "DigestMethod"), xmldsig.DSChildren(ref, "DigestValue")
	if len(dm) != 1 || len(dv) != 1 {
		return nil, errors.New("it needs one DigestMethod and one DigestValue")
	}
	h, ok := xmldsig.DigestAlgorithms[dm[0].SelectAttrValue("Algorithm", "")]
	if !ok {
		return nil, fmt.Errorf("the digest method %q is not supported", truncate(dm[0].SelectAttrValue("Algorithm", ""), 80))
	}
	want, err := base64.StdEncoding.DecodeString(xmldsig.StripSpace(dv[0].Text()))
	if err != nil {
		return nil, fmt.Errorf("DigestValue: %v", err)
	}
	d := h.New()
	d.Write(b)
	if !bytes.Equal(d.Sum(nil), want) {
		return nil, errors.New("the digest does not match: it was changed after signing")
	}
	return target, nil
}

func firstChild(el *etree.Element, ns, tag string) *etree.Element {
	if c := xmldsig.Children(el, ns, tag); len(c) > 0 {
		return c[0]
	}
	return nil
}

// signingCertificateMatches looks at SigningCertificateV2 (EN 319 132-1
// §5.2.2) or the older SigningCertificate: named says one is there,
// matched that a xades:Cert's CertDigest is leaf's.
func signingCertificateMatches(ssp *etree.Element, leaf *x509.Certificate) (matched, named bool) {
	for _, tag := range []string{"SigningCertificateV2", "SigningCertificate"} {
		for _, sc := range xmldsig.Children(ssp, xadesNS, tag) {
			for _, cert := range xmldsig.Children(sc, xadesNS, "Cert") {
				cd := firstChild(cert, xadesNS, "CertDigest")
				named = true
				dm, dv := firstChild(cd, dsNS, "DigestMethod"), firstChild(cd, dsNS, "DigestValue")
				if dm == nil || dv == nil {
					continue
				}
				h, ok := xmldsig.DigestAlgorithms[dm.SelectAttrValue("Algorithm", "")]
				want, err := base64.StdEncoding.DecodeString(xmldsig.StripSpace(dv.Text()))
				if !ok || err != nil {
					continue
				}
				d := h.New()
				d.Write(leaf.Raw)
				if bytes.Equal(d.Sum(nil), want) {
					return true, true
				}
			}
		}
	}
	return false, named
}

// xadesTimestamp checks the first SignatureTimeStamp of the unsigned
// signature properties (EN 319 132-1 §5.3): an RFC 3161 token over the
// canonical ds:SignatureValue element, from a TSA that chains to an
// anchor and was not revoked at its time. A token that fails is a note.
func (v *pdfVerifier) xadesTimestamp(s *Signature, sigEl *etree.Element) (time.Time, bool) {
	var tst *etree.Element
	for _, obj := range xmldsig.DSChildren(sigEl, "Object") {
		for _, qp := range xmldsig.Children(obj, xadesNS, "QualifyingProperties") {
			usp := firstChild(firstChild(qp, xadesNS, "UnsignedProperties"), xadesNS, "UnsignedSignatureProperties")
			if tst = firstChild(usp, xadesNS, "SignatureTimeStamp"); tst != nil {
				break
			}
		}
	}
	if tst == nil {
		return time.Time{}, false
	}
	t, err := v.xadesToken(tst, sigEl)
	if err != nil {
		s.note(tf("The signature timestamp is not used: %v.", err))
		return time.Time{}, false
	}
	return t, true
}

func (v *pdfVerifier) xadesToken(tst, sigEl *etree.Element) (time.Time, error) {
	enc := firstChild(tst, xadesNS, "EncapsulatedTimeStamp")
	if enc == nil {
		return time.Time{}, errors.New("it has no EncapsulatedTimeStamp")
	}
	token, err := base64.StdEncoding.DecodeString(xmldsig.StripSpace(enc.Text()))
	if err != nil {
		return time.Time{}, fmt.Errorf("it cannot be read: %v", err)
	}
	// XAdES 1.3.2 §7.1.4.3: without ds:CanonicalizationMethod, C14N 1.0.
	canon := dsig.MakeC14N10RecCanonicalizer()
	if cm := firstChild(tst, dsNS, "CanonicalizationMethod"); cm != nil {
		if canon, err = xmldsig.Canonicalizer(cm.SelectAttrValue("Algorithm", ""), xmldsig.PrefixList(cm)); err != nil {
			return time.Time{}, err
		}
	}
	sv, err := xmldsig.OnlyChild(sigEl, "SignatureValue")
	if err != nil {
		return time.Time{}, err
	}
	signed, err := xmldsig.CanonicalizeInContext(sv, canon)
	if err != nil {
		return time.Time{}, err
	}
	tsd, info, err := cms.ParseTimestampToken(token)
	if err != nil {
		return time.Time{}, err
	}
	if info.HashAlgorithm == 0 || !info.HashAlgorithm.Available() {
		return time.Time{}, fmt.Errorf("its imprint algorithm %v is not supported", info.HashAlgorithmOID)
	}
	h := info.HashAlgorithm.New()
	h.Write(signed)
	if !bytes.Equal(h.Sum(nil), info.HashedMessage) {
		return time.Time{}, errors.New("it is not over this signature value")
	}
	if err := verifyToken(tsd); err != nil {
		return time.Time{}, err
	}
	tsa := tsd.Signer()
	if tsa == nil {
		return time.Time{}, errors.New("its signing certificate is not in it")
	}
	chain, err := v.chain(tsa, tsd.Certificates, info.GenTime, x509.ExtKeyUsageTimeStamping)
	if err != nil {
		return time.Time{}, fmt.Errorf("its authority (%s) is not trusted: %v", tsa.Subject.CommonName, err)
	}
	if err := v.tsaRevoked(chain, nil, info.GenTime); err != nil {
		return time.Time{}, err
	}
	return info.GenTime, nil
}
