// Package testpki builds a throw-away PKI in code for tests: a root, an
// intermediate, signers with RSA-2048 and ECDSA P-256 keys, a time-stamping
// authority and an OCSP responder. Nothing here is committed as key material;
// every run makes its own.
package testpki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"sync"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

// Entity is a certificate with its private key.
type Entity struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// PKI is the test hierarchy. Signers, TSA and OCSP are issued by the
// intermediate, which is issued by the root.
type PKI struct {
	Root         *Entity
	Intermediate *Entity
	SignerRSA    *Entity
	SignerEC     *Entity
	TSA          *Entity
	OCSP         *Entity
	// Now is the time the certificates were made for; they are valid from
	// an hour before it for five years.
	Now time.Time

	urls func(issuer *x509.Certificate) Revocation // nil: no AIA, no CRLDP
}

var (
	sharedOnce sync.Once
	shared     *PKI
	sharedErr  error
)

// Shared returns one PKI per test process; key generation is the slow part
// of most tests, and nothing in a test changes the PKI.
func Shared() (*PKI, error) {
	sharedOnce.Do(func() { shared, sharedErr = New(time.Now()) })
	return shared, sharedErr
}

// MustShared is Shared for tests and benchmarks.
func MustShared(t interface{ Fatal(...any) }) *PKI {
	p, err := Shared()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var serial int64 = 1000

var serialMu sync.Mutex

func nextSerial() *big.Int {
	serialMu.Lock()
	defer serialMu.Unlock()
	serial++
	return big.NewInt(serial)
}

// OIDs for extended key usages used here (RFC 5280 §4.2.1.12).
var (
	oidEKUTimeStamping = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}
	oidExtKeyUsage     = asn1.ObjectIdentifier{2, 5, 29, 37}
)

// New makes a fresh PKI valid around now.
func New(now time.Time) (*PKI, error) { return newPKI(now, nil) }

func newPKI(now time.Time, urls func(issuer *x509.Certificate) Revocation) (*PKI, error) {
	p := &PKI{Now: now, urls: urls}
	var err error
	if p.Root, err = p.issue(nil, template("Siegel Test Root CA", true), rsaKey); err != nil {
		return nil, err
	}
	if p.Intermediate, err = p.issue(p.Root, template("Siegel Test Intermediate CA", true), ecKey); err != nil {
		return nil, err
	}
	signer := func(cn string) *x509.Certificate {
		t := template(cn, false)
		t.Subject.SerialNumber = "DE-" + cn
		t.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
		return t
	}
	if p.SignerRSA, err = p.issue(p.Intermediate, signer("Erika Mustermann"), rsaKey); err != nil {
		return nil, err
	}
	if p.SignerEC, err = p.issue(p.Intermediate, signer("Max Mustermann"), ecKey); err != nil {
		return nil, err
	}
	tsa := template("Siegel Test TSA", false)
	tsa.KeyUsage = x509.KeyUsageDigitalSignature
	// RFC 3161 §2.3: the TSA certificate has exactly one EKU, timeStamping,
	// and the extension is critical. x509.CreateCertificate never marks it
	// critical, so it is written by hand.
	ekuValue, _ := asn1.Marshal([]asn1.ObjectIdentifier{oidEKUTimeStamping})
	tsa.ExtraExtensions = []pkix.Extension{{Id: oidExtKeyUsage, Critical: true, Value: ekuValue}}
	if p.TSA, err = p.issue(p.Intermediate, tsa, rsaKey); err != nil {
		return nil, err
	}
	ocsp := template("Siegel Test OCSP Responder", false)
	ocsp.KeyUsage = x509.KeyUsageDigitalSignature
	ocsp.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning}
	// RFC 6960 §4.2.2.2.1: the responder's own status needs no check.
	ocsp.ExtraExtensions = []pkix.Extension{{Id: oidOCSPNoCheck, Value: asn1.NullBytes}}
	if p.OCSP, err = p.issue(p.Intermediate, ocsp, ecKey); err != nil {
		return nil, err
	}
	return p, nil
}

func template(cn string, ca bool) *x509.Certificate {
	t := &x509.Certificate{
		Subject: pkix.Name{CommonName: cn, Organization: []string{"Siegel Test"}, Country: []string{"DE"}},
	}
	if ca {
		t.IsCA = true
		t.BasicConstraintsValid = true
		t.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	}
	return t
}

