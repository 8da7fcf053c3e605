//go:build cgo

package softhsm

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	p11 "github.com/miekg/pkcs11"

	"github.com/siegel-app/siegel/internal/testenv"
	"github.com/siegel-app/siegel/internal/testpki"
)

func TestMain(m *testing.M) {
	code := m.Run()
	Cleanup()
	os.Exit(code)
}

// labelsInProcess lists the initialised tokens this process sees.
func labelsInProcess(t *testing.T) map[string]bool {
	t.Helper()
	slots, err := module.GetSlotList(true)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, s := range slots {
		ti, err := module.GetTokenInfo(s)
		if err != nil {
			t.Fatal(err)
		}
		if ti.Flags&p11.CKF_TOKEN_INITIALIZED != 0 {
			seen[strings.TrimRight(ti.Label, " ")] = true
		}
	}
	return seen
}

func TestTokenVisibleInProcessAndSubprocess(t *testing.T) {
	tools := testenv.Need(t, "pkcs11-tool")
	pki := testpki.MustShared(t)
	tk := NewToken(t, "helper-visible", "1234")
	tk.ImportKey(t, []byte{1}, "sig-rsa", pki.SignerRSA, pki.Chain(pki.SignerRSA), false)
	tk.ImportKey(t, []byte{2}, "sig-ec", pki.SignerEC, pki.Chain(pki.SignerEC), true)

	if !labelsInProcess(t)["helper-visible"] {
		t.Fatal("a token made with C_InitToken is not visible in the process that made it")
	}
	if tk.Serial == "" || tk.ConfPath == "" || os.Getenv("SOFTHSM2_CONF") != tk.ConfPath {
		t.Fatalf("token %+v, SOFTHSM2_CONF=%q", tk, os.Getenv("SOFTHSM2_CONF"))
	}

	// A subprocess with SOFTHSM2_CONF sees the token and its objects.
	cmd := exec.Command(tools["pkcs11-tool"], "--module", tk.ModulePath, "--token-label", tk.Label,
		"--login", "--pin", tk.PIN, "--list-objects")
	cmd.Env = append(os.Environ(), "SOFTHSM2_CONF="+tk.ConfPath)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pkcs11-tool: %v\n%s", err, out)
	}
	for _, want := range []string{
		"Private Key Object; RSA", "Private Key Object; EC", "Public Key Object; RSA 2048 bits",
		"Certificate Object", "Erika Mustermann", "Max Mustermann", "Siegel Test Intermediate CA", "Siegel Test Root CA",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("pkcs11-tool --list-objects lacks %q:\n%s", want, out)
		}
	}
	// The CA certificates are stored once although both keys share them.
	if n := strings.Count(string(out), "label:      Siegel Test Root CA"); n != 1 {
		t.Errorf("root certificate stored %d times, want 1:\n%s", n, out)
	}
}

// TestUtilTokensAfterInitialize records why NewToken uses C_InitToken:
// SoftHSM2 2.6 does not show a token that softhsm2-util made after this
// process called C_Initialize.
func TestUtilTokensAfterInitialize(t *testing.T) {
	tools := testenv.Need(t, "softhsm2-util")
	Module(t)
	out, err := exec.Command(tools["softhsm2-util"], "--init-token", "--free", "--label", "made-by-util",
		"--so-pin", SOPIN, "--pin", "1234").CombinedOutput()
	if err != nil {
		t.Fatalf("softhsm2-util: %v\n%s", err, out)
	}
	if labelsInProcess(t)["made-by-util"] {
		t.Log("this SoftHSM2 shows tokens made after C_Initialize; NewToken could use softhsm2-util")
	} else {
		t.Log("as expected, a token made by softhsm2-util after C_Initialize is invisible to this process")
	}
	// Either way, NewToken still works after an outside change to the directory.
	NewToken(t, "after-util", "1234")
	if !labelsInProcess(t)["after-util"] {
		t.Fatal("NewToken's token is not visible")
	}
}

func TestURI(t *testing.T) {
	tk := &Token{Label: "My Token;1", Serial: "0a1b", ModulePath: "/usr/lib/soft hsm/libsofthsm2.so"}
	got := tk.URI([]byte{0x01, 0xff})
	want := "pkcs11:token=My%20Token%3B1;serial=0a1b;id=%01%FF?module-path=/usr/lib/soft%20hsm/libsofthsm2.so"
	if got != want {
		t.Errorf("URI = %q, want %q", got, want)
	}
}

// Objects another process adds to a token (pkcs11-tool in a test) are
// visible to this process: SoftHSM2's file store re-reads a token whose
// directory changed.
func TestObjectsFromSubprocessVisible(t *testing.T) {
	tools := testenv.Need(t, "pkcs11-tool")
	tk := NewToken(t, "helper-subproc", "1234")
	cmd := exec.Command(tools["pkcs11-tool"], "--module", tk.ModulePath, "--token-label", tk.Label, "--login", "--pin", tk.PIN,
		"--keypairgen", "--key-type", "EC:prime256v1", "--id", "09", "--label", "from-outside")
	cmd.Env = append(os.Environ(), "SOFTHSM2_CONF="+tk.ConfPath)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pkcs11-tool --keypairgen: %v\n%s", err, out)
	}
	sh, err := module.OpenSession(tk.slot, p11.CKF_SERIAL_SESSION)
	if err != nil {
		t.Fatal(err)
	}
	defer module.CloseSession(sh)
	if err := module.FindObjectsInit(sh, []*p11.Attribute{p11.NewAttribute(p11.CKA_LABEL, "from-outside")}); err != nil {
		t.Fatal(err)
	}
	hs, _, err := module.FindObjects(sh, 10)
	module.FindObjectsFinal(sh)
	if err != nil {
		t.Fatal(err)
	}
	// Without login only the public key can be seen.
	if len(hs) != 1 {
		t.Fatalf("%d public objects labelled from-outside, want 1", len(hs))
	}
}

func TestRemoveStale(t *testing.T) {
	Module(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	dead := filepath.Join(os.TempDir(), fmt.Sprintf("%s%d-x", dirPrefix, cmd.Process.Pid))
	alive := filepath.Join(os.TempDir(), fmt.Sprintf("%s%d-x", dirPrefix, os.Getppid()))
	for _, d := range []string{dead, alive} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	defer os.RemoveAll(alive)
	removeStale()
	if _, err := os.Stat(dead); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("directory of an ended process kept: %v", err)
	}
	if _, err := os.Stat(alive); err != nil {
		t.Errorf("directory of a running process removed: %v", err)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Errorf("own directory removed: %v", err)
	}
}
