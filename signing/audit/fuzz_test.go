package audit_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/siegel-app/siegel/internal/testpdf"
	"github.com/siegel-app/siegel/signing/audit"
)

// FuzzInspect feeds arbitrary bytes to Inspect: it must return a report or
// an error, never panic, and finish quickly (a hostile file must not hang
// the audit).
func FuzzInspect(f *testing.F) {
	for _, tc := range cases {
		f.Add(tc.pdf())
	}
	one := testpdf.Pages(1)
	f.Add(one)
	f.Add(one[:len(one)/2])
	f.Add(bytes.Replace(one, []byte("xref"), []byte("xreg"), 1))
	f.Add([]byte("%PDF-1.7\n%%EOF\n"))
	// Cross-reference and object streams, as most producers write today.
	if qpdf, err := exec.LookPath("qpdf"); err == nil {
		dir := f.TempDir()
		in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
		os.WriteFile(in, withSignature(), 0o644)
		if exec.Command(qpdf, "--object-streams=generate", in, out).Run() == nil {
			b, _ := os.ReadFile(out)
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in := filepath.Join(t.TempDir(), "in.pdf")
		if err := os.WriteFile(in, data, 0o644); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		var rep *audit.Report
		var err error
		go func() {
			defer close(done)
			rep, err = audit.Inspect(in)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("Inspect did not finish in 10 s")
		}
		if (rep == nil) == (err == nil) {
			t.Fatalf("report %v and error %v", rep, err)
		}
		if rep != nil && rep.Revisions < 1 {
			t.Fatalf("revisions = %d", rep.Revisions)
		}
	})
}
