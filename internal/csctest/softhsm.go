package csctest

import (
	"context"
	"crypto/x509"
	"testing"

	"github.com/siegel-app/siegel/internal/softhsm"
	"github.com/siegel-app/siegel/internal/testpki"
	"github.com/siegel-app/siegel/signing"
	"github.com/siegel-app/siegel/signing/pkcs11"
)

// SoftHSMKey puts e with its chain on a new SoftHSM2 token and opens it
// through the project's PKCS#11 backend, for the service to sign with. It
// skips without SoftHSM2 (fails under CI=true).
func SoftHSMKey(t testing.TB, label string, e *testpki.Entity, chain []*x509.Certificate) signing.Key {
	t.Helper()
	const pin = "246810"
	tk := softhsm.NewToken(t, label, pin)
	id := []byte{0x01}
	tk.ImportKey(t, id, label, e, chain, false)
	k, err := pkcs11.Open(context.Background(), tk.URI(id), pkcs11.Options{
		PIN: func(context.Context, signing.PINRequest) ([]byte, error) { return []byte(pin), nil },
	})
	if err != nil {
		t.Fatalf("csctest: open SoftHSM2 key: %v", err)
	}
	t.Cleanup(func() { k.Close() })
	return k
}
