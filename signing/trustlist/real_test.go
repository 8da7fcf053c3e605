package trustlist

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/beevik/etree"
)

// TestRealLists checks XML signature interoperability on real lists, when
// TRUSTLIST_REAL_DIR names a directory of them (e.g. the EU LOTL and
// national lists saved from their URLs). Each list is verified against the
// certificate in its own KeyInfo: this tests the XMLDSig code on what
// the member states produce, not trust. Lists whose signature is meant to
// fail are listed as such in the log.
func TestRealLists(t *testing.T) {
	dir := os.Getenv("TRUSTLIST_REAL_DIR")
	if dir == "" {
		t.Skip("set TRUSTLIST_REAL_DIR to a directory of real trusted lists to run")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.xml"))
	verified := 0
	for _, f := range files {
		name := filepath.Base(f)
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		unverified, err := Parse(b)
		if err != nil {
			t.Logf("%s: not a trusted list: %v", name, err)
			continue
		}
		doc := etree.NewDocument()
		if err := doc.ReadFromBytes(b); err != nil {
			t.Logf("%s: %v", name, err)
			continue
		}
		sigs := findSignatures(doc.Root())
		if len(sigs) == 0 {
			t.Logf("%s: unsigned", name)
			continue
		}
		content, signer, err := verifyXML(b, keyInfoCerts(sigs[0]), unverified.IssueDate)
		if err != nil {
			t.Logf("%s: signature FAILED: %v", name, err)
			continue
		}
		tl, err := Parse(content)
		if err != nil {
			t.Errorf("%s: signed content does not parse: %v", name, err)
			continue
		}
		verified++
		services := 0
		for _, p := range tl.Providers {
			services += len(p.Services)
		}
		t.Logf("%s: verified, %s sequence %d, signed by %s, %d providers, %d services, %d national pointers, %d identities skipped",
			name, tl.Territory, tl.SequenceNumber, signer.Subject.CommonName, len(tl.Providers), services, len(nationalPointers(tl)), len(tl.Skipped))
	}
	if verified == 0 {
		t.Fatalf("no list in %s verified", dir)
	}
}
