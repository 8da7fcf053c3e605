package ui

import (
	"errors"
	"io/fs"
	"strings"
	"syscall"

	"github.com/siegel-app/siegel/app"
	"github.com/siegel-app/siegel/app/seal"
	"github.com/siegel-app/siegel/signing"
	"github.com/siegel-app/siegel/signing/csc"
	"github.com/siegel-app/siegel/signing/pades"
	"github.com/siegel-app/siegel/signing/pkcs11/agent"
	"github.com/siegel-app/siegel/signing/revocation"
	"github.com/siegel-app/siegel/signing/tsa"
)

// PINModel is what the PIN dialog shows for a signing.PINRequest.
type PINModel struct {
	Title   string
	Message string // names token and key
	Tries   string // "" when the token does not tell
	Warning string // final try or blocked, shown prominently
	// PINPad: no entry field; the PIN is typed on the reader.
	PINPad  bool
	Blocked bool // no entry: the PIN cannot be used
	Entry   string
}

// NewBatchPINModel describes req for sealing a folder: there is no
// Review, and the key then seals every file without asking again.
func NewBatchPINModel(req signing.PINRequest) PINModel {
	m := NewPINModel(req)
	first, _, _ := strings.Cut(m.Message, "\n")
	if req.Kind == signing.Password {
		m.Message = first
	}
	m.Message += "\n" + T("The key then seals every file of the folder without asking again.")
	return m
}

// NewPINModel describes req.
func NewPINModel(req signing.PINRequest) PINModel {
	m := PINModel{PINPad: req.PINPad}
	data := map[string]any{"Token": req.Token, "Key": req.Key, "N": req.RetriesLeft}
	switch req.Kind {
	case signing.Password:
		m.Title = T("Password")
		// A key file must be opened before the review to know its
		// certificate; say that this is not yet the signature.
		m.Message = T("Enter the password of the key file {{.Token}}.", data) + "\n" +
			T("It opens the file to show its certificate. Nothing is signed before you choose Sign in the review.")
		m.Entry = T("Password")
	case signing.OTP:
		// A one-time password comes from somewhere else (an app, an SMS):
		// say where, in the service's own words when it gives them.
		m.Title = T("One-time password")
		m.Message = T("Enter the one-time password for {{.Key}} at {{.Token}}.", data)
		if req.Hint != "" {
			m.Message += "\n" + T("The service says where it comes from: {{.Hint}}", map[string]any{"Hint": req.Hint})
		} else {
			m.Message += "\n" + T("The code comes from your signing service (its app, an SMS or a code generator).")
		}
		m.Entry = T("One-time password")
	case signing.ContextPIN:
		m.Title = T("PIN for this signature")
		m.Message = T("The key {{.Key}} on {{.Token}} needs its PIN again for this signature.", data)
		m.Entry = T("PIN")
	default:
		m.Title = T("PIN")
		m.Message = T("Enter the PIN of {{.Token}} to sign with {{.Key}}.", data)
		m.Entry = T("PIN")
	}
	switch {
	case req.RetriesLeft == 0:
		m.Blocked, m.PINPad = true, false
		m.Warning = T("The PIN is blocked. Unblock it with the PUK or ask the card issuer.")
	case req.FinalTry || req.RetriesLeft == 1:
		m.Warning = T("Last try: one more wrong PIN blocks the card.")
	}
	if req.RetriesLeft > 0 {
		m.Tries = TN("{{.N}} tries left", req.RetriesLeft, data)
	}
	if m.PINPad {
		m.Message += "\n" + T("Enter the PIN on the reader's keypad now.")
	}
	return m
}

