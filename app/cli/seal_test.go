package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/siegel-app/siegel/app/cli"
	"github.com/siegel-app/siegel/app/seal"
	"github.com/siegel-app/siegel/internal/judge"
	"github.com/siegel-app/siegel/internal/softhsm"
	"github.com/siegel-app/siegel/internal/testenv"
	"github.com/siegel-app/siegel/internal/testpdf"
	"github.com/siegel-app/siegel/internal/tsatest"
	"github.com/siegel-app/siegel/signing"
)

// sealToken is a SoftHSM2 token with the test PKI's RSA (id 1) and EC
// (id 2) signers.
func sealToken(t *testing.T, f *fixture, label string) *softhsm.Token {
	t.Helper()
	tok := softhsm.NewToken(t, label, "1234")
	tok.ImportKey(t, []byte{1}, "rsa", f.pki.SignerRSA, f.pki.Chain(f.pki.SignerRSA), false)
	tok.ImportKey(t, []byte{2}, "ec", f.pki.SignerEC, f.pki.Chain(f.pki.SignerEC), false)
	return tok
}

// pdfTree writes n one-page PDFs spread over three folder levels and
// returns their relative paths.
func pdfTree(t *testing.T, dir string, n int) []string {
	t.Helper()
	var rels []string
	for i := range n {
		var rel string
		switch i % 3 {
		case 0:
			rel = fmt.Sprintf("doc%03d.pdf", i)
		case 1:
			rel = fmt.Sprintf("a/doc%03d.pdf", i)
		default:
			rel = fmt.Sprintf("a/b c/doc%03d.pdf", i)
		}
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := testpdf.WriteFile(p, 1+i%2, 0); err != nil {
			t.Fatal(err)
		}
		rels = append(rels, rel)
	}
	return rels
}

// hashTree maps the relative path of every file under dir to its SHA-256.
func hashTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		sum := sha256.Sum256(b)
		out[filepath.ToSlash(rel)] = hex.EncodeToString(sum[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// readAudit parses the audit log of out.
func readAudit(t *testing.T, out string) []seal.Record {
	t.Helper()
	f, err := os.Open(filepath.Join(out, seal.AuditLogName))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var recs []seal.Record
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r seal.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("audit log line %d: %v", len(recs)+1, err)
		}
		recs = append(recs, r)
	}
	return recs
}

// sealedOnce checks that the audit log has exactly one "sealed" line per
// input of want, and none for anything else.
func sealedOnce(t *testing.T, out string, want []string) {
	t.Helper()
	count := map[string]int{}
	for _, r := range readAudit(t, out) {
		if r.Outcome == seal.OutcomeSealed {
			count[r.Input]++
		}
	}
	for _, rel := range want {
		if count[rel] != 1 {
			t.Errorf("%s sealed %d times in the audit log, want once", rel, count[rel])
		}
		delete(count, rel)
	}
	for rel, n := range count {
		t.Errorf("audit log: %s sealed %d times, but it is no input", rel, n)
	}
}

// noTemps fails when out holds temporary or hidden files other than the
// journal.
func noTemps(t *testing.T, out string) {
	t.Helper()
	filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasPrefix(d.Name(), ".") && d.Name() != seal.JournalName {
			t.Errorf("left behind in the output folder: %s", p)
		}
		return nil
	})
}

// quickCheck checks that out is in's bytes plus one incremental update
// with one signature over the whole file.
func quickCheck(t *testing.T, in, out string) {
	t.Helper()
	a, _ := os.ReadFile(in)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Errorf("output of %s: %v", in, err)
		return
	}
	if !bytes.HasPrefix(b, a) || len(b) == len(a) {
		t.Errorf("%s is not %s with an update appended", out, in)
		return
	}
	sigs := judge.Signatures(t, out)
	if len(sigs) != 1 {
		t.Errorf("%s has %d signatures, want 1", out, len(sigs))
	}
}

