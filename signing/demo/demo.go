// Package demo is a key that exists without any card, HSM or file, so
// that a first-time user can try the whole signing flow. Its certificate
// is self-signed and says in its name that signatures made with it have
// no legal effect; verifiers report its issuer as unknown.
package demo

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"math/big"
	"sync"
	"time"

	"github.com/siegel-app/siegel/signing"
)

// URI names the demo key for signing/keys.Open.
const URI = "demo:"

// Names in the demo certificate's subject; IsDemo looks for them.
const (
	CommonName   = "Siegel demo key — not a legal signature"
	Organization = "Siegel demo"
)

var (
	once   sync.Once
	priv   *ecdsa.PrivateKey
	cert   *x509.Certificate
	genErr error
)

// generate makes the process's demo key once: a fresh key per run, so no
// private key is ever shipped or stored.
func generate() {
	once.Do(func() {
		priv, genErr = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if genErr != nil {
			genErr = fmt.Errorf("demo key: %w", genErr)
			return
		}
		serial, e := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
		if e != nil {
			genErr = fmt.Errorf("demo key: serial: %w", e)
			return
		}
		now := time.Now()
		name := pkix.Name{CommonName: CommonName, Organization: []string{Organization}}
		tmpl := &x509.Certificate{
			SerialNumber:          serial,
			Subject:               name,
			Issuer:                name,
			NotBefore:             now.Add(-time.Hour),
			NotAfter:              now.Add(24 * time.Hour),
			KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
			BasicConstraintsValid: true,
		}
		der, e := x509.CreateCertificate(rand.Reader, tmpl, tmpl, priv.Public(), priv)
		if e != nil {
			genErr = fmt.Errorf("demo key: certificate: %w", e)
			return
		}
		cert, genErr = x509.ParseCertificate(der)
	})
}

// Key is the demo key. It asks no PIN.
type Key struct {
	priv *ecdsa.PrivateKey
	cert *x509.Certificate
}

var _ signing.Key = (*Key)(nil)

// Open returns the process's demo key, generating it at first use.
func Open() (*Key, error) {
	generate()
	if genErr != nil {
		return nil, genErr
	}
	return &Key{priv: priv, cert: cert}, nil
}

// Public returns the public key.
func (k *Key) Public() crypto.PublicKey { return k.priv.Public() }

// Sign signs digest (ECDSA, ASN.1 encoded as crypto.Signer defines).
func (k *Key) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return k.priv.Sign(r, digest, opts)
}

// Chain is the self-signed certificate alone.
func (k *Key) Chain() []*x509.Certificate { return []*x509.Certificate{k.cert} }

// Close does nothing: the key is shared by the process and holds no
// resource.
func (k *Key) Close() error { return nil }

// IsDemo reports whether c is a Siegel demo certificate: this process's
// or another run's (the subject names it so, and it is self-signed).
func IsDemo(c *x509.Certificate) bool {
	if c == nil {
		return false
	}
	return c.Subject.CommonName == CommonName &&
		len(c.Subject.Organization) == 1 && c.Subject.Organization[0] == Organization &&
		bytes.Equal(c.RawSubject, c.RawIssuer)
}
