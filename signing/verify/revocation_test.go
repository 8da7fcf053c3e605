package verify_test

import (
	"context"
	"crypto/x509"
	encasn1 "encoding/asn1"
	"encoding/pem"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/siegel-app/siegel/internal/ocsptest"
	"github.com/siegel-app/siegel/internal/testpdf"
	"github.com/siegel-app/siegel/internal/testpki"
	"github.com/siegel-app/siegel/internal/tsatest"
	"github.com/siegel-app/siegel/signing/cms"
	"github.com/siegel-app/siegel/signing/pades"
	"github.com/siegel-app/siegel/signing/revocation"
	"github.com/siegel-app/siegel/signing/tsa"
	"github.com/siegel-app/siegel/signing/verify"
)

// ltSign says how signLT signs.
type ltSign struct {
	tsa *tsa.Client // a signature timestamp (B-T) when set
	// dss adds the document security store: the chains and their
	// revocation data as revocation.Client.Fetch gets them (B-LT), or
	// rawDSS when set.
	dss    bool
	rawDSS *pades.DSS
	lta    bool // a document timestamp after the store (B-LTA)
	// cms changes the CMS before it is embedded.
	cms func(der []byte) []byte
}

// signLT signs in as out with e the way app.Sign does for the levels
// B-B to B-LTA (app/sign.go: addDSS, addDocTimeStamp), with the
// packages signing uses, so that signing/verify's tests need no app.
func signLT(t *testing.T, p *testpki.PKI, e *testpki.Entity, in, out string, when time.Time, o ltSign) {
	t.Helper()
	ctx := context.Background()
	chain := p.Chain(e)
	var copts cms.Options
	size := cms.MaxSize(chain, e.Key.Public(), copts)
	if o.cms != nil {
		size += 16 << 10
	}
	if o.tsa != nil {
		copts.Timestamper = o.tsa.Timestamp
		size += 16 << 10
	}
	prep, err := pades.Prepare(in, out, pades.Options{Time: when, ContentsSize: size, Reason: "Approved"})
	if err != nil {
		t.Fatal(err)
	}
	der, err := cms.SignDetached(ctx, e.Key, chain, prep.Digest, copts)
	if err != nil {
		t.Fatal(err)
	}
	if o.cms != nil {
		der = o.cms(der)
	}
	if err := prep.Embed(der); err != nil {
		t.Fatal(err)
	}
	switch {
	case o.rawDSS != nil:
		if err := prep.AppendDSS(*o.rawDSS); err != nil {
			t.Fatal(err)
		}
	case o.dss:
		chains := [][]*x509.Certificate{chain}
		if o.tsa != nil {
			chains = append(chains, p.Chain(p.TSA))
		}
		data, err := (&revocation.Client{}).Fetch(ctx, chains...)
		if err != nil {
			t.Fatal(err)
		}
		var dss pades.DSS
		for _, c := range slices.Concat(slices.Concat(chains...), data.Certs) {
			dss.Certs = append(dss.Certs, c.Raw)
		}
		dss.OCSPs, dss.CRLs = data.OCSPs, data.CRLs
		if err := prep.AppendDSS(dss); err != nil {
			t.Fatal(err)
		}
	}
	if o.lta {
		if err := prep.Append(pades.Options{DocTimeStamp: true, ContentsSize: 16 << 10}); err != nil {
			t.Fatal(err)
		}
		tok, err := o.tsa.TimestampDigest(ctx, prep.Digest)
		if err != nil {
			t.Fatal(err)
		}
		if err := prep.Embed(tok); err != nil {
			t.Fatal(err)
		}
	}
	if err := prep.Commit(out, false); err != nil {
		t.Fatal(err)
	}
}

// ocspOf fetches the raw OCSP answers for cert and its issuer's chain,
// whatever they say (Fetch refuses a revoked certificate).
func ocspOf(t *testing.T, p *testpki.PKI, cert *x509.Certificate) [][]byte {
	t.Helper()
	rc := &revocation.Client{}
	var out [][]byte
	for _, pair := range [][2]*x509.Certificate{{cert, p.Intermediate.Cert}, {p.Intermediate.Cert, p.Root.Cert}} {
		der, _, err := rc.FetchOCSP(context.Background(), pair[0], pair[1])
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, der)
	}
	return out
}

