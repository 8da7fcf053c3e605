// Package tltest builds EU trusted lists for tests (ETSI TS 119 612 v2):
// the XML of a list of trusted lists (LOTL) or a national list, signed
// with an enveloped XML signature, served over TLS on 127.0.0.1. Keys and
// certificates are made in code; nothing here is a real list signer.
package tltest

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"text/template"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

// URIs of TS 119 612 used in test lists.
const (
	TypeLOTL    = "http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUlistofthelists"
	TypeGeneric = "http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUgeneric"
	MimeTSLXML  = "application/vnd.etsi.tsl+xml"

	SvcTypeCAQC    = "http://uri.etsi.org/TrstSvc/Svctype/CA/QC"
	StatusGranted  = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted"
	ASIForESigs    = "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/ForeSignatures"
	ASIForESeals   = "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/ForeSeals"
	QualWithQSCD   = "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/QCWithQSCD"
	QualQSCDInCert = "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/QCQSCDStatusAsInCert"
)

// Entity is a certificate with its key.
type Entity struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

var (
	serialMu sync.Mutex
	serial   int64 = 5000
)

// NewEntity makes a certificate for cn valid 2019–2035, self-signed when
// parent is nil; ec picks P-256 over RSA-2048; mod adjusts the template.
func NewEntity(t testing.TB, cn string, parent *Entity, ec bool, mod func(*x509.Certificate)) *Entity {
	t.Helper()
	var key crypto.Signer
	var err error
	if ec {
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	} else {
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	}
	if err != nil {
		t.Fatal(err)
	}
	serialMu.Lock()
	serial++
	sn := big.NewInt(serial)
	serialMu.Unlock()
	tmpl := &x509.Certificate{
		SerialNumber:          sn,
		Subject:               pkix.Name{CommonName: cn, Country: []string{"XX"}},
		NotBefore:             time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:              time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC),
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature,
	}
	if mod != nil {
		mod(tmpl)
	}
	parentCert, parentKey := tmpl, key
	if parent != nil {
		parentCert, parentKey = parent.Cert, parent.Key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parentCert, key.Public(), parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &Entity{Cert: c, Key: key}
}

// B64 is the certificate as a list carries it (X509Certificate).
func B64(c *x509.Certificate) string { return base64.StdEncoding.EncodeToString(c.Raw) }

