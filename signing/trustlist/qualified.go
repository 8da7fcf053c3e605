package trustlist

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"sort"
	"time"
)

// Result is the qualified status of a certificate from the trusted lists
// (TS 119 615 §4.3, simplified as doc.go says).
type Result struct {
	// Found: a CA/QC service of a trusted list issued the certificate
	// (directly or through the chain given).
	Found       bool
	Territory   string
	ListURL     string // where the list was loaded from
	Provider    string
	ServiceName string
	// Status is the service status URI in force at the time asked, and
	// StatusStart since when; empty when the service had none yet then.
	Status      string
	StatusStart time.Time
	// Granted: the status at that time is granted (or an equivalent
	// status of a list under Directive 1999/93/EC, TS 119 615 §4.1).
	Granted bool
	// Qualified: granted, and the certificate is qualified by its
	// QCStatements (EN 319 412-5 QcCompliance) or the QCStatement
	// qualifier, and not NotQualified.
	Qualified bool
	// ForESig, ForESeal, ForWebSite: the qualified certificate's type, from
	// the certificate's QcType or the QCForESig/QCForESeal/QCForWSA
	// qualifiers, limited by the service's additional service information.
	ForESig    bool
	ForESeal   bool
	ForWebSite bool
	// QSCD: the private key is in a (Q)SCD, from QCWithSSCD/QCWithQSCD, or
	// the certificate's QcSSCD statement where the qualifiers say
	// "as in certificate" or say nothing.
	QSCD bool
	// Qualifiers are the qualifier URIs whose criteria the certificate
	// matched.
	Qualifiers []string
	// Cert are the certificate's own QCStatements.
	Cert QCStatements
	// Problems explain, in sentences, why the result is less than
	// qualified or where the list and the certificate disagree.
	Problems []string
}

// Level names the result as issue 5's "qualified" field does: "QES",
// "QESeal", "AdES-QC" (qualified certificate, key not in a QSCD, or the
// type undecided) or "AdES".
func (r Result) Level() string {
	switch {
	case !r.Qualified:
		return "AdES"
	case r.QSCD && r.ForESig && !r.ForESeal:
		return "QES"
	case r.QSCD && r.ForESeal && !r.ForESig:
		return "QESeal"
	default:
		return "AdES-QC"
	}
}

// QCStatements are the ETSI statements of a certificate (EN 319 412-5).
type QCStatements struct {
	Compliance bool // QcCompliance
	SSCD       bool // QcSSCD
	// Types are QcType values: "esign", "eseal", "web".
	Types []string
}

// OIDs of EN 319 412-5 §4 and RFC 3739.
var (
	oidQCStatements  = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 3}
	oidQcCompliance  = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 1}
	oidQcSSCD        = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 4}
	oidQcType        = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 6}
	oidQcTypeESign   = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 6, 1}
	oidQcTypeESeal   = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 6, 2}
	oidQcTypeWeb     = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 6, 3}
	qcTypeNames      = map[string]string{oidQcTypeESign.String(): "esign", oidQcTypeESeal.String(): "eseal", oidQcTypeWeb.String(): "web"}
	keyUsageBitNames = map[string]x509.KeyUsage{
		"digitalSignature":  x509.KeyUsageDigitalSignature,
		"nonRepudiation":    x509.KeyUsageContentCommitment,
		"contentCommitment": x509.KeyUsageContentCommitment,
		"keyEncipherment":   x509.KeyUsageKeyEncipherment,
		"dataEncipherment":  x509.KeyUsageDataEncipherment,
		"keyAgreement":      x509.KeyUsageKeyAgreement,
		"keyCertSign":       x509.KeyUsageCertSign,
		"crlSign":           x509.KeyUsageCRLSign,
		"encipherOnly":      x509.KeyUsageEncipherOnly,
		"decipherOnly":      x509.KeyUsageDecipherOnly,
	}
)

