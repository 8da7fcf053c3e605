package pades_test

import (
	"bytes"
	"crypto/sha256"
	"os"
	"path/filepath"
	"testing"

	"github.com/siegel-app/siegel/internal/testpdf"
	"github.com/siegel-app/siegel/signing/pades"
)

// TestFileDigests: with FileDigests, InputSHA256 is the digest of the input
// and OutputSHA256 that of the committed file, computed without reading
// either back; without it both are nil.
func TestFileDigests(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.pdf")
	if err := testpdf.WriteFile(in, 2, 0); err != nil {
		t.Fatal(err)
	}
	for _, sigLen := range []int{1, 700, 4000} {
		out := filepath.Join(dir, "out.pdf")
		os.Remove(out)
		p, err := pades.Prepare(in, out, pades.Options{ContentsSize: 4000, FileDigests: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Embed(bytes.Repeat([]byte{0xA5}, sigLen)); err != nil {
			t.Fatal(err)
		}
		if err := p.Commit(out, false); err != nil {
			t.Fatal(err)
		}
		inData, _ := os.ReadFile(in)
		outData, _ := os.ReadFile(out)
		wantIn, wantOut := sha256.Sum256(inData), sha256.Sum256(outData)
		if !bytes.Equal(p.InputSHA256, wantIn[:]) {
			t.Errorf("signature of %d bytes: InputSHA256 %x, want %x", sigLen, p.InputSHA256, wantIn)
		}
		if !bytes.Equal(p.OutputSHA256(), wantOut[:]) {
			t.Errorf("signature of %d bytes: OutputSHA256 %x, want %x", sigLen, p.OutputSHA256(), wantOut)
		}
	}
	p, err := pades.Prepare(in, filepath.Join(dir, "plain.pdf"), pades.Options{ContentsSize: 4000})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Discard()
	if err := p.Embed([]byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	if p.InputSHA256 != nil || p.OutputSHA256() != nil {
		t.Error("digests without FileDigests")
	}
}
