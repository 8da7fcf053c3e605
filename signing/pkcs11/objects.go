//go:build cgo

package pkcs11

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"math/big"

	p11 "github.com/miekg/pkcs11"
)

// object is a certificate, public key or private key found on a token.
type object struct {
	h     p11.ObjectHandle
	id    []byte
	label string

	cert       *x509.Certificate // certificates
	keyType    string            // keys: "RSA", "EC" or ""
	bits       int
	alwaysAuth bool // private keys
}

// objects are what a session can see of a token: without login, the public
// objects only (PKCS#11 v2.40 §4.4, CKA_PRIVATE).
type objects struct {
	certs, pubs, privs []object
}

// scan reads every X.509 certificate, public key and visible private key.
func scan(m module, sh p11.SessionHandle) (*objects, error) {
	var o objects
	hs, err := find(m, sh, []*p11.Attribute{
		p11.NewAttribute(p11.CKA_CLASS, p11.CKO_CERTIFICATE),
		p11.NewAttribute(p11.CKA_CERTIFICATE_TYPE, p11.CKC_X_509),
	})
	if err != nil {
		return nil, err
	}
	for _, h := range hs {
		ob := readCommon(m, sh, h)
		der, err := attr(m, sh, h, p11.CKA_VALUE)
		if err != nil {
			continue // a certificate we cannot read cannot be used either
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			continue
		}
		ob.cert = c
		o.certs = append(o.certs, ob)
	}
	for _, class := range []uint{p11.CKO_PUBLIC_KEY, p11.CKO_PRIVATE_KEY} {
		hs, err := find(m, sh, []*p11.Attribute{p11.NewAttribute(p11.CKA_CLASS, class)})
		if err != nil {
			return nil, err
		}
		for _, h := range hs {
			ob := readCommon(m, sh, h)
			ob.keyType, ob.bits = keyShape(m, sh, h)
			if class == p11.CKO_PRIVATE_KEY {
				ob.alwaysAuth = boolAttr(m, sh, h, p11.CKA_ALWAYS_AUTHENTICATE)
				o.privs = append(o.privs, ob)
			} else {
				o.pubs = append(o.pubs, ob)
			}
		}
	}
	return &o, nil
}

func readCommon(m module, sh p11.SessionHandle, h p11.ObjectHandle) object {
	ob := object{h: h}
	ob.id, _ = attr(m, sh, h, p11.CKA_ID)
	if len(ob.id) == 0 {
		ob.id = nil
	}
	label, _ := attr(m, sh, h, p11.CKA_LABEL)
	ob.label = string(label)
	return ob
}

// keyShape reads key type and size from a key object's public attributes.
func keyShape(m module, sh p11.SessionHandle, h p11.ObjectHandle) (string, int) {
	kt, err := attr(m, sh, h, p11.CKA_KEY_TYPE)
	if err != nil {
		return "", 0
	}
	switch t, _ := ulong(kt); t {
	case p11.CKK_RSA:
		n, err := attr(m, sh, h, p11.CKA_MODULUS)
		if err != nil {
			return "RSA", 0
		}
		return "RSA", new(big.Int).SetBytes(n).BitLen()
	case p11.CKK_EC:
		params, err := attr(m, sh, h, p11.CKA_EC_PARAMS)
		if err != nil {
			return "EC", 0
		}
		return "EC", curveBits(params)
	}
	return "", 0
}

// Named curves by OID (RFC 5480 §2.1.1.1, RFC 5639 §4.1).
var curveSizes = map[string]int{
	"1.2.840.10045.3.1.7":   256, // P-256
	"1.3.132.0.34":          384, // P-384
	"1.3.132.0.35":          521, // P-521
	"1.3.36.3.3.2.8.1.1.7":  256, // brainpoolP256r1
	"1.3.36.3.3.2.8.1.1.11": 384, // brainpoolP384r1
	"1.3.36.3.3.2.8.1.1.13": 512, // brainpoolP512r1
}

// curveBits reads CKA_EC_PARAMS, a DER ECParameters that names a curve.
func curveBits(params []byte) int {
	var oid asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(params, &oid); err != nil {
		return 0
	}
	return curveSizes[oid.String()]
}

// certShape is keyShape for a certificate's public key.
func certShape(c *x509.Certificate) (string, int) {
	switch pub := c.PublicKey.(type) {
	case *rsa.PublicKey:
		return "RSA", pub.N.BitLen()
	case *ecdsa.PublicKey:
		return "EC", pub.Curve.Params().BitSize
	}
	return "", 0
}

