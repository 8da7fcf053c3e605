package seal_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/siegel-app/siegel/app/seal"
	"github.com/siegel-app/siegel/internal/testpdf"
	"github.com/siegel-app/siegel/internal/testpki"
	"github.com/siegel-app/siegel/signing"
)

func setup(t *testing.T, n int) (opts seal.Options, pin signing.PINFunc) {
	t.Helper()
	pki := testpki.MustShared(t)
	dir := t.TempDir()
	der, err := pki.PKCS12(pki.SignerEC, "1234")
	if err != nil {
		t.Fatal(err)
	}
	p12 := filepath.Join(dir, "seal.p12")
	os.WriteFile(p12, der, 0o600)
	in := filepath.Join(dir, "in")
	os.MkdirAll(filepath.Join(in, "sub"), 0o755)
	for i := range n {
		name := filepath.Join(in, string(rune('a'+i))+".pdf")
		if i%2 == 1 {
			name = filepath.Join(in, "sub", string(rune('a'+i))+".pdf")
		}
		if err := testpdf.WriteFile(name, 1, 0); err != nil {
			t.Fatal(err)
		}
	}
	pin = func(context.Context, signing.PINRequest) ([]byte, error) { return []byte("1234"), nil }
	return seal.Options{KeyURI: "pkcs12:" + p12, In: in, Out: filepath.Join(dir, "out"), Workers: 2}, pin
}

// TestGate: a paused run starts no file until resumed, reports that it is
// paused, and then seals everything; Progress counts add up.
func TestGate(t *testing.T) {
	opts, pin := setup(t, 6)
	var gate seal.Gate
	gate.Pause()
	var reports []seal.Progress
	resumed := false
	progress := func(p seal.Progress) {
		reports = append(reports, p)
		if !resumed && p.Paused {
			if p.Done != 0 {
				t.Errorf("%d files done while paused", p.Done)
			}
			resumed = true
			gate.Resume()
		}
	}
	res, err := seal.Run(context.Background(), opts, seal.Ports{PIN: pin, Progress: progress, Gate: &gate})
	if err != nil {
		t.Fatal(err)
	}
	if !resumed || res.Sealed != 6 || res.Done != 6 || res.Total != 6 {
		t.Errorf("resumed %v, result %+v", resumed, res.Progress)
	}
	last := 0
	for _, p := range reports {
		if p.Done < last || p.Done != p.Sealed+p.Skipped+p.Failed {
			t.Errorf("inconsistent report %+v", p)
		}
		last = p.Done
	}
}

// TestCancelWhilePaused: cancelling ends the run with ErrCancelled and
// seals nothing.
func TestCancelWhilePaused(t *testing.T) {
	opts, pin := setup(t, 4)
	var gate seal.Gate
	gate.Pause()
	ctx, cancel := context.WithCancel(context.Background())
	progress := func(p seal.Progress) {
		if p.Paused {
			cancel()
		}
	}
	res, err := seal.Run(ctx, opts, seal.Ports{PIN: pin, Progress: progress, Gate: &gate})
	var se *seal.StopError
	if !errors.As(err, &se) || !errors.Is(err, signing.ErrCancelled) {
		t.Fatalf("err = %v, want a StopError wrapping ErrCancelled", err)
	}
	if res.Sealed != 0 {
		t.Errorf("%d sealed", res.Sealed)
	}
	ents, _ := os.ReadDir(opts.Out)
	for _, e := range ents {
		if e.Name() != seal.AuditLogName && e.Name() != seal.JournalName {
			t.Errorf("left in the output folder: %s", e.Name())
		}
	}
}

// TestVanishedFile: a file listed for the run and removed before its turn
// is recorded as failed with the reason, and the run seals the others.
func TestVanishedFile(t *testing.T) {
	opts, pin := setup(t, 6)
	var gate seal.Gate
	gate.Pause()
	gone := filepath.Join(opts.In, "c.pdf")
	removed := false
	progress := func(p seal.Progress) {
		if p.Paused && !removed {
			if p.Total < 6 {
				// The folder is listed while the gate is closed: ask
				// for another report until all six are.
				go func() { time.Sleep(5 * time.Millisecond); gate.Pause() }()
				return
			}
			if err := os.Remove(gone); err != nil {
				t.Error(err)
			}
			removed = true
			gate.Resume()
		}
	}
	res, err := seal.Run(context.Background(), opts, seal.Ports{PIN: pin, Progress: progress, Gate: &gate})
	if err != nil {
		t.Fatal(err)
	}
	if res.Sealed != 5 || res.Failed != 1 || len(res.Failures) != 1 {
		t.Fatalf("result %+v, failures %+v; want 5 sealed and c.pdf failed", res.Progress, res.Failures)
	}
	if f := res.Failures[0]; f.Input != "c.pdf" || !strings.Contains(f.Reason, "vanished") {
		t.Errorf("failure %+v, want c.pdf with a reason saying it vanished", f)
	}
	if _, err := os.Stat(filepath.Join(opts.Out, "c.pdf")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("an output for the vanished input: %v", err)
	}
	ents, _ := os.ReadDir(opts.Out)
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file left in the output folder: %s", e.Name())
		}
	}
}
