package verify_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/siegel-app/siegel/internal/testpki"
	"github.com/siegel-app/siegel/signing/cms"
	"github.com/siegel-app/siegel/signing/verify"
)

// FuzzVerifyASiC feeds hostile containers to VerifyASiC, seeded with a
// valid CAdES container (signed by package cms, so the seed needs no
// tool) and, where xmlsec1 is installed, a valid XAdES one. Invariant: no
// panic, and a report with a result for every signature, or an error.
func FuzzVerifyASiC(f *testing.F) {
	p := testpki.MustShared(f)
	files := dataFiles()
	const sigName = "META-INF/signature001.p7s"
	m := asicManifest(sigName, files)
	d := sha256.Sum256(m)
	der, err := cms.SignDetached(context.Background(), p.SignerEC.Key, p.Chain(p.SignerEC), d[:], cms.Options{})
	if err != nil {
		f.Fatal(err)
	}
	dir := f.TempDir()
	seed := func(entries ...zipEntry) {
		path := filepath.Join(dir, "seed.asice")
		writeZip(f, path, entries)
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	base := append([]zipEntry{mimetypeEntry()}, files...)
	// Stored entries, so that mutations reach the XML and DER inside.
	stored := func(name string, b []byte) zipEntry { return zipEntry{name, b, zip.Store} }
	seed(append(base, stored("META-INF/ASiCManifest001.xml", m), stored(sigName, der))...)
	if _, err := exec.LookPath("xmlsec1"); err == nil {
		seed(append(base, stored("META-INF/signatures.xml", xmlsecSign(f, p, p.SignerRSA, files, xadesOpts{})))...)
	}
	seed(mimetypeEntry())
	f.Add([]byte("PK\x05\x06" + string(bytes.Repeat([]byte{0}, 18))))
	opts := verify.Options{Roots: rootsOf(p), SkipRevocation: true}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "f.asice")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		rep, err := verify.VerifyASiC(path, opts)
		if err != nil {
			return
		}
		if len(rep.Signatures) == 0 || rep.Indication == "" {
			t.Fatalf("report without a result: %+v", rep)
		}
		for _, s := range rep.Signatures {
			if s.Indication == "" || s.Field == "" || s.Qualified == "" {
				t.Fatalf("signature without a result: %+v", s)
			}
		}
	})
}
