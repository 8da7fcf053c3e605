package trustlist

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
	"time"
)

// XML namespaces of ETSI TS 119 612 v2 (Annex C) and the extensions it
// uses; the struct tags below spell them out.
const (
	nsTSL = "http://uri.etsi.org/02231/v2#"
	nsTIE = "http://uri.etsi.org/02231/v2/additionaltypes#"
	// Qualifications extension (TS 119 612 §5.5.9.2, schema "ecc").
	nsECC = "http://uri.etsi.org/TrstSvc/SvcInfoExt/eSigDir-1999-93-EC-TrustedList/#"
	// PolicyIdentifier inside a PolicySet is a XAdES ObjectIdentifierType.
	nsXAdES = "http://uri.etsi.org/01903/v1.3.2#"
)

// Service types (TS 119 612 §5.5.1.1) used here.
const (
	SvcTypeCAQC = "http://uri.etsi.org/TrstSvc/Svctype/CA/QC"
	SvcTypeQTST = "http://uri.etsi.org/TrstSvc/Svctype/TSA/QTST"
)

// Service statuses (TS 119 612 §5.5.4). The eIDAS ones first, then those of
// the lists under Directive 1999/93/EC that TS 119 615 §4.1 maps to them.
const (
	StatusGranted   = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted"
	StatusWithdrawn = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/withdrawn"

	statusUnderSupervision       = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/undersupervision"
	statusSupervisionInCessation = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/supervisionincessation"
	statusAccredited             = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/accredited"
)

// Additional service information URIs (TS 119 612 §5.5.9.4).
const (
	ASIForESignatures = "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/ForeSignatures"
	ASIForESeals      = "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/ForeSeals"
	ASIForWebSite     = "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/ForWebSiteAuthentication"
)

// Qualifier URIs (TS 119 612 §5.5.9.2.3).
const (
	qualifierPrefix         = "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/"
	QualifierQCWithSSCD     = qualifierPrefix + "QCWithSSCD"
	QualifierQCNoSSCD       = qualifierPrefix + "QCNoSSCD"
	QualifierQCSSCDAsInCert = qualifierPrefix + "QCSSCDStatusAsInCert"
	QualifierQCWithQSCD     = qualifierPrefix + "QCWithQSCD"
	QualifierQCNoQSCD       = qualifierPrefix + "QCNoQSCD"
	QualifierQCQSCDAsInCert = qualifierPrefix + "QCQSCDStatusAsInCert"
	QualifierQCQSCDOnBehalf = qualifierPrefix + "QCQSCDManagedOnBehalf"
	QualifierQCForLegal     = qualifierPrefix + "QCForLegalPerson"
	QualifierQCForESig      = qualifierPrefix + "QCForESig"
	QualifierQCForESeal     = qualifierPrefix + "QCForESeal"
	QualifierQCForWSA       = qualifierPrefix + "QCForWSA"
	QualifierNotQualified   = qualifierPrefix + "NotQualified"
	QualifierQCStatement    = qualifierPrefix + "QCStatement"
)

const (
	mimeTSLXML               = "application/vnd.etsi.tsl+xml"
	tslTypeListOfTheLists    = "EUlistofthelists"
	maxDecodedCertificateLen = 64 << 10
)

// TSL is one parsed trusted list: the LOTL or a national list
// (TS 119 612 §5). Parse does not check its signature; Load does.
type TSL struct {
	// Territory is SchemeTerritory, "EU" for the LOTL (§5.3.10).
	Territory      string
	SequenceNumber int
	Type           string // TSLType URI (§5.3.3)
	OperatorName   string
	IssueDate      time.Time
	// NextUpdate is zero for a list whose scheme has ceased (§5.3.15).
	NextUpdate time.Time
	Pointers   []Pointer
	Providers  []Provider
	// Source is the URL the list was loaded from; Signer the certificate
	// that signed it (set by Load).
	Source string
	Signer *x509.Certificate
	// Skipped are digital identities left out because Go cannot parse
	// them (real lists carry old certificates with e.g. a negative RSA
	// modulus); the rest of the list stands.
	Skipped []string
}