func get(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %v %s", url, err, resp.Status)
	}
	return b
}

// revocationSubs are the sub-indications of the revocation step.
var revocationSubs = []verify.SubIndication{verify.TryLater, verify.Revoked, verify.RevokedNoPOE, verify.RevokedCANoPOE}

func TestVerifyRevocation(t *testing.T) {
	srv, p := ocsptest.NewPKI(t)
	tsrv := tsatest.New(t, p)
	client := &tsa.Client{URL: tsrv.URL}
	now := time.Now()
	dir := t.TempDir()
	in := filepath.Join(dir, "in.pdf")
	if err := os.WriteFile(in, testpdf.Pages(1), 0o644); err != nil {
		t.Fatal(err)
	}
	roots := rootsOf(p)

	// A signer revoked an hour before it signs, known as such to the
	// responder and the CRL; the shared signers stay good.
	revoked, err := p.NewSigner("Revoked Signer", "ec")
	if err != nil {
		t.Fatal(err)
	}
	srv.Issued(revoked.Cert)
	srv.Revoke(revoked.Cert, now.Add(-time.Hour), 1)
	// A signer revoked a minute after its signature was timestamped.
	later, err := p.NewSigner("Later Revoked Signer", "ec")
	if err != nil {
		t.Fatal(err)
	}
	srv.Issued(later.Cert)

	crlInter := get(t, srv.CRLURL(p.Intermediate.Cert))
	crlRoot := get(t, srv.CRLURL(p.Root.Cert))
	crlRootPEM := pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: crlRoot})

	type want struct {
		ind    verify.Indication
		sub    verify.SubIndication
		source string
		status string
		level  string
	}
	for _, tc := range []struct {
		name    string
		make    func(t *testing.T, out string)
		opts    verify.Options
		want    want
		online  bool   // the verification asks the responder or CRL server
		problem string // a problem that must be reported
	}{
		{name: "B-LT with embedded OCSP",
			make: func(t *testing.T, out string) {
				signLT(t, p, p.SignerEC, in, out, now, ltSign{tsa: client, dss: true})
			},
			opts: verify.Options{Roots: roots},
			want: want{verify.TotalPassed, "", verify.RevSourceEmbedded, verify.RevStatusGood, "PAdES-B-LT"}},
		{name: "B-LT verified a day later",
			make: func(t *testing.T, out string) {
				signLT(t, p, p.SignerRSA, in, out, now, ltSign{tsa: client, dss: true})
			},
			opts: verify.Options{Roots: roots, At: now.Add(24 * time.Hour)},
			want: want{verify.TotalPassed, "", verify.RevSourceEmbedded, verify.RevStatusGood, "PAdES-B-LT"}},
		{name: "B-B online",
			make: func(t *testing.T, out string) { signLT(t, p, p.SignerEC, in, out, now, ltSign{}) },
			opts: verify.Options{Roots: roots, Online: true},
			want: want{verify.TotalPassed, "", verify.RevSourceOnline, verify.RevStatusGood, "PAdES-B-B"}, online: true},
		{name: "B-B without revocation data",
			make:    func(t *testing.T, out string) { signLT(t, p, p.SignerEC, in, out, now, ltSign{}) },
			opts:    verify.Options{Roots: roots},
			want:    want{verify.Indeterminate, verify.TryLater, verify.RevSourceNone, verify.RevStatusUnknown, "PAdES-B-B"},
			problem: "not looked up online"},
		{name: "B-T without data: the TSA is not checked either",
			make:    func(t *testing.T, out string) { signLT(t, p, p.SignerEC, in, out, now, ltSign{tsa: client}) },
			opts:    verify.Options{Roots: roots},
			want:    want{verify.Indeterminate, verify.TryLater, verify.RevSourceNone, verify.RevStatusUnknown, "PAdES-B-T"},
			problem: "timestamp authority's certificate"},
		{name: "revoked signer online",
			make: func(t *testing.T, out string) { signLT(t, p, revoked, in, out, now, ltSign{}) },
			opts: verify.Options{Roots: roots, Online: true},
			want: want{verify.TotalFailed, verify.Revoked, verify.RevSourceOnline, verify.RevStatusRevoked, "PAdES-B-B"}, online: true,
			problem: "revoked"},
		{name: "revoked signer embedded",
			make: func(t *testing.T, out string) {
				signLT(t, p, revoked, in, out, now, ltSign{rawDSS: &pades.DSS{OCSPs: ocspOf(t, p, revoked.Cert)}})
			},
			opts:    verify.Options{Roots: roots},
			want:    want{verify.TotalFailed, verify.Revoked, verify.RevSourceEmbedded, verify.RevStatusRevoked, "PAdES-B-B"},
			problem: "revoked"},
		{name: "revoked signer in a CRL file",
			make: func(t *testing.T, out string) { signLT(t, p, revoked, in, out, now, ltSign{}) },
			opts: verify.Options{Roots: roots, CRLs: [][]byte{get(t, srv.CRLURL(p.Intermediate.Cert)), crlRootPEM}},
			want: want{verify.TotalFailed, verify.Revoked, verify.RevSourceFile, verify.RevStatusRevoked, "PAdES-B-B"}},
		{name: "CRL files",
			make: func(t *testing.T, out string) { signLT(t, p, p.SignerRSA, in, out, now, ltSign{}) },
			opts: verify.Options{Roots: roots, CRLs: [][]byte{crlInter, crlRootPEM}},
			want: want{verify.TotalPassed, "", verify.RevSourceFile, verify.RevStatusGood, "PAdES-B-B"}},
		{name: "revoked after the signature timestamp",
			make: func(t *testing.T, out string) {
				signLT(t, p, later, in, out, now, ltSign{tsa: client})
				srv.Revoke(later.Cert, time.Now().Add(time.Minute), 1)
			},
			opts: verify.Options{Roots: roots, Online: true},
			want: want{verify.TotalPassed, "", verify.RevSourceOnline, verify.RevStatusGood, "PAdES-B-T"}, online: true,
			problem: "stays valid"},
		{name: "stale embedded OCSP",
			// No timestamp: the status must be known at the verification
			// time, three hours after answers valid for one.
			make: func(t *testing.T, out string) {
				signLT(t, p, p.SignerEC, in, out, now, ltSign{rawDSS: &pades.DSS{OCSPs: ocspOf(t, p, p.SignerEC.Cert)}})
			},
			opts:    verify.Options{Roots: roots, At: now.Add(3 * time.Hour)},
			want:    want{verify.Indeterminate, verify.TryLater, verify.RevSourceNone, verify.RevStatusUnknown, "PAdES-B-B"},
			problem: "older than"},
		{name: "embedded OCSP fresh at verification",
			make: func(t *testing.T, out string) {
				signLT(t, p, p.SignerEC, in, out, now, ltSign{rawDSS: &pades.DSS{OCSPs: ocspOf(t, p, p.SignerEC.Cert)}})
			},
			opts: verify.Options{Roots: roots, At: now.Add(30 * time.Minute)},
			want: want{verify.TotalPassed, "", verify.RevSourceEmbedded, verify.RevStatusGood, "PAdES-B-B"}},
		{name: "B-LTA",
			make: func(t *testing.T, out string) {
				signLT(t, p, p.SignerEC, in, out, now, ltSign{tsa: client, dss: true, lta: true})
			},
			opts: verify.Options{Roots: roots},
			want: want{verify.TotalPassed, "", verify.RevSourceEmbedded, verify.RevStatusGood, "PAdES-B-LTA"}},
		{name: "at a time before the certificates",
			make: func(t *testing.T, out string) { signLT(t, p, p.SignerEC, in, out, now, ltSign{}) },
			opts: verify.Options{Roots: roots, Online: true, At: now.Add(-2 * time.Hour)},
			want: want{verify.Indeterminate, verify.NotYetValid, verify.RevSourceNone, verify.RevStatusNotChecked, "PAdES-B-B"}},
		{name: "extra root instead of the pool",
			make: func(t *testing.T, out string) { signLT(t, p, p.SignerEC, in, out, now, ltSign{}) },
			opts: verify.Options{Roots: x509.NewCertPool(), ExtraRoots: []*x509.Certificate{p.Root.Cert}, CRLs: [][]byte{crlInter, crlRoot}},
			want: want{verify.TotalPassed, "", verify.RevSourceFile, verify.RevStatusGood, "PAdES-B-B"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.pdf")
			tc.make(t, out)
			before := srv.OCSPRequests.Load() + srv.CRLRequests.Load()
			rep, err := verify.Verify(out, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			asked := srv.OCSPRequests.Load()+srv.CRLRequests.Load() > before
			if asked != tc.online {
				t.Errorf("asked the server online: %v, want %v", asked, tc.online)
			}
			s := rep.Signatures[0]
			t.Logf("%s/%s %s %+v %s %q", s.Indication, s.SubIndication, s.Level, s.Revocation, s.Coverage, s.Problems)
			if s.DocTimestamp {
				t.Fatalf("first signature is a document timestamp")
			}
			got := want{s.Indication, s.SubIndication, s.Revocation.Source, s.Revocation.Status, s.Level}
			// Until later revisions are analysed, a signature the /DSS
			// or a document timestamp follows is not TOTAL-PASSED; the
			// revocation step must not be the reason.
			if tc.want.ind == verify.TotalPassed && s.Coverage != verify.WholeFile && s.Modifications.Kind != verify.ModAllowed {
				if slices.Contains(revocationSubs, s.SubIndication) {
					t.Errorf("revocation sub-indication %s: %q", s.SubIndication, s.Problems)
				}
				got.ind, got.sub = tc.want.ind, tc.want.sub
			}
			if got != tc.want {
				t.Errorf("got %+v\nwant %+v\nproblems %q", got, tc.want, s.Problems)
			}
			if tc.problem != "" && !strings.Contains(strings.Join(s.Problems, " "), tc.problem) {
				t.Errorf("no problem mentions %q: %q", tc.problem, s.Problems)
			}
			if tc.want.level == "PAdES-B-LTA" {
				if len(rep.Signatures) != 2 || !rep.Signatures[1].DocTimestamp {
					t.Fatalf("signatures %+v", rep.Signatures)
				}
				if d := rep.Signatures[1]; d.Indication != verify.TotalPassed || d.Revocation.Status != verify.RevStatusGood {
					t.Errorf("document timestamp %s/%s %+v: %q", d.Indication, d.SubIndication, d.Revocation, d.Problems)
				}
			}
		})
	}
}

