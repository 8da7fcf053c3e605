package verify

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/siegel-app/siegel/signing/pades"
)

// Indication is the overall result of a validation (ETSI EN 319 102-1
// §5.1.3).
type Indication string

// The three indications, best first.
const (
	TotalPassed   Indication = "TOTAL-PASSED"
	TotalFailed   Indication = "TOTAL-FAILED"
	Indeterminate Indication = "INDETERMINATE"
)

// rank orders indications from best to worst.
func (i Indication) rank() int {
	switch i {
	case TotalPassed:
		return 0
	case Indeterminate:
		return 1
	}
	return 2
}

// SubIndication says why a signature did not pass (ETSI EN 319 102-1
// §5.1.3, Tables 4 and 5); empty for TOTAL-PASSED.
type SubIndication string

// The sub-indications this package gives.
const (
	FormatFailure                  SubIndication = "FORMAT_FAILURE"
	HashFailure                    SubIndication = "HASH_FAILURE"
	SigCryptoFailure               SubIndication = "SIG_CRYPTO_FAILURE"
	SigConstraintsFailure          SubIndication = "SIG_CONSTRAINTS_FAILURE"
	CryptoConstraintsFailure       SubIndication = "CRYPTO_CONSTRAINTS_FAILURE"
	NoSigningCertificateFound      SubIndication = "NO_SIGNING_CERTIFICATE_FOUND"
	NoCertificateChainFound        SubIndication = "NO_CERTIFICATE_CHAIN_FOUND"
	CertificateChainGeneralFailure SubIndication = "CERTIFICATE_CHAIN_GENERAL_FAILURE"
	ChainConstraintsFailure        SubIndication = "CHAIN_CONSTRAINTS_FAILURE"
	Expired                        SubIndication = "EXPIRED"
	NotYetValid                    SubIndication = "NOT_YET_VALID"
	OutOfBoundsNoPOE               SubIndication = "OUT_OF_BOUNDS_NO_POE"
	TryLater                       SubIndication = "TRY_LATER"
)

// Coverage says what part of the file a signature's byte range covers.
type Coverage string

// Coverages.
const (
	// WholeFile: the byte range reaches the end of the file.
	WholeFile Coverage = "whole file"
	// WholeRevision: it ends at the end of a revision that later
	// incremental updates follow.
	WholeRevision Coverage = "whole revision"
	// Partial: it does not end at the end of a revision (or could not be
	// read); such a signature fails with FORMAT_FAILURE.
	Partial Coverage = "partial"
)

// Time sources of Signature.TimeSource.
const (
	TimeFromTimestamp = "timestamp"
	TimeClaimed       = "claimed"
)

// ErrNoSignature is returned for a PDF without any signature field that
// holds a signature.
var ErrNoSignature = errors.New("no signature in the file")

// Options are the verification policy.
type Options struct {
	// Roots are the trust anchors; nil means the system's store.
	// Certificates in the file are never anchors.
	Roots *x509.CertPool
	// Now is the verification time, used where no timestamp proves an
	// earlier one; nil means time.Now.
	Now func() time.Time
	// SkipRevocation does not check revocation at all: a signature that
	// passes the rest is TOTAL-PASSED with the problem "Revocation was
	// not checked." Without it, a certificate whose status is not known
	// makes the signature INDETERMINATE/TRY_LATER (see doc.go).
	SkipRevocation bool

	// Trust and revocation (trust.go, revocation.go, qc.go).

	// ExtraRoots are trust anchors added to Roots, or to the system's
	// store when Roots is nil (siegel verify --trust FILE.pem).
	ExtraRoots []*x509.Certificate
	// CRLs are CRL files (DER or PEM), consulted after the revocation
	// data in the file (siegel verify --crl FILE).
	CRLs [][]byte
	// Online fetches the revocation status the file does not give:
	// OCSP, then CRL, from the certificates' URLs (siegel verify
	// --online).
	Online bool
	// At, when not zero, is the verification time instead of now
	// (siegel verify --at TIME); it takes precedence over Now.
	At time.Time
	// HTTPClient makes the Online requests; nil: a default client.
	HTTPClient *http.Client
	// OnlineTimeout bounds each Online request; zero: 15 s.
	OnlineTimeout time.Duration
	// Qualifier, when set, says what the EU trusted lists say about a
	// signer's chain at a time (package signing/trustlist); ok false:
	// no qualified trust service issued it. It confirms or overrides
	// the certificate's QCStatements (qc.go). Nil: the statements alone.
	Qualifier func(chain []*x509.Certificate, at time.Time) (q Qualification, ok bool)
}