// IsLOTL tells whether the list is a list of trusted lists.
func (t *TSL) IsLOTL() bool { return strings.HasSuffix(t.Type, tslTypeListOfTheLists) }

// Pointer is an OtherTSLPointer (§5.3.13): where another list is and the
// certificates allowed to sign it.
type Pointer struct {
	Location  string
	Territory string
	Type      string
	MimeType  string
	Signers   []*x509.Certificate
}

// Provider is a trust service provider (§5.4).
type Provider struct {
	Name     string
	Services []Service
}

// Service is a trust service (§5.5) with its history (§5.6), newest first.
type Service struct {
	Provider string
	// Current is the service information in force since its StatusStart.
	Current ServiceInfo
	// History are the earlier states, as listed (TS 119 612 asks for
	// descending order; Status sorts them itself).
	History []ServiceInfo
}

// ServiceInfo is a TSPService/ServiceInformation or a
// ServiceHistoryInstance: what held from StatusStart on.
type ServiceInfo struct {
	Type        string
	Name        string
	Status      string
	StatusStart time.Time
	// Certificates are the X509Certificate digital identities (§5.5.3);
	// SKIs the X509SKI ones.
	Certificates []*x509.Certificate
	SKIs         [][]byte
	// AdditionalInfo are the AdditionalServiceInformation URIs (§5.5.9.4).
	AdditionalInfo []string
	Qualifications []Qualification
	// UnknownCritical names critical extensions Siegel does not
	// understand; such a service is not relied on (§5.5.9).
	UnknownCritical []string
}

// Qualification is one QualificationElement (§5.5.9.2): qualifiers that
// apply to the certificates its criteria match.
type Qualification struct {
	Qualifiers []string
	Criteria   Criteria
}

// Criteria is a CriteriaList (§5.5.9.2.2).
type Criteria struct {
	// Assert is "all", "atLeastOne" or "none".
	Assert string
	// KeyUsage are KeyUsage elements: each is a set of bits that must all
	// have the given value.
	KeyUsage [][]KeyUsageBit
	// PolicySets are PolicySet elements: each lists policy OIDs that must
	// all be in the certificate.
	PolicySets [][]string
	Nested     []Criteria
	// Unsupported names criteria Siegel cannot evaluate (otherCriteriaList
	// content, for instance); a list with any never matches, so a
	// qualifier is not applied on a guess.
	Unsupported []string
}

// KeyUsageBit is one KeyUsageBit: a name from RFC 5280 §4.2.1.3 and the
// value it must have.
type KeyUsageBit struct {
	Name  string
	Value bool
}

// Raw XML shapes; only what Siegel uses. encoding/xml matches the
// namespace of each element, so a list with another namespace parses to
// nothing and is refused below.
type xmlTSL struct {
	XMLName    xml.Name `xml:"http://uri.etsi.org/02231/v2# TrustServiceStatusList"`
	SchemeInfo struct {
		Sequence   string    `xml:"http://uri.etsi.org/02231/v2# TSLSequenceNumber"`
		Type       string    `xml:"http://uri.etsi.org/02231/v2# TSLType"`
		Operator   []xmlName `xml:"http://uri.etsi.org/02231/v2# SchemeOperatorName>Name"`
		Territory  string    `xml:"http://uri.etsi.org/02231/v2# SchemeTerritory"`
		Pointers   []xmlPtr  `xml:"http://uri.etsi.org/02231/v2# PointersToOtherTSL>OtherTSLPointer"`
		IssueDate  string    `xml:"http://uri.etsi.org/02231/v2# ListIssueDateTime"`
		NextUpdate string    `xml:"http://uri.etsi.org/02231/v2# NextUpdate>dateTime"`
	} `xml:"http://uri.etsi.org/02231/v2# SchemeInformation"`
	Providers []xmlTSP `xml:"http://uri.etsi.org/02231/v2# TrustServiceProviderList>TrustServiceProvider"`
}

