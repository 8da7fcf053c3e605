// Package vpiv is a virtual PIV smart card for tests: enough of NIST SP
// 800-73-4 ("Interfaces for Personal Identity Verification") for OpenSC's
// PIV driver to show it as a PKCS#11 token whose keys sign, behind the real
// pcscd and vsmartcard's virtual reader driver (vpcd) that internal/pcsctest
// runs.
//
// # What the card does
//
// It answers, from SP 800-73-4 Part 2 (card command interface) §3:
//
//   - SELECT (§3.1.1) of the PIV application, A0 00 00 03 08 00 00 10 00 01 00
//     or a right-truncated prefix of it, with the application property
//     template. The PIV application is also selected implicitly after a
//     reset, as on many real cards.
//   - GET DATA (§3.1.2) for the CHUID (5FC102), the Discovery Object (7E) and
//     the X.509 certificates of slot 9A, PIV Authentication (5FC105), and 9C,
//     Digital Signature (5FC10A); every other object is "not found" (6A82).
//     The CHUID's FASC-N has agency code 9999 ("not a federal issuer"), so
//     OpenSC takes the token serial from the GUID, which is random per card.
//   - VERIFY (§3.2.1) of the PIV Card Application PIN (key reference 80)
//     with a retry counter: 63Cx on a wrong PIN, 6983 once blocked; an empty
//     VERIFY reports the state (9000 when verified, else 63Cx); P1=FF resets
//     the security status.
//   - CHANGE REFERENCE DATA (§3.2.2) of the PIN (80) and the PUK (81), and
//     RESET RETRY COUNTER (§3.2.3) of the PIN with the PUK.
//   - GENERAL AUTHENTICATE (§3.2.4) as a raw RSA-2048 private-key operation
//     with the key of slot 9A (algorithm 07) and ECDSA P-256 with the key of
//     slot 9C (algorithm 11), answering with a dynamic authentication
//     template (7C { 82 response }), from Part 2 Table 7 and Part 1 §5.3.
//   - GET RESPONSE (ISO/IEC 7816-4 §7.6.1) for answers longer than the
//     command's Le (61xx), and command chaining (CLA bit 0x10, ISO/IEC
//     7816-4 §5.1.1.1) for commands longer than a short APDU.
//
// The key of slot 9A needs the PIN once per card session (PIV PIN policy
// "once"); the key of slot 9C needs a VERIFY before each signature (policy
// "always" in the manner of YubiKey PIV: the verification is spent by one
// signature, the PIN stays verified for 9A). OpenSC marks 9C's key
// CKA_ALWAYS_AUTHENTICATE, so PKCS#11 callers log in (CKU_CONTEXT_SPECIFIC)
// before each of its signatures.
//
// Keys are made by the card at New (OpenSC cannot generate keys on a PIV
// card through PKCS#11), and their certificates are issued by the test
// PKI's intermediate (testpki.PKI.Certify), so chains are the test PKI's.
//
// # The vpcd protocol
//
// A card is a TCP client of vpcd, the virtual reader driver inside pcscd
// (vsmartcard, "vpcd" protocol). Every message in both directions is a
// two-byte big-endian length followed by that many bytes. A one-byte message
// from the reader is a control message: 0 power off, 1 power on, 2 reset,
// 4 "send the ATR", which alone is answered (with the ATR). Any longer
// message is a command APDU, answered with the response APDU. Closing the
// connection removes the card. TCP_QUICKACK is set before every read: the
// exchange is strict request-response, and with delayed ACKs each APDU waits
// about 40 ms.
//
// Insert returns when pcscd shows the card and Remove when it shows the
// reader empty (pcsctest.Daemon.WaitCard): vpcd polls its readers, and
// OpenSC 0.23 deadlocks when it talks to a card in the moment between the
// connection closing and pcscd noticing. StallSignatures holds GENERAL
// AUTHENTICATE unanswered, and Stalled tells when one is held, for tests of
// a card pulled while it signs.
//
// Seen through OpenSC 0.23: the token label is the holder's name (the
// common name of the 9A certificate), the token serial the last 8 bytes of
// the GUID in hex, the private keys are private objects (visible after
// login only; so is CKA_ALWAYS_AUTHENTICATE on 9C's key), a wrong PIN is
// CKR_PIN_INCORRECT with CKF_USER_PIN_FINAL_TRY at one try left and
// CKF_USER_PIN_LOCKED at none, and a card pulled during C_Sign gives
// CKR_GENERAL_ERROR.
//
// Power off, power on and reset end the card session: the PIN is no longer
// verified and pending responses and chains are dropped. The PIN, the PUK,
// their counters and the keys survive removal and re-insertion, as on a
// real card.
package vpiv
