package verify

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/siegel-app/siegel/signing"
	"github.com/siegel-app/siegel/signing/cms"
	"github.com/siegel-app/siegel/signing/pades"
)

// cmsSignature checks a detached CMS signature over the byte ranges
// (ETSI.CAdES.detached: ETSI EN 319 142-1 §6.3; adbe.pkcs7.detached: ISO
// 32000-1 §12.8.3.3).
func (v *pdfVerifier) cmsSignature(s *Signature, d pades.Dict, contents []byte) {
	sd, err := cms.Parse(contents)
	if err != nil {
		s.set(TotalFailed, FormatFailure, tf("The signature value cannot be read: %v.", err))
		return
	}
	v.rememberCMS(sd, contents)
	s.Signer = signerOf(sd.Signer())
	if !v.integrity(s, sd, s.ByteRange) {
		return
	}
	if s.SubFilter == "ETSI.CAdES.detached" {
		if sd.SignedAttribute(cms.OIDAttrSigningCertificateV2) == nil {
			s.Level = "CMS"
			s.note(tf("The signature lacks the signing-certificate-v2 attribute that PAdES requires."))
		} else {
			s.Level = "PAdES-B-B"
		}
	} else {
		s.Level = "CMS"
	}

	// Time: a valid signature timestamp, else the claimed /M.
	v.useSignatureTimestamp(s, sd, "PAdES-B-B", "PAdES-B-T")
	if s.TimeSource == "" {
		if m, ok := d["M"].(pades.String); ok {
			if t, ok := pdfDate(string(m)); ok {
				s.SigningTime, s.TimeSource = t, TimeClaimed
			}
		}
		s.note(tf("No timestamp proves the signing time; the time shown is the one the signer's computer claimed."))
	}
	v.trust(s, sd.Certificates, nil)
}

// integrity hashes the ranges with the CMS digest algorithm and verifies
// the CMS over that digest (RFC 5652 §5.6). It reports whether the
// signature is intact.
func (v *pdfVerifier) integrity(s *Signature, sd *cms.SignedData, br [4]int64) bool {
	if sd.DigestAlgorithm == 0 || !sd.DigestAlgorithm.Available() {
		s.set(Indeterminate, CryptoConstraintsFailure, tf("The digest algorithm %v is not supported.", sd.DigestAlgorithmOID))
		return false
	}
	digest, err := v.digest(sd.DigestAlgorithm, br)
	if err != nil {
		s.set(TotalFailed, FormatFailure, tf("The signed bytes cannot be read: %v.", err))
		return false
	}
	if err := sd.Verify(digest); err != nil {
		setCMSError(s, err)
		return false
	}
	s.Intact = true
	return true
}

// setCMSError maps an error of cms.Verify to the ETSI building blocks:
// cryptographic verification (§5.2.7) and identification of the signing
// certificate (§5.2.3).
func setCMSError(s *Signature, err error) {
	switch {
	case errors.Is(err, cms.ErrDigestMismatch):
		s.set(TotalFailed, HashFailure, tf("The signed bytes were changed: their digest is not the one signed."))
	case errors.Is(err, cms.ErrSignatureInvalid):
		s.set(TotalFailed, SigCryptoFailure, tf("The signature value does not verify: %v.", err))
	case errors.Is(err, cms.ErrSignerNotFound), errors.Is(err, cms.ErrSigningCertificateMismatch):
		s.set(Indeterminate, NoSigningCertificateFound, tf("The signing certificate cannot be identified: %v.", err))
	case errors.Is(err, signing.ErrUnsupported):
		s.set(Indeterminate, CryptoConstraintsFailure, tf("The signature uses an unsupported algorithm: %v.", err))
	default:
		s.set(TotalFailed, FormatFailure, tf("The signature value cannot be read: %v.", err))
	}
}

// useSignatureTimestamp takes the signing time from sd's signature
// timestamp when it verifies, and raises the level from baseline B
// (levelB) to T (levelT); one that does not verify is noted and not used.
func (v *pdfVerifier) useSignatureTimestamp(s *Signature, sd *cms.SignedData, levelB, levelT string) {
	if sd.TimestampToken == nil {
		return
	}
	t, err := v.signatureTimestamp(sd)
	if err != nil {
		s.note(tf("The signature timestamp is not used: %v.", err))
		return
	}
	s.SigningTime, s.TimeSource = t, TimeFromTimestamp
	if s.Level == levelB {
		s.Level = levelT
	}
}

// signatureTimestamp checks the RFC 3161 token of a signature (RFC 3161
// Appendix A, ETSI EN 319 122-1 §5.3): a valid token over the hash of the
// signature value, from a TSA that chains to a trust anchor at its time.
// It returns the token's time.
func (v *pdfVerifier) signatureTimestamp(sd *cms.SignedData) (time.Time, error) {
	tsd, info, err := cms.ParseTimestampToken(sd.TimestampToken)
	if err != nil {
		return time.Time{}, err
	}
	if info.HashAlgorithm == 0 || !info.HashAlgorithm.Available() {
		return time.Time{}, fmt.Errorf("its imprint algorithm %v is not supported", info.HashAlgorithmOID)
	}
	h := info.HashAlgorithm.New()
	h.Write(sd.Signature)
	if !bytes.Equal(h.Sum(nil), info.HashedMessage) {
		return time.Time{}, errors.New("it is not over this signature")
	}
	if err := verifyToken(tsd); err != nil {
		return time.Time{}, err
	}
	tsa := tsd.Signer()
	tsaChain, err := v.chain(tsa, tsd.Certificates, info.GenTime, x509.ExtKeyUsageTimeStamping)
	if err != nil {
		return time.Time{}, fmt.Errorf("its authority (%s) is not trusted: %v", tsa.Subject.CommonName, err)
	}
	if err := v.tsaRevoked(tsaChain, sd, info.GenTime); err != nil {
		return time.Time{}, err
	}
	return info.GenTime, nil
}

