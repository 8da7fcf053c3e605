package verify

import (
	"bytes"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/siegel-app/siegel/signing/cms"
)

// TestAdbeRevocationInfo: the RevocationInfoArchival attribute of ISO
// 32000-1 §12.8.3.3.2, CRLs under [0] and OCSP responses under [1].
func TestAdbeRevocationInfo(t *testing.T) {
	crl := []byte{0x30, 0x03, 0x02, 0x01, 0x07}  // stand-ins: any SEQUENCE
	ocsp := []byte{0x30, 0x03, 0x0a, 0x01, 0x00} // is taken as it is
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddBytes(crl) })
		})
		b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddBytes(ocsp); b.AddBytes(ocsp) })
		})
	})
	der := b.BytesOrPanic()
	sd := &cms.SignedData{SignedAttributes: []cms.Attribute{{Type: oidAdbeRevocationInfoArchival, Values: [][]byte{der}}}}
	got := adbeRevocationInfo(sd)
	if len(got.crls) != 1 || !bytes.Equal(got.crls[0], crl) || len(got.ocsps) != 2 || !bytes.Equal(got.ocsps[1], ocsp) {
		t.Errorf("got %d CRLs, %d OCSP responses: %x %x", len(got.crls), len(got.ocsps), got.crls, got.ocsps)
	}
	// Only OCSP responses, and garbage: nothing breaks.
	sd.SignedAttributes[0].Values[0] = []byte{0x30, 0x02, 0x05, 0x00}
	if got := adbeRevocationInfo(sd); len(got.crls)+len(got.ocsps) != 0 {
		t.Errorf("garbage gave %v", got)
	}
}

func TestFresh(t *testing.T) {
	at := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	h := time.Hour
	for _, tc := range []struct {
		this, next time.Time
		want       bool
	}{
		{at.Add(h), at.Add(2 * h), true},                 // issued after
		{at.Add(-h), at.Add(h), true},                    // at within its validity
		{at.Add(-2 * h), at.Add(-h), false},              // expired before at
		{at.Add(-h), time.Time{}, true},                  // no nextUpdate: a day
		{at.Add(-25 * h), time.Time{}, false},            // no nextUpdate, older
		{at.Add(-2 * h), at.Add(-4 * time.Minute), true}, // within the skew
	} {
		if got := fresh(tc.this, tc.next, at); got != tc.want {
			t.Errorf("fresh(%v, %v) = %v", tc.this, tc.next, got)
		}
	}
}

// FuzzRevocationInfo: the crls field and the Adobe attribute come from
// the file; reading them must not panic.
func FuzzRevocationInfo(f *testing.F) {
	f.Add([]byte{0x30, 0x03, 0x02, 0x01, 0x07})
	f.Fuzz(func(t *testing.T, der []byte) {
		cmsRevocationInfo(der)
		adbeRevocationInfo(&cms.SignedData{SignedAttributes: []cms.Attribute{{Type: oidAdbeRevocationInfoArchival, Values: [][]byte{der}}}})
	})
}
