package cli_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/siegel-app/siegel/app/cli"
	"github.com/siegel-app/siegel/app/seal"
	"github.com/siegel-app/siegel/internal/csctest"
	"github.com/siegel-app/siegel/internal/testpdf"
)

// The CLI trusts the service through the system roots only, as it must in
// production; SSL_CERT_FILE is read once per process, so the csc commands
// run in a child process (this test binary) with SSL_CERT_FILE naming the
// test service's certificate.
const cscHelperArgs = "SIEGEL_CSC_HELPER_ARGS"

func TestCSCHelperProcess(t *testing.T) {
	raw := os.Getenv(cscHelperArgs)
	if raw == "" {
		return // only a child process runs the CLI here
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		os.Exit(99)
	}
	os.Exit(cli.Main(args))
}

// runCSC runs the CLI in a child process that trusts certFile (empty: the
// system roots only).
func runCSC(t *testing.T, certFile string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	raw, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^TestCSCHelperProcess$")
	cmd.Env = append(os.Environ(), cscHelperArgs+"="+string(raw), "SSL_CERT_DIR=/nonexistent")
	if certFile != "" {
		cmd.Env = append(cmd.Env, "SSL_CERT_FILE="+certFile)
	}
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), o.String(), e.String()
}

const (
	cscPIN = "975310"
	cscOTP = "123987"
)

// cscService is a CSC service with a SoftHSM2 seal key asking for a PIN
// and an OTP, SCAL 2.
func cscService(t *testing.T, f *fixture) (*csctest.Server, string) {
	t.Helper()
	key := csctest.SoftHSMKey(t, "csc-cli", f.pki.SignerRSA, f.pki.Chain(f.pki.SignerRSA))
	srv := csctest.New(t, csctest.Options{},
		&csctest.Credential{ID: "seal-1", Description: "Test seal", Key: key, PIN: cscPIN, OTP: cscOTP,
			OTPDescription: "the code sent by SMS", SCAL: 2})
	return srv, f.write("service.pem", srv.CertPEM())
}

func TestSignCSC(t *testing.T) {
	f := newFixture(t)
	srv, certFile := cscService(t, f)
	secret := f.write("secret.txt", []byte(srv.ClientSecret+"\n"))
	pin := f.write("csc-pin.txt", []byte(cscPIN+"\n"))
	otp := f.write("otp.txt", []byte(cscOTP+"\n"))
	in, out := f.pdf("in.pdf", 2), f.dir+"/out.pdf"
	code, stdout, stderr := runCSC(t, certFile, "sign", "--key", srv.KeyURI("seal-1"), "--client-id", srv.ClientID,
		"--client-secret-file", secret, "--pin-file", pin, "--otp-file", otp, in, out)
	if code != cli.ExitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	checkSigned(t, f, out, 1)
	if a, s := srv.Calls("credentials/authorize"), srv.Calls("signatures/signHash"); a != 1 || s != 1 {
		t.Fatalf("%d authorize and %d signHash calls, want 1 and 1", a, s)
	}
	for _, secret := range []string{srv.ClientSecret, cscPIN, cscOTP} {
		if strings.Contains(stdout+stderr, secret) {
			t.Fatalf("a secret was printed:\n%s%s", stdout, stderr)
		}
	}

	t.Run("wrong PIN", func(t *testing.T) {
		bad := f.write("bad-pin.txt", []byte("000000\n"))
		before := srv.Calls("credentials/authorize")
		code, _, stderr := runCSC(t, certFile, "sign", "--key", srv.KeyURI("seal-1"), "--client-id", srv.ClientID,
			"--client-secret-file", secret, "--pin-file", bad, "--otp-file", otp, in, f.dir+"/bad.pdf")
		if code == cli.ExitOK || !strings.Contains(stderr, "Invalid PIN") || !strings.Contains(stderr, "HTTP 400") {
			t.Fatalf("exit %d, stderr:\n%s", code, stderr)
		}
		if n := srv.Calls("credentials/authorize") - before; n != 1 {
			t.Fatalf("credentials/authorize called %d times, want 1", n)
		}
		if _, err := os.Stat(f.dir + "/bad.pdf"); !os.IsNotExist(err) {
			t.Fatalf("output written after a wrong PIN: %v", err)
		}
	})
	t.Run("untrusted service certificate", func(t *testing.T) {
		code, _, stderr := runCSC(t, "", "sign", "--key", srv.KeyURI("seal-1"), "--client-id", srv.ClientID,
			"--client-secret-file", secret, "--pin-file", pin, "--otp-file", otp, in, f.dir+"/untrusted.pdf")
		if code == cli.ExitOK || !strings.Contains(stderr, "certificate") {
			t.Fatalf("exit %d, stderr:\n%s", code, stderr)
		}
	})
}

