package cli_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/siegel-app/siegel/app/cli"
	"github.com/siegel-app/siegel/internal/judge"
	"github.com/siegel-app/siegel/internal/testenv"
)

// openPTY returns both ends of a new pseudo-terminal.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		testenv.Missing(t, "no pseudo-terminals: "+err.Error())
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(); s.Close() })
	return m, s
}

// TestPINFromTerminal: without --pin-file the password is read from the
// terminal, asked in the user's language, and what is typed is not echoed.
func TestPINFromTerminal(t *testing.T) {
	for _, tc := range []struct {
		vars   map[string]string
		prompt string
	}{
		{cLocale, "Password for"},
		{german, "Passwort für"},
		{slovenian, "Geslo za"},
	} {
		t.Run(tc.vars["LANG"], func(t *testing.T) { pinFromTerminal(t, tc.vars, tc.prompt) })
	}
}

func pinFromTerminal(t *testing.T, vars map[string]string, prompt string) {
	f := newFixture(t)
	master, slave := openPTY(t)
	var screen bytes.Buffer
	var mu sync.Mutex
	go io.Copy(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return screen.Write(p)
	}), master)
	// Type the password once the prompt is on the screen.
	go func() {
		for i := 0; i < 500; i++ {
			mu.Lock()
			prompted := strings.Contains(screen.String(), prompt)
			mu.Unlock()
			if prompted {
				master.Write([]byte("1234\n"))
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	in := f.pdf("in.pdf", 1)
	out := filepath.Join(f.dir, "out.pdf")
	var o, e bytes.Buffer
	env := cli.Env{Stdin: strings.NewReader(""), Stdout: &o, Stderr: &e,
		TTY:    func() (io.ReadWriteCloser, int, error) { return nopCloser{slave}, int(slave.Fd()), nil },
		Getenv: func(k string) string { return vars[k] }}
	if code := cli.Run(env, []string{"sign", "--key", "pkcs12:" + f.p12EC, in, out}); code != 0 {
		t.Fatalf("exit %d: %s", code, e.String())
	}
	time.Sleep(50 * time.Millisecond) // let the last echo arrive
	mu.Lock()
	shown := screen.String()
	mu.Unlock()
	if !strings.Contains(shown, prompt+" Max Mustermann.p12: ") {
		t.Errorf("prompt not shown on the terminal: %q", shown)
	}
	if strings.Contains(shown, "1234") {
		t.Errorf("the password was echoed: %q", shown)
	}
	if sigs := judge.PDFSig(t, out); len(sigs) != 1 || !sigs[0].Valid {
		t.Errorf("pdfsig: %+v", sigs)
	}
}

// TestNoTerminalNoPINFile: with neither a terminal nor --pin-file the
// command fails with a hint instead of hanging.
func TestNoTerminalNoPINFile(t *testing.T) {
	f := newFixture(t)
	in := f.pdf("in.pdf", 1)
	for _, tc := range []struct {
		vars map[string]string
		want string
	}{
		{cLocale, "no terminal to ask for the PIN: use --pin-file FILE"},
		{german, "kein Terminal, um nach der PIN zu fragen: verwenden Sie --pin-file DATEI"},
		{slovenian, "ni terminala za vnos PIN-a: uporabite --pin-file DATOTEKA"},
	} {
		var o, e bytes.Buffer
		env := cli.Env{Stdin: strings.NewReader(""), Stdout: &o, Stderr: &e,
			TTY:    func() (io.ReadWriteCloser, int, error) { return nil, -1, os.ErrNotExist },
			Getenv: func(k string) string { return tc.vars[k] }}
		code := cli.Run(env, []string{"sign", "--key", "pkcs12:" + f.p12EC, in, filepath.Join(f.dir, "out.pdf")})
		if code != cli.ExitError || !strings.Contains(e.String(), tc.want) {
			t.Errorf("%s: exit %d: %s", tc.vars["LANG"], code, e.String())
		}
	}
}

type writerFunc func([]byte) (int, error)

func (w writerFunc) Write(p []byte) (int, error) { return w(p) }

// nopCloser keeps the pty slave open for the test's cleanup to close.
type nopCloser struct{ *os.File }

func (nopCloser) Close() error { return nil }