// ParseQCStatements reads the QCStatements extension (RFC 3739 §3.2.6)
// of c. A certificate without one has none; a malformed one is an error.
func ParseQCStatements(c *x509.Certificate) (QCStatements, error) {
	var q QCStatements
	for _, ext := range c.Extensions {
		if !ext.Id.Equal(oidQCStatements) {
			continue
		}
		var stmts []struct {
			ID   asn1.ObjectIdentifier
			Info asn1.RawValue `asn1:"optional"`
		}
		if rest, err := asn1.Unmarshal(ext.Value, &stmts); err != nil || len(rest) != 0 {
			return q, fmt.Errorf("qcStatements of %s: malformed", c.Subject)
		}
		for _, s := range stmts {
			switch {
			case s.ID.Equal(oidQcCompliance):
				q.Compliance = true
			case s.ID.Equal(oidQcSSCD):
				q.SSCD = true
			case s.ID.Equal(oidQcType):
				var types []asn1.ObjectIdentifier
				if rest, err := asn1.Unmarshal(s.Info.FullBytes, &types); err != nil || len(rest) != 0 {
					return q, fmt.Errorf("qcStatements of %s: malformed QcType", c.Subject)
				}
				for _, t := range types {
					if n, ok := qcTypeNames[t.String()]; ok {
						q.Types = append(q.Types, n)
					}
				}
			}
		}
	}
	return q, nil
}

// isGrantedStatus: granted, or a 1999/93/EC status TS 119 615 §4.1 treats
// alike (under supervision, in cessation, accredited).
func isGrantedStatus(s string) bool {
	switch s {
	case StatusGranted, statusUnderSupervision, statusSupervisionInCessation, statusAccredited:
		return true
	}
	return false
}

// at returns the service information in force at t: the current one from
// its StatusStart, else the newest history instance started by t
// (TS 119 612 §5.6). ok is false when the service had no status yet.
func (s *Service) at(t time.Time) (ServiceInfo, bool) {
	all := append([]ServiceInfo{s.Current}, s.History...)
	sort.SliceStable(all, func(i, j int) bool { return all[i].StatusStart.After(all[j].StatusStart) })
	for _, si := range all {
		if !si.StatusStart.After(t) {
			return si, true
		}
	}
	return ServiceInfo{}, false
}

// identifies tells whether the service information names c (by
// certificate, or by subject key identifier).
func (si *ServiceInfo) identifies(c *x509.Certificate) bool {
	for _, sc := range si.Certificates {
		if sc.Equal(c) || (bytes.Equal(sc.RawSubject, c.RawSubject) && bytes.Equal(sc.RawSubjectPublicKeyInfo, c.RawSubjectPublicKeyInfo)) {
			return true
		}
	}
	for _, ski := range si.SKIs {
		if len(ski) > 0 && bytes.Equal(ski, c.SubjectKeyId) {
			return true
		}
	}
	return false
}

// Anchors are the certificates of CA/QC services whose status was granted
// at the time given: the trust anchors for qualified certificates.
func (l *Lists) Anchors(at time.Time) []*x509.Certificate {
	return l.ServiceCertificates(SvcTypeCAQC, at)
}

// ServiceCertificates are the certificates of the services of a type
// (e.g. SvcTypeQTST for qualified time-stamping authorities) whose status
// was granted at the time given.
func (l *Lists) ServiceCertificates(serviceType string, at time.Time) []*x509.Certificate {
	var out []*x509.Certificate
	if l == nil {
		return nil
	}
	for _, tl := range l.TLs {
		for pi := range tl.Providers {
			for si := range tl.Providers[pi].Services {
				svc := &tl.Providers[pi].Services[si]
				info, ok := svc.at(at)
				if !ok || info.Type != serviceType || !isGrantedStatus(info.Status) || len(info.UnknownCritical) > 0 {
					continue
				}
				for _, c := range info.Certificates {
					if !containsCert(out, c) {
						out = append(out, c)
					}
				}
			}
		}
	}
	return out
}

// Qualified finds the CA/QC service that issued chain[0] (chain is leaf
// first, each certificate issued by the next; the service's certificate
// may be any of them but the leaf) and tells what the trusted list says
// about the leaf at the time given, usually the signing time
// (TS 119 615 §4.3). A chain no list service issued has Found false.
func (l *Lists) Qualified(chain []*x509.Certificate, at time.Time) Result {
	var r Result
	if l == nil {
		r.Problems = append(r.Problems, "no trusted lists loaded")
		return r
	}
	if len(chain) == 0 {
		r.Problems = append(r.Problems, "no certificate to look up")
		return r
	}
	leaf := chain[0]
	certQC, err := ParseQCStatements(leaf)
	if err != nil {
		r.Problems = append(r.Problems, err.Error())
	}
	r.Cert = certQC
	base := r.Problems

	for _, tl := range l.TLs {
		for pi := range tl.Providers {
			for si := range tl.Providers[pi].Services {
				svc := &tl.Providers[pi].Services[si]
				if svc.Current.Type != SvcTypeCAQC && !hasType(svc.History, SvcTypeCAQC) {
					continue
				}
				if !issuedBy(chain, svc) {
					continue
				}
				res := evaluate(tl, svc, leaf, certQC, at)
				res.Problems = append(append([]string(nil), base...), res.Problems...)
				// A leaf under several services (a CA listed twice, or in
				// two lists): the first that qualifies wins.
				if !r.Found || (!r.Qualified && res.Qualified) {
					r = res
				}
			}
		}
	}
	if !r.Found {
		r.Problems = append(r.Problems, fmt.Sprintf("the issuer of %s is not a qualified CA on any trusted list loaded", leaf.Subject))
	}
	return r
}

