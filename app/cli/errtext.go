package cli

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
	"github.com/siegel-app/siegel/signing/trustlist"
	"github.com/siegel-app/siegel/signing/tsa"
	"github.com/siegel-app/siegel/signing/verify"
)

// knownCauses are the lower layers' sentinel errors the CLI words in the
// user's language, most specific first (pades.ErrOutputExists before
// fs.ErrExist). Found with errors.Is, never by matching text.
var knownCauses = []struct {
	err error
	msg string
}{
	{signing.ErrCancelled, msg("cancelled")},
	{signing.ErrPINLocked, msg("the PIN is locked")},
	{signing.ErrPINIncorrect, msg("wrong PIN or password")},
	{signing.ErrTokenRemoved, msg("the token or card was removed")},
	{signing.ErrTokenNotPresent, msg("the token or card is not present")},
	{signing.ErrKeyNotFound, msg("key not found")},
	{signing.ErrNoCertificate, msg("the key has no certificate")},
	{pades.ErrNotPDF, msg("not a PDF file")},
	{pades.ErrEncrypted, msg("the PDF is encrypted; signing encrypted documents is not supported")},
	{pades.ErrUnsupportedPDF, msg("a PDF that Siegel cannot sign safely")},
	{pades.ErrDamaged, msg("the PDF is damaged")},
	{pades.ErrPlaceholderTooSmall, msg("the signature does not fit the space reserved for it")},
	{pades.ErrPreparedChanged, msg("the prepared file changed between review and signing")},
	{pades.ErrOutputExists, msg("the output file exists (use --force to replace it)")},
	{pades.ErrSameFile, msg("the output must not be the input file")},
	{app.ErrBlockingContent, msg("the document has content that may show differently elsewhere or change after signing")},
	{trustlist.ErrNoLOTLSigners, msg("no certificates given that may sign the EU list of trusted lists (--lotl-signers FILE.pem)")},
	{trustlist.ErrSignature, msg("the signature of the trusted list is invalid")},
	{trustlist.ErrSigner, msg("the trusted list is signed by a certificate that is not allowed to sign it")},
	{trustlist.ErrNotCached, msg("the trusted list is not in the cache")},
	{seal.ErrTampered, msg("the audit log is not intact")},
	{seal.ErrVanished, msg("the file vanished before it was read")},
	{seal.ErrOutputEarlier, msg("the output exists, sealed from an earlier version of this input; remove it to seal the new one")},
	{seal.ErrOutputForeign, msg("the output exists and was not written by siegel seal; it is left alone")},
	{seal.ErrOutputAppeared, msg("the output appeared while it was sealed; it is left alone")},
	{verify.ErrNoSignature, msg("no signature in the file")},
	{tsa.ErrRejected, msg("the time-stamping authority rejected the request")},
	{tsa.ErrBadResponse, msg("the answer of the time-stamping authority is malformed")},
	{tsa.ErrMismatch, msg("the answer of the time-stamping authority does not match the request")},
	{tsa.ErrHTTPStatus, msg("the time-stamping authority answered with an HTTP error")},
	{revocation.ErrRevoked, msg("the certificate is revoked")},
	{csc.ErrTokenExpired, msg("the sign-in at the remote signing service expired")},
	{csc.ErrSADExpired, msg("the authorisation of the remote signature expired")},
	{agent.ErrUnresponsive, msg("the PKCS#11 module did not answer")},
	{agent.ErrExited, msg("the process of the PKCS#11 module ended")},
	{signing.ErrUnsupported, msg("not supported")},
	{syscall.ENOSPC, msg("no space left on the disk")},
	{fs.ErrNotExist, msg("the file or folder does not exist")},
	{fs.ErrPermission, msg("permission denied")},
	{fs.ErrExist, msg("the file exists")},
}

// cause words a known cause of err in the run's language; "" when err
// wraps none of knownCauses.
func (env Env) cause(err error) string {
	var pe *signing.PINError
	if errors.As(err, &pe) {
		switch {
		case pe.Locked:
			return env.T("the PIN is locked")
		case pe.RetriesLeft == 1 || pe.FinalTry:
			return env.T("wrong PIN; one try is left before the PIN locks")
		case pe.RetriesLeft > 0:
			return env.Tf("wrong PIN, %d tries left", pe.RetriesLeft)
		}
		return env.T("wrong PIN")
	}
	for _, c := range knownCauses {
		if errors.Is(err, c.err) {
			return env.T(c.msg)
		}
	}
	return ""
}

// errText is the one line that says what failed, without "siegel: ".
// op and file name the operation when err is framed "op file: …" (file
// may be empty: "op: …"). In English it is err's own text, which already
// names the operation, the file and the cause. In another language the
// frame is translated, a known cause is put in words, and the rest of
// the original text follows in parentheses: the dynamic details (paths,
// backend codes) stay as the lower layers wrote them.
func (env Env) errText(op, file string, err error) string {
	text := err.Error()
	if env.language() == "en" {
		return text
	}
	detail, frame := text, ""
	prefix := op + ": "
	if file != "" {
		prefix = op + " " + file + ": "
	}
	if op != "" && strings.HasPrefix(text, prefix) {
		detail = text[len(prefix):] // the frame the CLI or app put on
		frame = env.frame(op, file)
	}
	var se *seal.StopError
	if errors.As(err, &se) && frame == "" {
		frame = env.T("sealing stopped")
		if se.File != "" {
			frame = env.Tf("sealing stopped at %s", se.File)
		}
		detail = se.Err.Error()
	}
	line := detail
	if c := env.cause(err); c != "" {
		line = c
		if !strings.EqualFold(strings.TrimSpace(detail), c) && !isSentinelText(detail) {
			line += " (" + detail + ")"
		}
	}
	if frame != "" {
		line = frame + ": " + line
	}
	return line
}

// isSentinelText says whether s is just a known cause's own text, which
// its translation replaces entirely.
func isSentinelText(s string) bool {
	for _, c := range knownCauses {
		if s == c.err.Error() {
			return true
		}
	}
	return false
}

// frame is the translated "op file" of an error line.
func (env Env) frame(op, file string) string {
	switch op {
	case "sign":
		return env.Tf("signing %s failed", file)
	case "seal":
		return env.Tf("sealing %s failed", file)
	case "verify":
		return env.Tf("verifying %s failed", file)
	case "inspect":
		return env.Tf("inspecting %s failed", file)
	case "keys":
		return env.T("listing the keys failed")
	case "cards":
		return env.T("listing the card readers failed")
	}
	return op + " " + file
}
