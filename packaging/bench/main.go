// Command bench measures Siegel's signing speed and memory against the
// targets of the signing issue, and against digitorus/pdfsign used as a
// library with the same key:
//
//   - documents/s for 1-page and 100-page PDFs (in-memory RSA-2048 key);
//   - for a large PDF: the time of `siegel sign`, the floor (one plain pass
//     that reads, hashes with SHA-256 and writes the file) and peak RSS.
//
// It prints figures; it asserts nothing. Run it through `make bench`.
package main

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/digitorus/pdfsign/sign"

	"github.com/siegel-app/siegel/app"
	"github.com/siegel-app/siegel/internal/testpdf"
	"github.com/siegel-app/siegel/internal/testpki"
	"github.com/siegel-app/siegel/signing/cms"
	"github.com/siegel-app/siegel/signing/pades"
)

type memKey struct {
	crypto.Signer
	chain []*x509.Certificate
}

func (k memKey) Chain() []*x509.Certificate { return k.chain }
func (k memKey) Close() error               { return nil }

func main() {
	n1 := flag.Int("n1", 500, "number of 1-page documents")
	n100 := flag.Int("n100", 50, "number of 100-page documents")
	largeMB := flag.Int("large", 500, "size of the large PDF in MB (0 skips)")
	siegel := flag.String("siegel", "", "path of the siegel binary for the large-file run")
	dir := flag.String("dir", "", "work directory (default: a temporary one)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the document runs to `file`")
	flag.Parse()
	log.SetFlags(0)
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}

	work := *dir
	if work == "" {
		var err error
		if work, err = os.MkdirTemp("", "siegel-bench-"); err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(work)
	}
	pki, err := testpki.New(time.Now())
	if err != nil {
		log.Fatal(err)
	}
	key := memKey{pki.SignerRSA.Key, pki.Chain(pki.SignerRSA)}

	fmt.Println("documents/s, RSA-2048 key in memory")
	fmt.Println("  siegel:  app.Sign as the CLI runs it, each file fsynced before it is renamed")
	fmt.Println("  batched: pades + cms as a library, one sync(2) for the whole run (as batch sealing does)")
	fmt.Println("  pdfsign: digitorus/pdfsign sign.SignFile, no fsync")
	fmt.Printf("%-14s %10s %10s %10s\n", "", "siegel", "batched", "pdfsign")
	for _, c := range []struct {
		pages, n int
	}{{1, *n1}, {100, *n100}} {
		in := filepath.Join(work, fmt.Sprintf("in-%d.pdf", c.pages))
		if err := os.WriteFile(in, testpdf.Pages(c.pages), 0o644); err != nil {
			log.Fatal(err)
		}
		ours := rate(c.n, func(i int) error {
			_, err := app.Sign(context.Background(), app.SignRequest{Key: key, In: in,
				Out: filepath.Join(work, fmt.Sprintf("ours-%d-%d.pdf", c.pages, i))}, app.Ports{})
			return err
		})
		size := cms.MaxSize(key.chain, key.Public(), cms.Options{}) // once per key, as a batch does
		batched := rate(c.n, func(i int) error {
			if i == c.n-1 {
				defer syscall.Sync()
			}
			return signBatched(key, size, in, filepath.Join(work, fmt.Sprintf("batched-%d-%d.pdf", c.pages, i)))
		})
		theirs := rate(c.n, func(i int) error {
			return sign.SignFile(in, filepath.Join(work, fmt.Sprintf("theirs-%d-%d.pdf", c.pages, i)), sign.SignData{
				Signature:         sign.SignDataSignature{CertType: sign.ApprovalSignature, Info: sign.SignDataSignatureInfo{Date: time.Now()}},
				Signer:            key,
				DigestAlgorithm:   crypto.SHA256,
				Certificate:       key.chain[0],
				CertificateChains: [][]*x509.Certificate{key.chain},
			})
		})
		fmt.Printf("%-14s %10.0f %10.0f %10.0f\n", fmt.Sprintf("%d-page PDF", c.pages), ours, batched, theirs)
		cleanup(work, "ours-*", "batched-*", "theirs-*")
	}

	if *largeMB > 0 {
		if *siegel == "" {
			log.Fatal("-siegel PATH is needed for the large-file run")
		}
		large(work, *siegel, pki, *largeMB)
	}
}

