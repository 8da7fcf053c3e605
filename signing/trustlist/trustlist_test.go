package trustlist

import (
	"bytes"
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	dsig "github.com/russellhaering/goxmldsig"
)

var (
	policyP1 = []int{1, 3, 6, 1, 4, 1, 99999, 1}
	policyP2 = []int{1, 3, 6, 1, 4, 1, 99999, 2}
	// Times of the AT service: granted from 2018, withdrawn from June 2025.
	atGranted   = time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC)
	atWithdrawn = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
)

// pki is the test PKI, made once per process (RSA keys are slow).
type pki struct {
	lotlSigner, otherSigner, deSigner, atSigner *entity
	deCA, deSub, atCA                           *entity
	leafQES, leafNoQSCD, leafNotQC, leafAT      *entity
	stranger                                    *entity // issued by a CA on no list
}

var (
	pkiOnce sync.Once
	thePKI  *pki
)

func testPKI(t testing.TB) *pki {
	t.Helper()
	pkiOnce.Do(func() {
		p := &pki{}
		p.lotlSigner = newEntity(t, "EU LOTL Signer", nil, false, nil)
		p.otherSigner = newEntity(t, "Someone Else", nil, false, nil)
		p.deSigner = newEntity(t, "DE TL Signer", nil, false, nil)
		p.atSigner = newEntity(t, "AT TL Signer", nil, true, nil)
		p.deCA = newEntity(t, "DE Qualified CA", nil, false, caCert)
		p.deSub = newEntity(t, "DE Qualified Sub CA", p.deCA, true, caCert)
		p.atCA = newEntity(t, "AT Qualified CA", nil, true, caCert)
		p.leafQES = newEntity(t, "Erika Mustermann", p.deCA, true, func(c *x509.Certificate) {
			c.KeyUsage = x509.KeyUsageContentCommitment
			withPolicy(policyP1...)(c)
			c.ExtraExtensions = []pkix.Extension{qcStatements(t, true, false)}
		})
		p.leafNoQSCD = newEntity(t, "Max Mustermann", p.deSub, true, func(c *x509.Certificate) {
			c.KeyUsage = x509.KeyUsageDigitalSignature
			withPolicy(policyP2...)(c)
			c.ExtraExtensions = []pkix.Extension{qcStatements(t, true, true, oidQcTypeESign)}
		})
		p.leafNotQC = newEntity(t, "Not Qualified", p.deCA, true, func(c *x509.Certificate) {
			c.KeyUsage = x509.KeyUsageContentCommitment
		})
		p.leafAT = newEntity(t, "AT Seal GmbH", p.atCA, true, func(c *x509.Certificate) {
			c.KeyUsage = x509.KeyUsageContentCommitment | x509.KeyUsageDigitalSignature
			c.ExtraExtensions = []pkix.Extension{qcStatements(t, true, true, oidQcTypeESeal)}
		})
		other := newEntity(t, "Unlisted CA", nil, true, caCert)
		p.stranger = newEntity(t, "Stranger", other, true, nil)
		thePKI = p
	})
	if thePKI == nil {
		t.Fatal("test PKI failed")
	}
	return thePKI
}

func (p *pki) deList() tplList {
	kuNonRep := `<ecc:CriteriaList assert="atLeastOne"><ecc:KeyUsage><ecc:KeyUsageBit name="nonRepudiation">true</ecc:KeyUsageBit></ecc:KeyUsage></ecc:CriteriaList>`
	policy2 := `<ecc:CriteriaList assert="all"><ecc:PolicySet><ecc:PolicyIdentifier><xades:Identifier Qualifier="OIDAsURN">urn:oid:1.3.6.1.4.1.99999.2</xades:Identifier></ecc:PolicyIdentifier></ecc:PolicySet></ecc:CriteriaList>`
	return tplList{
		Type: typeGeneric, Territory: "DE",
		Providers: []tplProvider{{
			Name: "DE Trust GmbH",
			Services: []tplService{{
				Info: tplInfo{
					Type: SvcTypeCAQC, Name: "DE Qualified CA", Status: StatusGranted,
					Start: "2017-01-01T00:00:00Z", Certs: []string{b64(p.deCA.Cert)},
					ASI: []string{ASIForESignatures},
					Quals: []tplQual{
						{Qualifiers: []string{QualifierQCWithSSCD, QualifierQCForESig}, Criteria: kuNonRep},
						{Qualifiers: []string{QualifierQCNoSSCD}, Criteria: policy2},
					},
					Extra: `<tsl:Extension Critical="false"><tsl:ExpiredCertsRevocationInfo>2017-01-01T00:00:00Z</tsl:ExpiredCertsRevocationInfo></tsl:Extension>`,
				},
			}, {
				Info: tplInfo{
					Type: SvcTypeQTST, Name: "DE Qualified TSA", Status: StatusGranted,
					Start: "2017-01-01T00:00:00Z", Certs: []string{b64(p.deSigner.Cert)},
				},
			}},
		}},
	}
}