func hasType(h []ServiceInfo, typ string) bool {
	for _, si := range h {
		if si.Type == typ {
			return true
		}
	}
	return false
}

// issuedBy: some chain[k], k ≥ 1, is identified by the service (now or in
// its history), and chain[0..k] is a chain of signatures.
func issuedBy(chain []*x509.Certificate, svc *Service) bool {
	for k := 1; k < len(chain); k++ {
		ids := svc.Current.identifies(chain[k])
		for i := range svc.History {
			ids = ids || svc.History[i].identifies(chain[k])
		}
		if !ids {
			continue
		}
		ok := true
		for j := 0; j < k && ok; j++ {
			ok = chain[j].CheckSignatureFrom(chain[j+1]) == nil
		}
		if ok {
			return true
		}
	}
	return false
}

func evaluate(tl *TSL, svc *Service, leaf *x509.Certificate, certQC QCStatements, at time.Time) Result {
	r := Result{Found: true, Territory: tl.Territory, ListURL: tl.Source, Provider: svc.Provider, ServiceName: svc.Current.Name, Cert: certQC}
	info, ok := svc.at(at)
	if !ok {
		r.Problems = append(r.Problems, fmt.Sprintf("service %q of %s had no status on %s", svc.Current.Name, tl.Territory, at.UTC().Format(time.RFC3339)))
		return r
	}
	r.ServiceName, r.Status, r.StatusStart = info.Name, info.Status, info.StatusStart
	if info.Type != SvcTypeCAQC {
		r.Problems = append(r.Problems, fmt.Sprintf("service %q was of type %s on %s, not CA/QC", info.Name, info.Type, at.UTC().Format(time.RFC3339)))
		return r
	}
	if len(info.UnknownCritical) > 0 {
		r.Problems = append(r.Problems, fmt.Sprintf("service %q has critical extensions Siegel does not understand (%v), so it is not relied on", info.Name, info.UnknownCritical))
		return r
	}
	r.Granted = isGrantedStatus(info.Status)
	if !r.Granted {
		r.Problems = append(r.Problems, fmt.Sprintf("service %q had status %s on %s", info.Name, info.Status, at.UTC().Format(time.RFC3339)))
	}

	q := map[string]bool{}
	for _, qual := range info.Qualifications {
		if qual.Criteria.matches(leaf) {
			for _, u := range qual.Qualifiers {
				if !q[u] {
					q[u] = true
					r.Qualifiers = append(r.Qualifiers, u)
				}
			}
		}
	}

	// QC or not (TS 119 615 §4.3.4 steps, reduced): the certificate's
	// QcCompliance, overridden by the list's NotQualified / QCStatement.
	qc := certQC.Compliance
	switch {
	case q[QualifierNotQualified]:
		qc = false
		r.Problems = append(r.Problems, "the trusted list marks the certificate as not qualified")
	case q[QualifierQCStatement]:
		qc = true
	}
	if !qc && !q[QualifierNotQualified] {
		r.Problems = append(r.Problems, "the certificate claims no QcCompliance and the trusted list adds none")
	}

	// Type: the qualifiers first, else the certificate's QcType, else the
	// service's single additional service information, else eSig (the
	// meaning of a QC before QcType existed).
	esig, eseal, web := q[QualifierQCForESig], q[QualifierQCForESeal], q[QualifierQCForWSA]
	if !esig && !eseal && !web {
		for _, t := range certQC.Types {
			esig, eseal, web = esig || t == "esign", eseal || t == "eseal", web || t == "web"
		}
	}
	if !esig && !eseal && !web && q[QualifierQCForLegal] {
		eseal = true
	}
	asi := map[string]bool{}
	for _, u := range info.AdditionalInfo {
		asi[u] = true
	}
	hasASI := asi[ASIForESignatures] || asi[ASIForESeals] || asi[ASIForWebSite]
	if !esig && !eseal && !web {
		switch {
		case hasASI && asi[ASIForESignatures] && !asi[ASIForESeals] && !asi[ASIForWebSite]:
			esig = true
		case hasASI && asi[ASIForESeals] && !asi[ASIForESignatures] && !asi[ASIForWebSite]:
			eseal = true
		case hasASI && asi[ASIForWebSite] && !asi[ASIForESignatures] && !asi[ASIForESeals]:
			web = true
		case !hasASI:
			esig = true
		default:
			r.Problems = append(r.Problems, "neither the certificate nor the trusted list says whether it is for signatures or seals")
		}
	}
	// The service may only issue the types its additional service
	// information names (TS 119 615 §4.3.4, "ASI" checks).
	if hasASI {
		for _, c := range []struct {
			on   *bool
			uri  string
			what string
		}{{&esig, ASIForESignatures, "electronic signatures"}, {&eseal, ASIForESeals, "electronic seals"}, {&web, ASIForWebSite, "website authentication"}} {
			if *c.on && !asi[c.uri] {
				*c.on = false
				r.Problems = append(r.Problems, fmt.Sprintf("service %q does not issue qualified certificates for %s", info.Name, c.what))
			}
		}
	}
	if esig && eseal {
		r.Problems = append(r.Problems, "the certificate is marked both for signatures and for seals")
	}

	// QSCD: the qualifiers decide; "as in certificate" or silence defers
	// to the certificate's QcSSCD.
	switch {
	case q[QualifierQCWithSSCD] || q[QualifierQCWithQSCD] || q[QualifierQCQSCDOnBehalf]:
		r.QSCD = true
	case q[QualifierQCNoSSCD] || q[QualifierQCNoQSCD]:
		r.QSCD = false
	default:
		r.QSCD = certQC.SSCD
	}
	if (q[QualifierQCWithSSCD] || q[QualifierQCWithQSCD]) && (q[QualifierQCNoSSCD] || q[QualifierQCNoQSCD]) {
		r.QSCD = false
		r.Problems = append(r.Problems, "the trusted list both gives and denies a QSCD for the certificate")
	}

	r.Qualified = r.Granted && qc && (esig || eseal || web)
	if r.Qualified {
		r.ForESig, r.ForESeal, r.ForWebSite = esig, eseal, web
	} else {
		r.QSCD = false
	}
	return r
}