func TestVerifyQualified(t *testing.T) {
	p := testpki.MustShared(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "in.pdf")
	if err := os.WriteFile(in, testpdf.Pages(1), 0o644); err != nil {
		t.Fatal(err)
	}
	confirm := func(q verify.Qualification, ok bool) func([]*x509.Certificate, time.Time) (verify.Qualification, bool) {
		return func(chain []*x509.Certificate, at time.Time) (verify.Qualification, bool) {
			if len(chain) != 3 || !chain[2].Equal(p.Root.Cert) || at.IsZero() {
				t.Errorf("qualifier called with %d certificates at %v", len(chain), at)
			}
			return q, ok
		}
	}
	for _, tc := range []struct {
		name      string
		qc        *testpki.QC
		opts      verify.Options
		want      string
		problem   string
		corrupted bool
	}{
		{name: "QES", qc: &testpki.QC{Compliance: true, SSCD: true, Type: "esign"}, want: verify.QES, problem: "no EU trusted list"},
		{name: "QES without type", qc: &testpki.QC{Compliance: true, SSCD: true}, want: verify.QES},
		{name: "QESeal", qc: &testpki.QC{Compliance: true, SSCD: true, Type: "eseal"}, want: verify.QESeal},
		{name: "AdES-QC", qc: &testpki.QC{Compliance: true, Type: "esign"}, want: verify.AdESQC},
		{name: "web only", qc: &testpki.QC{Compliance: true, SSCD: true, Type: "web"}, want: verify.AdES},
		{name: "AdES", want: verify.AdES},
		{name: "SSCD without compliance", qc: &testpki.QC{SSCD: true}, want: verify.AdES},
		{name: "not on a trusted list", qc: &testpki.QC{Compliance: true, SSCD: true, Type: "esign"},
			opts: verify.Options{Qualifier: confirm(verify.Qualification{}, false)}, want: verify.AdES, problem: "not confirmed by a trusted list"},
		{name: "trusted list says seal", qc: &testpki.QC{Compliance: true, Type: "esign"},
			opts: verify.Options{Qualifier: confirm(verify.Qualification{Qualified: true, Seal: true, QSCD: true}, true)}, want: verify.QESeal},
		{name: "trusted list says not qualified", qc: &testpki.QC{Compliance: true, SSCD: true},
			opts: verify.Options{Qualifier: confirm(verify.Qualification{Source: "EU trusted list XX"}, true)}, want: verify.AdES, problem: "EU trusted list XX"},
		{name: "failed signature", qc: &testpki.QC{Compliance: true, SSCD: true}, corrupted: true, want: verify.QUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := p.SignerEC
			if tc.qc != nil {
				var err error
				if e, err = p.NewSignerQC("Qualified "+tc.name, "ec", *tc.qc); err != nil {
					t.Fatal(err)
				}
			}
			out := filepath.Join(t.TempDir(), "out.pdf")
			signLT(t, p, e, in, out, time.Now(), ltSign{})
			if tc.corrupted {
				edit(t, out, func(b []byte) []byte { b[10] ^= 1; return b })
			}
			opts := tc.opts
			opts.Roots, opts.SkipRevocation = rootsOf(p), true
			rep, err := verify.Verify(out, opts)
			if err != nil {
				t.Fatal(err)
			}
			s := rep.Signatures[0]
			if s.Qualified != tc.want {
				t.Errorf("qualified %q, want %q (%s/%s %q)", s.Qualified, tc.want, s.Indication, s.SubIndication, s.Problems)
			}
			if tc.problem != "" && !strings.Contains(strings.Join(s.Problems, " "), tc.problem) {
				t.Errorf("no problem mentions %q: %q", tc.problem, s.Problems)
			}
		})
	}
}

