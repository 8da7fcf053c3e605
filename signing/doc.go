// Package signing is the core of Siegel: the Key abstraction over every
// place a private key can live (PKCS#11 token or HSM, PKCS#12 file, remote
// trust service), the PIN callback the core uses instead of prompting, and
// the small vocabulary of sentinel errors the layers above branch on.
//
// The sub-packages do the work: pkcs11 and pkcs12 are key backends, keys
// opens a key from its URI, cms builds CAdES signatures, tsa asks an
// RFC 3161 time-stamping authority, and pades writes PAdES signatures into
// PDFs in the prepare → digest → sign → embed steps the GUI needs.
package signing