func TestSealFolder(t *testing.T) {
	f := newFixture(t)
	tok := sealToken(t, f, "siegel-seal")
	in, out := filepath.Join(f.dir, "in"), filepath.Join(f.dir, "out")
	rels := pdfTree(t, in, 12)
	good := testpdf.Pages(1)
	os.WriteFile(filepath.Join(in, "a", "damaged.pdf"), good[:len(good)/2], 0o644)
	os.WriteFile(filepath.Join(in, "encrypted.pdf"), encrypted(t, good), 0o644)
	os.WriteFile(filepath.Join(in, "notes.txt"), []byte("not a PDF, not sealed"), 0o644)
	before := hashTree(t, in)

	args := []string{"seal", "--key", tok.URI([]byte{1}), "--pin-file", f.pinFile, "--in", in, "--out", out, "--workers", "3", "--reason", "Rechnung"}
	code, stdout, stderr := run(t, args...)
	if code != cli.ExitError {
		t.Fatalf("exit %d, want %d (two files failed)\n%s%s", code, cli.ExitError, stdout, stderr)
	}
	for _, want := range []string{"a/damaged.pdf: damaged PDF", "encrypted.pdf: ", "encrypted"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("failure list lacks %q:\n%s", want, stderr)
		}
	}
	if !strings.Contains(stdout, "12 sealed, 0 skipped, 2 failed") {
		t.Errorf("summary:\n%s", stdout)
	}
	for _, rel := range rels {
		quickCheck(t, filepath.Join(in, rel), filepath.Join(out, filepath.FromSlash(rel)))
	}
	for _, rel := range []string{rels[0], rels[len(rels)-1]} {
		checkSigned(t, f, filepath.Join(out, filepath.FromSlash(rel)), 1)
	}
	for _, rel := range []string{"a/damaged.pdf", "encrypted.pdf", "notes.txt"} {
		if _, err := os.Stat(filepath.Join(out, rel)); err == nil {
			t.Errorf("%s has an output", rel)
		}
	}
	sealedOnce(t, out, rels)
	recs := readAudit(t, out)
	var failed []string
	for _, r := range recs {
		if strings.HasPrefix(r.Outcome, "failed: ") {
			failed = append(failed, r.Input)
		}
		if r.Outcome == seal.OutcomeSealed {
			if r.Certificate.Subject == "" || len(r.Certificate.SHA256) != 64 || r.Level != "PAdES-B-B" ||
				!strings.HasPrefix(r.Key, "pkcs11:") || r.InputSHA256 != before[r.Input] {
				t.Errorf("audit record incomplete or wrong: %+v", r)
			}
			b, _ := os.ReadFile(filepath.Join(out, r.Output))
			if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != r.OutputSHA256 {
				t.Errorf("audit: outputSHA256 of %s does not match the file", r.Output)
			}
		}
	}
	if len(failed) != 2 {
		t.Errorf("audit log has failures %v, want the damaged and the encrypted file", failed)
	}
	noTemps(t, out)
	if code, o, e := run(t, "audit", "verify", filepath.Join(out, seal.AuditLogName)); code != 0 {
		t.Errorf("audit verify: exit %d: %s%s", code, o, e)
	}

	// Again: everything sealed is skipped, the failures fail again; in
	// German, the failures' causes are in German too.
	code, stdout, stderr = run(t, args...)
	if code != cli.ExitError || !strings.Contains(stdout, "0 sealed, 12 skipped, 2 failed") {
		t.Errorf("rerun: exit %d\n%s%s", code, stdout, stderr)
	}
	code, _, stderr = runIn(t, german, args...)
	for _, want := range []string{"a/damaged.pdf: das PDF ist beschädigt", "encrypted.pdf: das PDF ist verschlüsselt"} {
		if code != cli.ExitError || !strings.Contains(stderr, want) {
			t.Errorf("German rerun: exit %d, failure list lacks %q:\n%s", code, want, stderr)
		}
	}
	// Without the bad files the run is clean.
	os.Remove(filepath.Join(in, "a", "damaged.pdf"))
	os.Remove(filepath.Join(in, "encrypted.pdf"))
	code, stdout, stderr = run(t, args...)
	if code != cli.ExitOK || !strings.Contains(stdout, "0 sealed, 12 skipped, 0 failed") {
		t.Errorf("clean rerun: exit %d\n%s%s", code, stdout, stderr)
	}
	sealedOnce(t, out, rels)
	delete(before, "a/damaged.pdf")
	delete(before, "encrypted.pdf")
	if after := hashTree(t, in); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Error("inputs changed")
	}
}

