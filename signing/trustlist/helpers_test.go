package trustlist

import (
	"github.com/siegel-app/siegel/internal/tltest"

	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"testing"
	"time"
)

// now is the fixed "current time" of the tests.
var now = time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)

func caCert(c *x509.Certificate) {
	c.IsCA = true
	c.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
}

// qcStatements builds the EN 319 412-5 extension.
func qcStatements(t testing.TB, compliance, sscd bool, types ...asn1.ObjectIdentifier) pkix.Extension {
	t.Helper()
	type stmt struct {
		ID   asn1.ObjectIdentifier
		Info asn1.RawValue `asn1:"optional"`
	}
	var s []stmt
	if compliance {
		s = append(s, stmt{ID: oidQcCompliance})
	}
	if sscd {
		s = append(s, stmt{ID: oidQcSSCD})
	}
	if len(types) > 0 {
		b, err := asn1.Marshal(types)
		if err != nil {
			t.Fatal(err)
		}
		s = append(s, stmt{ID: oidQcType, Info: asn1.RawValue{FullBytes: b}})
	}
	v, err := asn1.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return pkix.Extension{Id: oidQCStatements, Value: v}
}

func withPolicy(oid ...int) func(*x509.Certificate) {
	return func(c *x509.Certificate) {
		c.PolicyIdentifiers = []asn1.ObjectIdentifier{oid}
		c.Policies = []x509.OID{mustOID(oid...)}
	}
}

func mustOID(ints ...int) x509.OID {
	u := make([]uint64, len(ints))
	for i, v := range ints {
		u[i] = uint64(v)
	}
	o, err := x509.OIDFromInts(u)
	if err != nil {
		panic(err)
	}
	return o
}

const (
	typeLOTL     = "http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUlistofthelists"
	typeGeneric  = "http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUgeneric"
	communityEU  = "http://uri.etsi.org/TrstSvc/TrustedList/schemerules/EUcommon"
	statusDetApp = "http://uri.etsi.org/TrstSvc/TrustedList/StatusDetn/EUappropriate"
)

// The list builders and the loopback server are internal/tltest's, which
// the app's tests use too; these names keep the tests here short.
type (
	entity      = tltest.Entity
	server      = tltest.Server
	tplList     = tltest.List
	tplPointer  = tltest.Pointer
	tplProvider = tltest.Provider
	tplService  = tltest.Service
	tplInfo     = tltest.Info
	tplQual     = tltest.Qual
)

var (
	newEntity = tltest.NewEntity
	newServer = tltest.NewServer
	sign      = tltest.Sign
	b64       = tltest.B64
)

// render writes the list as of the tests' fixed time.
func render(t testing.TB, l tplList) []byte {
	if l.Now.IsZero() {
		l.Now = now
	}
	return tltest.Render(t, l)
}
