// Package cms builds and reads the CMS signatures Siegel embeds in PDFs:
// detached CAdES signatures at the PAdES baseline levels B-B and B-T.
//
// Building (SignDetached) follows RFC 5652 §5 (SignedData, version 1, one
// SignerInfo identified by issuerAndSerialNumber, no encapsulated content)
// with the signed attributes ETSI EN 319 122-1 §5.1–5.2 and EN 319 142-1 §6.3
// require for PAdES: content-type, message-digest and the ESS
// signing-certificate-v2 attribute of RFC 5035 §3 — and no signing-time,
// since PAdES carries the claimed time in the signature dictionary's /M.
// The signature timestamp of level B-T (EN 319 122-1 §5.3, RFC 3161
// Appendix A) is the unsigned attribute id-aa-signatureTimeStampToken.
//
// The key is asked to sign exactly once: a smart card may want a PIN for
// every signature, so the size of the result is computed beforehand
// (MaxSize) from the real encodings instead of by signing a trial.
//
// Reading (Parse, ParseTimestampToken, SignedData.Verify) accepts DER, one
// SignerInfo, and the RSA (PKCS #1 v1.5 and PSS, RFC 4056) and ECDSA
// (RFC 5753) algorithms; it is shared by the verifier and the RFC 3161
// client, which reads timestamp tokens with it.
package cms