// signBatched is the library path without per-file fsync.
func signBatched(key memKey, size int, in, out string) error {
	p, err := pades.Prepare(in, out, pades.Options{ContentsSize: size, NoSync: true})
	if err != nil {
		return err
	}
	der, err := cms.SignDetached(context.Background(), key, key.chain, p.Digest, cms.Options{})
	if err == nil {
		err = p.Embed(der)
	}
	if err == nil {
		err = p.Commit(out, false)
	}
	if err != nil {
		p.Discard()
	}
	return err
}

func rate(n int, f func(i int) error) float64 {
	start := time.Now()
	for i := 0; i < n; i++ {
		if err := f(i); err != nil {
			log.Fatal(err)
		}
	}
	return float64(n) / time.Since(start).Seconds()
}

func cleanup(dir string, globs ...string) {
	for _, g := range globs {
		m, _ := filepath.Glob(filepath.Join(dir, g))
		for _, f := range m {
			os.Remove(f)
		}
	}
}

func large(work, siegel string, pki *testpki.PKI, mb int) {
	in := filepath.Join(work, "large.pdf")
	if err := testpdf.WriteFile(in, 1, int64(mb)<<20); err != nil {
		log.Fatal(err)
	}
	st, _ := os.Stat(in)
	p12, err := pki.PKCS12(pki.SignerRSA, "bench")
	if err != nil {
		log.Fatal(err)
	}
	p12Path := filepath.Join(work, "key.p12")
	pinPath := filepath.Join(work, "pin")
	os.WriteFile(p12Path, p12, 0o600)
	os.WriteFile(pinPath, []byte("bench"), 0o600)

	// Warm the page cache the same way for both.
	floor(in, filepath.Join(work, "warm.bin"))
	floorTime := floor(in, filepath.Join(work, "floor.bin"))
	os.Remove(filepath.Join(work, "floor.bin"))
	os.Remove(filepath.Join(work, "warm.bin"))

	out := filepath.Join(work, "large-signed.pdf")
	cmd := exec.Command(siegel, "sign", "--key", "pkcs12:"+p12Path, "--pin-file", pinPath, in, out)
	cmd.Stderr = io.Discard
	start := time.Now()
	if err := cmd.Run(); err != nil {
		log.Fatalf("siegel sign: %v", err)
	}
	took := time.Since(start)
	rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss // KiB on Linux
	os.Remove(out)

	fmt.Printf("\nlarge PDF, %d MB\n", st.Size()>>20)
	fmt.Printf("  siegel sign        %8.2f s\n", took.Seconds())
	fmt.Printf("  floor (read+hash+write) %5.2f s\n", floorTime.Seconds())
	fmt.Printf("  ratio              %8.2f (target <= 2)\n", took.Seconds()/floorTime.Seconds())
	fmt.Printf("  peak RSS           %8.1f MB (target < 48)\n", float64(rss)/1024)
}

// floor is one plain pass over the file: read, SHA-256, write.
func floor(in, out string) time.Duration {
	start := time.Now()
	f, err := os.Open(in)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	o, err := os.Create(out)
	if err != nil {
		log.Fatal(err)
	}
	h := sha256.New()
	if _, err := io.CopyBuffer(io.MultiWriter(o, h), f, make([]byte, 1<<20)); err != nil {
		log.Fatal(err)
	}
	if err := o.Close(); err != nil {
		log.Fatal(err)
	}
	return time.Since(start)
}
