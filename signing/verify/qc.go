package verify

import (
	"slices"

	"github.com/siegel-app/siegel/signing/trustlist"
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
	// Unreadable statements claim nothing.
	qc, _ := trustlist.ParseQCStatements(leaf)
	has := func(t string) bool { return slices.Contains(qc.Types, t) }
	// A QcType of web authentication only does not make a signature
	// or seal certificate.
	claimed := qc.Compliance && !(has("web") && !has("esign") && !has("eseal"))
	seal := has("eseal") && !has("esign")
	if v.opts.Qualifier == nil {
		s.Qualified = classify(claimed, seal, qc.SSCD)
		if claimed {
			s.note(tf("The qualified status comes from the certificate's own statements; no EU trusted list was consulted."))
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
			s.note(tf("The certificate claims to be qualified, but this is not confirmed by a trusted list."))
		}
	default:
		s.Qualified = classify(tl.Qualified, tl.Seal, tl.QSCD)
		if claimed && !tl.Qualified {
			s.note(tf("The certificate claims to be qualified, but %s does not confirm it.", sourceName(tl)))
		}
	}
}

func sourceName(q Qualification) Text {
	if q.Source != "" {
		return lit(q.Source)
	}
	return tf("the trusted list")
}
