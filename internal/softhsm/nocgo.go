//go:build !cgo

package softhsm

import (
	"crypto/x509"
	"testing"

	"github.com/siegel-app/siegel/internal/testenv"
	"github.com/siegel-app/siegel/internal/testpki"
)

// Without cgo there is no PKCS#11: every helper skips (fails under CI=true).

const SOPIN = "87654321"

func Module(t testing.TB) string {
	t.Helper()
	testenv.Missing(t, "SoftHSM2 tests need a build with cgo")
	return ""
}

func ConfPath(t testing.TB) string { return Module(t) }

func Cleanup() {}

type Token struct {
	Label, PIN, SOPIN, Serial, ModulePath, ConfPath string
}

func NewToken(t testing.TB, label, userPIN string) *Token {
	t.Helper()
	Module(t)
	return nil
}

func (tk *Token) URI(id []byte) string { return "" }

func (tk *Token) ImportKey(t testing.TB, id []byte, label string, e *testpki.Entity, chain []*x509.Certificate, alwaysAuth bool) {
}

// AfterNewToken matches the cgo build; no token is ever made here.
var AfterNewToken func()
