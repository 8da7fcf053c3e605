package seal_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/siegel-app/siegel/app/seal"
	"github.com/siegel-app/siegel/internal/softhsm"
	"github.com/siegel-app/siegel/internal/testpdf"
	"github.com/siegel-app/siegel/internal/testpki"
	"github.com/siegel-app/siegel/signing"
	"github.com/siegel-app/siegel/signing/pkcs11/agent"
)

func TestInProcessModule(t *testing.T) {
	for path, want := range map[string]bool{
		"/usr/lib/softhsm/libsofthsm2.so":                  true,
		"/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so": true,
		`C:\SoftHSM2\lib\softhsm2-x64.dll`:                 true,
		"/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so":       false,
		"/opt/vendor/libcardos11.so":                       false,
		"":                                                 false,
	} {
		if got := seal.InProcessModule(path); got != want {
			t.Errorf("InProcessModule(%q) = %v, want %v", path, got, want)
		}
	}
}

// agentChildren counts the PKCS#11 agent processes this process started.
func agentChildren(t *testing.T) int { return len(agentPIDs(t)) }

// agentPIDs lists the PKCS#11 agent processes this process started.
func agentPIDs(t *testing.T) []int {
	t.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Skip("no /proc")
	}
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid …
		rest := string(stat[strings.LastIndexByte(string(stat), ')')+1:])
		f := strings.Fields(rest)
		if len(f) < 2 || f[1] != strconv.Itoa(os.Getpid()) {
			continue
		}
		cmd, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if strings.Contains(string(cmd), agent.CommandName) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// TestSigner: a SoftHSM2 key signs in this process by default and with
// "in-process", through the agent with "agent"; every file is sealed
// either way. An unknown choice is refused before anything is done.
func TestSigner(t *testing.T) {
	pki := testpki.MustShared(t)
	tok := softhsm.NewToken(t, "seal-signer", "1234")
	tok.ImportKey(t, []byte{7}, "ec", pki.SignerEC, pki.Chain(pki.SignerEC), false)
	uri := tok.URI([]byte{7})
	pin := func(context.Context, signing.PINRequest) ([]byte, error) { return []byte("1234"), nil }
	for _, tc := range []struct {
		signer    string
		wantAgent bool
	}{{"", false}, {seal.SignerInProcess, false}, {seal.SignerAgent, true}} {
		t.Run("signer="+tc.signer, func(t *testing.T) {
			agent.Shutdown()
			dir := t.TempDir()
			in := filepath.Join(dir, "in")
			os.MkdirAll(in, 0o755)
			for i := range 4 {
				if err := testpdf.WriteFile(filepath.Join(in, strconv.Itoa(i)+".pdf"), 1, 0); err != nil {
					t.Fatal(err)
				}
			}
			agents := -1
			progress := func(p seal.Progress) {
				if p.Done > 0 && agents < 0 {
					agents = agentChildren(t)
				}
			}
			res, err := seal.Run(context.Background(), seal.Options{KeyURI: uri, In: in,
				Out: filepath.Join(dir, "out"), Workers: 2, Signer: tc.signer}, seal.Ports{PIN: pin, Progress: progress})
			if err != nil {
				t.Fatal(err)
			}
			if res.Sealed != 4 {
				t.Errorf("sealed %d of 4: %+v", res.Sealed, res.Failures)
			}
			if got := agents > 0; got != tc.wantAgent {
				t.Errorf("%d agent processes while sealing, want agent %v", agents, tc.wantAgent)
			}
			if _, err := seal.VerifyLog(filepath.Join(dir, "out", seal.AuditLogName)); err != nil {
				t.Error(err)
			}
		})
	}
	_, err := seal.Run(context.Background(), seal.Options{KeyURI: uri, In: t.TempDir(),
		Out: filepath.Join(t.TempDir(), "out"), Signer: "remote"}, seal.Ports{PIN: pin})
	if err == nil || !strings.Contains(err.Error(), `unknown signer "remote"`) {
		t.Errorf("unknown signer: err = %v", err)
	}
}

// TestAgentKilled: the process that holds the HSM session dies in the
// middle of a run (as when a token is pulled or the HSM's driver
// crashes). The run stops with a StopError naming the cause; what was
// sealed before stays sealed and recorded, no partial file is left, and
// a second run seals the rest, each input exactly once.
func TestAgentKilled(t *testing.T) {
	pki := testpki.MustShared(t)
	tok := softhsm.NewToken(t, "seal-killed", "1234")
	tok.ImportKey(t, []byte{8}, "ec", pki.SignerEC, pki.Chain(pki.SignerEC), false)
	pin := func(context.Context, signing.PINRequest) ([]byte, error) { return []byte("1234"), nil }
	agent.Shutdown()
	defer agent.Shutdown()
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	os.MkdirAll(in, 0o755)
	const n = 400
	for i := range n {
		if err := testpdf.WriteFile(filepath.Join(in, fmt.Sprintf("%03d.pdf", i)), 1, 0); err != nil {
			t.Fatal(err)
		}
	}
	opts := seal.Options{KeyURI: tok.URI([]byte{8}), In: in, Out: out, Workers: 2, Signer: seal.SignerAgent}
	var gate seal.Gate
	killed := 0
	progress := func(p seal.Progress) {
		if p.Done == 0 || killed > 0 {
			return
		}
		gate.Pause() // files under way finish; no new one starts
		for _, pid := range agentPIDs(t) {
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
				t.Error(err)
			}
			killed++
		}
		gate.Resume()
	}
	res, err := seal.Run(context.Background(), opts, seal.Ports{PIN: pin, Progress: progress, Gate: &gate})
	if killed == 0 {
		t.Fatalf("no agent process to kill; run: %+v, %v", res.Progress, err)
	}
	var se *seal.StopError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want a StopError", err)
	}
	t.Logf("stopped after %d sealed: %v", res.Sealed, err)
	if res.Sealed == 0 || res.Sealed >= n {
		t.Fatalf("%d of %d sealed before the stop", res.Sealed, n)
	}
	ents, _ := os.ReadDir(out)
	outputs := 0
	for _, e := range ents {
		switch {
		case strings.HasSuffix(e.Name(), ".pdf"):
			outputs++
		case e.Name() != seal.AuditLogName && e.Name() != seal.JournalName:
			t.Errorf("left in the output folder: %s", e.Name())
		}
	}
	if outputs != res.Sealed {
		t.Errorf("%d outputs for %d recorded as sealed", outputs, res.Sealed)
	}
	first := res.Sealed

	res, err = seal.Run(context.Background(), opts, seal.Ports{PIN: pin})
	if err != nil {
		t.Fatal(err)
	}
	if res.Sealed != n-first || res.Skipped != first || res.Failed != 0 {
		t.Errorf("second run: %+v, want %d sealed and %d skipped", res.Progress, n-first, first)
	}
	sum, err := seal.VerifyLog(filepath.Join(out, seal.AuditLogName))
	if err != nil {
		t.Fatal(err)
	}
	// One line per file and run: the first run's sealed files, then all
	// of them again (sealed or skipped).
	if sum.Lines != n+first {
		t.Errorf("audit log has %d lines, want %d", sum.Lines, n+first)
	}
}