type xmlName struct {
	Lang  string `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
	Value string `xml:",chardata"`
}

type xmlPtr struct {
	Identities []xmlDigitalID `xml:"http://uri.etsi.org/02231/v2# ServiceDigitalIdentities>ServiceDigitalIdentity>DigitalId"`
	Location   string         `xml:"http://uri.etsi.org/02231/v2# TSLLocation"`
	Other      []struct {
		Type      string `xml:"http://uri.etsi.org/02231/v2# TSLType"`
		Territory string `xml:"http://uri.etsi.org/02231/v2# SchemeTerritory"`
		MimeType  string `xml:"http://uri.etsi.org/02231/v2/additionaltypes# MimeType"`
	} `xml:"http://uri.etsi.org/02231/v2# AdditionalInformation>OtherInformation"`
}

type xmlDigitalID struct {
	Certificate string `xml:"http://uri.etsi.org/02231/v2# X509Certificate"`
	SKI         string `xml:"http://uri.etsi.org/02231/v2# X509SKI"`
}

type xmlTSP struct {
	Name     []xmlName    `xml:"http://uri.etsi.org/02231/v2# TSPInformation>TSPName>Name"`
	Services []xmlService `xml:"http://uri.etsi.org/02231/v2# TSPServices>TSPService"`
}

type xmlService struct {
	Info    xmlServiceInfo   `xml:"http://uri.etsi.org/02231/v2# ServiceInformation"`
	History []xmlServiceInfo `xml:"http://uri.etsi.org/02231/v2# ServiceHistory>ServiceHistoryInstance"`
}

// xmlServiceInfo fits both ServiceInformation and ServiceHistoryInstance.
type xmlServiceInfo struct {
	Type       string         `xml:"http://uri.etsi.org/02231/v2# ServiceTypeIdentifier"`
	Name       []xmlName      `xml:"http://uri.etsi.org/02231/v2# ServiceName>Name"`
	Identities []xmlDigitalID `xml:"http://uri.etsi.org/02231/v2# ServiceDigitalIdentity>DigitalId"`
	Status     string         `xml:"http://uri.etsi.org/02231/v2# ServiceStatus"`
	Start      string         `xml:"http://uri.etsi.org/02231/v2# StatusStartingTime"`
	Extensions []xmlExtension `xml:"http://uri.etsi.org/02231/v2# ServiceInformationExtensions>Extension"`
}

type xmlExtension struct {
	Critical       string `xml:"Critical,attr"`
	AdditionalInfo []struct {
		URI string `xml:"http://uri.etsi.org/02231/v2# URI"`
	} `xml:"http://uri.etsi.org/02231/v2# AdditionalServiceInformation"`
	Qualifications []xmlQualElement `xml:"http://uri.etsi.org/TrstSvc/SvcInfoExt/eSigDir-1999-93-EC-TrustedList/# Qualifications>QualificationElement"`
	// Any other extension is recorded by name so a critical unknown one
	// can be refused (§5.5.9: a critical extension not understood).
	Other []struct {
		XMLName xml.Name
	} `xml:",any"`
}

type xmlQualElement struct {
	Qualifiers []struct {
		URI string `xml:"uri,attr"`
	} `xml:"http://uri.etsi.org/TrstSvc/SvcInfoExt/eSigDir-1999-93-EC-TrustedList/# Qualifiers>Qualifier"`
	Criteria xmlCriteria `xml:"http://uri.etsi.org/TrstSvc/SvcInfoExt/eSigDir-1999-93-EC-TrustedList/# CriteriaList"`
}

type xmlCriteria struct {
	Assert   string `xml:"assert,attr"`
	KeyUsage []struct {
		Bits []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:",chardata"`
		} `xml:"http://uri.etsi.org/TrstSvc/SvcInfoExt/eSigDir-1999-93-EC-TrustedList/# KeyUsageBit"`
	} `xml:"http://uri.etsi.org/TrstSvc/SvcInfoExt/eSigDir-1999-93-EC-TrustedList/# KeyUsage"`
	PolicySet []struct {
		Identifiers []string `xml:"PolicyIdentifier>Identifier"`
	} `xml:"http://uri.etsi.org/TrstSvc/SvcInfoExt/eSigDir-1999-93-EC-TrustedList/# PolicySet"`
	Nested []xmlCriteria `xml:"http://uri.etsi.org/TrstSvc/SvcInfoExt/eSigDir-1999-93-EC-TrustedList/# CriteriaList"`
	Other  []struct {
		Inner []struct {
			XMLName xml.Name
		} `xml:",any"`
	} `xml:"http://uri.etsi.org/TrstSvc/SvcInfoExt/eSigDir-1999-93-EC-TrustedList/# otherCriteriaList"`
}

