// Command seal measures batch sealing (app/seal) against the raw signing
// rate of the same key, for the targets of the batch-sealing issue:
// documents/s, the raw C_Sign rate with as many sessions as workers (through
// the path the seal used, and in-process for reference), their ratio, and
// the peak RSS of the sealing process (VmHWM, read before the raw runs).
//
// One run seals one folder with one key; `make bench-seal` runs it for
// RSA-2048 and EC P-256 with 1,000 and 10,000 files, each in a process of
// its own so that the peak RSS figures can be compared. It asserts nothing.
//
//	seal -dir D -setup                 make D/softhsm2.conf and the tokens "rsa" and "ec"
//	seal -dir D -alg rsa -n 1000       seal D/in-1000 (made once) into a fresh folder
package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"fmt"
	"log"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/siegel-app/siegel/app/seal"
	"github.com/siegel-app/siegel/internal/testpdf"
	"github.com/siegel-app/siegel/signing"
	"github.com/siegel-app/siegel/signing/keys"
	"github.com/siegel-app/siegel/signing/pkcs11"
	"github.com/siegel-app/siegel/signing/pkcs11/agent"
)

const (
	module = "/usr/lib/softhsm/libsofthsm2.so"
	pin    = "1234"
)

func main() {
	// The agent is this executable started again (agent.Options.Command).
	if len(os.Args) > 1 && os.Args[1] == agent.CommandName {
		if err := agent.ServeStdio(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	dir := flag.String("dir", "", "work `folder` (tokens, inputs, outputs)")
	setup := flag.Bool("setup", false, "make the SoftHSM2 configuration and tokens in -dir, then exit")
	alg := flag.String("alg", "rsa", "key: rsa (RSA-2048) or ec (P-256)")
	n := flag.Int("n", 1000, "number of one-page PDFs")
	workers := flag.Int("workers", 2, "seal workers (and raw signing sessions)")
	path := flag.String("signer", "auto", "how the seal signs: auto, agent or in-process (seal.Options.Signer)")
	rawFor := flag.Duration("raw", 3*time.Second, "how long each raw signing rate is measured (0 skips)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the sealing to `file`")
	keep := flag.Bool("keep", false, "keep the output folder")
	rawprofile := flag.String("rawprofile", "", "write a CPU profile of the raw signing runs to `file`")
	memprofile := flag.String("memprofile", "", "write an allocation profile of the sealing to `file`")
	flag.Parse()
	log.SetFlags(0)
	if *dir == "" {
		log.Fatal("-dir is required")
	}
	os.Setenv("SOFTHSM2_CONF", filepath.Join(*dir, "softhsm2.conf"))
	if *setup {
		if err := makeTokens(*dir); err != nil {
			log.Fatal(err)
		}
		return
	}
	uri := fmt.Sprintf("pkcs11:token=%s;id=%%01;type=private?module-path=%s", *alg, module)
	in := filepath.Join(*dir, fmt.Sprintf("in-%d", *n))
	if err := makeInputs(in, *n); err != nil {
		log.Fatal(err)
	}
	out := filepath.Join(*dir, fmt.Sprintf("out-%s-%d", *alg, *n))
	os.RemoveAll(out)
	if !*keep {
		defer os.RemoveAll(out)
	}
	pinFunc := func(context.Context, signing.PINRequest) ([]byte, error) { return []byte(pin), nil }

	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		pprof.StartCPUProfile(f)
	}
	cpu0 := cpuTime()
	start := time.Now()
	res, err := seal.Run(context.Background(), seal.Options{KeyURI: uri, In: in, Out: out,
		Workers: *workers, Signer: *path}, seal.Ports{PIN: pinFunc})
	took := time.Since(start)
	cpu := cpuTime() - cpu0
	if *cpuprofile != "" {
		pprof.StopCPUProfile()
	}
	if *memprofile != "" {
		if f, err := os.Create(*memprofile); err == nil {
			pprof.Lookup("allocs").WriteTo(f, 0)
			f.Close()
		}
	}
	if err != nil {
		log.Fatalf("seal: %v", err)
	}
	if res.Sealed != *n {
		log.Fatalf("seal: %d of %d sealed, %d failed: %v", res.Sealed, *n, res.Failed, res.Failures)
	}
	hwm := vmHWM()
	docs := float64(*n) / took.Seconds()
	fmt.Printf("%-3s %6d files, %d workers, signer %s: %7.0f documents/s (%.2f s; CPU %.0f µs/document, this process), peak RSS %d MB\n",
		strings.ToUpper(*alg), *n, *workers, *path, docs, took.Seconds(), float64(cpu.Microseconds())/float64(*n), hwm>>10)
	if *rawFor == 0 {
		return
	}
	// The raw rates: the same key, as many sessions as workers, signing
	// SHA-256 digests as fast as they can.
	if *rawprofile != "" {
		f, err := os.Create(*rawprofile)
		if err != nil {
			log.Fatal(err)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	ctx := context.Background()
	usedAgent := *path == "agent" || *path == "auto" && !seal.InProcessModule(module)
	openAgent := func() (signing.Key, error) { return keys.Open(ctx, uri, keys.Options{PIN: pinFunc}) }
	openInProc := func() (signing.Key, error) {
		k, err := pkcs11.Open(ctx, uri, pkcs11.Options{PIN: pinFunc})
		if err != nil {
			return nil, err
		}
		return k, nil
	}
	inproc, err := rawRate(openInProc, *workers, *rawFor)
	if err != nil {
		log.Fatalf("raw in-process: %v", err)
	}
	line := fmt.Sprintf("    raw C_Sign in-process, %d sessions: %7.0f/s (CPU %.0f µs/signature); seal/raw = %3.0f %%",
		*workers, inproc, lastRawCPU, 100*docs/inproc)
	if usedAgent {
		ag, err := rawRate(openAgent, *workers, *rawFor)
		if err != nil {
			log.Fatalf("raw through the agent: %v", err)
		}
		line += fmt.Sprintf("\n    raw through the agent (the seal's path), %d sessions: %7.0f/s (CPU %.0f µs/signature, this process); seal/raw = %3.0f %%",
			*workers, ag, lastRawCPU, 100*docs/ag)
	} else {
		line += " (the seal's path)"
	}
	fmt.Println(line)
	agent.Shutdown()
}

// lastRawCPU is the CPU time per signature of the last rawRate, in µs.
var lastRawCPU float64

// rawRate signs with sessions keys at once for d and returns signatures/s.
func rawRate(open func() (signing.Key, error), sessions int, d time.Duration) (float64, error) {
	var ks []signing.Key
	defer func() {
		for _, k := range ks {
			k.Close()
		}
	}()
	for range sessions {
		k, err := open()
		if err != nil {
			return 0, err
		}
		ks = append(ks, k)
	}
	digest := sha256.Sum256([]byte("bench"))
	// Log in (the first signature) before the clock starts.
	if _, err := ks[0].Sign(rand.Reader, digest[:], crypto.SHA256); err != nil {
		return 0, err
	}
	var count atomic.Int64
	var firstErr error
	var once sync.Once
	stop := time.Now().Add(d)
	cpu0 := cpuTime()
	start := time.Now()
	var wg sync.WaitGroup
	for _, k := range ks {
		wg.Go(func() {
			for time.Now().Before(stop) {
				if _, err := k.Sign(rand.Reader, digest[:], crypto.SHA256); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				count.Add(1)
			}
		})
	}
	wg.Wait()
	took, cpu := time.Since(start), cpuTime()-cpu0
	lastRawCPU = float64(cpu.Microseconds()) / float64(max(1, count.Load()))
	return float64(count.Load()) / took.Seconds(), firstErr
}

// cpuTime is the user and system time of this process so far (SoftHSM2
// included when it runs in-process; an agent's is its own).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func vmHWM() int64 {
	b, _ := os.ReadFile("/proc/self/status")
	for l := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			var kb int64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &kb)
			return kb
		}
	}
	return 0
}

