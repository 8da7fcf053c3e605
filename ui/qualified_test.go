package ui

import (
	"strings"
	"testing"

	"github.com/siegel-app/siegel/app"
	"github.com/siegel-app/siegel/internal/testpki"
)

// TestReviewQualified: the Review says whether the signer's certificate
// claims to be qualified, for signatures or seals, with its key in a
// qualified device, and that this is the certificate's own statement.
func TestReviewQualified(t *testing.T) {
	pki := testpki.MustShared(t)
	for _, tc := range []struct {
		qc   testpki.QC
		want string
	}{
		{testpki.QC{}, "No: not a qualified certificate"},
		{testpki.QC{Compliance: true, SSCD: true, Type: "esign"}, "Yes: qualified certificate for electronic signatures"},
		{testpki.QC{Compliance: true, SSCD: true, Type: "eseal"}, "Yes: qualified certificate for electronic seals"},
		{testpki.QC{Compliance: true, Type: "esign"}, "Qualified certificate, key not in a qualified device"},
	} {
		e, err := pki.NewSignerQC("Erika Mustermann", "ec", tc.qc)
		if err != nil {
			t.Fatal(err)
		}
		r := reviewFixture()
		r.Signer = e.Cert
		var got string
		for _, f := range NewReviewModel(r, e.Cert.NotBefore).Fields {
			if f.Label == "Qualified" {
				got = f.Value
			}
		}
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("%+v: shown %q, want %q…", tc.qc, got, tc.want)
		}
		if tc.qc.Compliance && !strings.Contains(got, "as the certificate states") {
			t.Errorf("%+v: %q does not say whose statement it is", tc.qc, got)
		}
	}
	if q := app.QualifiedClaim(nil); q.Qualified {
		t.Error("no certificate claimed qualified")
	}
}
