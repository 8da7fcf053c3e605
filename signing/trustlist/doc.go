// Package trustlist reads the EU trusted lists (ETSI TS 119 612 v2): the
// list of trusted lists (LOTL) and the national lists it points to, and
// answers two questions from them: which CA certificates are trust
// anchors for qualified certificates at a given time (Anchors), and
// whether a certificate was qualified, for signatures or seals, with its
// key in a QSCD, at a given time (Qualified, after ETSI TS 119 615).
//
// Load, in this order:
//
//  1. The LOTL comes from the cache when it is younger than
//     Options.MaxAge or Options.Offline is set, else over https (TLS 1.2
//     or later, size and time limits); when the network fails, a cached
//     copy of any age is used with a warning in Lists.Warnings.
//  2. Its enveloped XML signature (TS 119 612 §5.7.1) is checked: the
//     signer (ds:KeyInfo) must be one of Options.LOTLSigners, the
//     certificates the Official Journal of the EU announces, and valid
//     now. They are configuration; without them Load fails with
//     ErrNoLOTLSigners.
//  3. Each national list the LOTL points to (XML ones, MIME type
//     application/vnd.etsi.tsl+xml) is had the same way and must be signed
//     by one of the certificates of its pointer (ServiceDigitalIdentities).
//     A list that fails is reported in Lists.Failed as a *ListError naming
//     territory and URL; the others load.
//  4. Only the signed content (canonicalised, as the signature covers it)
//     is parsed, so nothing outside the signature can slip in. Cached
//     lists are verified again on every load; the cache holds raw XML, one
//     file per URL, written atomically, its modification time the fetch
//     time. A fetched list with a lower sequence number than the cached
//     one does not replace it (a replayed old list is validly signed too).
//
// Simplifications (where Siegel does less than the standards):
//
//   - XML signatures: XMLDSig core validation (SignatureValue over the
//     canonical SignedInfo, then every Reference: the whole list with the
//     enveloped-signature transform, and the XAdES SignedProperties) with
//     goxmldsig's canonicalisations (exclusive and inclusive C14N 1.0,
//     C14N 1.1); same-document references only, no XPath or XSLT
//     transforms. Signature methods: RSA PKCS#1 v1.5, RSA-PSS (RFC 6931)
//     and ECDSA (r||s or DER) with SHA-256/384/512; SHA-1 is refused. The
//     signer is pinned by certificate equality, not by a chain; the XAdES
//     properties (signing time, signing certificate digest) are covered by
//     the signature but not interpreted.
//   - Status at a time (TS 119 612 §5.6): the service information
//     (current or a ServiceHistoryInstance) with the latest
//     StatusStartingTime not after that time. Granted, and the statuses of
//     the Directive 1999/93/EC lists that TS 119 615 §4.1 maps to it
//     (undersupervision, supervisionincessation, accredited), count as
//     granted.
//   - The issuing service is found by certificate (or subject and public
//     key, or X509SKI) among the chain given, above the leaf, with the
//     signatures from the leaf up to it checked. Chain building and
//     revocation are the caller's (signing/verify).
//   - Qualifiers (TS 119 612 §5.5.9.2): CriteriaList with assert all,
//     atLeastOne or none over KeyUsage, PolicySet and nested lists.
//     otherCriteriaList (ExtendedKeyUsage, CertSubjectDNAttribute) is not
//     evaluated: a list that has one never matches, so no qualifier is
//     applied on a guess.
//   - Qualified status (TS 119 615 §4.3.4, reduced): QC from the
//     certificate's QcCompliance, NotQualified and QCStatement
//     overriding it; the type from QCForESig/QCForESeal/QCForWSA, else
//     QcType, else the service's only additional service information,
//     else eSig (as before QcType), limited to the types the additional
//     service information allows; QSCD from QCWithSSCD/QCWithQSCD/
//     QCQSCDManagedOnBehalf and QCNoSSCD/QCNoQSCD, else the certificate's
//     QcSSCD. The cut-over rules of 1 July 2016 (eIDAS transition, QCP+
//     policies of 1999/93/EC certificates) are not modelled; conflicts are
//     reported in Result.Problems.
//   - A critical extension Siegel does not know makes the service
//     unusable (§5.5.9); TakenOverBy and ExpiredCertsRevocationInfo are
//     known and ignored.
package trustlist
