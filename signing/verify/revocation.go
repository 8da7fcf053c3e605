package verify

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/siegel-app/siegel/signing/cms"
	"github.com/siegel-app/siegel/signing/revocation"
)

// Sub-indications of the revocation checks (ETSI EN 319 102-1 §5.1.3).
const (
	Revoked        SubIndication = "REVOKED"
	RevokedNoPOE   SubIndication = "REVOKED_NO_POE"
	RevokedCANoPOE SubIndication = "REVOKED_CA_NO_POE"
)

// RevSourceFile: the status came from a CRL file the user gave
// (Options.CRLs, siegel verify --crl).
const RevSourceFile = "file"

// skew is the clock difference tolerated between the verifier and the
// authorities.
const skew = 5 * time.Minute

// defaultFreshness is how old an answer without nextUpdate may be,
// relative to the time it must speak for.
const defaultFreshness = 24 * time.Hour

// certStatus is what is known of one certificate's revocation status at
// the time it is judged at.
type certStatus struct {
	status    string // RevStatusGood, RevStatusRevoked or RevStatusUnknown
	source    string // RevSource…
	from      Text   // who said so: "OCSP http://…", "CRL in the file", …
	revokedAt time.Time
	reason    int
	why       Text // for unknown: why nothing decided
}

func (c certStatus) decided() bool { return c.status == RevStatusGood || c.status == RevStatusRevoked }

// fresh says whether an answer issued at thisUpdate, valid until
// nextUpdate (zero: none given), speaks for time at: it was issued after
// at, or at lies in its validity (ETSI EN 319 102-1 §5.2.5, revocation
// freshness checker, with the answer's own validity as the maximum age).
func fresh(thisUpdate, nextUpdate, at time.Time) bool {
	if !thisUpdate.Before(at.Add(-skew)) {
		return true
	}
	if nextUpdate.IsZero() {
		return !thisUpdate.Before(at.Add(-defaultFreshness))
	}
	return !nextUpdate.Before(at.Add(-skew))
}

// judge looks for cert (issued by issuer) in the OCSP answers and CRLs of
// one source. A revocation is decisive whatever the answer's age: it is
// final (a certificateHold is taken as a revocation too). A "good" counts
// only when fresh for at. Answers dated in the future are ignored.
func (st *revState) judge(cert, issuer *x509.Certificate, ocsps, crls [][]byte, at time.Time, source string, where Text) certStatus {
	now := time.Now()
	res := certStatus{status: RevStatusUnknown, source: source}
	var stale, unknown bool
	for _, der := range ocsps {
		resp, err := revocation.CheckOCSP(der, cert, issuer)
		if err != nil || resp.ThisUpdate.After(now.Add(skew)) {
			continue
		}
		switch resp.Status {
		case ocsp.Revoked:
			return certStatus{status: RevStatusRevoked, source: source, from: tf("OCSP %s", where),
				revokedAt: resp.RevokedAt, reason: resp.RevocationReason}
		case ocsp.Good:
			if fresh(resp.ThisUpdate, resp.NextUpdate, at) {
				return certStatus{status: RevStatusGood, source: source, from: tf("OCSP %s", where)}
			}
			stale = true
		default:
			unknown = true
		}
	}
	for _, der := range crls {
		crl, err := st.checkCRL(der, issuer)
		if err != nil || crl.ThisUpdate.After(now.Add(skew)) {
			continue
		}
		for _, e := range crl.RevokedCertificateEntries {
			if e.SerialNumber.Cmp(cert.SerialNumber) == 0 {
				return certStatus{status: RevStatusRevoked, source: source, from: tf("CRL %s", where),
					revokedAt: e.RevocationTime, reason: e.ReasonCode}
			}
		}
		if fresh(crl.ThisUpdate, crl.NextUpdate, at) {
			return certStatus{status: RevStatusGood, source: source, from: tf("CRL %s", where)}
		}
		stale = true
	}
	switch {
	case stale:
		res.why = tf("the revocation data %s is older than the time it must speak for (%s)", where, at.UTC().Format(time.RFC3339))
	case unknown:
		res.why = tf("the OCSP responder %s does not know the certificate", where)
	}
	return res
}

// crlKey names a CRL checked against an issuer.
type crlKey struct{ crl, issuer [32]byte }

type crlResult struct {
	crl *x509.RevocationList
	err error
}

// checkCRL is revocation.CheckCRL, remembered: a file's CRLs are asked
// about every certificate of every chain, and large CAs' CRLs are big.
func (st *revState) checkCRL(der []byte, issuer *x509.Certificate) (*x509.RevocationList, error) {
	k := crlKey{sha256.Sum256(der), sha256.Sum256(issuer.Raw)}
	if r, ok := st.crls[k]; ok {
		return r.crl, r.err
	}
	crl, err := revocation.CheckCRL(der, issuer)
	st.crls[k] = crlResult{crl, err}
	return crl, err
}

