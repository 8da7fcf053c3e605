package pkcs11

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/siegel-app/siegel/signing"
)

func TestECDSADER(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	d := sha256.Sum256([]byte("x"))
	r, s, err := ecdsa.Sign(rand.Reader, key, d[:])
	if err != nil {
		t.Fatal(err)
	}
	// What CKM_ECDSA returns: r and s, each padded to the field size.
	raw := append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
	der, err := ecdsaDER(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !ecdsa.VerifyASN1(&key.PublicKey, d[:], der) {
		t.Fatal("converted signature does not verify")
	}
	for _, bad := range [][]byte{nil, {1, 2, 3}} {
		if _, err := ecdsaDER(bad); err == nil {
			t.Errorf("ecdsaDER(%x) accepted", bad)
		}
	}
}

func TestDigestInfo(t *testing.T) {
	tests := []struct {
		name    string
		h       crypto.Hash
		digest  []byte
		wantErr error
	}{
		{"SHA-256", crypto.SHA256, make([]byte, 32), nil},
		{"SHA-384", crypto.SHA384, make([]byte, 48), nil},
		{"SHA-512", crypto.SHA512, make([]byte, 64), nil},
		{"SHA-1 refused", crypto.SHA1, make([]byte, 20), signing.ErrUnsupported},
		{"short digest", crypto.SHA256, make([]byte, 20), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			di, err := digestInfo(tt.h, tt.digest)
			if tt.wantErr != nil || len(tt.digest) != tt.h.Size() {
				if err == nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
					t.Fatalf("digestInfo = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// The DigestInfo ends with the digest and says its length.
			if !bytes.HasSuffix(di, tt.digest) || int(di[1]) != len(di)-2 || int(di[len(di)-len(tt.digest)-1]) != len(tt.digest) {
				t.Errorf("DigestInfo %x", di)
			}
		})
	}
}