// verifyToken checks a timestamp token's own signature over its TSTInfo.
func verifyToken(tsd *cms.SignedData) error {
	if tsd.DigestAlgorithm == 0 || !tsd.DigestAlgorithm.Available() {
		return fmt.Errorf("its digest algorithm %v is not supported", tsd.DigestAlgorithmOID)
	}
	h := tsd.DigestAlgorithm.New()
	h.Write(tsd.Content)
	return tsd.Verify(h.Sum(nil))
}

// docTimestamp checks a document timestamp (ISO 32000-2 §12.8.5, ETSI EN
// 319 142-1 §5.4): an RFC 3161 token whose imprint is the hash of the byte
// ranges.
func (v *pdfVerifier) docTimestamp(s *Signature, contents []byte) {
	s.Level = "document timestamp"
	tsd, info, err := cms.ParseTimestampToken(contents)
	if err != nil {
		s.set(TotalFailed, FormatFailure, tf("The document timestamp cannot be read: %v.", err))
		return
	}
	s.Signer = signerOf(tsd.Signer())
	if info.HashAlgorithm == 0 || !info.HashAlgorithm.Available() {
		s.set(Indeterminate, CryptoConstraintsFailure, tf("The digest algorithm %v is not supported.", info.HashAlgorithmOID))
		return
	}
	digest, err := v.digest(info.HashAlgorithm, s.ByteRange)
	if err != nil {
		s.set(TotalFailed, FormatFailure, tf("The signed bytes cannot be read: %v.", err))
		return
	}
	if !bytes.Equal(digest, info.HashedMessage) {
		s.set(TotalFailed, HashFailure, tf("The timestamped bytes were changed: their digest is not the one timestamped."))
		return
	}
	if err := verifyToken(tsd); err != nil {
		setCMSError(s, err)
		return
	}
	s.Intact = true
	s.SigningTime, s.TimeSource = info.GenTime, TimeFromTimestamp
	v.trust(s, tsd.Certificates, []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping})
}

// trust builds the signer's chain to an anchor (ETSI EN 319 102-1 §5.2.6)
// at the signing time when a timestamp proves it, else at the
// verification time.
func (v *pdfVerifier) trust(s *Signature, certs []*x509.Certificate, usage []x509.ExtKeyUsage) {
	leaf := s.Signer.Certificate
	if leaf == nil {
		return
	}
	at := v.now
	if s.TimeSource == TimeFromTimestamp {
		at = s.SigningTime
	}
	chain, err := v.chain(leaf, certs, at, usage...)
	if err == nil {
		s.Signer.Chain = chain
		return
	}
	var ua x509.UnknownAuthorityError
	var ci x509.CertificateInvalidError
	switch {
	case errors.As(err, &ua):
		s.set(Indeterminate, NoCertificateChainFound, tf("The signer's certificate is not from a trusted authority."))
	case errors.As(err, &ci) && ci.Reason == x509.Expired:
		switch {
		case at.Before(leaf.NotBefore):
			s.set(Indeterminate, NotYetValid, tf("The signer's certificate was not yet valid at the signing time."))
		case s.TimeSource == TimeClaimed && !s.SigningTime.After(leaf.NotAfter) && !at.Before(leaf.NotAfter):
			// EN 319 102-1 §5.5: valid at the claimed time, but nothing
			// proves the signature existed then.
			s.set(Indeterminate, OutOfBoundsNoPOE, tf("The signer's certificate has expired, and no timestamp proves the signature was made while it was valid."))
		default:
			s.set(Indeterminate, Expired, tf("A certificate of the chain was not valid at %s: %v.", at.UTC().Format(time.RFC3339), err))
		}
	case errors.As(err, &ci):
		s.set(Indeterminate, ChainConstraintsFailure, tf("The signer's certificate chain is not acceptable: %v.", err))
	default:
		s.set(Indeterminate, CertificateChainGeneralFailure, tf("The signer's certificate chain cannot be checked: %v.", err))
	}
}

// chain verifies leaf to an anchor of the options' roots at time at, with
// the other certificates as intermediates only.
func (v *pdfVerifier) chain(leaf *x509.Certificate, certs []*x509.Certificate, at time.Time, usage ...x509.ExtKeyUsage) ([]*x509.Certificate, error) {
	if leaf == nil {
		return nil, errors.New("no signing certificate")
	}
	inter := x509.NewCertPool()
	for _, c := range append(append([]*x509.Certificate{}, certs...), v.dssCerts()...) {
		if c != leaf {
			inter.AddCert(c)
		}
	}
	if len(usage) == 0 {
		usage = []x509.ExtKeyUsage{x509.ExtKeyUsageAny}
	}
	chains, err := leaf.Verify(x509.VerifyOptions{Roots: v.roots(), Intermediates: inter,
		CurrentTime: at, KeyUsages: usage})
	if err != nil {
		return nil, err
	}
	return chains[0], nil
}