// status finds the revocation status of cert at time at: from the data
// embedded in the file (emb), then the CRL files, then, with
// Options.Online, OCSP and then CRL from the certificate's URLs.
func (v *pdfVerifier) status(cert, issuer *x509.Certificate, emb revData, at time.Time, online bool) certStatus {
	st := v.state()
	var whys []Text
	res := st.judge(cert, issuer, emb.ocsps, emb.crls, at, RevSourceEmbedded, tf("in the file"))
	if res.decided() {
		return res
	}
	if res.why.Key != "" {
		whys = append(whys, res.why)
	}
	if len(st.files) > 0 {
		res = st.judge(cert, issuer, nil, st.files, at, RevSourceFile, tf("from the given file"))
		if res.decided() {
			return res
		}
		if res.why.Key != "" {
			whys = append(whys, res.why)
		}
	}
	if online && v.opts.Online {
		key := string(cert.Raw) + string(issuer.Raw) + at.String()
		res, ok := st.online[key]
		if !ok {
			res = v.fetch(cert, issuer, at)
			st.online[key] = res
		}
		if res.decided() {
			return res
		}
		if res.why.Key != "" {
			whys = append(whys, res.why)
		}
	} else if !v.opts.Online {
		whys = append(whys, tf("it was not looked up online"))
	}
	if len(whys) == 0 {
		whys = append(whys, tf("no revocation data for it was found"))
	}
	return certStatus{status: RevStatusUnknown, source: RevSourceNone, why: list(whys)}
}

// fetch asks the certificate's OCSP responders, then its CRL
// distribution points.
func (v *pdfVerifier) fetch(cert, issuer *x509.Certificate, at time.Time) certStatus {
	st := v.state()
	timeout := v.opts.OnlineTimeout
	if timeout <= 0 {
		timeout = defaultOnlineTimeout
	}
	var whys []Text
	try := func(get func(ctx context.Context) ([]byte, string, error), isOCSP bool) (certStatus, bool) {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		der, src, err := get(ctx)
		if err != nil {
			if !errors.Is(err, revocation.ErrNoSource) {
				whys = append(whys, lit(err.Error()))
			}
			return certStatus{}, false
		}
		var res certStatus
		// An online answer must speak for the time judged at; the
		// source names the URL.
		if isOCSP {
			res = st.judge(cert, issuer, [][]byte{der}, nil, at, RevSourceOnline, lit(strings.TrimPrefix(src, "OCSP ")))
		} else {
			res = st.judge(cert, issuer, nil, [][]byte{der}, at, RevSourceOnline, lit(strings.TrimPrefix(src, "CRL ")))
		}
		if res.why.Key != "" {
			whys = append(whys, res.why)
		}
		return res, res.decided()
	}
	if res, ok := try(func(ctx context.Context) ([]byte, string, error) { return st.client.FetchOCSP(ctx, cert, issuer) }, true); ok {
		return res
	}
	if res, ok := try(func(ctx context.Context) ([]byte, string, error) { return st.client.FetchCRL(ctx, cert, issuer) }, false); ok {
		return res
	}
	if len(whys) == 0 {
		whys = append(whys, tf("the certificate names no OCSP responder and no CRL"))
	}
	return certStatus{status: RevStatusUnknown, source: RevSourceNone, why: tf("online: %s", whys)}
}

// chainStatus finds the status of every certificate of chain below its
// anchor (the last one, whose status is not asked: it is trusted as it
// is).
func (v *pdfVerifier) chainStatus(chain []*x509.Certificate, emb revData, at time.Time, online bool) []certStatus {
	var out []certStatus
	for i := 0; i+1 < len(chain); i++ {
		out = append(out, v.status(chain[i], chain[i+1], emb, at, online))
	}
	return out
}

// rememberCMS keeps the DER a parsed CMS came from, for its crls field,
// which package cms does not read.
func (v *pdfVerifier) rememberCMS(sd *cms.SignedData, der []byte) { v.state().ders[sd] = der }

// embedded is the revocation data of the file for a signature whose CMS
// is der: the document security store and what the CMS carries.
func (v *pdfVerifier) embedded(der []byte, sd *cms.SignedData) revData {
	var out revData
	out.add(v.state().dss)
	out.add(signatureRevocationInfo(der, sd))
	return out
}