func (p *pki) atList() tplList {
	info := tplInfo{
		Type: SvcTypeCAQC, Name: "AT Qualified CA", Certs: []string{b64(p.atCA.Cert)},
		ASI: []string{ASIForESeals},
	}
	cur, hist := info, info
	cur.Status, cur.Start = StatusWithdrawn, atWithdrawn.Format(time.RFC3339)
	hist.Status, hist.Start = StatusGranted, atGranted.Format(time.RFC3339)
	return tplList{
		ID: "TSL-AT", Type: typeGeneric, Territory: "AT",
		Providers: []tplProvider{{
			Name:     "AT Trust",
			Services: []tplService{{Info: cur, History: []tplInfo{hist}}},
		}},
	}
}

func (p *pki) lotlList(base string) tplList {
	return tplList{
		ID: "TSL-LOTL", Type: typeLOTL, Territory: "EU",
		Pointers: []tplPointer{
			{Location: base + "/lotl.xml", Territory: "EU", Type: typeLOTL, MimeType: mimeTSLXML, Certs: []string{b64(p.lotlSigner.Cert)}},
			{Location: base + "/de.xml", Territory: "DE", Type: typeGeneric, MimeType: mimeTSLXML, Certs: []string{b64(p.deSigner.Cert)}},
			{Location: base + "/de.pdf", Territory: "DE", Type: typeGeneric, MimeType: "application/pdf", Certs: []string{b64(p.deSigner.Cert)}},
			{Location: base + "/at.xml", Territory: "AT", Type: typeGeneric, MimeType: mimeTSLXML, Certs: []string{b64(p.otherSigner.Cert), b64(p.atSigner.Cert)}},
		},
	}
}

// signed lists: the LOTL with exclusive C14N and a "#Id" reference, DE
// with inclusive C14N 1.0 and URI "", AT with ECDSA.
func (p *pki) signedLOTL(t testing.TB, base string) []byte {
	return sign(t, render(t, p.lotlList(base)), p.lotlSigner, dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList(""))
}

func (p *pki) signedDE(t testing.TB) []byte {
	return sign(t, render(t, p.deList()), p.deSigner, dsig.MakeC14N10RecCanonicalizer())
}

func (p *pki) signedAT(t testing.TB) []byte {
	return sign(t, render(t, p.atList()), p.atSigner, dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList(""))
}

// world is a TLS server on 127.0.0.1 with the three signed lists.
func world(t *testing.T) (*pki, *server, Options) {
	p := testPKI(t)
	srv := newServer(t)
	srv.Put("/lotl.xml", p.signedLOTL(t, srv.URL))
	srv.Put("/de.xml", p.signedDE(t))
	srv.Put("/at.xml", p.signedAT(t))
	return p, srv, Options{
		LOTLURL:     srv.URL + "/lotl.xml",
		LOTLSigners: []*x509.Certificate{p.lotlSigner.Cert},
		CacheDir:    t.TempDir(),
		HTTPClient:  srv.Client(),
		Now:         func() time.Time { return now },
	}
}

func load(t *testing.T, opts Options) *Lists {
	t.Helper()
	l, err := Load(context.Background(), opts)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return l
}

func territories(l *Lists) []string {
	var out []string
	for _, tl := range l.TLs {
		out = append(out, tl.Territory)
	}
	slices.Sort(out)
	return out
}