// matches evaluates a CriteriaList against c (TS 119 612 §5.5.9.2.2):
// each KeyUsage, PolicySet and nested CriteriaList is one criterion.
func (cr *Criteria) matches(c *x509.Certificate) bool {
	if len(cr.Unsupported) > 0 {
		return false
	}
	var results []bool
	for _, ku := range cr.KeyUsage {
		results = append(results, keyUsageMatches(ku, c))
	}
	for _, ps := range cr.PolicySets {
		results = append(results, policySetMatches(ps, c))
	}
	for i := range cr.Nested {
		results = append(results, cr.Nested[i].matches(c))
	}
	if len(results) == 0 {
		return false
	}
	n := 0
	for _, ok := range results {
		if ok {
			n++
		}
	}
	switch cr.Assert {
	case "all":
		return n == len(results)
	case "atLeastOne":
		return n > 0
	case "none":
		return n == 0
	}
	return false // an assert TS 119 612 does not define
}

// keyUsageMatches: every bit has the value the list says. A certificate
// without the key usage extension has no bit set.
func keyUsageMatches(bits []KeyUsageBit, c *x509.Certificate) bool {
	if len(bits) == 0 {
		return false
	}
	for _, b := range bits {
		ku, ok := keyUsageBitNames[b.Name]
		if !ok {
			return false
		}
		if (c.KeyUsage&ku != 0) != b.Value {
			return false
		}
	}
	return true
}

// policySetMatches: the certificate asserts every policy of the set.
func policySetMatches(oids []string, c *x509.Certificate) bool {
	if len(oids) == 0 {
		return false
	}
	have := map[string]bool{}
	for _, p := range c.PolicyIdentifiers {
		have[p.String()] = true
	}
	for _, o := range oids {
		if !have[o] {
			return false
		}
	}
	return true
}