// withRevocationInfo adds the crls field of RFC 5652 §5.1 to the
// SignedData der: the OCSP answers as id-ri-ocsp-response (RFC 5940) and
// the CRLs. The field is outside what the signer signs.
func withRevocationInfo(t *testing.T, der []byte, ocsps, crls [][]byte) []byte {
	t.Helper()
	in := cryptobyte.String(der)
	var ci, explicit, sd cryptobyte.String
	var ct encasn1.ObjectIdentifier
	ctx0 := cbasn1.Tag(0).Constructed().ContextSpecific()
	ctx1 := cbasn1.Tag(1).Constructed().ContextSpecific()
	if !in.ReadASN1(&ci, cbasn1.SEQUENCE) || !ci.ReadASN1ObjectIdentifier(&ct) ||
		!ci.ReadASN1(&explicit, ctx0) || !explicit.ReadASN1(&sd, cbasn1.SEQUENCE) {
		t.Fatal("not a SignedData")
	}
	var version, digestAlgs, encap, certs cryptobyte.String
	if !sd.ReadASN1Element(&version, cbasn1.INTEGER) || !sd.ReadASN1Element(&digestAlgs, cbasn1.SET) ||
		!sd.ReadASN1Element(&encap, cbasn1.SEQUENCE) || !sd.ReadASN1Element(&certs, ctx0) {
		t.Fatal("unexpected SignedData")
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(ct)
		b.AddASN1(ctx0, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddBytes(version)
				b.AddBytes(digestAlgs)
				b.AddBytes(encap)
				b.AddBytes(certs)
				b.AddASN1(ctx1, func(b *cryptobyte.Builder) {
					for _, c := range crls {
						b.AddBytes(c)
					}
					for _, o := range ocsps {
						b.AddASN1(ctx1, func(b *cryptobyte.Builder) {
							b.AddASN1ObjectIdentifier(encasn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 16, 2})
							b.AddBytes(o)
						})
					}
				})
				b.AddBytes(sd) // the signer infos
			})
		})
	})
	out, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestVerifyRevocationInCMS: revocation data in the CMS's own crls field