// ErrFormat marks a list that is not a TS 119 612 trusted list.
var ErrFormat = errors.New("not a trusted list")

// Parse reads a trusted list (TS 119 612 v2, Annex C). It does not check
// the list's signature: Load does that and parses only what was signed.
func Parse(data []byte) (*TSL, error) {
	var x xmlTSL
	dec := xml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&x); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	t := &TSL{
		Territory:    strings.TrimSpace(x.SchemeInfo.Territory),
		Type:         strings.TrimSpace(x.SchemeInfo.Type),
		OperatorName: pickName(x.SchemeInfo.Operator),
	}
	if t.Territory == "" {
		return nil, fmt.Errorf("%w: no SchemeTerritory", ErrFormat)
	}
	if s := strings.TrimSpace(x.SchemeInfo.Sequence); s != "" {
		if _, err := fmt.Sscan(s, &t.SequenceNumber); err != nil {
			return nil, fmt.Errorf("%w: TSLSequenceNumber %q", ErrFormat, s)
		}
	}
	var err error
	if t.IssueDate, err = parseTime(x.SchemeInfo.IssueDate); err != nil {
		return nil, fmt.Errorf("%w: ListIssueDateTime: %v", ErrFormat, err)
	}
	if s := strings.TrimSpace(x.SchemeInfo.NextUpdate); s != "" {
		if t.NextUpdate, err = parseTime(s); err != nil {
			return nil, fmt.Errorf("%w: NextUpdate: %v", ErrFormat, err)
		}
	}
	for i, p := range x.SchemeInfo.Pointers {
		ptr := Pointer{Location: strings.TrimSpace(p.Location)}
		for _, o := range p.Other {
			ptr.Type = firstNonEmpty(ptr.Type, strings.TrimSpace(o.Type))
			ptr.Territory = firstNonEmpty(ptr.Territory, strings.TrimSpace(o.Territory))
			ptr.MimeType = firstNonEmpty(ptr.MimeType, strings.TrimSpace(o.MimeType))
		}
		for _, id := range p.Identities {
			if strings.TrimSpace(id.Certificate) == "" {
				continue
			}
			c, err := parseCert(id.Certificate)
			if err != nil {
				t.Skipped = append(t.Skipped, fmt.Sprintf("pointer %d (%s): %v", i+1, ptr.Location, err))
				continue
			}
			ptr.Signers = append(ptr.Signers, c)
		}
		t.Pointers = append(t.Pointers, ptr)
	}
	for _, p := range x.Providers {
		prov := Provider{Name: pickName(p.Name)}
		for _, s := range p.Services {
			svc := Service{Provider: prov.Name}
			if svc.Current, err = s.Info.convert(t); err != nil {
				return nil, fmt.Errorf("%w: provider %q: %v", ErrFormat, prov.Name, err)
			}
			for _, h := range s.History {
				hi, err := h.convert(t)
				if err != nil {
					return nil, fmt.Errorf("%w: provider %q, history of %q: %v", ErrFormat, prov.Name, svc.Current.Name, err)
				}
				svc.History = append(svc.History, hi)
			}
			prov.Services = append(prov.Services, svc)
		}
		t.Providers = append(t.Providers, prov)
	}
	return t, nil
}

