// Package verify checks the signatures of signed documents and reports
// each one as data: an indication (TOTAL-PASSED, TOTAL-FAILED,
// INDETERMINATE) with an ETSI EN 319 102-1 sub-indication, the signer, the
// signing time and where it comes from, what the signature covers, its
// PAdES level and the problems found, as sentences. An error means only
// that the file could not be processed at all.
//
// PDF (Verify), in this order for each signature:
//
//  1. Signatures are found through the AcroForm fields (ISO 32000-1
//     §12.7.4.5, /FT /Sig with a /V), document timestamps among them
//     (ISO 32000-2 §12.8.5, /Type /DocTimeStamp). One that cannot be read
//     is TOTAL-FAILED/FORMAT_FAILURE, never skipped.
//  2. Format (ISO 32000-1 §12.8.1): the /ByteRange starts at 0, its gap is
//     exactly this dictionary's /Contents hex string, and its second range
//     ends at the end of a revision ("%%EOF" and an end-of-line). Anything
//     else is TOTAL-FAILED/FORMAT_FAILURE. ETSI EN 319 102-1 lists
//     FORMAT_FAILURE under INDETERMINATE; a PDF signature whose byte range
//     is wrong is the mark of signature-wrapping attacks, so Siegel fails
//     it (issue 5, DESIGN.md).
//  3. Integrity: the byte ranges are hashed from disk with the CMS digest
//     algorithm and the CMS (package cms, RFC 5652 §5.6) is checked:
//     HASH_FAILURE, SIG_CRYPTO_FAILURE.
//  4. Time: a signature timestamp (RFC 3161 Appendix A) over the signature
//     value, from a trusted TSA, gives the signing time; otherwise the time
//     the signer claims (/M) is reported as claimed, and certificates are
//     judged at the verification time (EN 319 102-1 §5.3: without proof of
//     existence only the current time counts).
//  5. Trust: a chain from the certificates in the CMS to an anchor of
//     Options.Roots (the system store when nil); embedded certificates are
//     never anchors. No chain: INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND.
//  6. Coverage: the whole file, or a revision that later incremental
//     updates follow. Those updates are not analysed yet, so such a
//     signature is INDETERMINATE/SIG_CONSTRAINTS_FAILURE.
//  7. Revocation is not checked yet: a signature that passes everything
//     else is INDETERMINATE/TRY_LATER, unless Options.SkipRevocation.
//
// Still to come (issue 5): modification analysis of later revisions,
// revocation data (/DSS, OCSP, CRL), levels B-LT and B-LTA, the EU trusted
// lists and qualified status, .p7s and ASiC-E.
package verify
