// Package pkcs11 is the PKCS#11 key backend: smart cards through OpenSC,
// HSMs, and SoftHSM2 in tests. It is a thin layer over the Cryptoki API of
// PKCS#11 v2.40 (OASIS, "PKCS #11 Cryptographic Token Interface Base
// Specification Version 2.40"), reached through github.com/miekg/pkcs11,
// with keys named by RFC 7512 PKCS#11 URIs:
//
//	pkcs11:token=Siegel%20Test;serial=0123;id=%01?module-path=/usr/lib/softhsm/libsofthsm2.so
//
// # Lifecycle
//
// A module is loaded and C_Initialize'd once per process per path and never
// finalised: C_Finalize would invalidate the sessions of every other Key of
// the process, and some modules (SoftHSM2) read their configuration only at
// C_Initialize.
//
// Open never asks for a PIN. It finds the token, the key's certificate and
// the chain from public objects, so that a document can be prepared and shown
// before the signer unlocks anything (DESIGN.md, "prepare, show, then sign").
// The first Sign logs in (CKU_USER) with the PIN from Options.PIN; the login
// lasts until the last Key on that token in this process is closed, because
// PKCS#11 login state belongs to the application, not to a session
// (PKCS#11 v2.40 §5.6, C_Login). Keys with CKA_ALWAYS_AUTHENTICATE ask for
// the PIN again for every signature (CKU_CONTEXT_SPECIFIC after each
// C_SignInit).
//
// A PIN is never retried on the signer's behalf, never logged, and its
// buffer is zeroed after C_Login. github.com/miekg/pkcs11 copies the PIN
// into C memory for the call and frees it without zeroing; that copy is out
// of reach of this package.
//
// # Concurrency
//
// A PKCS#11 session is single-threaded, so each Key holds one session and
// serialises its operations. Use several Keys (sessions) on one token for
// parallel signing.
//
// # Hanging modules
//
// Some modules block forever when a card is pulled during C_Sign
// (TESTSTACK.md). SignContext returns when its context ends, leaving the C
// call running in its goroutine; the Key stays busy until that call
// returns, and later calls wait for it (or their own context). A GUI that
// must survive a module that never returns needs the module in a separate
// process.
//
// The package needs cgo; without it Open and ListTokens report
// signing.ErrUnsupported.
package pkcs11