func (o Options) now() time.Time {
	if !o.At.IsZero() {
		return o.At
	}
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// Report is the result for one file.
type Report struct {
	File string
	// Indication is the worst of the signatures' indications.
	Indication Indication
	// Signatures in the order they were made (by the end of their byte
	// range); for an ASiC-E container, in the order of its signature files.
	Signatures []Signature
	// Files are the data files of an ASiC-E container (every entry outside
	// META-INF/ and the mimetype), sorted; nil for other files.
	Files []string
	// Unsigned are the Files no intact signature covers (VerifyASiC).
	Unsigned []string
}

// Signature is the result for one signature or document timestamp.
type Signature struct {
	// Field is the fully qualified name of the signature field.
	Field string
	// DocTimestamp is set for a document timestamp (ISO 32000-2 §12.8.5).
	DocTimestamp  bool
	Indication    Indication
	SubIndication SubIndication
	// Intact is set when the signed bytes and the signature value verify:
	// the cryptographic integrity, whatever the trust.
	Intact bool
	// Signer is the signing certificate (the TSA's for a document
	// timestamp); zero when not found.
	Signer Signer
	// SigningTime is the time of a valid signature timestamp
	// (TimeSource "timestamp") or the time the signer claims (/M,
	// TimeSource "claimed"); zero and "" when there is neither.
	SigningTime time.Time
	TimeSource  string
	Coverage    Coverage
	// Level is the PAdES baseline level (PAdES-B-B, PAdES-B-T), "document
	// timestamp", or "CMS" for a non-PAdES CMS signature; "" when unknown.
	Level     string
	SubFilter string
	Reason    string
	ByteRange [4]int64
	// Revision is the revision (1-based, in file order) whose end the
	// byte range reaches; 0 when unknown.
	Revision int
	// Modifications after the signed revision (issue 5's analysis).
	Modifications Modifications
	// Qualified is QES, QESeal, AdES-QC, AdES or unknown.
	Qualified string
	// Revocation of the signer's certificate.
	Revocation Revocation
	// Covers are the container files an ASiC-E signature references and
	// whose digests match (VerifyASiC), sorted; nil for other files.
	Covers []string
	// Problems are English sentences, the reasons for the indication and
	// warnings that do not change it.
	Problems []string
	// Texts are the Problems, index for index, as format keys and
	// arguments, for translation (text.go).
	Texts []Text `json:"-"`
}

// Signer names a signing certificate.
type Signer struct {
	Subject, Issuer string // RFC 2253
	Serial          string // hexadecimal
	Certificate     *x509.Certificate
	// Chain is the chain to a trust anchor, leaf first; nil when none
	// was found.
	Chain []*x509.Certificate
}

// CommonName is the signer's common name, or the subject when it has none.
func (s Signer) CommonName() string {
	if s.Certificate != nil && s.Certificate.Subject.CommonName != "" {
		return s.Certificate.Subject.CommonName
	}
	return s.Subject
}

func signerOf(c *x509.Certificate) Signer {
	if c == nil {
		return Signer{}
	}
	return Signer{Subject: c.Subject.String(), Issuer: c.Issuer.String(),
		Serial: strings.ToUpper(c.SerialNumber.Text(16)), Certificate: c}
}

// set lowers the indication to ind with sub when ind is worse than the
// current one; the first reason at the worst level stays. The problem is
// recorded in any case.
func (s *Signature) set(ind Indication, sub SubIndication, problem Text) {
	if ind.rank() > s.Indication.rank() {
		s.Indication, s.SubIndication = ind, sub
	}
	s.note(problem)
}

// note records a problem in English (Problems) and as a Text (Texts).
func (s *Signature) note(problem Text) {
	if en := problem.String(); en != "" {
		s.Problems = append(s.Problems, en)
		s.Texts = append(s.Texts, problem)
	}
}

// replaceLast rewords the last problem, keeping Problems and Texts in step.
func (s *Signature) replaceLast(problem Text) {
	if n := len(s.Problems); n > 0 {
		s.Problems[n-1] = problem.String()
		if len(s.Texts) == n {
			s.Texts[n-1] = problem
		}
	}
}

func (s *Signature) failed() bool { return s.Indication == TotalFailed }

// Verify checks every signature and document timestamp of the PDF at
// path. It fails only when the file cannot be processed: not a PDF,
// unreadable, damaged beyond reading its catalog, or without signature
// (ErrNoSignature).
func Verify(path string, opts Options) (*Report, error) {
	in, err := pades.Inspect(path)
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", path, err)
	}
	defer in.Close()
	if in.Root() == nil {
		cause := in.Damaged
		if cause == nil {
			cause = pades.ErrDamaged
		}
		if in.Encrypted {
			cause = pades.ErrEncrypted
		}
		return nil, fmt.Errorf("verify %s: %w", path, cause)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", path, err)
	}
	v := &pdfVerifier{in: in, f: f, size: st.Size(), opts: opts, now: opts.now(),
		seen: map[pades.Ref]bool{}, budget: maxReads}
	fields := v.signatureFields()
	if len(fields) == 0 {
		return nil, fmt.Errorf("verify %s: %w", path, ErrNoSignature)
	}
	rep := &Report{File: path, Indication: TotalPassed}
	for _, fl := range fields {
		sig := v.signature(fl)
		if in.Damaged != nil {
			sig.set(Indeterminate, FormatFailure, tf("The file's cross-reference data is damaged (%v); viewers may repair it differently.", in.Damaged))
		}
		if in.Encrypted {
			sig.set(Indeterminate, FormatFailure, tf("The file is encrypted; encrypted files are not verified yet."))
		}
		rep.Signatures = append(rep.Signatures, sig)
	}
	rep.Signatures = append(rep.Signatures, v.removedSignatures(rep.Signatures)...) // changes_removed.go
	sort.SliceStable(rep.Signatures, func(i, j int) bool {
		a, b := rep.Signatures[i].ByteRange, rep.Signatures[j].ByteRange
		return a[2]+a[3] < b[2]+b[3]
	})
	v.finish(rep.Signatures)
	for _, s := range rep.Signatures {
		if s.Indication.rank() > rep.Indication.rank() {
			rep.Indication = s.Indication
		}
	}
	return rep, nil
}
