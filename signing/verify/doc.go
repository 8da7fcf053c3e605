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
//     value, from a trusted TSA whose chain was not revoked at the
//     timestamp's time, gives the signing time; otherwise the time the
//     signer claims (/M) is reported as claimed, with a warning, and
//     certificates and their revocation are judged at the verification
//     time (EN 319 102-1 §5.3: without proof of existence only the current
//     time counts; a claimed time in the past must not let an old "good"
//     answer hide a later revocation). The verification time is now, or
//     Options.At (siegel verify --at).
//  5. Trust: a chain from the certificates in the CMS (and the /DSS
//     /Certs, as intermediates) to an anchor of Options.Roots (the system
//     store when nil) and Options.ExtraRoots (--trust); embedded
//     certificates are never anchors. No chain:
//     INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND.
//  6. Coverage and changes (revision.go, changes.go): the whole file, or
//     a revision that later incremental updates follow. Revisions are the
//     cross-reference sections reached from the last startxref through
//     /Prev, each ending at the "startxref N %%EOF" that names it;
//     Signature.Revision is the one the byte range ends with, and
//     ExtractRevision writes it out. The signed revision and the final
//     file are compared object by object (Signature.Modifications):
//     /DSS, document timestamps, new signatures, form filling with new
//     appearances, new annotations and metadata are allowed within the
//     DocMDP P and FieldMDP locks; page content, resources, fonts, the
//     page tree, other catalog entries, optional content, signature
//     dictionaries, annotations present when signed, a chain that skips
//     the signed revision, hybrid sections and bytes after the last
//     revision are not, nor is anything else (default deny; see
//     changes.go). A disallowed change is TOTAL-FAILED with
//     SIG_CONSTRAINTS_FAILURE, the nearest ETSI EN 319 102-1 has (the
//     signature's constraints, here the permissions of ISO 32000-1
//     §12.8.2, are not met), and a problem naming the change. Allowed
//     changes keep the result and are noted. An analysis beyond its
//     budget (objects read, changed objects) is INDETERMINATE with the
//     same sub-indication.
//  7. Revocation (revocation.go; a simplified EN 319 102-1 §5.2.5,
//     §5.2.6, §5.3.4, §5.5): every certificate of the chain below the
//     anchor, and of the signature timestamp's TSA chain, is looked up
//     first in the file (the CMS crls field with CRLs and id-ri-ocsp-response
//     answers, the adbe-revocationInfoArchival attribute, the timestamp
//     token's crls field, the /DSS /OCSPs and /CRLs; /VRI is not needed
//     because every answer is matched to its certificate), then in the
//     CRL files of Options.CRLs, then, with Options.Online, OCSP and then
//     CRL from the certificate's URLs. An answer counts when the issuer or
//     its delegated responder (id-kp-OCSPSigning, valid when the answer
//     was produced) signed it; a revocation counts whatever the answer's
//     age (a certificateHold too), a "good" only when fresh: issued after
//     the time T the status is needed for, or T lies before its
//     nextUpdate (24 hours after thisUpdate when there is none). T is the
//     signature timestamp's time when there is one, else the verification
//     time. Results:
//     - revoked after T: still valid (the timestamp proves the signature
//     existed before), with a problem saying so;
//     - the signer revoked at or before the time the signature claims
//     (no timestamp): TOTAL-FAILED/REVOKED, by the signer's own claim;
//     - otherwise revoked at or before T: INDETERMINATE/REVOKED_NO_POE
//     (an authority's certificate: REVOKED_CA_NO_POE);
//     - no usable answer: INDETERMINATE/TRY_LATER, saying why (none, too
//     old, not looked up online).
//     A TSA certificate revoked before its timestamp makes the timestamp
//     no proof (the time falls back to the claimed one); one whose status
//     is unknown is a warning only. A document timestamp's TSA chain is
//     judged like a signer's, at the timestamp's time. Not done: the
//     revocation of delegated OCSP responders, delta CRLs and the scope of
//     partitioned CRLs, and proofs of existence from later document
//     timestamps (EN 319 102-1 §5.6 past signature validation), which
//     would let REVOKED_NO_POE and expired certificates pass. With
//     Options.SkipRevocation nothing is checked.
//  8. Level: PAdES-B-B with signing-certificate-v2, B-T with a valid
//     signature timestamp, B-LT when the file holds revocation data (of
//     any age) for every certificate of the signer's chain below the
//     anchor, B-LTA when in addition an intact document timestamp with a
//     trusted chain covers a revision whose /DSS holds that data.
//  9. Qualified status (qc.go): from the signer certificate's
//     QCStatements (ETSI EN 319 412-5): QcCompliance with QcSSCD is QES,
//     or QESeal with QcType eseal; QcCompliance alone is AdES-QC; else
//     AdES. A QcType of web only is not a signature certificate. When
//     Options.Qualifier is set (the EU trusted lists, package
//     signing/trustlist), its answer replaces the statements, and a
//     certificate that claims to be qualified without confirmation is
//     reported as AdES with the problem "not confirmed by a trusted list".
//     Without it the statements count, with a note that no list was
//     consulted. A failed signature, one without a chain, and a document
//     timestamp are "unknown".
//
// ASiC-E containers (VerifyASiC, asic*.go; ETSI EN 319 162-1): the ZIP
// must start with a stored "mimetype" entry naming
// application/vnd.etsi.asic-e+zip; entry names that are absolute, contain
// "..", backslashes, colons or NUL, duplicates, more than 10 000 entries,
// oversized entries and compression ratios above 200 (ZIP bombs) make it
// an error (ErrContainer). Data files are the entries outside META-INF/.
// CAdES (META-INF/*signature*.p7s): the detached CMS is checked as by
// VerifyDetached over the ASiCManifest whose SigReference names it, then
// each DataObjectReference digest over the file's bytes. XAdES
// (META-INF/*signatures*.xml, EN 319 132-1): each ds:Signature of the
// XAdESSignatures root is checked by core validation over goxmldsig's
// canonicalisation (asic_xmldsig.go, from signing/trustlist): the
// SignatureValue with the ds:KeyInfo certificate whose key verifies it,
// file references (percent-decoded, relative to the container root)
// digested over the file bytes, the SignedProperties reference through
// its canonicalisation; SigningCertificate(V2) must name that certificate
// (else INDETERMINATE/NO_SIGNING_CERTIFICATE_FOUND, as for a CMS whose
// signing-certificate attribute does not match); SigningTime is claimed;
// a SignatureTimeStamp over the canonical ds:SignatureValue gives XAdES-B-T.
// Trust, revocation and qualified status follow steps 5, 7 and 9. Not
// done: XAdES B-LT/B-LTA (RevocationValues, ArchiveTimeStamp), ASiC
// archive manifests and timestamp tokens (*timestamp*.tst), transforms on
// file references, and counter-signatures.
//
// Still to come (issue 5): the EU trusted lists (signing/trustlist).
package verify
