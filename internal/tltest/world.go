package tltest

import (
	"bytes"
	"crypto/x509"
	"strings"
	"testing"
)

// World is a LOTL that points to one national list, both signed and
// served over TLS on 127.0.0.1.
type World struct {
	Server *Server
	// LOTLSigner signs the LOTL (what a LOTL signers file holds);
	// TLSigner signs the national list and is named in its pointer.
	LOTLSigner, TLSigner *Entity
	Territory            string
	LOTLURL, TLURL       string
	// LOTL and TL are the signed lists served.
	LOTL, TL []byte
}

// NationalList is a national list of territory whose one provider has a
// granted CA/QC service for each of cas, for e-signatures and e-seals,
// QSCD as the certificates say (no qualifiers).
func NationalList(territory string, cas ...*x509.Certificate) List {
	var svcs []Service
	for _, c := range cas {
		svcs = append(svcs, Service{Info: Info{
			Type: SvcTypeCAQC, Name: c.Subject.CommonName, Status: StatusGranted,
			Start: "2017-01-01T00:00:00Z", Certs: []string{B64(c)},
			ASI: []string{ASIForESigs, ASIForESeals},
		}})
	}
	return List{
		ID: "TSL-" + territory, Type: TypeGeneric, Territory: territory,
		Providers: []Provider{{Name: territory + " Test Trust Services", Services: svcs}},
	}
}

// NewWorld serves the LOTL at /lotl.xml and NationalList(territory,
// cas...) at /<territory>.xml.
func NewWorld(t testing.TB, territory string, cas ...*x509.Certificate) *World {
	t.Helper()
	return NewWorldWith(t, NationalList(territory, cas...))
}

// NewWorldWith serves the LOTL at /lotl.xml and the national list tl at
// /<territory>.xml.
func NewWorldWith(t testing.TB, tl List) *World {
	t.Helper()
	w := &World{Server: NewServer(t), Territory: tl.Territory}
	w.LOTLSigner = NewEntity(t, "EU LOTL Test Signer", nil, true, nil)
	w.TLSigner = NewEntity(t, tl.Territory+" TL Test Signer", nil, true, nil)
	w.LOTLURL = w.Server.URL + "/lotl.xml"
	w.TLURL = w.Server.URL + "/" + strings.ToLower(tl.Territory) + ".xml"
	lotl := List{
		ID: "TSL-LOTL", Type: TypeLOTL, Territory: "EU", Seq: 300,
		Pointers: []Pointer{
			{Location: w.LOTLURL, Territory: "EU", Type: TypeLOTL, MimeType: MimeTSLXML, Certs: []string{B64(w.LOTLSigner.Cert)}},
			{Location: w.TLURL, Territory: tl.Territory, Type: TypeGeneric, MimeType: MimeTSLXML, Certs: []string{B64(w.TLSigner.Cert)}},
		},
	}
	w.LOTL = Sign(t, Render(t, lotl), w.LOTLSigner, nil)
	w.TL = Sign(t, Render(t, tl), w.TLSigner, nil)
	w.Server.Put("/lotl.xml", w.LOTL)
	w.Server.Put("/"+strings.ToLower(tl.Territory)+".xml", w.TL)
	return w
}

// Tamper serves the national list with one signed byte changed (a
// provider name), so its signature no longer verifies.
func (w *World) Tamper(t testing.TB) {
	t.Helper()
	bad := bytes.Replace(w.TL, []byte("Test Trust Services"), []byte("Test Trust Servicez"), 1)
	if bytes.Equal(bad, w.TL) {
		t.Fatal("tltest: nothing to tamper with")
	}
	w.Server.Put("/"+strings.ToLower(w.Territory)+".xml", bad)
}
