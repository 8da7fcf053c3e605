package cli_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siegel-app/siegel/internal/softhsm"
	"github.com/siegel-app/siegel/internal/testenv"
	"github.com/siegel-app/siegel/internal/testpdf"
	"github.com/siegel-app/siegel/internal/tsatest"
)

// TestSignErrors: bad input gets one line naming the file and the cause,
// a non-zero exit, the input unchanged and no output, not even a partial
// or temporary one.
func TestSignErrors(t *testing.T) {
	f := newFixture(t)
	tok := softhsm.NewToken(t, "siegel-errors", "1234")
	tok.ImportKey(t, []byte{1}, "rsa", f.pki.SignerRSA, f.pki.Chain(f.pki.SignerRSA), false)
	noCertKey(t, tok, []byte{9}, "nocert")
	garbageTSA := tsatest.New(t, f.pki)
	garbageTSA.SetMode(tsatest.Garbage)
	wrongPIN := f.write("wrong-pin.txt", []byte("0000\n"))
	p12 := "pkcs12:" + f.p12RSA
	good := testpdf.Pages(2)

	type scenario struct {
		name   string
		input  []byte                         // the input document
		setup  func(t *testing.T, dir string) // may prepare the output directory
		key    string
		pin    string
		extra  []string
		cause  string
		outDir func(t *testing.T) string
	}
	tests := []scenario{
		{name: "not a PDF", input: []byte("Dear Sir or Madam,\n"), key: p12, cause: "not a PDF"},
		{name: "truncated PDF", input: good[:len(good)/2], key: p12, cause: "truncated"},
		{name: "encrypted PDF", input: encrypted(t, good), key: p12, cause: "encrypted PDF"},
		{name: "startxref wrong", input: bytes.Replace(good, []byte("%PDF-1.7\n"), []byte("%PDF-1.7\n%shifted\n"), 1), key: p12, cause: "cross-reference table not found"},
		{name: "broken xref", input: brokenXref(good), key: p12, cause: "cross-reference table is broken"},
		{name: "missing module", input: good, key: "pkcs11:token=x;id=%01?module-path=/nonexistent/libnothing.so", cause: "/nonexistent/libnothing.so"},
		{name: "not a module", input: good, key: "pkcs11:token=x;id=%01?module-path=/etc/hostname", cause: "/etc/hostname"},
		{name: "token not present", input: good, key: "pkcs11:token=no-such-token;id=%01?module-path=" + tok.ModulePath, cause: "no-such-token"},
		{name: "wrong PIN", input: good, key: tok.URI([]byte{1}), pin: wrongPIN, cause: "PIN incorrect"},
		{name: "key without certificate", input: good, key: tok.URI([]byte{9}), cause: "no certificate"},
		{name: "wrong password", input: good, key: p12, pin: wrongPIN, cause: "wrong password"},
		{name: "TSA unreachable", input: good, key: p12, extra: []string{"--tsa", "http://127.0.0.1:9/tsa"}, cause: "127.0.0.1:9"},
		{name: "TSA garbage", input: good, key: p12, extra: []string{"--tsa", garbageTSA.URL}, cause: garbageTSA.URL},
		{name: "page out of range", input: good, key: p12, extra: []string{"--visible", "9:10,10,100,50"}, cause: "page 9 does not exist"},
		{name: "output exists", input: good, key: p12, setup: func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "out.pdf"), []byte("keep me"), 0o644)
		}, cause: "exists"},
		{name: "output directory not writable", input: good, key: p12, outDir: immutableDir, cause: "output directory"},
		{name: "disk full", input: bigPDF(t), key: p12, outDir: fullDisk, cause: "no space left on device"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			in := filepath.Join(dir, "in.pdf")
			if err := os.WriteFile(in, tc.input, 0o644); err != nil {
				t.Fatal(err)
			}
			outDir := dir
			if tc.outDir != nil {
				outDir = tc.outDir(t)
			}
			if tc.setup != nil {
				tc.setup(t, outDir)
			}
			before := listDir(t, outDir)
			out := filepath.Join(outDir, "out.pdf")
			pin := tc.pin
			if pin == "" {
				pin = f.pinFile
			}
			args := append([]string{"sign", "--key", tc.key, "--pin-file", pin}, tc.extra...)
			code, stdout, stderr := run(t, append(args, in, out)...)
			if code == 0 {
				t.Fatalf("exit 0, want failure; stdout %s", stdout)
			}
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			last := lines[len(lines)-1]
			if !strings.HasPrefix(last, "siegel: sign "+in+": ") || !strings.Contains(last, tc.cause) {
				t.Errorf("error line %q should name %s and contain %q", last, in, tc.cause)
			}
			t.Log(last)
			if got, _ := os.ReadFile(in); !bytes.Equal(got, tc.input) {
				t.Error("input changed")
			}
			if after := listDir(t, outDir); after != before {
				t.Errorf("output directory changed: before %q, after %q", before, after)
			}
		})
	}
}

