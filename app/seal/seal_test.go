package seal_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

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