// tsaRevoked checks the chain of the TSA that made a signature timestamp
// at genTime. It fails only when a certificate of it was revoked at or
// before genTime: then the timestamp proves nothing. A status not known
// is a warning, given by checkRevocation.
func (v *pdfVerifier) tsaRevoked(chain []*x509.Certificate, sd *cms.SignedData, genTime time.Time) error {
	if v.opts.SkipRevocation || len(chain) < 2 {
		return nil
	}
	emb := v.embedded(v.state().ders[sd], sd)
	for i, r := range v.chainStatus(chain, emb, genTime, true) {
		if r.status == RevStatusRevoked && !r.revokedAt.After(genTime) {
			return fmt.Errorf("the certificate %q of its authority was revoked on %s, before the timestamp (%s)",
				chain[i].Subject.CommonName, r.revokedAt.UTC().Format(time.RFC3339), r.from.String())
		}
	}
	return nil
}

// checkRevocation is the revocation step for a signature or document
// timestamp whose chain to an anchor was found; der is its CMS (the
// timestamp token for a document timestamp). The rules (a simplified ETSI
// EN 319 102-1 §5.2.6, §5.3.4, §5.5) are in doc.go. It also sets the
// level B-LT and the qualified status.
func (v *pdfVerifier) checkRevocation(s *Signature, der []byte) {
	defer v.qualify(s)
	if s.failed() || s.Signer.Chain == nil {
		return
	}
	sd, _ := cms.Parse(der)
	var tsd *cms.SignedData
	if s.DocTimestamp {
		tsd, sd = sd, nil
	}
	if err := v.state().dssErr; err != nil && v.in != nil && v.in.Root()["DSS"] != nil {
		s.note(tf("The document security store (/DSS) cannot be read: %v.", err))
	}
	own := signatureRevocationInfo(der, sd)
	if tsd != nil {
		own = cmsRevocationInfo(der)
	}
	v.state().own[s.ByteRange] = own
	var emb revData
	emb.add(v.state().dss)
	emb.add(own)
	chain := s.Signer.Chain
	// The time the status must be known for: the proven time, else the
	// verification time (no proof of existence, EN 319 102-1 §5.3).
	at := v.now
	proven := s.TimeSource == TimeFromTimestamp
	if proven {
		at = s.SigningTime
	}
	if v.opts.SkipRevocation {
		s.note(tf("Revocation was not checked."))
		s.Revocation = Revocation{Source: RevSourceNone, Status: RevStatusNotChecked}
		// The level still says what the file carries.
		v.ltLevel(s, chain, emb)
		return
	}
	v.ltLevel(s, chain, emb)
	results := v.chainStatus(chain, emb, at, true)
	status, source := RevStatusGood, RevSourceEmbedded
	for i, r := range results {
		cert := chain[i]
		who := tf("The signer's certificate")
		if s.DocTimestamp && i == 0 {
			who = tf("The timestamp authority's certificate")
		} else if i > 0 {
			who = tf("The certificate of the authority %q", cert.Subject.CommonName)
		}
		switch r.status {
		case RevStatusGood:
		case RevStatusRevoked:
			when := r.revokedAt.UTC().Format(time.RFC3339)
			var reason Text // none: renders as ""
			if n, ok := reasonName(r.reason); ok {
				reason = tf(" (%s)", n)
			}
			switch {
			case r.revokedAt.After(at):
				// Revoked after the time the signature is judged at:
				// a timestamp proves it existed before (or --at asks
				// about an earlier time).
				after := tf("the time the signature is proven to exist")
				if !proven {
					after = tf("the verification time")
				}
				s.note(tf("%s was revoked on %s%s, after %s; the signature stays valid (%s).", who, when, reason, after, r.from))
				continue
			case i == 0 && !s.DocTimestamp && s.TimeSource == TimeClaimed && !r.revokedAt.After(s.SigningTime):
				// The signer's own claim puts the signature after the
				// revocation (EN 319 102-1 §5.3.4).
				s.set(TotalFailed, Revoked, tf("%s was revoked on %s%s, before the time the signature claims to be made (%s).", who, when, reason, r.from))
			case i == 0:
				s.set(Indeterminate, RevokedNoPOE, tf("%s was revoked on %s%s, and nothing proves the signature was made before (%s).", who, when, reason, r.from))
			default:
				s.set(Indeterminate, RevokedCANoPOE, tf("%s was revoked on %s%s, and nothing proves the signature was made before (%s).", who, when, reason, r.from))
			}
			status = RevStatusRevoked
		default:
			if status != RevStatusRevoked {
				status = RevStatusUnknown
			}
			s.set(Indeterminate, TryLater, tf("%s could not be checked for revocation: %s.", who, r.why))
		}
		if r.source == RevSourceOnline || (r.source == RevSourceFile && source != RevSourceOnline) {
			source = r.source
		}
	}
	if len(results) > 0 && results[0].source == RevSourceNone {
		source = RevSourceNone
	}
	if len(results) == 0 {
		// The certificate is itself an anchor: nothing to ask.
		s.Revocation = Revocation{Source: RevSourceNone, Status: RevStatusNotChecked}
	} else {
		s.Revocation = Revocation{Source: source, Status: status}
	}
	if !s.DocTimestamp && proven && sd != nil && sd.TimestampToken != nil {
		v.tsaWarnings(s, sd, emb)
	}
}

