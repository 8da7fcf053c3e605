package verify

import (
	"bytes"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/siegel-app/siegel/signing"
	"github.com/siegel-app/siegel/signing/cms"
)

// ErrNoData is returned by VerifyDetached for a detached signature when no
// data file is given: what it signs is not in it.
var ErrNoData = errors.New("the signature does not contain the signed data: name the data file")

// maxSignatureFile bounds the size of a .p7s/.p7m read into memory; an
// enveloping .p7m carries its content, so it gets the larger bound.
const maxSignatureFile = 256 << 20

// VerifyDetached checks a CMS signature file (RFC 5652; CAdES, ETSI EN
// 319 122-1): a detached .p7s over the bytes of the file at dataPath, or
// an enveloping .p7m whose content is inside it (dataPath ""; when given,
// the data file is what is checked). DER and PEM ("-----BEGIN PKCS7-----"
// or "CMS") are read. The report has one signature, with Coverage
// WholeFile: a CMS signs all of its content.
//
// It fails only when the file cannot be processed: unreadable, not a CMS
// SignedData, or detached without a data file (ErrNoData).
func VerifyDetached(sigPath, dataPath string, opts Options) (*Report, error) {
	fail := func(err error) (*Report, error) { return nil, fmt.Errorf("verify %s: %w", sigPath, err) }
	der, err := readLimited(sigPath, maxSignatureFile)
	if err != nil {
		return fail(err)
	}
	if bytes.HasPrefix(bytes.TrimSpace(der), []byte("-----BEGIN")) {
		blk, _ := pem.Decode(bytes.TrimSpace(der))
		if blk == nil || (blk.Type != "PKCS7" && blk.Type != "CMS" && blk.Type != "PKCS #7 SIGNED DATA") {
			return fail(errors.New("not a CMS signature: unknown PEM block"))
		}
		der = blk.Bytes
	}
	sd, err := cms.Parse(der)
	if err != nil {
		return fail(fmt.Errorf("not a CMS signature: %w", err))
	}
	if sd.Content == nil && dataPath == "" {
		return fail(ErrNoData)
	}
	if sd.ContentType != nil && sd.ContentType.Equal(cms.OIDTSTInfo) {
		return fail(fmt.Errorf("a timestamp token, not a signature: %w", signing.ErrUnsupported))
	}

	v := &pdfVerifier{opts: opts, now: opts.now()}
	s, err := v.detachedCMS(der, sd, func(w io.Writer) error {
		if dataPath == "" {
			_, err := w.Write(sd.Content)
			return err
		}
		df, err := os.Open(dataPath)
		if err != nil {
			return fmt.Errorf("data file: %w", err)
		}
		defer df.Close()
		if _, err = io.Copy(w, df); err != nil {
			return fmt.Errorf("data file %s: %w", dataPath, err)
		}
		return nil
	})
	if err != nil {
		return fail(err)
	}
	return v.detachedReport(sigPath, s), nil
}

// detachedCMS checks the CMS der (parsed: sd) over the content that data
// writes, as VerifyDetached describes; also the CAdES signatures of
// ASiC-E containers (asic.go). An error is data's.
func (v *pdfVerifier) detachedCMS(der []byte, sd *cms.SignedData, data func(io.Writer) error) (Signature, error) {
	s := Signature{Indication: TotalPassed, Coverage: WholeFile,
		Modifications: Modifications{Kind: ModNone}, Signer: signerOf(sd.Signer())}

	// Integrity (RFC 5652 §5.6): the digest of the data under the
	// signer's digest algorithm against the message-digest attribute.
	if sd.DigestAlgorithm == 0 || !sd.DigestAlgorithm.Available() {
		s.set(Indeterminate, CryptoConstraintsFailure, tf("The digest algorithm %v is not supported.", sd.DigestAlgorithmOID))
		return s, nil
	}
	h := sd.DigestAlgorithm.New()
	if err := data(h); err != nil {
		return s, err
	}
	if err := sd.Verify(h.Sum(nil)); err != nil {
		setCMSError(&s, err)
		if errors.Is(err, cms.ErrDigestMismatch) {
			s.replaceLast(tf("The signed data were changed: their digest is not the one signed."))
		}
		return s, nil
	}
	s.Intact = true

	// Level (ETSI EN 319 122-1 §6.3): CAdES baseline B-B needs the
	// signing-certificate(-v2) and signing-time attributes.
	_, hasV2 := attrValue(sd, cms.OIDAttrSigningCertificateV2)
	_, hasV1 := attrValue(sd, cms.OIDAttrSigningCertificate)
	claimed, hasTime := signingTime(sd)
	switch {
	case (hasV2 || hasV1) && hasTime:
		s.Level = "CAdES-B-B"
	default:
		s.Level = "CMS"
	}

	v.useSignatureTimestamp(&s, sd, "CAdES-B-B", "CAdES-B-T")
	if s.TimeSource == "" {
		if hasTime {
			s.SigningTime, s.TimeSource = claimed, TimeClaimed
			s.note(tf("No timestamp proves the signing time; the time shown is the one the signer's computer claimed."))
		} else {
			s.note(tf("No timestamp proves the signing time, and the signature claims none."))
		}
	}
	v.trust(&s, sd.Certificates, nil)
	// Revocation (embedded in the CMS, CRL files, online), the level
	// B-LT and the qualified status, as for a PDF signature.
	v.checkRevocation(&s, der)
	return s, nil
}

func (v *pdfVerifier) detachedReport(path string, s Signature) *Report {
	sigs := []Signature{s}
	v.finish(sigs) // without a PDF: only the defaults of statuses not found
	return &Report{File: path, Indication: sigs[0].Indication, Signatures: sigs}
}

// attrValue is the first value of a signed attribute.
func attrValue(sd *cms.SignedData, oid asn1.ObjectIdentifier) ([]byte, bool) {
	a := sd.SignedAttribute(oid)
	if a == nil || len(a.Values) == 0 {
		return nil, false
	}
	return a.Values[0], true
}

// signingTime reads the signing-time attribute (RFC 5652 §11.3): UTCTime
// or GeneralizedTime.
func signingTime(sd *cms.SignedData) (time.Time, bool) {
	v, ok := attrValue(sd, cms.OIDAttrSigningTime)
	if !ok {
		return time.Time{}, false
	}
	var t time.Time
	if rest, err := asn1.Unmarshal(v, &t); err != nil || len(rest) != 0 {
		return time.Time{}, false
	}
	return t, true
}

func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("larger than %d MiB: not a signature file", limit>>20)
	}
	return data, nil
}