// ResultText is the sentence shown when signing fails.
func ResultText(err error) string {
	var pe *signing.PINError
	switch {
	case errors.Is(err, signing.ErrCancelled):
		return T("Cancelled. Nothing was signed.")
	case errors.Is(err, signing.ErrPINLocked):
		return T("The PIN is blocked. Unblock it with the PUK or ask the card issuer.")
	case errors.As(err, &pe) && pe.RetriesLeft > 0:
		return TN("Wrong PIN. {{.N}} tries left.", pe.RetriesLeft, map[string]any{"N": pe.RetriesLeft})
	case errors.Is(err, signing.ErrPINIncorrect):
		return T("Wrong PIN.")
	case errors.Is(err, signing.ErrTokenRemoved):
		return T("The card or token was removed.")
	case errors.Is(err, signing.ErrTokenNotPresent):
		return T("The card or token is not there. Insert it and try again.")
	case errors.Is(err, signing.ErrKeyNotFound):
		return T("The key was not found on the card or token.")
	case errors.Is(err, signing.ErrNoCertificate):
		return T("The key has no certificate to sign with.")
	case errors.Is(err, pades.ErrNotPDF):
		return T("The file is not a PDF document.")
	case errors.Is(err, pades.ErrEncrypted):
		return T("The document is encrypted; Siegel cannot sign encrypted documents.")
	case errors.Is(err, pades.ErrDamaged):
		return T("The PDF file is damaged: {{.Err}}", map[string]any{"Err": err.Error()})
	case errors.Is(err, pades.ErrSameFile):
		return T("The signed copy must not replace the document itself: choose another name.")
	case errors.Is(err, pades.ErrOutputExists):
		return T("The signed copy exists already: choose another name.")
	case errors.Is(err, pades.ErrPlaceholderTooSmall):
		return T("The signature does not fit the space reserved for it. Nothing was written.")
	case errors.Is(err, pades.ErrPreparedChanged):
		return T("The prepared file changed after the review. Nothing was written; sign again.")
	case errors.Is(err, app.ErrBlockingContent):
		return T("The document has content that may show differently elsewhere or change after signing.")
	}
	// Other causes come from lower layers, in English, and are framed by
	// the caller ("Stopped: …") or shown in an error dialog. One Siegel
	// knows is put in the window's language; the lower layer's text
	// follows, as it names the file or service and the detail.
	if c := causeText(err); c != "" {
		return T("{{.Cause}} Details: {{.Err}}", map[string]any{"Cause": c, "Err": err.Error()})
	}
	return err.Error()
}

// causeText words a cause from the lower layers that Siegel knows, most
// specific first (pades.ErrOutputExists, handled above, before
// fs.ErrExist); "" for one it does not know.
func causeText(err error) string {
	switch {
	case errors.Is(err, pades.ErrUnsupportedPDF):
		return T("Siegel cannot sign this PDF safely.")
	case errors.Is(err, seal.ErrTampered):
		return T("The audit log is not intact.")
	case errors.Is(err, tsa.ErrRejected):
		return T("The time-stamping authority rejected the request.")
	case errors.Is(err, tsa.ErrBadResponse):
		return T("The answer of the time-stamping authority is malformed.")
	case errors.Is(err, tsa.ErrMismatch):
		return T("The answer of the time-stamping authority does not match the request.")
	case errors.Is(err, tsa.ErrHTTPStatus):
		return T("The time-stamping authority answered with an HTTP error.")
	case errors.Is(err, revocation.ErrRevoked):
		return T("The certificate is revoked.")
	case errors.Is(err, csc.ErrTokenExpired):
		return T("The sign-in at the remote signing service expired. Connect the account again.")
	case errors.Is(err, csc.ErrSADExpired):
		return T("The authorisation of the remote signature expired. Sign again.")
	case errors.Is(err, agent.ErrUnresponsive):
		return T("The PKCS#11 module did not answer.")
	case errors.Is(err, agent.ErrExited):
		return T("The process of the PKCS#11 module ended.")
	case errors.Is(err, signing.ErrUnsupported):
		return T("The card or token does not support this.")
	case errors.Is(err, syscall.ENOSPC):
		return T("There is no space left on the disk.")
	case errors.Is(err, fs.ErrNotExist):
		return T("The file or folder does not exist.")
	case errors.Is(err, fs.ErrPermission):
		return T("Siegel is not allowed to read or write the file or folder.")
	case errors.Is(err, fs.ErrExist):
		return T("The file exists already.")
	}
	return ""
}
