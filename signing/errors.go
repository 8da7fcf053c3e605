package signing

import (
	"errors"
	"fmt"
)

// Sentinel errors. Backends translate their own codes (CKR_*, status words,
// service error JSON) into these at the boundary; callers use errors.Is.
var (
	ErrCancelled       = errors.New("cancelled")
	ErrPINIncorrect    = errors.New("PIN incorrect")
	ErrPINLocked       = errors.New("PIN locked")
	ErrTokenRemoved    = errors.New("token removed")
	ErrTokenNotPresent = errors.New("token not present")
	ErrKeyNotFound     = errors.New("key not found")
	ErrNoCertificate   = errors.New("key has no certificate")
	ErrUnsupported     = errors.New("unsupported")
)

// PINError reports a rejected PIN together with what the token says about
// the tries left. It unwraps to ErrPINIncorrect or ErrPINLocked.
type PINError struct {
	// RetriesLeft is the number of tries left, or -1 when the token does
	// not tell. Zero means locked.
	RetriesLeft int
	// FinalTry is set when the next wrong PIN locks the token.
	FinalTry bool
	Locked   bool
}

func (e *PINError) Error() string {
	switch {
	case e.Locked:
		return "PIN locked"
	case e.RetriesLeft == 1 || e.FinalTry:
		return "PIN incorrect, 1 try left before the PIN locks"
	case e.RetriesLeft > 0:
		return fmt.Sprintf("PIN incorrect, %d tries left", e.RetriesLeft)
	default:
		return "PIN incorrect"
	}
}

func (e *PINError) Unwrap() error {
	if e.Locked {
		return ErrPINLocked
	}
	return ErrPINIncorrect
}