func listDir(t *testing.T, dir string) string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		if e.Name() == "in.pdf" {
			continue
		}
		st, _ := e.Info()
		names = append(names, e.Name()+":"+string(rune('0'+st.Size()%10)))
	}
	return strings.Join(names, ",")
}

func encrypted(t *testing.T, pdf []byte) []byte {
	qpdf := testenv.Need(t, "qpdf")["qpdf"]
	dir := t.TempDir()
	in, out := filepath.Join(dir, "plain.pdf"), filepath.Join(dir, "enc.pdf")
	os.WriteFile(in, pdf, 0o644)
	if b, err := exec.Command(qpdf, "--encrypt", "", "owner", "256", "--", in, out).CombinedOutput(); err != nil {
		t.Fatalf("qpdf --encrypt: %v %s", err, b)
	}
	b, _ := os.ReadFile(out)
	return b
}

func bigPDF(t *testing.T) []byte {
	p := filepath.Join(t.TempDir(), "big.pdf")
	if err := testpdf.WriteFile(p, 1, 256<<10); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	return b
}

func needRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		testenv.Missing(t, "needs root (chattr, mount)")
	}
}

// immutableDir is a directory nobody, root included, can create files in.
func immutableDir(t *testing.T) string {
	needRoot(t)
	dir := t.TempDir()
	if out, err := exec.Command("chattr", "+i", dir).CombinedOutput(); err != nil {
		testenv.Missing(t, "chattr +i not supported here: "+string(out))
	}
	t.Cleanup(func() { exec.Command("chattr", "-i", dir).Run() })
	return dir
}

// fullDisk is a 64 KiB file system, too small for the output.
func fullDisk(t *testing.T) string {
	needRoot(t)
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", dir).CombinedOutput(); err != nil {
		testenv.Missing(t, "cannot mount a small tmpfs: "+string(out))
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	return dir
}

// noCertKey makes a key pair on the token with no certificate.
func noCertKey(t *testing.T, tok *softhsm.Token, id []byte, label string) {
	tool := testenv.Need(t, "pkcs11-tool")["pkcs11-tool"]
	cmd := exec.Command(tool, "--module", tok.ModulePath, "--token-label", tok.Label, "--login", "--pin", tok.PIN,
		"--keypairgen", "--key-type", "EC:prime256v1", "--id", "09", "--label", label)
	cmd.Env = append(os.Environ(), "SOFTHSM2_CONF="+tok.ConfPath)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pkcs11-tool --keypairgen: %v\n%s", err, out)
	}
}

// brokenXref moves the offset of the xref table's fourth entry by one byte.
func brokenXref(pdf []byte) []byte {
	i := bytes.LastIndex(pdf, []byte("\nxref\n"))
	lines := bytes.SplitN(pdf[i+1:], []byte("\n"), 6)
	entry := lines[5][:10] // object 3's offset
	out := append([]byte(nil), pdf...)
	at := i + 1 + len(lines[0]) + len(lines[1]) + len(lines[2]) + len(lines[3]) + len(lines[4]) + 5
	n := 0
	for _, c := range entry {
		n = n*10 + int(c-'0')
	}
	copy(out[at:], []byte(fmt.Sprintf("%010d", n+1)))
	return out
}