// certFor returns the certificate of the key with id: the X.509
// certificate with the same CKA_ID (PKCS#11 v2.40 §4.6.3: the CKA_ID of a
// certificate and its key pair are meant to match). A key without an id is
// matched to a certificate by label instead.
func (o *objects) certFor(id []byte, label string) *x509.Certificate {
	for _, c := range o.certs {
		if id != nil && bytes.Equal(c.id, id) || id == nil && label != "" && c.id == nil && c.label == label {
			return c.cert
		}
	}
	return nil
}

// chain returns leaf followed by the certificates on the token that issued
// it, up to a self-signed one or the first missing link.
func (o *objects) chain(leaf *x509.Certificate) []*x509.Certificate {
	chain := []*x509.Certificate{leaf}
	cur := leaf
	for len(chain) <= len(o.certs) {
		if bytes.Equal(cur.RawIssuer, cur.RawSubject) {
			break
		}
		var next *x509.Certificate
		for _, c := range o.certs {
			if bytes.Equal(c.cert.RawSubject, cur.RawIssuer) && !inChain(chain, c.cert) &&
				cur.CheckSignatureFrom(c.cert) == nil {
				next = c.cert
				break
			}
		}
		if next == nil {
			break
		}
		chain = append(chain, next)
		cur = next
	}
	return chain
}

func inChain(chain []*x509.Certificate, c *x509.Certificate) bool {
	for _, x := range chain {
		if x.Equal(c) {
			return true
		}
	}
	return false
}

// keys groups what a token shows by CKA_ID into one KeyInfo per key:
// private keys, public keys, and certificates of end entities (a CA
// certificate on a token is part of a chain, not a key of its own).
func (o *objects) keys(tok TokenInfo) []KeyInfo {
	var order []string
	byKey := map[string]*KeyInfo{}
	priv := map[string]bool{}
	group := func(ob object) (*KeyInfo, string) {
		k := "label:" + ob.label
		if ob.id != nil {
			k = "id:" + hex.EncodeToString(ob.id)
		}
		ki := byKey[k]
		if ki == nil {
			ki = &KeyInfo{ID: ob.id, Label: ob.label}
			byKey[k] = ki
			order = append(order, k)
		}
		return ki, k
	}
	for _, ob := range o.privs {
		ki, k := group(ob)
		priv[k] = true
		ki.AlwaysAuthenticate = ob.alwaysAuth
		if ki.KeyType == "" {
			ki.KeyType, ki.Bits = ob.keyType, ob.bits
		}
	}
	for _, ob := range o.pubs {
		ki, _ := group(ob)
		if ki.Label == "" {
			ki.Label = ob.label
		}
		if ki.KeyType == "" || ki.Bits == 0 {
			ki.KeyType, ki.Bits = ob.keyType, ob.bits
		}
	}
	for _, ob := range o.certs {
		k := "label:" + ob.label
		if ob.id != nil {
			k = "id:" + hex.EncodeToString(ob.id)
		}
		if byKey[k] == nil && (ob.cert.IsCA || ob.id == nil && ob.label == "") {
			continue
		}
		ki, _ := group(ob)
		if ki.Certificate != nil {
			continue // several certificates for one key: the first wins, as in Open
		}
		ki.Certificate = ob.cert
		if ki.Label == "" {
			ki.Label = ob.label
		}
		if t, b := certShape(ob.cert); t != "" {
			ki.KeyType, ki.Bits = t, b
		}
	}
	out := make([]KeyInfo, 0, len(order))
	for _, k := range order {
		ki := byKey[k]
		u := URI{Token: tok.Label, Serial: tok.Serial, ID: ki.ID, ModulePath: tok.ModulePath}
		// Only a private key's own label narrows the search for it; the
		// label of a certificate often differs ("Certificate for PIV
		// Authentication" against "PIV AUTH key").
		if priv[k] || ki.ID == nil {
			u.Object = ki.Label
		}
		ki.URI = u.String()
		out = append(out, *ki)
	}
	return out
}

func describe(u *URI) string {
	switch {
	case u.ID != nil && u.Object != "":
		return fmt.Sprintf("key %q (id %X)", u.Object, u.ID)
	case u.ID != nil:
		return fmt.Sprintf("key id %X", u.ID)
	case u.Object != "":
		return fmt.Sprintf("key %q", u.Object)
	}
	return "key"
}