// counts as embedded and makes a B-T signature B-LT without a /DSS.
func TestVerifyRevocationInCMS(t *testing.T) {
	srv, p := ocsptest.NewPKI(t)
	tsrv := tsatest.New(t, p)
	client := &tsa.Client{URL: tsrv.URL}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
	os.WriteFile(in, testpdf.Pages(1), 0o644)
	e := p.SignerRSA
	ocsps := ocspOf(t, p, e.Cert)
	crl := get(t, srv.CRLURL(p.Root.Cert))
	signLT(t, p, e, in, out, time.Now(), ltSign{tsa: client, cms: func(der []byte) []byte {
		return withRevocationInfo(t, der, ocsps[:1], [][]byte{crl})
	}})
	before := srv.OCSPRequests.Load()
	rep, err := verify.Verify(out, verify.Options{Roots: rootsOf(p), Online: true})
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Signatures[0]
	if s.Indication != verify.TotalPassed || s.Level != "PAdES-B-LT" || s.Coverage != verify.WholeFile ||
		s.Revocation != (verify.Revocation{Source: verify.RevSourceEmbedded, Status: verify.RevStatusGood}) {
		t.Errorf("%s/%s %s %s %+v: %q", s.Indication, s.SubIndication, s.Level, s.Coverage, s.Revocation, s.Problems)
	}
	// The TSA's status is not in the CMS: it was fetched, the signer's not.
	if n := srv.OCSPRequests.Load() - before; n != 1 {
		t.Errorf("%d OCSP requests, want 1 (the TSA's); %q", n, s.Problems)
	}
}

