package pkcs11

import (
	"crypto/x509"
	"errors"
	"testing"

	"github.com/siegel-app/siegel/signing"
)

func TestPickKey(t *testing.T) {
	auth := KeyInfo{Label: "PIV AUTH key", ID: []byte{1}, URI: "auth",
		Certificate: &x509.Certificate{KeyUsage: x509.KeyUsageDigitalSignature}}
	sig := KeyInfo{Label: "SIGN key", ID: []byte{2}, URI: "sign", AlwaysAuthenticate: true,
		Certificate: &x509.Certificate{KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment}}
	nr := KeyInfo{Label: "NR", ID: []byte{3}, URI: "nr",
		Certificate: &x509.Certificate{KeyUsage: x509.KeyUsageContentCommitment}}
	bare := KeyInfo{Label: "no cert", ID: []byte{4}, URI: "bare"}
	tests := []struct {
		name       string
		keys       []KeyInfo
		id, object string
		want       string
		wantErr    error
	}{
		{"always-authenticate first", []KeyInfo{auth, nr, sig}, "", "", "sign", nil},
		{"non-repudiation next", []KeyInfo{auth, nr}, "", "", "nr", nil},
		{"else the first with a certificate", []KeyInfo{bare, auth}, "", "", "auth", nil},
		{"by id", []KeyInfo{auth, sig}, "01", "", "auth", nil},
		{"by label", []KeyInfo{auth, sig}, "", "SIGN key", "sign", nil},
		{"id not there", []KeyInfo{auth}, "09", "", "", signing.ErrKeyNotFound},
		{"no certificate at all", []KeyInfo{bare}, "", "", "", signing.ErrKeyNotFound},
	}
	for _, tc := range tests {
		k, err := pickKey(tc.keys, tc.id, tc.object)
		if !errors.Is(err, tc.wantErr) || (err == nil && k.URI != tc.want) {
			t.Errorf("%s: got %v, %v; want %s, %v", tc.name, k, err, tc.want, tc.wantErr)
		}
	}
}