// PEM encodes certificates, e.g. a LOTL signers file.
func PEM(certs ...*x509.Certificate) []byte {
	var b bytes.Buffer
	for _, c := range certs {
		pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	return b.Bytes()
}

// List is the content of a trusted list, after TS 119 612 v2.1.1 Annex
// C. Issue and Next are RFC 3339; empty: a month before and five months
// after Now (time.Now when zero).
type List struct {
	ID        string
	Type      string
	Territory string
	Seq       int
	Issue     string
	Next      string
	Now       time.Time
	Pointers  []Pointer
	Providers []Provider
}

// Pointer is an OtherTSLPointer.
type Pointer struct {
	Location, Territory, Type, MimeType string
	Certs                               []string // B64
}

// Provider is a trust service provider with its services.
type Provider struct {
	Name     string
	Services []Service
}

// Service is a TSPService: its current information and its history.
type Service struct {
	Info    Info
	History []Info
}

// Info is a ServiceInformation (or ServiceHistoryInstance).
type Info struct {
	Type, Name, Status, Start string
	Certs                     []string // B64
	ASI                       []string
	Quals                     []Qual
	Extra                     string // raw extension XML
}

// Qual is a QualificationElement: qualifier URIs and a raw CriteriaList.
type Qual struct {
	Qualifiers []string
	Criteria   string
}

// CriteriaAll is a CriteriaList every certificate matches (an empty
// assert="all").
const CriteriaAll = `<ecc:CriteriaList assert="all"/>`

var tslTemplate = template.Must(template.New("tsl").Parse(`<?xml version="1.0" encoding="UTF-8"?>
<tsl:TrustServiceStatusList xmlns:tsl="http://uri.etsi.org/02231/v2#" xmlns:ecc="http://uri.etsi.org/TrstSvc/SvcInfoExt/eSigDir-1999-93-EC-TrustedList/#" xmlns:tie="http://uri.etsi.org/02231/v2/additionaltypes#" xmlns:xades="http://uri.etsi.org/01903/v1.3.2#"{{if .ID}} Id="{{.ID}}"{{end}} TSLTag="http://uri.etsi.org/19612/TSLTag">
  <tsl:SchemeInformation>
    <tsl:TSLVersionIdentifier>5</tsl:TSLVersionIdentifier>
    <tsl:TSLSequenceNumber>{{.Seq}}</tsl:TSLSequenceNumber>
    <tsl:TSLType>{{.Type}}</tsl:TSLType>
    <tsl:SchemeOperatorName><tsl:Name xml:lang="de">Aufsicht {{.Territory}}</tsl:Name><tsl:Name xml:lang="en">Supervisor {{.Territory}}</tsl:Name></tsl:SchemeOperatorName>
    <tsl:SchemeOperatorAddress>
      <tsl:PostalAddresses><tsl:PostalAddress xml:lang="en"><tsl:StreetAddress>1 Test Street</tsl:StreetAddress><tsl:Locality>Testtown</tsl:Locality><tsl:PostalCode>12345</tsl:PostalCode><tsl:CountryName>{{.Territory}}</tsl:CountryName></tsl:PostalAddress></tsl:PostalAddresses>
      <tsl:ElectronicAddress><tsl:URI xml:lang="en">mailto:tl@example.test</tsl:URI></tsl:ElectronicAddress>
    </tsl:SchemeOperatorAddress>
    <tsl:SchemeName><tsl:Name xml:lang="en">{{.Territory}}:Trusted list including information related to the qualified trust service providers</tsl:Name></tsl:SchemeName>
    <tsl:SchemeInformationURI><tsl:URI xml:lang="en">https://example.test/{{.Territory}}</tsl:URI></tsl:SchemeInformationURI>
    <tsl:StatusDeterminationApproach>http://uri.etsi.org/TrstSvc/TrustedList/StatusDetn/EUappropriate</tsl:StatusDeterminationApproach>
    <tsl:SchemeTypeCommunityRules><tsl:URI xml:lang="en">http://uri.etsi.org/TrstSvc/TrustedList/schemerules/EUcommon</tsl:URI></tsl:SchemeTypeCommunityRules>
    <tsl:SchemeTerritory>{{.Territory}}</tsl:SchemeTerritory>
    <tsl:PolicyOrLegalNotice><tsl:TSLLegalNotice xml:lang="en">Test list.</tsl:TSLLegalNotice></tsl:PolicyOrLegalNotice>
    <tsl:HistoricalInformationPeriod>65535</tsl:HistoricalInformationPeriod>
{{- if .Pointers}}
    <tsl:PointersToOtherTSL>
{{- range .Pointers}}
      <tsl:OtherTSLPointer>
        <tsl:ServiceDigitalIdentities>
{{- range .Certs}}
          <tsl:ServiceDigitalIdentity><tsl:DigitalId><tsl:X509Certificate>{{.}}</tsl:X509Certificate></tsl:DigitalId></tsl:ServiceDigitalIdentity>
{{- end}}
        </tsl:ServiceDigitalIdentities>
        <tsl:TSLLocation>{{.Location}}</tsl:TSLLocation>
        <tsl:AdditionalInformation>
          <tsl:OtherInformation><tsl:TSLType>{{.Type}}</tsl:TSLType></tsl:OtherInformation>
          <tsl:OtherInformation><tsl:SchemeOperatorName><tsl:Name xml:lang="en">Supervisor {{.Territory}}</tsl:Name></tsl:SchemeOperatorName></tsl:OtherInformation>
          <tsl:OtherInformation><tsl:SchemeTypeCommunityRules><tsl:URI xml:lang="en">http://uri.etsi.org/TrstSvc/TrustedList/schemerules/EUcommon</tsl:URI></tsl:SchemeTypeCommunityRules></tsl:OtherInformation>
          <tsl:OtherInformation><tsl:SchemeTerritory>{{.Territory}}</tsl:SchemeTerritory></tsl:OtherInformation>
          <tsl:OtherInformation><tie:MimeType>{{.MimeType}}</tie:MimeType></tsl:OtherInformation>
        </tsl:AdditionalInformation>
      </tsl:OtherTSLPointer>
{{- end}}
    </tsl:PointersToOtherTSL>
{{- end}}
    <tsl:ListIssueDateTime>{{.Issue}}</tsl:ListIssueDateTime>
    <tsl:NextUpdate><tsl:dateTime>{{.Next}}</tsl:dateTime></tsl:NextUpdate>
    <tsl:DistributionPoints><tsl:URI>https://example.test/{{.Territory}}.xml</tsl:URI></tsl:DistributionPoints>
  </tsl:SchemeInformation>
{{- if .Providers}}
  <tsl:TrustServiceProviderList>
{{- range .Providers}}
    <tsl:TrustServiceProvider>
      <tsl:TSPInformation>
        <tsl:TSPName><tsl:Name xml:lang="en">{{.Name}}</tsl:Name></tsl:TSPName>
        <tsl:TSPAddress><tsl:PostalAddresses><tsl:PostalAddress xml:lang="en"><tsl:StreetAddress>2 Provider Road</tsl:StreetAddress><tsl:Locality>Testtown</tsl:Locality><tsl:CountryName>XX</tsl:CountryName></tsl:PostalAddress></tsl:PostalAddresses><tsl:ElectronicAddress><tsl:URI xml:lang="en">https://tsp.example.test</tsl:URI></tsl:ElectronicAddress></tsl:TSPAddress>
        <tsl:TSPInformationURI><tsl:URI xml:lang="en">https://tsp.example.test/policy</tsl:URI></tsl:TSPInformationURI>
      </tsl:TSPInformation>
      <tsl:TSPServices>
{{- range .Services}}
        <tsl:TSPService>
          <tsl:ServiceInformation>{{template "info" .Info}}
          </tsl:ServiceInformation>
{{- if .History}}
          <tsl:ServiceHistory>
{{- range .History}}
            <tsl:ServiceHistoryInstance>{{template "info" .}}
            </tsl:ServiceHistoryInstance>
{{- end}}
          </tsl:ServiceHistory>
{{- end}}
        </tsl:TSPService>
{{- end}}
      </tsl:TSPServices>
    </tsl:TrustServiceProvider>
{{- end}}
  </tsl:TrustServiceProviderList>
{{- end}}
</tsl:TrustServiceStatusList>
{{define "info"}}
            <tsl:ServiceTypeIdentifier>{{.Type}}</tsl:ServiceTypeIdentifier>
            <tsl:ServiceName><tsl:Name xml:lang="en">{{.Name}}</tsl:Name></tsl:ServiceName>
            <tsl:ServiceDigitalIdentity>
{{- range .Certs}}
              <tsl:DigitalId><tsl:X509Certificate>{{.}}</tsl:X509Certificate></tsl:DigitalId>
{{- end}}
            </tsl:ServiceDigitalIdentity>
            <tsl:ServiceStatus>{{.Status}}</tsl:ServiceStatus>
            <tsl:StatusStartingTime>{{.Start}}</tsl:StatusStartingTime>
{{- if or .ASI .Quals .Extra}}
            <tsl:ServiceInformationExtensions>
{{- range .ASI}}
              <tsl:Extension Critical="false"><tsl:AdditionalServiceInformation><tsl:URI xml:lang="en">{{.}}</tsl:URI></tsl:AdditionalServiceInformation></tsl:Extension>
{{- end}}
{{- if .Quals}}
              <tsl:Extension Critical="true">
                <ecc:Qualifications>
{{- range .Quals}}
                  <ecc:QualificationElement>
                    <ecc:Qualifiers>{{range .Qualifiers}}<ecc:Qualifier uri="{{.}}"/>{{end}}</ecc:Qualifiers>
                    {{.Criteria}}
                  </ecc:QualificationElement>
{{- end}}
                </ecc:Qualifications>
              </tsl:Extension>
{{- end}}
{{- if .Extra}}
              {{.Extra}}
{{- end}}
            </tsl:ServiceInformationExtensions>
{{- end}}
{{- end}}`))

// Render writes the list's XML, unsigned.
func Render(t testing.TB, l List) []byte {
	t.Helper()
	now := l.Now
	if now.IsZero() {
		now = time.Now().UTC()
	}
	if l.Seq == 0 {
		l.Seq = 7
	}
	if l.Issue == "" {
		l.Issue = now.AddDate(0, -1, 0).Format(time.RFC3339)
	}
	if l.Next == "" {
		l.Next = now.AddDate(0, 5, 0).Format(time.RFC3339)
	}
	var b bytes.Buffer
	if err := tslTemplate.Execute(&b, l); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Sign puts an enveloped XMLDSig signature into the list, as the last
// child of the root (TS 119 612 §5.7.1), with goxmldsig; nil c14n is
// exclusive C14N 1.0.
func Sign(t testing.TB, xmlData []byte, e *Entity, c14n dsig.Canonicalizer) []byte {
	t.Helper()
	if c14n == nil {
		c14n = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(xmlData); err != nil {
		t.Fatal(err)
	}
	ctx, err := dsig.NewSigningContext(e.Key, [][]byte{e.Cert.Raw})
	if err != nil {
		t.Fatal(err)
	}
	ctx.IdAttribute = "Id"
	ctx.Canonicalizer = c14n
	signed, err := ctx.SignEnveloped(doc.Root())
	if err != nil {
		t.Fatal(err)
	}
	doc.SetRoot(signed)
	out, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	if _, isEC := e.Key.(*ecdsa.PrivateKey); isEC {
		out = ecdsaToRaw(t, out)
	}
	return out
}

// ecdsaToRaw turns goxmldsig's ASN.1 ECDSA SignatureValue into the r||s
// form XMLDSig prescribes (RFC 4050), as other signers write it.
func ecdsaToRaw(t testing.TB, data []byte) []byte {
	t.Helper()
	s := string(data)
	i := strings.Index(s, "<ds:SignatureValue>")
	j := strings.Index(s, "</ds:SignatureValue>")
	if i < 0 || j < i {
		t.Fatal("no SignatureValue")
	}
	i += len("<ds:SignatureValue>")
	der, err := base64.StdEncoding.DecodeString(s[i:j])
	if err != nil {
		t.Fatal(err)
	}
	var rs struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(der, &rs); err != nil {
		t.Fatal(err)
	}
	raw := make([]byte, 64)
	rs.R.FillBytes(raw[:32])
	rs.S.FillBytes(raw[32:])
	return []byte(s[:i] + base64.StdEncoding.EncodeToString(raw) + s[j:])
}

// Server serves lists on 127.0.0.1 over TLS and counts requests; its
// Client() trusts it.
type Server struct {
	*httptest.Server
	mu    sync.Mutex
	files map[string][]byte
	hits  map[string]int
}

// NewServer starts a server, closed when the test ends.
func NewServer(t testing.TB) *Server {
	s := &Server{files: map[string][]byte{}, hits: map[string]int{}}
	s.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.hits[r.URL.Path]++
		b, ok := s.files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", MimeTSLXML)
		w.Write(b)
	}))
	t.Cleanup(s.Close)
	return s
}

// Put serves b at path.
func (s *Server) Put(path string, b []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[path] = b
}

// Count is how often path was asked for.
func (s *Server) Count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}