// TestSealWrongPIN: the PIN is tried once, the run stops at once, nothing
// is sealed; with the right PIN the next run seals everything.
func TestSealWrongPIN(t *testing.T) {
	f := newFixture(t)
	tok := sealToken(t, f, "siegel-seal-pin")
	in, out := filepath.Join(f.dir, "in"), filepath.Join(f.dir, "out")
	rels := pdfTree(t, in, 10)
	var asked atomic.Int32
	wrong := func(context.Context, signing.PINRequest) ([]byte, error) {
		asked.Add(1)
		return []byte("0000"), nil
	}
	opts := seal.Options{KeyURI: tok.URI([]byte{2}), In: in, Out: out, Workers: 4}
	res, err := seal.Run(context.Background(), opts, seal.Ports{PIN: wrong})
	var se *seal.StopError
	if !errors.As(err, &se) || !errors.Is(err, signing.ErrPINIncorrect) {
		t.Fatalf("err = %v, want a StopError with a wrong PIN", err)
	}
	if n := asked.Load(); n != 1 {
		t.Errorf("PIN asked %d times, want once", n)
	}
	if res.Sealed != 0 {
		t.Errorf("%d sealed", res.Sealed)
	}
	filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".pdf") {
			t.Errorf("output after a wrong PIN: %s", p)
		}
		return nil
	})
	noTemps(t, out)

	// The CLI says so and exits with ExitStopped.
	wrongFile := f.write("wrong.txt", []byte("0000\n"))
	code, stdout, stderr := run(t, "seal", "--key", tok.URI([]byte{2}), "--pin-file", wrongFile, "--in", in, "--out", out)
	if code != cli.ExitStopped || !strings.Contains(stderr, "PIN incorrect") || !strings.Contains(stderr, "sealing stopped") {
		t.Errorf("exit %d, want %d naming the wrong PIN\n%s%s", code, cli.ExitStopped, stdout, stderr)
	}

	code, stdout, stderr = run(t, "seal", "--key", tok.URI([]byte{2}), "--pin-file", f.pinFile, "--in", in, "--out", out)
	if code != 0 || !strings.Contains(stdout, "10 sealed") {
		t.Fatalf("with the right PIN: exit %d\n%s%s", code, stdout, stderr)
	}
	sealedOnce(t, out, rels)
}

// TestSealDiskFull: a full output disk stops the run with a clear message
// and leaves no partial or temporary file; what is in OUT is complete.
func TestSealDiskFull(t *testing.T) {
	f := newFixture(t)
	tok := sealToken(t, f, "siegel-seal-full")
	in := filepath.Join(f.dir, "in")
	os.MkdirAll(in, 0o755)
	var rels []string
	for i := range 6 {
		rel := fmt.Sprintf("big%d.pdf", i)
		if err := testpdf.WriteFile(filepath.Join(in, rel), 1, 12<<10); err != nil {
			t.Fatal(err)
		}
		rels = append(rels, rel)
	}
	out := fullDisk(t)
	code, stdout, stderr := run(t, "seal", "--key", tok.URI([]byte{1}), "--pin-file", f.pinFile, "--in", in, "--out", out, "--workers", "2")
	t.Log(stdout, stderr)
	if code != cli.ExitStopped || !strings.Contains(stderr, "no space left on device") {
		t.Fatalf("exit %d, want %d naming the full disk\n%s%s", code, cli.ExitStopped, stdout, stderr)
	}
	noTemps(t, out)
	for _, rel := range rels {
		if _, err := os.Stat(filepath.Join(out, rel)); err == nil {
			quickCheck(t, filepath.Join(in, rel), filepath.Join(out, rel))
			judge.QPDFCheck(t, filepath.Join(out, rel))
		}
	}
}