func TestKeysCSC(t *testing.T) {
	f := newFixture(t)
	srv, certFile := cscService(t, f)
	secret := f.write("secret.txt", []byte(srv.ClientSecret))
	code, stdout, stderr := runCSC(t, certFile, "keys", "--csc", srv.URL, "--client-id", srv.ClientID,
		"--client-secret-file", secret, "--json")
	if code != cli.ExitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	var got struct {
		Specs       string `json:"specs"`
		Credentials []struct {
			ID          string `json:"id"`
			URI         string `json:"uri"`
			KeyLen      int    `json:"keyLen"`
			SCAL        string `json:"scal"`
			Multisign   int    `json:"multisign"`
			AuthMode    string `json:"authMode"`
			AuthObjects []struct {
				ID          string `json:"id"`
				Description string `json:"description"`
			} `json:"authObjects"`
			Chain []struct {
				Subject string `json:"subject"`
			} `json:"chain"`
		} `json:"credentials"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	if got.Specs != "2.0.0.2" || len(got.Credentials) != 1 {
		t.Fatalf("%s", stdout)
	}
	c := got.Credentials[0]
	if c.ID != "seal-1" || c.URI != srv.KeyURI("seal-1") || c.KeyLen != 2048 || c.SCAL != "2" || c.Multisign != 1 ||
		c.AuthMode != "explicit" || len(c.AuthObjects) != 2 || c.AuthObjects[1].ID != "OTP" ||
		c.AuthObjects[1].Description != "the code sent by SMS" || len(c.Chain) < 2 ||
		!strings.Contains(c.Chain[0].Subject, f.pki.SignerRSA.Cert.Subject.CommonName) {
		t.Fatalf("credential %+v", c)
	}
	// The text form names the same.
	code, stdout, _ = runCSC(t, certFile, "keys", "--csc", srv.URL, "--client-id", srv.ClientID, "--client-secret-file", secret)
	if code != cli.ExitOK || !strings.Contains(stdout, `Credential "seal-1"`) || !strings.Contains(stdout, "OTP (the code sent by SMS)") {
		t.Fatalf("exit %d:\n%s", code, stdout)
	}
}

func TestCSCUsage(t *testing.T) {
	f := newFixture(t)
	in := f.pdf("in.pdf", 1)
	for _, args := range [][]string{
		{"sign", "--key", "csc:https://127.0.0.1:1/csc/v2?credential=x", in, f.dir + "/o.pdf"},
		{"sign", "--key", "pkcs12:" + f.p12RSA, "--client-id", "x", in, f.dir + "/o.pdf"},
		{"keys", "--csc", "https://127.0.0.1:1/csc/v2"},
	} {
		if code, _, _ := run(t, args...); code != cli.ExitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, cli.ExitUsage)
		}
	}
}

// TestSealCSCBatch: a credential that may sign many documents under one
// authorisation seals a folder with one credentials/authorize and one
// signatures/signHash; one that may not authorizes each; a wrong PIN
// stops the run after one try.
func TestSealCSCBatch(t *testing.T) {
	f := newFixture(t)
	key := csctest.SoftHSMKey(t, "csc-seal", f.pki.SignerRSA, f.pki.Chain(f.pki.SignerRSA))
	srv := csctest.New(t, csctest.Options{},
		&csctest.Credential{ID: "multi", Description: "Batch seal", Key: key, PIN: cscPIN, SCAL: 2, Multisign: 10},
		&csctest.Credential{ID: "single", Description: "Seal", Key: key, PIN: cscPIN, SCAL: 2})
	certFile := f.write("service.pem", srv.CertPEM())
	secret := f.write("secret.txt", []byte(srv.ClientSecret+"\n"))
	pin := f.write("csc-pin.txt", []byte(cscPIN+"\n"))
	in := filepath.Join(f.dir, "in")
	rels := pdfTree(t, in, 5)
	sealCSC := func(cred, out, pinFile string) (int, string) {
		code, stdout, stderr := runCSC(t, certFile, "seal", "--key", srv.KeyURI(cred), "--client-id", srv.ClientID,
			"--client-secret-file", secret, "--pin-file", pinFile, "--in", in, "--out", out)
		return code, stdout + stderr
	}

	out := filepath.Join(f.dir, "out-multi")
	code, output := sealCSC("multi", out, pin)
	if code != cli.ExitOK || !strings.Contains(output, "5 sealed") {
		t.Fatalf("exit %d\n%s", code, output)
	}
	if a, s := srv.Calls("credentials/authorize"), srv.SignHashSizes(); a != 1 || !slices.Equal(s, []int{5}) {
		t.Fatalf("%d authorize calls and signHash batches %v, want 1 and [5]", a, s)
	}
	for _, rel := range rels {
		quickCheck(t, filepath.Join(in, rel), filepath.Join(out, filepath.FromSlash(rel)))
	}
	checkSigned(t, f, filepath.Join(out, filepath.FromSlash(rels[4])), 1)
	sealedOnce(t, out, rels)
	if _, err := seal.VerifyLog(filepath.Join(out, seal.AuditLogName)); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(output, cscPIN) || strings.Contains(output, srv.ClientSecret) {
		t.Fatalf("a secret was printed:\n%s", output)
	}

	t.Run("without multisign", func(t *testing.T) {
		before := srv.Calls("credentials/authorize")
		out := filepath.Join(f.dir, "out-single")
		code, output := sealCSC("single", out, pin)
		if code != cli.ExitOK || !strings.Contains(output, "5 sealed") {
			t.Fatalf("exit %d\n%s", code, output)
		}
		if n := srv.Calls("credentials/authorize") - before; n != 5 {
			t.Fatalf("%d authorize calls, want 5", n)
		}
		sealedOnce(t, out, rels)
	})

	t.Run("wrong PIN", func(t *testing.T) {
		before := srv.Calls("credentials/authorize")
		bad := f.write("bad-pin.txt", []byte("000000\n"))
		out := filepath.Join(f.dir, "out-bad")
		code, output := sealCSC("multi", out, bad)
		if code != cli.ExitStopped || !strings.Contains(output, "Invalid PIN") {
			t.Fatalf("exit %d, want %d\n%s", code, cli.ExitStopped, output)
		}
		if n := srv.Calls("credentials/authorize") - before; n != 1 {
			t.Fatalf("%d authorize calls, want 1", n)
		}
		filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
			if err == nil && strings.HasSuffix(p, ".pdf") {
				t.Errorf("output after a wrong PIN: %s", p)
			}
			return nil
		})
		noTemps(t, out)
	})

	t.Run("usage", func(t *testing.T) {
		tok := filepath.Join(f.dir, "x")
		if code, _, _ := run(t, "seal", "--key", "pkcs12:"+f.p12RSA, "--client-id", "x", "--in", in, "--out", tok); code != cli.ExitUsage {
			t.Errorf("--client-id with a pkcs12 key: exit %d", code)
		}
		if code, _, _ := run(t, "seal", "--key", srv.KeyURI("multi"), "--in", in, "--out", tok); code != cli.ExitUsage {
			t.Errorf("csc key without sign-in: exit %d", code)
		}
	})
}

// TestSignCSCBasicLogin: sign and keys sign in with --username and
// --password-file; a wrong password is the service's answer, asked once.
func TestSignCSCBasicLogin(t *testing.T) {
	f := newFixture(t)
	key := csctest.SoftHSMKey(t, "csc-basic", f.pki.SignerRSA, f.pki.Chain(f.pki.SignerRSA))
	srv := csctest.New(t, csctest.Options{Basic: true},
		&csctest.Credential{ID: "q-1", Description: "Qualified key", Key: key, PIN: cscPIN, SCAL: 2})
	certFile := f.write("service.pem", srv.CertPEM())
	password := f.write("password.txt", []byte(srv.Password+"\n"))
	pin := f.write("csc-pin.txt", []byte(cscPIN+"\n"))
	in, out := f.pdf("in.pdf", 1), f.dir+"/out.pdf"
	code, stdout, stderr := runCSC(t, certFile, "sign", "--key", srv.KeyURI("q-1"), "--username", srv.Username,
		"--password-file", password, "--pin-file", pin, in, out)
	if code != cli.ExitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	checkSigned(t, f, out, 1)
	if strings.Contains(stdout+stderr, srv.Password) {
		t.Fatalf("the password was printed:\n%s%s", stdout, stderr)
	}

	code, stdout, stderr = runCSC(t, certFile, "keys", "--csc", srv.URL, "--username", srv.Username, "--password-file", password, "--json")
	if code != cli.ExitOK || !strings.Contains(stdout, `"basic"`) || !strings.Contains(stdout, srv.KeyURI("q-1")) {
		t.Fatalf("keys: exit %d\n%s%s", code, stdout, stderr)
	}

	before := srv.Calls("auth/login")
	wrong := f.write("wrong.txt", []byte("not-it\n"))
	code, _, stderr = runCSC(t, certFile, "sign", "--key", srv.KeyURI("q-1"), "--username", srv.Username,
		"--password-file", wrong, "--pin-file", pin, in, f.dir+"/wrong.pdf")
	if code == cli.ExitOK || !strings.Contains(stderr, "Invalid username or password") || !strings.Contains(stderr, "HTTP 401") {
		t.Fatalf("wrong password: exit %d\n%s", code, stderr)
	}
	if n := srv.Calls("auth/login") - before; n != 1 {
		t.Errorf("auth/login called %d times, want 1", n)
	}

	for _, args := range [][]string{
		{"sign", "--key", "pkcs12:" + f.p12RSA, "--username", "x", in, f.dir + "/o.pdf"},
		{"sign", "--key", srv.KeyURI("q-1"), "--username", "x", in, f.dir + "/o.pdf"},
		{"sign", "--key", srv.KeyURI("q-1"), "--username", "x", "--password-file", password, "--client-id", "c", in, f.dir + "/o.pdf"},
		{"keys", "--username", "x", "--password-file", password},
	} {
		if code, _, _ := run(t, args...); code != cli.ExitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, cli.ExitUsage)
		}
	}
}

// TestCSCFlagsNeedCSCKey: the remote service's sign-in flags, and
// --otp-file, are refused with any other key before anything is read or
// signed.
func TestCSCFlagsNeedCSCKey(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.pdf")
	if err := os.WriteFile(in, testpdf.Pages(1), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"sign", "--key", "demo:", "--client-id", "app", in, filepath.Join(dir, "a.pdf")},
			"--client-id, --client-secret-file, --username, --password-file and --otp-file are for csc: keys"},
		{[]string{"sign", "--key", "demo:", "--otp-file", filepath.Join(dir, "otp"), in, filepath.Join(dir, "b.pdf")},
			"--otp-file are for csc: keys"},
		{[]string{"seal", "--key", "pkcs11:token=x", "--username", "u", "--in", dir, "--out", filepath.Join(dir, "out")},
			"--client-id, --client-secret-file, --username and --password-file are for csc: keys"},
	} {
		code, stdout, stderr := run(t, tc.args...)
		if code != cli.ExitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%q: exit %d, stderr %q, want %d and %q", tc.args, code, stderr, cli.ExitUsage, tc.want)
		}
		if stdout != "" {
			t.Errorf("%q: stdout %q", tc.args, stdout)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("files written: %v", entries)
	}
}