func rsaKey() (crypto.Signer, error) { return rsa.GenerateKey(rand.Reader, 2048) }
func ecKey() (crypto.Signer, error)  { return ecdsa.GenerateKey(elliptic.P256(), rand.Reader) }

// NewSigner issues a further end-entity certificate from the intermediate,
// e.g. for a token that needs a key of its own. keyType is "rsa" or "ec".
func (p *PKI) NewSigner(cn, keyType string) (*Entity, error) {
	t := template(cn, false)
	t.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
	gen := rsaKey
	if keyType == "ec" {
		gen = ecKey
	}
	return p.issue(p.Intermediate, t, gen)
}

// Certify issues a certificate for a public key held elsewhere (in a token),
// from the intermediate.
func (p *PKI) Certify(cn string, pub crypto.PublicKey) (*x509.Certificate, error) {
	return p.CertifyUsage(cn, pub, x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment)
}

// CertifyUsage is Certify with the given key usage, e.g. digitalSignature
// alone for a card's authentication key.
func (p *PKI) CertifyUsage(cn string, pub crypto.PublicKey, ku x509.KeyUsage) (*x509.Certificate, error) {
	t := template(cn, false)
	t.KeyUsage = ku
	return p.sign(p.Intermediate, t, pub)
}

func (p *PKI) issue(parent *Entity, t *x509.Certificate, gen func() (crypto.Signer, error)) (*Entity, error) {
	key, err := gen()
	if err != nil {
		return nil, err
	}
	if parent == nil {
		parent = &Entity{Key: key}
	}
	cert, err := p.sign(parent, t, key.Public())
	if err != nil {
		return nil, err
	}
	return &Entity{Cert: cert, Key: key}, nil
}

func (p *PKI) sign(parent *Entity, t *x509.Certificate, pub crypto.PublicKey) (*x509.Certificate, error) {
	t.SerialNumber = nextSerial()
	t.NotBefore = p.Now.Add(-time.Hour)
	t.NotAfter = p.Now.AddDate(5, 0, 0)
	issuerCert := t // self-signed
	if parent.Cert != nil {
		issuerCert = parent.Cert
		if p.urls != nil && t.OCSPServer == nil && t.CRLDistributionPoints == nil {
			r := p.urls(parent.Cert)
			t.OCSPServer, t.CRLDistributionPoints = nonEmpty(r.OCSP), nonEmpty(r.CRL)
			t.IssuingCertificateURL = nonEmpty(r.CAIssuers)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, t, issuerCert, pub, parent.Key)
	if err != nil {
		return nil, fmt.Errorf("testpki: issue %q: %w", t.Subject.CommonName, err)
	}
	return x509.ParseCertificate(der)
}

// Chain returns e's chain, leaf first, up to and including the root.
func (p *PKI) Chain(e *Entity) []*x509.Certificate {
	if e == p.Root {
		return []*x509.Certificate{p.Root.Cert}
	}
	if e == p.Intermediate {
		return []*x509.Certificate{p.Intermediate.Cert, p.Root.Cert}
	}
	return []*x509.Certificate{e.Cert, p.Intermediate.Cert, p.Root.Cert}
}

// ChainFor is Chain for a certificate issued by the intermediate.
func (p *PKI) ChainFor(c *x509.Certificate) []*x509.Certificate {
	return []*x509.Certificate{c, p.Intermediate.Cert, p.Root.Cert}
}

// PEM encodes certificates as PEM.
func PEM(certs ...*x509.Certificate) []byte {
	var out []byte
	for _, c := range certs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return out
}

// WriteRootPEM writes the root certificate to path, for tools such as
// openssl that take a CA file.
func (p *PKI) WriteRootPEM(path string) error {
	return os.WriteFile(path, PEM(p.Root.Cert), 0o644)
}

// PKCS12 encodes e with its chain as a PKCS#12 file under password, with
// the modern (AES, PBKDF2) encryption.
func (p *PKI) PKCS12(e *Entity, password string) ([]byte, error) {
	chain := p.Chain(e)
	return pkcs12.Modern.Encode(e.Key, e.Cert, chain[1:], password)
}
