package pkcs11

import (
	"crypto/x509"
	"log/slog"

	"github.com/siegel-app/siegel/signing"
)

// TokenInfo describes a token present in a slot, as ListTokens sees it
// without logging in.
type TokenInfo struct {
	SlotID uint
	// SlotDescription is the slot's name; OpenSC names a slot after its
	// PC/SC reader, which ties a token to a reader.
	SlotDescription string
	Label           string
	Manufacturer    string
	Model           string
	Serial          string
	// Token flags (PKCS#11 v2.40 §3.2, CK_TOKEN_INFO).
	LoginRequired bool // CKF_LOGIN_REQUIRED
	PINPad        bool // CKF_PROTECTED_AUTHENTICATION_PATH: the PIN is typed on the reader
	PINFinalTry   bool // CKF_USER_PIN_FINAL_TRY
	PINLocked     bool // CKF_USER_PIN_LOCKED
	PINCountLow   bool // CKF_USER_PIN_COUNT_LOW
	Initialized   bool // CKF_TOKEN_INITIALIZED; SoftHSM2 always shows one uninitialised token
	Keys          []KeyInfo
	ModulePath    string
}

// KeyInfo describes a key on a token, from its certificate and public key,
// and from its private key when that is a public object.
type KeyInfo struct {
	Label   string
	ID      []byte
	KeyType string // "RSA" or "EC"; empty when unknown
	Bits    int    // modulus length or curve size
	// AlwaysAuthenticate is CKA_ALWAYS_AUTHENTICATE of the private key: a PIN
	// for every signature. It reads false when the private key is a private
	// object, which cannot be seen before login.
	AlwaysAuthenticate bool
	Certificate        *x509.Certificate // nil when the token has none for this key
	// URI opens this key with Open: token, serial, id, the private key's
	// label when known, and module-path.
	URI string
}

// Options for Open.
type Options struct {
	// PIN supplies the user PIN at the first signature, and the
	// context-specific PIN for every signature of a CKA_ALWAYS_AUTHENTICATE
	// key. It is also called for pin-pad readers, with PINPad set, to tell
	// the person; then nothing it returns is sent.
	PIN signing.PINFunc
	// Logger receives Debug records; nil discards them. Never a PIN.
	Logger *slog.Logger
}