func TestLoadAndAnchors(t *testing.T) {
	p, srv, opts := world(t)
	l := load(t, opts)
	if err := l.Err(); err != nil {
		t.Fatalf("failed lists: %v", err)
	}
	if got := territories(l); !slices.Equal(got, []string{"AT", "DE"}) {
		t.Fatalf("territories = %v, want AT DE", got)
	}
	if len(l.Warnings) != 0 {
		t.Errorf("warnings: %v", l.Warnings)
	}
	if l.LOTL.Territory != "EU" || !l.LOTL.IsLOTL() || l.LOTL.SequenceNumber != 7 || !l.LOTL.Signer.Equal(p.lotlSigner.Cert) {
		t.Errorf("LOTL = %+v", l.LOTL)
	}
	if srv.Count("/de.pdf") != 0 {
		t.Error("the PDF form of a list was fetched")
	}
	if srv.Count("/lotl.xml") != 1 {
		t.Errorf("LOTL fetched %d times, want once (its self-pointer is not followed)", srv.Count("/lotl.xml"))
	}

	tests := []struct {
		name string
		at   time.Time
		want []*x509.Certificate
	}{
		{"now: AT withdrawn", now, []*x509.Certificate{p.deCA.Cert}},
		{"2025-01: both granted", time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), []*x509.Certificate{p.deCA.Cert, p.atCA.Cert}},
		{"2016: before any", time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := l.Anchors(tc.at)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d anchors, want %d", len(got), len(tc.want))
			}
			for _, w := range tc.want {
				if !containsCert(got, w) {
					t.Errorf("missing anchor %s", w.Subject)
				}
			}
			// The QTST service's certificate (deSigner) is never a CA anchor.
			if containsCert(got, p.deSigner.Cert) {
				t.Error("TSA certificate among CA anchors")
			}
			if tsa := l.ServiceCertificates(SvcTypeQTST, tc.at); tc.want != nil && (len(tsa) != 1 || !tsa[0].Equal(p.deSigner.Cert)) {
				t.Errorf("QTST certificates = %d", len(tsa))
			}
		})
	}
}

func TestQualified(t *testing.T) {
	p, _, opts := world(t)
	l := load(t, opts)
	before := atWithdrawn.Add(-24 * time.Hour)
	after := atWithdrawn.Add(24 * time.Hour)
	tests := []struct {
		name       string
		chain      []*x509.Certificate
		at         time.Time
		found      bool
		territory  string
		qualified  bool
		esig, seal bool
		qscd       bool
		qualifiers []string
		level      string
		problem    string
	}{
		{
			name: "QC by statement, QCForESig+QCWithSSCD by key usage", chain: []*x509.Certificate{p.leafQES.Cert, p.deCA.Cert}, at: now,
			found: true, territory: "DE", qualified: true, esig: true, qscd: true,
			qualifiers: []string{QualifierQCWithSSCD, QualifierQCForESig}, level: "QES",
		},
		{
			name: "through a sub CA, QCNoSSCD by policy overrides QcSSCD", chain: []*x509.Certificate{p.leafNoQSCD.Cert, p.deSub.Cert, p.deCA.Cert}, at: now,
			found: true, territory: "DE", qualified: true, esig: true, qscd: false,
			qualifiers: []string{QualifierQCNoSSCD}, level: "AdES-QC",
		},
		{
			name: "no QcCompliance", chain: []*x509.Certificate{p.leafNotQC.Cert, p.deCA.Cert}, at: now,
			found: true, territory: "DE", qualified: false, level: "AdES", problem: "QcCompliance",
			qualifiers: []string{QualifierQCWithSSCD, QualifierQCForESig},
		},
		{
			name: "seal signed while granted, withdrawn since", chain: []*x509.Certificate{p.leafAT.Cert, p.atCA.Cert}, at: before,
			found: true, territory: "AT", qualified: true, seal: true, qscd: true, level: "QESeal",
		},
		{
			name: "seal signed after withdrawal", chain: []*x509.Certificate{p.leafAT.Cert, p.atCA.Cert}, at: after,
			found: true, territory: "AT", qualified: false, level: "AdES", problem: "withdrawn",
		},
		{
			name: "before the service existed", chain: []*x509.Certificate{p.leafAT.Cert, p.atCA.Cert}, at: atGranted.Add(-time.Hour),
			found: true, territory: "AT", qualified: false, level: "AdES", problem: "no status",
		},
		{
			name: "issuer on no list", chain: []*x509.Certificate{p.stranger.Cert}, at: now,
			found: false, level: "AdES", problem: "not a qualified CA",
		},
		{
			name: "chain that does not link to the listed CA", chain: []*x509.Certificate{p.leafAT.Cert, p.deCA.Cert}, at: now,
			found: false, level: "AdES",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := l.Qualified(tc.chain, tc.at)
			if r.Found != tc.found || r.Territory != tc.territory || r.Qualified != tc.qualified ||
				r.ForESig != tc.esig || r.ForESeal != tc.seal || r.QSCD != tc.qscd || r.Level() != tc.level {
				t.Fatalf("got found=%v territory=%q qualified=%v esig=%v eseal=%v qscd=%v level=%s (problems %q)",
					r.Found, r.Territory, r.Qualified, r.ForESig, r.ForESeal, r.QSCD, r.Level(), r.Problems)
			}
			if tc.qualifiers != nil && !slices.Equal(r.Qualifiers, tc.qualifiers) {
				t.Errorf("qualifiers = %v, want %v", r.Qualifiers, tc.qualifiers)
			}
			if tc.problem != "" && !strings.Contains(strings.Join(r.Problems, "\n"), tc.problem) {
				t.Errorf("problems %q do not mention %q", r.Problems, tc.problem)
			}
			if tc.found && (r.Provider == "" || r.ServiceName == "" || r.ListURL == "") {
				t.Errorf("provider %q service %q list %q", r.Provider, r.ServiceName, r.ListURL)
			}
		})
	}
	// The status in force is reported with its start.
	r := l.Qualified([]*x509.Certificate{p.leafAT.Cert, p.atCA.Cert}, before)
	if r.Status != StatusGranted || !r.StatusStart.Equal(atGranted) {
		t.Errorf("status %s since %s, want granted since %s", r.Status, r.StatusStart, atGranted)
	}
}

