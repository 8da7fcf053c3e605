package trustlist

import (
	"crypto/x509"
	"testing"
)

// FuzzParse feeds mutated lists, signed and unsigned, to the parser and
// to the signature check: errors are fine, panics and hangs are not.
func FuzzParse(f *testing.F) {
	p := testPKI(f)
	f.Add(render(f, p.lotlList("https://tl.example.test")))
	f.Add(render(f, p.deList()))
	f.Add(p.signedDE(f))
	f.Add(p.signedAT(f))
	f.Add([]byte(`<TrustServiceStatusList xmlns="http://uri.etsi.org/02231/v2#"><SchemeInformation><SchemeTerritory>DE</SchemeTerritory><ListIssueDateTime>2025-01-01T00:00:00Z</ListIssueDateTime></SchemeInformation></TrustServiceStatusList>`))
	f.Add([]byte(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>`))
	allowed := []*x509.Certificate{p.deSigner.Cert, p.atSigner.Cert}
	f.Fuzz(func(t *testing.T, data []byte) {
		if tl, err := Parse(data); err == nil {
			l := &Lists{TLs: []*TSL{tl}}
			l.Anchors(now)
			l.Qualified([]*x509.Certificate{p.leafQES.Cert, p.deCA.Cert}, now)
		}
		if content, _, err := verifyXML(data, allowed, now); err == nil {
			if _, err := Parse(content); err != nil {
				t.Logf("signed but not a list: %v", err)
			}
		}
	})
}