// makeInputs writes n one-page PDFs into dir, 500 per subfolder, unless a
// complete set is there from an earlier run.
func makeInputs(dir string, n int) error {
	done := filepath.Join(dir, ".complete")
	if _, err := os.Stat(done); err == nil {
		return nil
	}
	os.RemoveAll(dir)
	for i := range n {
		sub := filepath.Join(dir, fmt.Sprintf("%03d", i/500))
		if i%500 == 0 {
			if err := os.MkdirAll(sub, 0o755); err != nil {
				return err
			}
		}
		if err := testpdf.WriteFile(filepath.Join(sub, fmt.Sprintf("doc%05d.pdf", i)), 1, 0); err != nil {
			return err
		}
	}
	return os.WriteFile(done, nil, 0o644)
}

// makeTokens makes a SoftHSM2 configuration in dir with two tokens, "rsa"
// (RSA-2048) and "ec" (P-256), each with a key under CKA_ID 01 and its
// self-signed certificate.
func makeTokens(dir string) error {
	tokens := filepath.Join(dir, "tokens")
	os.RemoveAll(tokens)
	if err := os.MkdirAll(tokens, 0o700); err != nil {
		return err
	}
	conf := fmt.Sprintf("directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n", tokens)
	if err := os.WriteFile(filepath.Join(dir, "softhsm2.conf"), []byte(conf), 0o644); err != nil {
		return err
	}
	for _, label := range []string{"rsa", "ec"} {
		var priv crypto.Signer
		var err error
		if label == "rsa" {
			priv, err = rsa.GenerateKey(rand.Reader, 2048)
		} else {
			priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		}
		if err != nil {
			return err
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(time.Now().UnixNano()),
			Subject:      pkix.Name{CommonName: "Bench Seal " + strings.ToUpper(label), Organization: []string{"Siegel Bench"}},
			NotBefore:    time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0),
			KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		}
		cert, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, priv.Public(), priv)
		if err != nil {
			return err
		}
		p8, err := x509.MarshalPKCS8PrivateKey(priv)
		if err != nil {
			return err
		}
		keyFile := filepath.Join(dir, label+".key.pem")
		certFile := filepath.Join(dir, label+".crt.der")
		os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p8}), 0o600)
		os.WriteFile(certFile, cert, 0o644)
		for _, args := range [][]string{
			{"softhsm2-util", "--init-token", "--free", "--label", label, "--so-pin", "87654321", "--pin", pin},
			{"softhsm2-util", "--import", keyFile, "--token", label, "--label", "seal", "--id", "01", "--pin", pin},
			{"pkcs11-tool", "--module", module, "--token-label", label, "--login", "--pin", pin,
				"--write-object", certFile, "--type", "cert", "--id", "01", "--label", "seal"},
		} {
			cmd := exec.Command(args[0], args[1:]...)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("%s: %v\n%s", strings.Join(args[:2], " "), err, out.String())
			}
		}
		os.Remove(keyFile)
	}
	return nil
}