func TestTamperedListRejected(t *testing.T) {
	p, srv, opts := world(t)
	de := p.signedDE(t)
	tampered := bytes.Replace(de, []byte("DE Qualified CA"), []byte("DE Qualified CB"), 1)
	if bytes.Equal(de, tampered) {
		t.Fatal("nothing tampered")
	}
	srv.Put("/de.xml", tampered)
	l := load(t, opts)
	if got := territories(l); !slices.Equal(got, []string{"AT"}) {
		t.Fatalf("loaded %v, want only AT", got)
	}
	if len(l.Failed) != 1 {
		t.Fatalf("failed = %v", l.Failed)
	}
	f := l.Failed[0]
	if !errors.Is(f, ErrSignature) || f.Territory != "DE" || f.URL != srv.URL+"/de.xml" {
		t.Fatalf("failure = %v", f)
	}
	msg := f.Error()
	if !strings.Contains(msg, "trusted list DE") || !strings.Contains(msg, srv.URL+"/de.xml") {
		t.Errorf("message %q does not name territory and URL", msg)
	}
	if !errors.Is(l.Err(), ErrSignature) {
		t.Errorf("Err() = %v", l.Err())
	}
	// Not cached: a later offline load has no DE list.
	opts.Offline = true
	l = load(t, opts)
	if len(l.Failed) != 1 || !errors.Is(l.Failed[0], ErrNotCached) {
		t.Errorf("offline after a rejected list: failed = %v", l.Failed)
	}
}

