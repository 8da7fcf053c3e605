package signing

import "context"

// PINKind says what a prompt asks for.
type PINKind int

const (
	// UserPIN is the token's user PIN (PKCS#11 CKU_USER).
	UserPIN PINKind = iota
	// ContextPIN is the PIN asked again for one signature by keys with
	// CKA_ALWAYS_AUTHENTICATE (qualified signature cards).
	ContextPIN
	// Password protects a key file (PKCS#12).
	Password
	// OTP is a one-time password for a remote key (CSC API v2
	// credentials/authorize); Hint says where the code comes from.
	OTP
)

// PINRequest is what a PIN prompt must show.
type PINRequest struct {
	Kind  PINKind
	Token string // token label or file name
	Key   string // key label or certificate holder
	// RetriesLeft is the number of tries left before the PIN locks, or -1
	// when the token does not tell.
	RetriesLeft int
	// FinalTry is set when one wrong PIN locks the token.
	FinalTry bool
	// PINPad means the PIN is typed on the reader's keypad: the callback
	// only tells the person and returns (nil, nil); nothing is sent.
	PINPad bool
	// Hint is the service's own text about this secret (a CSC credential's
	// auth object label or description, e.g. which app shows the OTP), so
	// that the prompt can say where it comes from. Empty for tokens.
	Hint string
}

// PINFunc supplies a PIN. The core never prompts; the GUI or the CLI passes
// one of these. The caller of a PINFunc zeroes the returned buffer after use,
// so implementations return a fresh slice they do not keep. Returning an
// error wrapping ErrCancelled aborts the operation.
type PINFunc func(ctx context.Context, req PINRequest) ([]byte, error)

// Zero overwrites b, for PIN and password buffers after use.
func Zero(b []byte) {
	for i := range b {
		b[i] = 0
	}
}
