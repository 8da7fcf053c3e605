package app

import (
	"crypto/x509"
	"slices"

	"github.com/siegel-app/siegel/signing/trustlist"
)

// QCClaim is what a certificate says about itself in its QCStatements
// (ETSI EN 319 412-5): whether it is qualified, for signatures or seals,
// and whether its key is in a qualified signature creation device. It is
// the certificate's own claim; only a trusted list confirms it, which is
// verification's work, not the Review's.
type QCClaim struct {
	Qualified  bool // QcCompliance
	QSCD       bool // QcSSCD
	Seal       bool // QcType eseal (and not esign)
	Unreadable bool // the statements are malformed
}

// QualifiedClaim reads c's QCStatements.
func QualifiedClaim(c *x509.Certificate) QCClaim {
	if c == nil {
		return QCClaim{}
	}
	q, err := trustlist.ParseQCStatements(c)
	if err != nil {
		return QCClaim{Unreadable: true}
	}
	return QCClaim{Qualified: q.Compliance, QSCD: q.SSCD,
		Seal: slices.Contains(q.Types, "eseal") && !slices.Contains(q.Types, "esign")}
}
