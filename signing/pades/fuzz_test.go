package pades

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/siegel-app/siegel/internal/testpdf"
)

// FuzzPrepare feeds arbitrary bytes as the input document. Prepare must
// return an error or a prepared file whose byte ranges are consistent and
// which reads back as a PDF; it must never panic or touch the input.
func FuzzPrepare(f *testing.F) {
	one := testpdf.Pages(1)
	f.Add(one)
	f.Add(testpdf.Pages(3))
	f.Add(one[:len(one)/2])
	f.Add(bytes.Replace(one, []byte("xref"), []byte("xreg"), 1))
	f.Add([]byte("%PDF-1.7\n%%EOF\n"))
	// Cross-reference and object streams, as most producers write today.
	if qpdf, err := exec.LookPath("qpdf"); err == nil {
		dir := f.TempDir()
		in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
		os.WriteFile(in, testpdf.Pages(2), 0o644)
		if exec.Command(qpdf, "--object-streams=generate", in, out).Run() == nil {
			b, _ := os.ReadFile(out)
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		in := filepath.Join(dir, "in.pdf")
		if err := os.WriteFile(in, data, 0o644); err != nil {
			t.Fatal(err)
		}
		p, err := Prepare(in, filepath.Join(dir, "out.pdf"), Options{ContentsSize: 64})
		got, _ := os.ReadFile(in)
		if !bytes.Equal(got, data) {
			t.Fatal("input changed")
		}
		if err != nil {
			return
		}
		defer p.Discard()
		out, err := os.ReadFile(p.Path)
		if err != nil {
			t.Fatal(err)
		}
		br := p.ByteRange
		if br[0] != 0 || br[2]+br[3] != int64(len(out)) || !bytes.HasPrefix(out, data) || out[br[1]] != '<' || out[br[2]-1] != '>' {
			t.Fatalf("inconsistent byte range %v for %d bytes", br, len(out))
		}
		f, err := os.Open(p.Path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := readDocument(f); err != nil {
			t.Fatalf("prepared file does not read back: %v", err)
		}
	})
}
