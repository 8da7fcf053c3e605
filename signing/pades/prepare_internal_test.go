package pades

import (
	"bytes"
	"crypto/sha256"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/siegel-app/siegel/internal/testenv"
	"github.com/siegel-app/siegel/internal/testpdf"
)

func TestPrepareQuick(t *testing.T) {
	qpdf := testenv.Need(t, "qpdf")["qpdf"]
	dir := t.TempDir()
	in := filepath.Join(dir, "in.pdf")
	os.WriteFile(in, testpdf.Pages(3), 0o644)
	streamIn := filepath.Join(dir, "in-stream.pdf")
	if out, err := exec.Command(qpdf, "--object-streams=generate", in, streamIn).CombinedOutput(); err != nil {
		t.Fatalf("qpdf: %v %s", err, out)
	}
	for _, src := range []string{in, streamIn} {
		for _, vis := range []*Visible{nil, {Page: 2, X: 50, Y: 50, W: 200, H: 60, Lines: []string{"Erika Mustermann", "2026-11-25", "Grüße"}}} {
			out := filepath.Join(dir, "out.pdf")
			p, err := Prepare(src, out, Options{ContentsSize: 4000, Reason: "test", Visible: vis})
			if err != nil {
				t.Fatal(err)
			}
			data, _ := os.ReadFile(p.Path)
			br := p.ByteRange
			h := sha256.New()
			h.Write(data[br[0]:br[1]])
			h.Write(data[br[2] : br[2]+br[3]])
			if !bytes.Equal(h.Sum(nil), p.Digest) || br[2]+br[3] != int64(len(data)) {
				t.Fatalf("digest or byte range wrong: %v", br)
			}
			if out, err := exec.Command(qpdf, "--check", p.Path).CombinedOutput(); err != nil {
				t.Fatalf("qpdf --check: %v\n%s", err, out)
			}
			p.Discard()
		}
	}
}
