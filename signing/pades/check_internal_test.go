package pades

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/siegel-app/siegel/internal/testpdf"
)

// TestCheckSeesChanges covers Check on a small prepared file (one read)
// and a large one (stat and ranges): each change to the prepared file must
// be reported, and the untouched file must pass. It also checks that
// InputMode carries the input's permission bits over.
func TestCheckSeesChanges(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small.pdf")
	if err := os.WriteFile(small, testpdf.Pages(1), 0o640); err != nil {
		t.Fatal(err)
	}
	large := filepath.Join(dir, "large.pdf")
	if err := testpdf.WriteFile(large, 1, 2*blockSize); err != nil {
		t.Fatal(err)
	}
	os.Chmod(large, 0o640)
	changes := map[string]func(p *Prepared, f *os.File) error{
		"grown":  func(p *Prepared, f *os.File) error { _, err := f.WriteAt([]byte("\n"), p.total); return err },
		"shrunk": func(p *Prepared, f *os.File) error { return f.Truncate(p.total - 1) },
		"byte changed": func(p *Prepared, f *os.File) error {
			_, err := f.WriteAt([]byte("X"), p.ByteRange[1]-1)
			return err
		},
		"placeholder filled": func(p *Prepared, f *os.File) error {
			_, err := f.WriteAt([]byte("ab"), p.ByteRange[1]+1)
			return err
		},
	}
	for _, in := range []string{small, large} {
		out := filepath.Join(dir, "out.pdf")
		p, err := Prepare(in, out, Options{ContentsSize: 3000, InputMode: true})
		if err != nil {
			t.Fatal(err)
		}
		if (p.total <= blockSize) != (in == small) {
			t.Fatalf("%s: %d bytes, not the size this case needs", in, p.total)
		}
		if st, err := os.Stat(p.Path); err != nil || st.Mode().Perm() != 0o640 {
			t.Fatalf("%s: prepared file mode %v, %v; want 0640", in, st.Mode().Perm(), err)
		}
		if err := p.Check(); err != nil {
			t.Fatalf("%s: untouched: %v", in, err)
		}
		p.Discard()
		for name, change := range changes {
			p, err := Prepare(in, out, Options{ContentsSize: 3000})
			if err != nil {
				t.Fatal(err)
			}
			if err := change(p, p.f); err != nil {
				t.Fatal(err)
			}
			if err := p.Check(); !errors.Is(err, ErrPreparedChanged) {
				t.Errorf("%s, %s: Check = %v, want ErrPreparedChanged", filepath.Base(in), name, err)
			}
			p.Discard()
		}
	}
}
