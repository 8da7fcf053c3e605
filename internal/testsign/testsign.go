// Package testsign makes signed PDFs for tests of the packages that show
// verification results (reports, the GUI), through the same Prepare,
// SignDetached, Embed and Commit steps that Siegel signs with.
package testsign

import (
	"context"
	"crypto/x509"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/siegel-app/siegel/internal/testpdf"
	"github.com/siegel-app/siegel/internal/testpki"
	"github.com/siegel-app/siegel/signing/cms"
	"github.com/siegel-app/siegel/signing/pades"
	"github.com/siegel-app/siegel/signing/verify"
)

// Sign signs in into out with e's key and chain as PAdES-B-B.
func Sign(t testing.TB, p *testpki.PKI, e *testpki.Entity, in, out string, opts pades.Options) {
	t.Helper()
	chain := p.Chain(e)
	opts.ContentsSize = cms.MaxSize(chain, e.Key.Public(), cms.Options{})
	prep, err := pades.Prepare(in, out, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer prep.Discard()
	der, err := cms.SignDetached(context.Background(), e.Key, chain, prep.Digest, cms.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := prep.Embed(der); err != nil {
		t.Fatal(err)
	}
	if err := prep.Commit(out, true); err != nil {
		t.Fatal(err)
	}
}

// TamperedReport signs a two-page PDF with the RSA signer, replaces the
// content of page 1 (object 6) in a later incremental update, the
// shadow attack's simplest form, and verifies the result against the
// test PKI's root, without revocation.
func TamperedReport(t testing.TB, reason string) *verify.Report {
	t.Helper()
	p := testpki.MustShared(t)
	dir := t.TempDir()
	in, signed := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "vertrag.pdf")
	if err := os.WriteFile(in, testpdf.Pages(2), 0o644); err != nil {
		t.Fatal(err)
	}
	Sign(t, p, p.SignerRSA, in, signed, pades.Options{Reason: reason})
	data, err := os.ReadFile(signed)
	if err != nil {
		t.Fatal(err)
	}
	content := "BT /F1 24 Tf 72 720 Td (Pay 1000000 EUR) Tj ET"
	data = testpdf.AppendUpdate(data, map[int]string{6: "<< /Length " + strconv.Itoa(len(content)) + " >>\nstream\n" + content + "\nendstream"})
	if err := os.WriteFile(signed, data, 0o644); err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(p.Root.Cert)
	rep, err := verify.Verify(signed, verify.Options{Roots: roots, SkipRevocation: true})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}