// TestSealKillResume kills the real siegel binary at random moments while
// it seals 200 files, restarts it each time, and lets it finish: every
// input is sealed exactly once, nothing partial or temporary is left in
// OUT, and the inputs are unchanged.
func TestSealKillResume(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the siegel binary")
	}
	goBin := testenv.Need(t, "go")["go"]
	f := newFixture(t)
	tok := sealToken(t, f, "siegel-seal-kill")
	bin := filepath.Join(t.TempDir(), "siegel")
	build := exec.Command(goBin, "build", "-o", bin, "github.com/siegel-app/siegel")
	build.Dir = filepath.Join("..", "..")
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	in, out := filepath.Join(f.dir, "in"), filepath.Join(f.dir, "out")
	rels := pdfTree(t, in, 200)
	before := hashTree(t, in)
	args := []string{"seal", "--key", tok.URI([]byte{1}), "--pin-file", f.pinFile, "--in", in, "--out", out, "--workers", "2"}
	start := func() (*exec.Cmd, *bytes.Buffer) {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "SOFTHSM2_CONF="+tok.ConfPath)
		var buf bytes.Buffer
		cmd.Stdout, cmd.Stderr = &buf, &buf
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, &buf
	}
	killed := 0
	for i := range 5 {
		jsize := func() int64 {
			st, err := os.Stat(filepath.Join(out, seal.JournalName))
			if err != nil {
				return 0
			}
			return st.Size()
		}
		j0 := jsize()
		cmd, buf := start()
		// Kill while files are being sealed: once the journal grows (the
		// binary and its agent take a while to start), at a random moment.
		for i := 0; i < 200 && jsize() == j0; i++ {
			time.Sleep(10 * time.Millisecond)
		}
		t0 := time.Now()
		time.Sleep(time.Duration(rand.IntN(250)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		t.Logf("run %d: killed %v after the journal grew", i, time.Since(t0).Round(time.Millisecond))
		err := cmd.Wait()
		if err == nil {
			t.Logf("run %d finished before the kill:\n%s", i, lastLine(buf.String()))
			continue
		}
		killed++
		log, _ := os.ReadFile(filepath.Join(out, seal.AuditLogName))
		t.Logf("run %d killed: %v; %d lines in the audit log", i, err, bytes.Count(log, []byte("\n")))
	}
	cmd, buf := start()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("last run: %v\n%s", err, buf)
	}
	t.Logf("%d kills; last run: %s", killed, lastLine(buf.String()))
	sealedOnce(t, out, rels)
	noTemps(t, out)
	for _, rel := range rels {
		quickCheck(t, filepath.Join(in, rel), filepath.Join(out, filepath.FromSlash(rel)))
	}
	for _, i := range []int{0, 99, 199} {
		checkSigned(t, f, filepath.Join(out, filepath.FromSlash(rels[i])), 1)
	}
	if after := hashTree(t, in); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Error("inputs changed")
	}
	if code, o, e := run(t, "audit", "verify", filepath.Join(out, seal.AuditLogName)); code != 0 {
		t.Errorf("audit verify: exit %d: %s%s", code, o, e)
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// syncBuffer is a bytes.Buffer for a writer and a reader in two goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestSealWatch: a hot folder seals files that appear while it runs, a
// file written slowly only once it is complete, until the context ends.
func TestSealWatch(t *testing.T) {
	f := newFixture(t)
	tok := sealToken(t, f, "siegel-seal-watch")
	in, out := filepath.Join(f.dir, "in"), filepath.Join(f.dir, "out")
	pdfTree(t, in, 2)
	t.Setenv("SIEGEL_SEAL_SETTLE", "800ms")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int)
	go func() {
		done <- cli.Run(cli.Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Ctx: ctx},
			[]string{"seal", "--key", tok.URI([]byte{2}), "--pin-file", f.pinFile, "--in", in, "--out", out, "--watch"})
	}()
	waitFor := func(what string) {
		t.Helper()
		for i := 0; !strings.Contains(stdout.String(), what); i++ {
			if i > 600 {
				t.Fatalf("no %q after a minute:\n%s%s", what, stdout.String(), stderr.String())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	waitFor("sealed  a/doc001.pdf")

	// A new file, and one written in chunks with pauses shorter than the
	// settle time.
	os.MkdirAll(filepath.Join(in, "new"), 0o755)
	os.WriteFile(filepath.Join(in, "new", "later.pdf"), testpdf.Pages(2), 0o644)
	slow := testpdf.Pages(3)
	sp := filepath.Join(in, "slow.pdf")
	w, err := os.Create(sp)
	if err != nil {
		t.Fatal(err)
	}
	for chunk := range slices.Chunk(slow, len(slow)/8+1) {
		w.Write(chunk)
		time.Sleep(200 * time.Millisecond)
	}
	w.Close()
	waitFor("sealed  slow.pdf")
	waitFor("sealed  new/later.pdf")
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("watch ended with exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	if strings.Contains(stdout.String(), "failed  ") {
		t.Errorf("a file failed (sealed before it was complete?):\n%s", stdout.String())
	}
	quickCheck(t, sp, filepath.Join(out, "slow.pdf"))
	checkSigned(t, f, filepath.Join(out, "slow.pdf"), 1)
	sealedOnce(t, out, []string{"doc000.pdf", "a/doc001.pdf", "new/later.pdf", "slow.pdf"})
	noTemps(t, out)
}

// TestSealProgressBar: on a terminal the progress is one line redrawn in
// place with count, rate and ETA, not a line per file.
func TestSealProgressBar(t *testing.T) {
	f := newFixture(t)
	in, out := filepath.Join(f.dir, "in"), filepath.Join(f.dir, "out")
	pdfTree(t, in, 6)
	master, slave := openPTY(t)
	var screen syncBuffer
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			screen.Write(buf[:n])
			if err != nil {
				return
			}
		}
	}()
	var stderr bytes.Buffer
	code := cli.Run(cli.Env{Stdin: strings.NewReader(""), Stdout: slave, Stderr: &stderr},
		[]string{"seal", "--key", "pkcs12:" + f.p12EC, "--pin-file", f.pinFile, "--in", in, "--out", out})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for i := 0; !strings.Contains(screen.String(), "6 sealed"); i++ {
		if i > 100 {
			t.Fatalf("no summary on the terminal: %q", screen.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	s := screen.String()
	if !strings.Contains(s, "\r\x1b[K[") || !strings.Contains(s, "] 6/6 ") || !strings.Contains(s, "/s") {
		t.Errorf("no progress bar on the terminal: %q", s)
	}
	if strings.Contains(s, "sealed  doc000.pdf") {
		t.Errorf("a log line per file on the terminal: %q", s)
	}
}

// TestSealTimestampAndStamp: B-T with a signature timestamp and a visible
// stamp; B-LT is refused as usage before anything happens.
func TestSealTimestampAndStamp(t *testing.T) {
	f := newFixture(t)
	tok := sealToken(t, f, "siegel-seal-bt")
	ts := tsatest.New(t, f.pki)
	in, out := filepath.Join(f.dir, "in"), filepath.Join(f.dir, "out")
	rels := pdfTree(t, in, 3)
	code, stdout, stderr := run(t, "seal", "--key", tok.URI([]byte{2}), "--pin-file", f.pinFile, "--in", in, "--out", out,
		"--tsa", ts.URL, "--level", "B-T", "--visible", "1:50,50,200,60", "--reason", "Bescheid")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	for _, rel := range rels {
		p := filepath.Join(out, filepath.FromSlash(rel))
		checkSigned(t, f, p, 1)
		checkTimestamp(t, f, p)
	}
	for _, r := range readAudit(t, out) {
		if r.Level != "PAdES-B-T" {
			t.Errorf("audit level %q, want PAdES-B-T", r.Level)
		}
	}
	code, _, stderr = run(t, "seal", "--key", tok.URI([]byte{2}), "--pin-file", f.pinFile, "--in", in, "--out", out,
		"--tsa", ts.URL, "--level", "B-LT")
	if code == 0 || !strings.Contains(stderr, "B-LT is not supported for sealing") {
		t.Errorf("B-LT: exit %d: %s", code, stderr)
	}
}

// TestSealSigner: --signer agent seals through the PKCS#11 agent process
// as auto does in process; an unknown value is wrong usage.
func TestSealSigner(t *testing.T) {
	f := newFixture(t)
	tok := sealToken(t, f, "siegel-seal-signer")
	in, out := filepath.Join(f.dir, "in"), filepath.Join(f.dir, "out")
	rels := pdfTree(t, in, 2)
	code, stdout, stderr := run(t, "seal", "--key", tok.URI([]byte{1}), "--pin-file", f.pinFile, "--in", in, "--out", out, "--signer", "agent")
	if code != 0 {
		t.Fatalf("--signer agent: exit %d\n%s%s", code, stdout, stderr)
	}
	for _, rel := range rels {
		checkSigned(t, f, filepath.Join(out, filepath.FromSlash(rel)), 1)
	}
	code, _, stderr = run(t, "seal", "--key", tok.URI([]byte{1}), "--in", in, "--out", out, "--signer", "remote")
	if code != 2 || !strings.Contains(stderr, "--signer") {
		t.Errorf("--signer remote: exit %d: %s", code, stderr)
	}
}
