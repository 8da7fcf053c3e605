package secrets

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/siegel-app/siegel/internal/testenv"
)

// TestOSStore stores, reads, replaces and deletes a secret in a real
// Secret Service: gnome-keyring-daemon on a private session bus, its login
// keyring unlocked with a test password.
func TestOSStore(t *testing.T) {
	p := testenv.Need(t, "dbus-daemon", "gnome-keyring-daemon")
	home := t.TempDir()
	for k, v := range map[string]string{"HOME": home, "XDG_DATA_HOME": filepath.Join(home, "data"),
		"XDG_RUNTIME_DIR": filepath.Join(home, "run"), "XDG_CONFIG_HOME": filepath.Join(home, "config")} {
		os.MkdirAll(v, 0o700)
		t.Setenv(k, v)
	}
	bus := exec.Command(p["dbus-daemon"], "--session", "--nofork", "--nopidfile", "--print-address=1")
	out, err := bus.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := bus.Start(); err != nil {
		t.Fatalf("start dbus-daemon: %v", err)
	}
	t.Cleanup(func() { bus.Process.Kill(); bus.Wait() })
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("dbus-daemon address: %v", err)
	}
	addr = strings.TrimSpace(addr)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)

	gk := exec.Command(p["gnome-keyring-daemon"], "--foreground", "--unlock", "--components=secrets")
	gk.Stdin = strings.NewReader("test-keyring-password")
	var gkErr bytes.Buffer
	gk.Stderr = &gkErr
	if err := gk.Start(); err != nil {
		t.Fatalf("start gnome-keyring-daemon: %v", err)
	}
	t.Cleanup(func() { gk.Process.Kill(); gk.Wait() })
	waitForName(t, addr, "org.freedesktop.secrets", &gkErr)

	s := OS{}
	const svc, acct = "siegel-test", "https://csc.example/csc/v2#client"
	if _, err := s.Get(svc, acct); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get before set: %v, want ErrNotFound", err)
	}
	for _, v := range []string{"first-secret", "second-secret"} {
		if err := s.Set(svc, acct, []byte(v)); err != nil {
			t.Fatalf("set: %v", err)
		}
		got, err := s.Get(svc, acct)
		if err != nil || string(got) != v {
			t.Fatalf("get = %q, %v; want %q", got, err, v)
		}
	}
	if err := s.Delete(svc, acct); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := s.Get(svc, acct); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get after delete: %v, want ErrNotFound", err)
	}
	if err := s.Delete(svc, acct); err != nil {
		t.Errorf("delete of a missing secret: %v", err)
	}
}

// waitForName waits until name has an owner on the bus at addr: the
// keyring daemon has started (not a timing assertion, only a bound).
func waitForName(t *testing.T, addr, name string, log *bytes.Buffer) {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatalf("connect to the test bus: %v", err)
	}
	defer conn.Close()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var has bool
		if err := conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, name).Store(&has); err == nil && has {
			return
		}
	}
	t.Fatalf("%s never appeared on the test bus; gnome-keyring-daemon said: %s", name, log)
}

// TestNoStore: without a session bus every call says ErrNoStore, so the
// window asks for the secret instead.
func TestNoStore(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" {
		t.Skip("the OS store is always there")
	}
	s := OS{}
	if _, err := s.Get("siegel-test", "a"); !errors.Is(err, ErrNoStore) {
		t.Errorf("get: %v, want ErrNoStore", err)
	}
	if err := s.Set("siegel-test", "a", []byte("x")); !errors.Is(err, ErrNoStore) {
		t.Errorf("set: %v, want ErrNoStore", err)
	}
}

// TestMemory keeps copies and zeroes them on Clear.
func TestMemory(t *testing.T) {
	var m Memory
	in := []byte("secret")
	m.Set("s", "a", in)
	in[0] = 'X'
	got, err := m.Get("s", "a")
	if err != nil || string(got) != "secret" {
		t.Fatalf("get = %q, %v", got, err)
	}
	held := m.m[[2]string{"s", "a"}]
	m.Clear()
	if !bytes.Equal(held, make([]byte, len(held))) {
		t.Errorf("Clear left %q in memory", held)
	}
	if _, err := m.Get("s", "a"); !errors.Is(err, ErrNotFound) {
		t.Errorf("get after Clear: %v", err)
	}
}