func (x *xmlServiceInfo) convert(t *TSL) (ServiceInfo, error) {
	si := ServiceInfo{
		Type:   strings.TrimSpace(x.Type),
		Name:   pickName(x.Name),
		Status: strings.TrimSpace(x.Status),
	}
	var err error
	if si.StatusStart, err = parseTime(x.Start); err != nil {
		return si, fmt.Errorf("service %q: StatusStartingTime: %v", si.Name, err)
	}
	for _, id := range x.Identities {
		if strings.TrimSpace(id.Certificate) != "" {
			c, err := parseCert(id.Certificate)
			if err != nil {
				t.Skipped = append(t.Skipped, fmt.Sprintf("service %q: %v", si.Name, err))
			} else {
				si.Certificates = append(si.Certificates, c)
			}
		}
		if s := strings.TrimSpace(id.SKI); s != "" {
			ski, err := base64.StdEncoding.DecodeString(stripSpace(s))
			if err != nil {
				return si, fmt.Errorf("service %q: X509SKI: %v", si.Name, err)
			}
			si.SKIs = append(si.SKIs, ski)
		}
	}
	for _, e := range x.Extensions {
		if strings.TrimSpace(e.Critical) == "true" || strings.TrimSpace(e.Critical) == "1" {
			for _, o := range e.Other {
				switch o.XMLName.Local {
				case "TakenOverBy", "ExpiredCertsRevocationInfo":
					// Understood, and irrelevant to the status.
				default:
					si.UnknownCritical = append(si.UnknownCritical, o.XMLName.Local)
				}
			}
		}
		for _, a := range e.AdditionalInfo {
			si.AdditionalInfo = append(si.AdditionalInfo, strings.TrimSpace(a.URI))
		}
		for _, q := range e.Qualifications {
			var qual Qualification
			for _, u := range q.Qualifiers {
				qual.Qualifiers = append(qual.Qualifiers, strings.TrimSpace(u.URI))
			}
			qual.Criteria = q.Criteria.convert(0)
			si.Qualifications = append(si.Qualifications, qual)
		}
	}
	return si, nil
}

// maxCriteriaDepth bounds nested CriteriaLists; real lists nest one level.
const maxCriteriaDepth = 8

func (x *xmlCriteria) convert(depth int) Criteria {
	c := Criteria{Assert: strings.TrimSpace(x.Assert)}
	for _, ku := range x.KeyUsage {
		var bits []KeyUsageBit
		for _, b := range ku.Bits {
			bits = append(bits, KeyUsageBit{Name: strings.TrimSpace(b.Name), Value: strings.TrimSpace(b.Value) == "true"})
		}
		c.KeyUsage = append(c.KeyUsage, bits)
	}
	for _, ps := range x.PolicySet {
		var oids []string
		for _, id := range ps.Identifiers {
			oids = append(oids, normalizeOID(id))
		}
		c.PolicySets = append(c.PolicySets, oids)
	}
	for _, o := range x.Other {
		for _, in := range o.Inner {
			c.Unsupported = append(c.Unsupported, in.XMLName.Local)
		}
	}
	for i := range x.Nested {
		if depth >= maxCriteriaDepth {
			c.Unsupported = append(c.Unsupported, "CriteriaList nested too deep")
			break
		}
		c.Nested = append(c.Nested, x.Nested[i].convert(depth+1))
	}
	return c
}

// normalizeOID turns "urn:oid:1.2.3" (the OIDAsURN qualifier of XAdES
// ObjectIdentifierType) into "1.2.3".
func normalizeOID(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 8 && strings.EqualFold(s[:8], "urn:oid:") {
		return s[8:]
	}
	return s
}

func parseCert(b64 string) (*x509.Certificate, error) {
	der, err := base64.StdEncoding.DecodeString(stripSpace(b64))
	if err != nil {
		return nil, fmt.Errorf("X509Certificate: %v", err)
	}
	if len(der) > maxDecodedCertificateLen {
		return nil, fmt.Errorf("X509Certificate: %d bytes is too large", len(der))
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("X509Certificate: %v", err)
	}
	return c, nil
}

func stripSpace(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, s)
}

// parseTime reads an xsd:dateTime; the lists use UTC with "Z".
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, errors.New("missing")
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an xsd:dateTime", s)
}

// pickName prefers the English name (the lists carry "en" by rule,
// §5.1.4) and falls back to the first one.
func pickName(names []xmlName) string {
	for _, n := range names {
		if strings.EqualFold(n.Lang, "en") {
			return strings.TrimSpace(n.Value)
		}
	}
	if len(names) > 0 {
		return strings.TrimSpace(names[0].Value)
	}
	return ""
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
