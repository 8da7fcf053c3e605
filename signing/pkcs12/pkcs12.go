// Package pkcs12 is the key backend for PKCS #12 files (RFC 7292): a
// private key and its certificates in one password-protected file, read
// with software.sslmate.com/src/go-pkcs12 (PBES2/AES and the legacy
// RC2/3DES encryptions, HMAC and PBMAC1 integrity).
//
// The file is decrypted once, in Open; the key then lives in memory until
// Close, which overwrites what it can of it.
package pkcs12

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"sync"
	"unsafe"

	gopkcs12 "software.sslmate.com/src/go-pkcs12"

	"github.com/siegel-app/siegel/signing"
)

// Key is a private key read from a PKCS #12 file.
type Key struct {
	name string // file name, for messages

	mu     sync.RWMutex // Close waits for running Sign calls
	signer crypto.Signer
	pub    crypto.PublicKey
	chain  []*x509.Certificate
}

var _ signing.Key = (*Key)(nil)

// Open reads the PKCS #12 file at path, asking pin for its password once
// (PINRequest{Kind: signing.Password, Token: the file name, RetriesLeft: -1}).
// A wrong password is a *signing.PINError that errors.Is
// signing.ErrPINIncorrect; a file does not lock, so the caller may simply
// ask again. An error from pin (signing.ErrCancelled) is returned wrapped.
// The chain is the certificate of the key, then the CA certificates of the
// file that issue it, in order; certificates of the file outside that path
// are left out.
func Open(ctx context.Context, path string, pin signing.PINFunc) (*Key, error) {
	name := filepath.Base(path)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("open PKCS #12 file: %w", err) // *fs.PathError names it
	}
	// Check the outer structure before asking for a password: a person
	// who picked the wrong file should hear so, not be asked to type.
	if !looksLikePFX(data) {
		return nil, fmt.Errorf("open PKCS #12 file %s: not a PKCS #12 (.p12/.pfx) file", path)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("open PKCS #12 file %s: %w", path, signing.ErrCancelled)
	}
	pw, err := pin(ctx, signing.PINRequest{Kind: signing.Password, Token: name, RetriesLeft: -1})
	if err != nil {
		return nil, fmt.Errorf("open PKCS #12 file %s: password: %w", path, err)
	}
	defer signing.Zero(pw)
	// The library takes a string. A string built over pw instead of a copy
	// is overwritten with pw when it is zeroed; go-pkcs12 does not keep the
	// string beyond this call (it makes its own BMPString encoding).
	var password string
	if len(pw) > 0 {
		password = unsafe.String(&pw[0], len(pw))
	}
	priv, cert, caCerts, err := gopkcs12.DecodeChain(data, password)
	switch {
	case errors.Is(err, gopkcs12.ErrIncorrectPassword), errors.Is(err, gopkcs12.ErrDecryption):
		// ErrDecryption is what a wrong password gives for a file
		// without a MAC: the decrypted padding is garbage.
		return nil, fmt.Errorf("open PKCS #12 file: wrong password for %s (a file does not lock; try again): %w",
			path, &signing.PINError{RetriesLeft: -1})
	case err != nil:
		var ni gopkcs12.NotImplementedError
		if errors.As(err, &ni) {
			return nil, fmt.Errorf("open PKCS #12 file %s: %v: %w", path, err, signing.ErrUnsupported)
		}
		return nil, fmt.Errorf("open PKCS #12 file %s: %w", path, err)
	}
	signer, ok := priv.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("open PKCS #12 file %s: key type %T: %w", path, priv, signing.ErrUnsupported)
	}
	chain, err := buildChain(signer.Public(), append([]*x509.Certificate{cert}, caCerts...))
	if err != nil {
		zeroKey(signer)
		return nil, fmt.Errorf("open PKCS #12 file %s: %w", path, err)
	}
	return &Key{name: name, signer: signer, pub: signer.Public(), chain: chain}, nil
}

// looksLikePFX checks the PFX outer SEQUENCE { version 3, authSafe
// ContentInfo, macData OPTIONAL } of RFC 7292 §4.
func looksLikePFX(data []byte) bool {
	var pfx struct {
		Version  int
		AuthSafe asn1.RawValue
		MacData  asn1.RawValue `asn1:"optional"`
	}
	rest, err := asn1.Unmarshal(data, &pfx)
	return err == nil && len(rest) == 0 && pfx.Version == 3 && pfx.AuthSafe.Tag == asn1.TagSequence
}

// buildChain puts the certificate of pub first, then follows issuer links
// through certs. The certificate of the key is found by its public key, as
// files from other tools do not always store it first.
func buildChain(pub crypto.PublicKey, certs []*x509.Certificate) ([]*x509.Certificate, error) {
	eq, ok := pub.(interface{ Equal(crypto.PublicKey) bool })
	if !ok {
		return nil, fmt.Errorf("key type %T: %w", pub, signing.ErrUnsupported)
	}
	var leaf *x509.Certificate
	for _, c := range certs {
		if c != nil && eq.Equal(c.PublicKey) {
			leaf = c
			break
		}
	}
	if leaf == nil {
		return nil, signing.ErrNoCertificate
	}
	chain := []*x509.Certificate{leaf}
	used := map[*x509.Certificate]bool{leaf: true}
	for cur := leaf; !bytes.Equal(cur.RawIssuer, cur.RawSubject); {
		var next *x509.Certificate
		for _, c := range certs {
			// Names can repeat across CA generations; the signature
			// decides which one really issued cur.
			if c != nil && !used[c] && bytes.Equal(c.RawSubject, cur.RawIssuer) && cur.CheckSignatureFrom(c) == nil {
				next = c
				break
			}
		}
		if next == nil {
			break
		}
		chain = append(chain, next)
		used[next] = true
		cur = next
	}
	return chain, nil
}

// Public returns the public key.
func (k *Key) Public() crypto.PublicKey { return k.pub }

// Chain returns the certificate chain, leaf first.
func (k *Key) Chain() []*x509.Certificate {
	return append([]*x509.Certificate(nil), k.chain...)
}

// Sign signs digest as crypto.Signer does; opts says the hash and, with
// *rsa.PSSOptions, PSS.
func (k *Key) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	if k.signer == nil {
		return nil, fmt.Errorf("sign with %s: key is closed", k.name)
	}
	sig, err := k.signer.Sign(rand, digest, opts)
	if err != nil {
		return nil, fmt.Errorf("sign with %s: %w", k.name, err)
	}
	return sig, nil
}

// Close overwrites the private key's numbers and forgets it. Go's crypto
// packages may keep their own precomputed copies out of reach, so this
// shortens, rather than ends, the key's life in memory.
func (k *Key) Close() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.signer != nil {
		zeroKey(k.signer)
		k.signer = nil
	}
	return nil
}

// zeroKey overwrites the secret numbers in place. Writing to them is
// deprecated for keys still in use (it breaks crypto's cached forms); these
// keys are dropped right after.
func zeroKey(s crypto.Signer) {
	switch key := s.(type) {
	case *rsa.PrivateKey:
		zeroInt(key.D)
		for _, p := range key.Primes {
			zeroInt(p)
		}
		zeroInt(key.Precomputed.Dp)
		zeroInt(key.Precomputed.Dq)
		zeroInt(key.Precomputed.Qinv)
	case *ecdsa.PrivateKey:
		zeroInt(key.D)
	case ed25519.PrivateKey:
		clear(key)
	}
}

func zeroInt(n *big.Int) {
	if n != nil {
		clear(n.Bits()) // Bits shares n's storage
		n.SetInt64(0)
	}
}