// tsaWarnings notes what is not known about the revocation of the TSA
// that made the signature timestamp: a warning, not a reason to fail
// (revoked TSAs are caught by tsaRevoked).
func (v *pdfVerifier) tsaWarnings(s *Signature, sd *cms.SignedData, emb revData) {
	tsd, info, err := cms.ParseTimestampToken(sd.TimestampToken)
	if err != nil || tsd.Signer() == nil {
		return
	}
	chain, err := v.chain(tsd.Signer(), tsd.Certificates, info.GenTime, x509.ExtKeyUsageTimeStamping)
	if err != nil {
		return
	}
	for i, r := range v.chainStatus(chain, emb, info.GenTime, true) {
		if r.status != RevStatusUnknown {
			continue
		}
		who := tf("the timestamp authority's certificate")
		if i > 0 {
			who = tf("the certificate of the timestamp authority's issuer")
		}
		s.note(tf("The revocation status of %s %q is not known: %s.", who, chain[i].Subject.CommonName, r.why))
	}
}

// ltLevel raises PAdES-B-T (CAdES-B-T) to B-LT when the file itself holds
// revocation data, whatever its age, for every certificate of the
// signer's chain below the anchor (ETSI EN 319 142-1 §6.3, EN 319 122-1
// §6.4).
func (v *pdfVerifier) ltLevel(s *Signature, chain []*x509.Certificate, emb revData) {
	if len(chain) < 2 {
		return
	}
	for i := 0; i+1 < len(chain); i++ {
		// At the zero time every answer is fresh: only presence counts.
		if !v.state().judge(chain[i], chain[i+1], emb.ocsps, emb.crls, time.Time{}, RevSourceEmbedded, tf("in the file")).decided() {
			return
		}
	}
	switch s.Level {
	case "PAdES-B-T":
		s.Level = "PAdES-B-LT"
	case "CAdES-B-T":
		s.Level = "CAdES-B-LT"
	}
}

func reasonName(r int) (Text, bool) {
	names := map[int]Text{
		ocsp.KeyCompromise: tf("key compromise"), ocsp.CACompromise: tf("CA compromise"),
		ocsp.AffiliationChanged: tf("affiliation changed"), ocsp.Superseded: tf("superseded"),
		ocsp.CessationOfOperation: tf("cessation of operation"), ocsp.CertificateHold: tf("certificate hold"),
		ocsp.PrivilegeWithdrawn: tf("privilege withdrawn"), ocsp.AACompromise: tf("AA compromise"),
	}
	t, ok := names[r]
	return t, ok
}

// finish works on all signatures of a file: PAdES-B-LTA (ETSI EN 319
// 142-1 §6.4) for a B-LT signature when a later document timestamp that
// is intact and chains to an anchor covers a revision whose document
// security store holds the signer chain's revocation data; and the
// statuses of signatures that stopped before the revocation step.
func (v *pdfVerifier) finish(sigs []Signature) {
	for i := range sigs {
		s := &sigs[i]
		if s.Qualified == "" {
			s.Qualified = QUnknown
		}
		if s.Revocation.Source == "" {
			s.Revocation = Revocation{Source: RevSourceNone, Status: RevStatusNotChecked}
		}
	}
	if v.f == nil {
		return
	}
	prefixes := map[int64]revData{} // the /DSS as of each document timestamp
	for i := range sigs {
		s := &sigs[i]
		if s.Level != "PAdES-B-LT" {
			continue
		}
		end := s.ByteRange[2] + s.ByteRange[3]
		for j := range sigs {
			ts := &sigs[j]
			tsEnd := ts.ByteRange[2] + ts.ByteRange[3]
			if !ts.DocTimestamp || !ts.Intact || ts.failed() || ts.Signer.Chain == nil || tsEnd <= end {
				continue
			}
			stored, ok := prefixes[tsEnd]
			if !ok {
				stored, _ = readDSS(io.NewSectionReader(v.f, 0, tsEnd), tsEnd)
				prefixes[tsEnd] = stored
			}
			var prefix revData
			prefix.add(stored)
			prefix.add(v.state().own[s.ByteRange])
			probe := Signature{Level: "PAdES-B-T"}
			v.ltLevel(&probe, s.Signer.Chain, prefix)
			if probe.Level == "PAdES-B-LT" {
				s.Level = "PAdES-B-LTA"
				break
			}
		}
	}
}