// TestVerifyRevokedAuthorities: a revoked TSA makes its timestamp no
// proof; a revoked intermediate CA leaves the signature INDETERMINATE.
func TestVerifyRevokedAuthorities(t *testing.T) {
	srv, p := ocsptest.NewPKI(t)
	tsrv := tsatest.New(t, p)
	client := &tsa.Client{URL: tsrv.URL}
	dir := t.TempDir()
	in := filepath.Join(dir, "in.pdf")
	os.WriteFile(in, testpdf.Pages(1), 0o644)
	now := time.Now()
	opts := verify.Options{Roots: rootsOf(p), Online: true}

	srv.Revoke(p.TSA.Cert, now.Add(-time.Hour), 1)
	out := filepath.Join(dir, "tsa.pdf")
	signLT(t, p, p.SignerEC, in, out, now, ltSign{tsa: client})
	rep, err := verify.Verify(out, opts)
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Signatures[0]
	if s.TimeSource != verify.TimeClaimed || s.Level != "PAdES-B-B" || s.Indication != verify.TotalPassed ||
		!strings.Contains(strings.Join(s.Problems, " "), "timestamp is not used") {
		t.Errorf("revoked TSA: %s/%s %s %s: %q", s.Indication, s.SubIndication, s.TimeSource, s.Level, s.Problems)
	}

	srv.Revoke(p.Intermediate.Cert, now.Add(-time.Hour), 2)
	out = filepath.Join(dir, "ca.pdf")
	signLT(t, p, p.SignerEC, in, out, now, ltSign{})
	rep, err = verify.Verify(out, opts)
	if err != nil {
		t.Fatal(err)
	}
	s = rep.Signatures[0]
	if s.Indication != verify.Indeterminate || s.SubIndication != verify.RevokedCANoPOE || s.Revocation.Status != verify.RevStatusRevoked {
		t.Errorf("revoked CA: %s/%s %+v: %q", s.Indication, s.SubIndication, s.Revocation, s.Problems)
	}
}

// TestVerifyDetachedOnline: the revocation step serves .p7s files too.
func TestVerifyDetachedOnline(t *testing.T) {
	srv, p := ocsptest.NewPKI(t)
	dir := t.TempDir()
	data, sig := filepath.Join(dir, "data.txt"), filepath.Join(dir, "data.p7s")
	os.WriteFile(data, []byte("signed text\n"), 0o644)
	signFile(t, p, p.SignerEC, data, sig, cms.Options{})
	rep, err := verify.VerifyDetached(sig, data, verify.Options{Roots: rootsOf(p), Online: true})
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Signatures[0]
	if s.Indication != verify.TotalPassed || s.Revocation != (verify.Revocation{Source: verify.RevSourceOnline, Status: verify.RevStatusGood}) {
		t.Errorf("%s/%s %+v: %q", s.Indication, s.SubIndication, s.Revocation, s.Problems)
	}
	if srv.OCSPRequests.Load() == 0 {
		t.Error("the responder was not asked")
	}
}