func TestListSignerNotInPointer(t *testing.T) {
	p, srv, opts := world(t)
	srv.Put("/de.xml", sign(t, render(t, p.deList()), p.otherSigner, dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")))
	l := load(t, opts)
	if len(l.Failed) != 1 || !errors.Is(l.Failed[0], ErrSigner) || l.Failed[0].Territory != "DE" {
		t.Fatalf("failed = %v", l.Failed)
	}
	if got := territories(l); !slices.Equal(got, []string{"AT"}) {
		t.Errorf("loaded %v", got)
	}
}

func TestLOTLSigner(t *testing.T) {
	p, srv, opts := world(t)
	t.Run("unconfigured signer", func(t *testing.T) {
		o := opts
		o.LOTLSigners = []*x509.Certificate{p.otherSigner.Cert}
		_, err := Load(context.Background(), o)
		var le *ListError
		if !errors.Is(err, ErrSigner) || !errors.As(err, &le) || !le.LOTL || le.URL != srv.URL+"/lotl.xml" {
			t.Fatalf("err = %v", err)
		}
		if !strings.Contains(err.Error(), "EU LOTL Signer") {
			t.Errorf("error %q does not name the signer", err)
		}
	})
	t.Run("none configured", func(t *testing.T) {
		o := opts
		o.LOTLSigners = nil
		if _, err := Load(context.Background(), o); !errors.Is(err, ErrNoLOTLSigners) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("signer expired", func(t *testing.T) {
		o := opts
		o.Now = func() time.Time { return time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC) }
		if _, err := Load(context.Background(), o); !errors.Is(err, ErrSignature) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("not https", func(t *testing.T) {
		o := opts
		o.LOTLURL = strings.Replace(o.LOTLURL, "https:", "http:", 1)
		_, err := Load(context.Background(), o)
		if err == nil || !strings.Contains(err.Error(), "https only") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestCache(t *testing.T) {
	p, srv, opts := world(t)
	load(t, opts)
	files, _ := filepath.Glob(filepath.Join(opts.CacheDir, "*.xml"))
	if len(files) != 3 {
		t.Fatalf("cache has %d files, want 3", len(files))
	}
	hits := func() int { return srv.Count("/lotl.xml") + srv.Count("/de.xml") + srv.Count("/at.xml") }
	if hits() != 3 {
		t.Fatalf("%d fetches", hits())
	}

	t.Run("fresh cache is reused", func(t *testing.T) {
		o := opts
		o.Now = func() time.Time { return now.Add(time.Hour) }
		l := load(t, o)
		if hits() != 3 || len(l.TLs) != 2 {
			t.Fatalf("%d fetches, %d lists", hits(), len(l.TLs))
		}
	})

	t.Run("offline from the cache, with the server gone", func(t *testing.T) {
		o := opts
		o.Offline = true
		o.Now = func() time.Time { return now.AddDate(0, 1, 0) }
		o.HTTPClient = nil
		l := load(t, o)
		if len(l.TLs) != 2 || len(l.Anchors(now)) != 1 {
			t.Fatalf("offline: %d lists", len(l.TLs))
		}
	})

	t.Run("older than MaxAge is fetched again", func(t *testing.T) {
		next := p.deList()
		next.Seq = 8
		srv.Put("/de.xml", sign(t, render(t, next), p.deSigner, dsig.MakeC14N10RecCanonicalizer()))
		o := opts
		o.MaxAge = time.Hour
		o.Now = func() time.Time { return now.Add(2 * time.Hour) }
		l := load(t, o)
		if hits() != 6 {
			t.Fatalf("%d fetches, want 6", hits())
		}
		for _, tl := range l.TLs {
			if tl.Territory == "DE" && tl.SequenceNumber != 8 {
				t.Errorf("DE sequence %d, want the refreshed 8", tl.SequenceNumber)
			}
		}
		// The refreshed copy is the one cached now.
		o.Offline = true
		l = load(t, o)
		for _, tl := range l.TLs {
			if tl.Territory == "DE" && tl.SequenceNumber != 8 {
				t.Errorf("cached DE sequence %d, want 8", tl.SequenceNumber)
			}
		}
	})

	t.Run("an older list does not replace the cached one", func(t *testing.T) {
		old := p.deList()
		old.Seq = 6
		srv.Put("/de.xml", sign(t, render(t, old), p.deSigner, dsig.MakeC14N10RecCanonicalizer()))
		o := opts
		o.MaxAge = time.Hour
		o.Now = func() time.Time { return now.Add(4 * time.Hour) }
		l := load(t, o)
		if hits() != 9 {
			t.Fatalf("%d fetches, want 9", hits())
		}
		for _, tl := range l.TLs {
			if tl.Territory == "DE" && tl.SequenceNumber != 8 {
				t.Errorf("DE sequence %d, want the cached 8", tl.SequenceNumber)
			}
		}
		if len(l.Warnings) != 1 || !strings.Contains(l.Warnings[0].String(), "older than the cached 8") {
			t.Errorf("warnings = %q", l.Warnings)
		}
	})

	t.Run("network down uses the cache with a warning", func(t *testing.T) {
		o := opts
		o.MaxAge = time.Hour
		o.Now = func() time.Time { return now.Add(5 * time.Hour) }
		srv.Close()
		l := load(t, o)
		if len(l.TLs) != 2 {
			t.Fatalf("lists %v, failed %v", territories(l), l.Failed)
		}
		if len(l.Warnings) != 3 || !strings.Contains(l.Warnings[0].String(), "using the copy cached on") {
			t.Fatalf("warnings = %q", l.Warnings)
		}
	})

	t.Run("cached list is verified again", func(t *testing.T) {
		// Tamper with the cached DE list on disk.
		var deFile string
		for _, f := range files {
			b, _ := os.ReadFile(f)
			if bytes.Contains(b, []byte("<tsl:SchemeTerritory>DE<")) {
				deFile = f
				b = bytes.Replace(b, []byte(StatusGranted), []byte(StatusWithdrawn), 1)
				if err := os.WriteFile(f, b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		if deFile == "" {
			t.Fatal("DE list not in the cache")
		}
		o := opts
		o.Offline = true
		l := load(t, o)
		if len(l.Failed) != 1 || !errors.Is(l.Failed[0], ErrSignature) || l.Failed[0].Territory != "DE" {
			t.Fatalf("failed = %v", l.Failed)
		}
	})
}

func TestOfflineWithoutCache(t *testing.T) {
	_, _, opts := world(t)
	opts.Offline = true
	_, err := Load(context.Background(), opts)
	if !errors.Is(err, ErrNotCached) {
		t.Fatalf("err = %v", err)
	}
}

func TestNextUpdatePassedWarns(t *testing.T) {
	_, _, opts := world(t)
	opts.Now = func() time.Time { return now.AddDate(0, 6, 0) }
	l := load(t, opts)
	if len(l.Warnings) != 3 || !strings.Contains(l.Warnings[0].String(), "due to be replaced") {
		t.Fatalf("warnings = %q", l.Warnings)
	}
}

func TestSizeLimit(t *testing.T) {
	_, _, opts := world(t)
	opts.MaxBytes = 1000
	_, err := Load(context.Background(), opts)
	if err == nil || !strings.Contains(err.Error(), "larger than 1000 bytes") {
		t.Fatalf("err = %v", err)
	}
}

func TestParse(t *testing.T) {
	p := testPKI(t)
	tl, err := Parse(render(t, p.lotlList("https://tl.example.test")))
	if err != nil {
		t.Fatal(err)
	}
	if len(tl.Pointers) != 4 {
		t.Fatalf("%d pointers", len(tl.Pointers))
	}
	at := tl.Pointers[3]
	if at.Territory != "AT" || at.MimeType != mimeTSLXML || at.Type != typeGeneric || len(at.Signers) != 2 || !at.Signers[1].Equal(p.atSigner.Cert) {
		t.Errorf("AT pointer = %+v", at)
	}
	if got := nationalPointers(tl); len(got) != 2 || got[0].Territory != "DE" || got[1].Territory != "AT" {
		t.Errorf("national pointers = %+v", got)
	}

	de, err := Parse(render(t, p.deList()))
	if err != nil {
		t.Fatal(err)
	}
	if de.OperatorName != "Supervisor DE" || !de.NextUpdate.Equal(now.AddDate(0, 5, 0)) {
		t.Errorf("operator %q, next update %s", de.OperatorName, de.NextUpdate)
	}
	svc := de.Providers[0].Services[0].Current
	if svc.Type != SvcTypeCAQC || svc.Status != StatusGranted || len(svc.Qualifications) != 2 || len(svc.UnknownCritical) != 0 {
		t.Fatalf("service = %+v", svc)
	}
	if ps := svc.Qualifications[1].Criteria.PolicySets; len(ps) != 1 || ps[0][0] != "1.3.6.1.4.1.99999.2" {
		t.Errorf("policy sets = %v (urn:oid: not stripped?)", ps)
	}

	at2, err := Parse(render(t, p.atList()))
	if err != nil {
		t.Fatal(err)
	}
	s := at2.Providers[0].Services[0]
	if len(s.History) != 1 || s.History[0].Status != StatusGranted || !s.History[0].StatusStart.Equal(atGranted) {
		t.Errorf("history = %+v", s.History)
	}

	// A certificate Go cannot read is skipped, not fatal: real lists
	// carry some.
	broken, err := Parse([]byte(strings.Replace(string(render(t, p.deList())), b64(p.deCA.Cert)[:40], "AAAA", 1)))
	if err != nil || len(broken.Skipped) != 1 || len(broken.Providers[0].Services[0].Current.Certificates) != 0 {
		t.Errorf("list with a broken certificate: %v, skipped %q", err, broken.Skipped)
	}

	bad := []struct {
		name string
		xml  string
	}{
		{"not XML", "hello"},
		{"other namespace", `<TrustServiceStatusList xmlns="urn:x"><SchemeInformation><SchemeTerritory>DE</SchemeTerritory></SchemeInformation></TrustServiceStatusList>`},
		{"no territory", `<TrustServiceStatusList xmlns="http://uri.etsi.org/02231/v2#"><SchemeInformation><ListIssueDateTime>2025-01-01T00:00:00Z</ListIssueDateTime></SchemeInformation></TrustServiceStatusList>`},
		{"bad date", `<TrustServiceStatusList xmlns="http://uri.etsi.org/02231/v2#"><SchemeInformation><SchemeTerritory>DE</SchemeTerritory><ListIssueDateTime>yesterday</ListIssueDateTime></SchemeInformation></TrustServiceStatusList>`},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Parse([]byte(tc.xml)); !errors.Is(err, ErrFormat) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestUnknownCriticalExtension(t *testing.T) {
	p := testPKI(t)
	l := p.deList()
	l.Providers[0].Services[0].Info.Extra = `<tsl:Extension Critical="true"><tie:SomethingNew>x</tie:SomethingNew></tsl:Extension>`
	tl, err := Parse(render(t, l))
	if err != nil {
		t.Fatal(err)
	}
	lists := &Lists{TLs: []*TSL{tl}}
	if len(lists.Anchors(now)) != 0 {
		t.Error("a service with an unknown critical extension is an anchor")
	}
	r := lists.Qualified([]*x509.Certificate{p.leafQES.Cert, p.deCA.Cert}, now)
	if r.Qualified || !strings.Contains(strings.Join(r.Problems, " "), "SomethingNew") {
		t.Errorf("result = %+v", r)
	}
}

func TestCriteria(t *testing.T) {
	p := testPKI(t)
	leaf := p.leafQES.Cert // nonRepudiation only, policy P1
	p1 := "1.3.6.1.4.1.99999.1"
	p2 := "1.3.6.1.4.1.99999.2"
	nonRep := []KeyUsageBit{{Name: "nonRepudiation", Value: true}}
	noDigSig := []KeyUsageBit{{Name: "digitalSignature", Value: false}}
	digSig := []KeyUsageBit{{Name: "digitalSignature", Value: true}}
	tests := []struct {
		name string
		c    Criteria
		want bool
	}{
		{"all: key usage and policy", Criteria{Assert: "all", KeyUsage: [][]KeyUsageBit{nonRep}, PolicySets: [][]string{{p1}}}, true},
		{"all: one fails", Criteria{Assert: "all", KeyUsage: [][]KeyUsageBit{nonRep}, PolicySets: [][]string{{p2}}}, false},
		{"atLeastOne", Criteria{Assert: "atLeastOne", KeyUsage: [][]KeyUsageBit{digSig}, PolicySets: [][]string{{p1}}}, true},
		{"atLeastOne: none match", Criteria{Assert: "atLeastOne", KeyUsage: [][]KeyUsageBit{digSig}, PolicySets: [][]string{{p2}}}, false},
		{"none", Criteria{Assert: "none", PolicySets: [][]string{{p2}}}, true},
		{"none: one matches", Criteria{Assert: "none", PolicySets: [][]string{{p2}, {p1}}}, false},
		{"bit that must be clear", Criteria{Assert: "all", KeyUsage: [][]KeyUsageBit{append(noDigSig, nonRep...)}}, true},
		{"policy set needs all its policies", Criteria{Assert: "all", PolicySets: [][]string{{p1, p2}}}, false},
		{"nested", Criteria{Assert: "all", PolicySets: [][]string{{p1}}, Nested: []Criteria{{Assert: "none", KeyUsage: [][]KeyUsageBit{digSig}}}}, true},
		{"unsupported criteria never match", Criteria{Assert: "atLeastOne", PolicySets: [][]string{{p1}}, Unsupported: []string{"ExtendedKeyUsage"}}, false},
		{"unknown assert", Criteria{Assert: "maybe", PolicySets: [][]string{{p1}}}, false},
		{"empty", Criteria{Assert: "all"}, false},
		{"unknown bit name", Criteria{Assert: "all", KeyUsage: [][]KeyUsageBit{{{Name: "magic", Value: false}}}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.c.matches(leaf); got != tc.want {
				t.Errorf("matches = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestParseQCStatements(t *testing.T) {
	p := testPKI(t)
	q, err := ParseQCStatements(p.leafAT.Cert)
	if err != nil || !q.Compliance || !q.SSCD || !slices.Equal(q.Types, []string{"eseal"}) {
		t.Fatalf("got %+v, %v", q, err)
	}
	q, err = ParseQCStatements(p.stranger.Cert)
	if err != nil || q.Compliance || q.SSCD || q.Types != nil {
		t.Fatalf("got %+v, %v", q, err)
	}
	bad := *p.stranger.Cert
	bad.Extensions = []pkix.Extension{{Id: oidQCStatements, Value: []byte{0x30, 0x05, 0x06}}}
	if _, err := ParseQCStatements(&bad); err == nil {
		t.Fatal("malformed qcStatements accepted")
	}
	// A statement this package does not know (QcPDS, with its info) is
	// passed over; the ones after it still count.
	type st struct {
		ID   asn1.ObjectIdentifier
		Info asn1.RawValue `asn1:"optional"`
	}
	types, _ := asn1.Marshal([]asn1.ObjectIdentifier{oidQcTypeESeal})
	val, _ := asn1.Marshal([]st{{ID: oidQcCompliance}, {ID: asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 5}, Info: asn1.RawValue{FullBytes: []byte{0x30, 0x00}}},
		{ID: oidQcType, Info: asn1.RawValue{FullBytes: types}}})
	bad.Extensions = []pkix.Extension{{Id: oidQCStatements, Value: val}}
	if q, err := ParseQCStatements(&bad); err != nil || !q.Compliance || q.SSCD || !slices.Equal(q.Types, []string{"eseal"}) {
		t.Errorf("with an unknown statement: %+v, %v", q, err)
	}
}

func TestVerifyXMLStructure(t *testing.T) {
	p := testPKI(t)
	signed := p.signedDE(t)
	i := bytes.Index(signed, []byte("<ds:Signature"))
	j := bytes.Index(signed, []byte("</ds:Signature>")) + len("</ds:Signature>")
	sig := signed[i:j]
	twice := append(append(append([]byte{}, signed[:j]...), sig...), signed[j:]...)
	nested := bytes.Replace(signed[:i], []byte("</tsl:SchemeInformation>"), append(append([]byte{}, sig...), "</tsl:SchemeInformation>"...), 1)
	nested = append(nested, signed[j:]...)
	k := bytes.Index(signed, []byte("<ds:KeyInfo>"))
	l := bytes.Index(signed, []byte("</ds:KeyInfo>")) + len("</ds:KeyInfo>")
	noKeyInfo := append(append([]byte{}, signed[:k]...), signed[l:]...)
	tests := []struct {
		name    string
		data    []byte
		allowed []*x509.Certificate
		wantErr error
	}{
		{"good", signed, []*x509.Certificate{p.deSigner.Cert}, nil},
		{"unsigned", render(t, p.deList()), []*x509.Certificate{p.deSigner.Cert}, ErrSignature},
		{"two signatures", twice, []*x509.Certificate{p.deSigner.Cert}, ErrSignature},
		{"signature not a child of the list", nested, []*x509.Certificate{p.deSigner.Cert}, ErrSignature},
		{"signer not allowed", signed, []*x509.Certificate{p.atSigner.Cert}, ErrSigner},
		{"not XML", []byte("<a><b></a>"), []*x509.Certificate{p.deSigner.Cert}, ErrFormat},
		{"no KeyInfo: the allowed certificates are tried", noKeyInfo, []*x509.Certificate{p.atSigner.Cert, p.deSigner.Cert}, nil},
		{"nested too deep", []byte(strings.Repeat("<a>", 200) + strings.Repeat("</a>", 200)), []*x509.Certificate{p.deSigner.Cert}, ErrFormat},
		{"SignatureValue changed", bytes.Replace(signed, []byte("<ds:SignatureValue>"), []byte("<ds:SignatureValue>AAAA"), 1), []*x509.Certificate{p.deSigner.Cert}, ErrSignature},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := verifyXML(tc.data, tc.allowed, now)
			if tc.wantErr == nil && err != nil || tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
		})
	}
}
