package verify_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/siegel-app/siegel/internal/testpdf"
	"github.com/siegel-app/siegel/internal/testpki"
	"github.com/siegel-app/siegel/signing/pades"
	"github.com/siegel-app/siegel/signing/verify"
)

// FuzzVerify feeds hostile files to Verify. With appended set, data is
// appended to a correctly signed PDF, so the signature stays intact and
// the modification analysis of later revisions, not the hash check, meets
// the input; otherwise data is the whole file. Invariant: no panic, and
// Verify returns (a report or an error). The watchdog only catches hangs:
// every seed takes milliseconds.
func FuzzVerify(f *testing.F) {
	p := testpki.MustShared(f)
	dir := f.TempDir()
	plain, signed, two := filepath.Join(dir, "plain.pdf"), filepath.Join(dir, "signed.pdf"), filepath.Join(dir, "two.pdf")
	os.WriteFile(plain, testpdf.Pages(2), 0o644)
	atkSign(f, p, plain, signed, pades.Options{Certify: 2}, nil)
	atkSign(f, p, signed, two, pades.Options{}, nil)
	base, err := os.ReadFile(signed)
	if err != nil {
		f.Fatal(err)
	}
	second, _ := os.ReadFile(two)
	f.Add(base, false)
	f.Add(second, false)
	f.Add(second[len(base):], true)
	annot := testpdf.AppendUpdate(base, map[int]string{40: "<< /Type /Annot /Subtype /Text /Rect [0 0 9 9] >>",
		5: "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Annots [10 0 R 40 0 R] /Contents 6 0 R >>"})
	f.Add(annot[len(base):], true)
	content := testpdf.AppendUpdate(base, map[int]string{6: "<< /Length 5 >>\nstream\nBT ET\nendstream",
		2: "<< /Type /Pages /Kids [5 0 R 7 0 R 5 0 R] /Count 3 >>"})
	f.Add(content[len(base):], true)
	f.Add([]byte("1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\nstartxref\n0\n%%EOF\n"), true)

	opts := verify.Options{Roots: rootsOf(p), SkipRevocation: true}
	f.Fuzz(func(t *testing.T, data []byte, appended bool) {
		if appended {
			data = append(append([]byte(nil), base...), data...)
		}
		path := filepath.Join(t.TempDir(), "in.pdf")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			rep, err := verify.Verify(path, opts)
			if err == nil && (rep == nil || len(rep.Signatures) == 0) {
				t.Error("no error and no signature")
			}
		}()
		select {
		case <-done:
		case <-time.After(2 * time.Minute):
			t.Fatal("Verify did not return within two minutes")
		}
	})
}
