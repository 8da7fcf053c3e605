package verify

import (
	"crypto/x509"
	"encoding/asn1"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Qualification is what an EU trusted list says about a certificate at a
// time (ETSI TS 119 615, TS 119 612 service types, statuses and
// qualifiers): whether it is a qualified certificate, for seals rather
// than signatures, with its key in a qualified device (QSCD).
type Qualification struct {
	Qualified bool
	Seal      bool // for electronic seals (QCForESeal); else signatures
	QSCD      bool // the private key is in a QSCD (QCWithQSCD)
	// Source names the list, e.g. "EU trusted list DE"; it is shown in
	// the problems.
	Source string
}

// OIDs of ETSI EN 319 412-5 and RFC 3739.
var (
	oidQCStatements = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 3}
	oidQcCompliance = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 1}
	oidQcSSCD       = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 4}
	oidQcType       = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 6}
	oidQcTypeESign  = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 6, 1}
	oidQcTypeESeal  = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 6, 2}
	oidQcTypeWeb    = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 6, 3}
)

// qcStatements is what a certificate's QCStatements extension (RFC 3739
// §3.2.6, ETSI EN 319 412-5 §4) claims.
type qcStatements struct {
	compliance, sscd  bool
	esign, eseal, web bool // QcType values
	typed             bool // a QcType statement is present
}

// parseQC reads the QCStatements extension of c; ok is false when it is
// missing or cannot be read.
func parseQC(c *x509.Certificate) (q qcStatements, ok bool) {
	for _, e := range c.Extensions {
		if !e.Id.Equal(oidQCStatements) {
			continue
		}
		in := cryptobyte.String(e.Value)
		var seq cryptobyte.String
		if !in.ReadASN1(&seq, cbasn1.SEQUENCE) {
			return q, false
		}
		for !seq.Empty() {
			var st cryptobyte.String
			var id asn1.ObjectIdentifier
			if !seq.ReadASN1(&st, cbasn1.SEQUENCE) || !st.ReadASN1ObjectIdentifier(&id) {
				return q, false
			}
			switch {
			case id.Equal(oidQcCompliance):
				q.compliance = true
			case id.Equal(oidQcSSCD):
				q.sscd = true
			case id.Equal(oidQcType):
				q.typed = true
				var types cryptobyte.String
				if !st.ReadASN1(&types, cbasn1.SEQUENCE) {
					return q, false
				}
				for !types.Empty() {
					var t asn1.ObjectIdentifier
					if !types.ReadASN1ObjectIdentifier(&t) {
						return q, false
					}
					q.esign = q.esign || t.Equal(oidQcTypeESign)
					q.eseal = q.eseal || t.Equal(oidQcTypeESeal)
					q.web = q.web || t.Equal(oidQcTypeWeb)
				}
			}
		}
		return q, true
	}
	return q, false
}

// classify maps qualified, seal and QSCD to the statuses of contract.go.
func classify(qualified, seal, qscd bool) string {
	switch {
	case !qualified:
		return AdES
	case !qscd:
		return AdESQC
	case seal:
		return QESeal
	}
	return QES
}

// qualify sets s.Qualified (EU Regulation 910/2014 Art. 3): from the
// signer certificate's QCStatements (ETSI EN 319 412-5), confirmed or
// overridden by Options.Qualifier (the EU trusted lists, package
// signing/trustlist) when set. Only an intact signature with a chain to
// an anchor that did not fail has a status; else it is unknown. A
// document timestamp has none (unknown).
func (v *pdfVerifier) qualify(s *Signature) {
	s.Qualified = QUnknown
	leaf := s.Signer.Certificate
	if s.DocTimestamp || !s.Intact || s.failed() || s.Signer.Chain == nil || leaf == nil {
		return
	}
	qc, _ := parseQC(leaf)
	// A QcType of web authentication only does not make a signature
	// or seal certificate.
	claimed := qc.compliance && !(qc.typed && qc.web && !qc.esign && !qc.eseal)
	seal := qc.typed && qc.eseal && !qc.esign
	if v.opts.Qualifier == nil {
		s.Qualified = classify(claimed, seal, qc.sscd)
		if claimed {
			s.note("The qualified status comes from the certificate's own statements; no EU trusted list was consulted.")
		}
		return
	}
	at := v.now
	if s.TimeSource == TimeFromTimestamp {
		at = s.SigningTime
	}
	tl, ok := v.opts.Qualifier(s.Signer.Chain, at)
	switch {
	case !ok:
		// The issuer is no qualified trust service on any list: a
		// certificate's claim to be qualified is not enough (eIDAS
		// Art. 22, 24): it is reported as advanced only.
		s.Qualified = AdES
		if claimed {
			s.note("The certificate claims to be qualified, but this is not confirmed by a trusted list.")
		}
	default:
		s.Qualified = classify(tl.Qualified, tl.Seal, tl.QSCD)
		if claimed && !tl.Qualified {
			s.note("The certificate claims to be qualified, but " + sourceName(tl) + " does not confirm it.")
		}
	}
}

func sourceName(q Qualification) string {
	if q.Source != "" {
		return q.Source
	}
	return "the trusted list"
}
