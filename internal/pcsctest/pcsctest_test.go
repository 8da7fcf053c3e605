package pcsctest

import (
	"bytes"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

func readerNames(t *testing.T) map[string]ReaderState {
	t.Helper()
	rs, err := Readers()
	if err != nil {
		t.Fatalf("Readers: %v", err)
	}
	out := map[string]ReaderState{}
	for _, r := range rs {
		out[r.Name] = r
	}
	return out
}

func TestStartStopRestart(t *testing.T) {
	d := Start(t)
	if !d.Running() || d.PID() == 0 || !socketAccepts() {
		t.Fatalf("after Start: running %v, pid %d, socket accepts %v", d.Running(), d.PID(), socketAccepts())
	}
	rs := readerNames(t)
	for _, name := range []string{Reader0, Reader1} {
		if r, ok := rs[name]; !ok || r.CardPresent() {
			t.Errorf("reader %q: %+v (listed %v), want listed without card", name, r, ok)
		}
	}

	// vpcd's ports are in pcscd's network namespace only: nothing listens
	// on them here, on any interface.
	own, _ := os.Readlink("/proc/self/ns/net")
	theirs, _ := os.Readlink("/proc/" + strconv.Itoa(d.PID()) + "/ns/net")
	if own == "" || own == theirs {
		t.Errorf("pcscd's network namespace %q, ours %q: want a different one", theirs, own)
	}
	if listening(os.Getpid(), Port0) || listening(os.Getpid(), Port1) {
		t.Error("a vpcd port listens in the test's network namespace")
	}
	if c, err := net.DialTimeout("tcp", "127.0.0.1:35963", time.Second); err == nil {
		c.Close()
		t.Error("vpcd is reachable from outside its namespace")
	}
	c, err := d.Dial(Port0)
	if err != nil {
		t.Fatalf("Dial inside the namespace: %v", err)
	}
	if a := c.RemoteAddr().String(); a != "127.0.0.1:35963" {
		t.Errorf("dialled %s", a)
	}
	c.Close()

	if _, err := exec.LookPath("opensc-tool"); err == nil {
		out, err := exec.Command("opensc-tool", "--list-readers").CombinedOutput()
		if err != nil || !strings.Contains(string(out), Reader0) || !strings.Contains(string(out), Reader1) {
			t.Errorf("opensc-tool --list-readers: %v\n%s", err, out)
		}
	}

	d.Stop()
	if d.Running() || d.PID() != 0 {
		t.Error("running after Stop")
	}
	if _, err := os.Stat(SocketPath); !os.IsNotExist(err) {
		t.Errorf("socket after Stop: %v", err)
	}
	if _, err := Readers(); err == nil {
		t.Error("Readers succeeded without pcscd")
	}
	if _, err := d.Dial(Port0); err == nil {
		t.Error("Dial succeeded without pcscd")
	}
	if err := d.WaitCard(Port0, false, time.Second); err != nil {
		t.Errorf("WaitCard(absent) without pcscd: %v", err)
	}
	d.Stop() // twice is harmless

	d.Restart(t)
	if rs := readerNames(t); len(rs) < 2 {
		t.Errorf("readers after Restart: %+v", rs)
	}
	if d.PID() == 0 {
		t.Error("no pid after Restart")
	}
}

// atrCard is the smallest vpcd card: it answers the ATR and refuses every
// command.
func atrCard(conn net.Conn, atr []byte) {
	defer conn.Close()
	for {
		var hdr [2]byte
		if _, err := io.ReadFull(conn, hdr[:]); err != nil {
			return
		}
		msg := make([]byte, int(hdr[0])<<8|int(hdr[1]))
		if _, err := io.ReadFull(conn, msg); err != nil {
			return
		}
		var resp []byte
		switch {
		case len(msg) == 1 && msg[0] == 4:
			resp = atr
		case len(msg) == 1:
			continue
		default:
			resp = []byte{0x6D, 0x00}
		}
		if _, err := conn.Write(append([]byte{byte(len(resp) >> 8), byte(len(resp))}, resp...)); err != nil {
			return
		}
	}
}

func TestCardInReader(t *testing.T) {
	d := Start(t)
	atr := []byte{0x3B, 0x06, 0x53, 0x49, 0x45, 0x47, 0x45, 0x4C}
	conn, err := d.Dial(Port1)
	if err != nil {
		t.Fatal(err)
	}
	go atrCard(conn, atr)
	if err := d.WaitCard(Port1, true, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	rs := readerNames(t)
	if r := rs[Reader1]; !r.CardPresent() || !bytes.Equal(r.ATR, atr) || r.EventCounter == 0 {
		t.Errorf("reader 1: %+v, want the card with ATR %X", r, atr)
	}
	if rs[Reader0].CardPresent() {
		t.Error("a card in reader 0")
	}
	if _, err := exec.LookPath("opensc-tool"); err == nil {
		out, err := exec.Command("opensc-tool", "--reader", "1", "--atr").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "3b:06:53:49:45:47:45:4c") {
			t.Errorf("opensc-tool --atr: %v\n%s", err, out)
		}
	}
	conn.Close()
	if err := d.WaitCard(Port1, false, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := d.WaitCard(12345, true, time.Second); err == nil {
		t.Error("WaitCard on a port without reader succeeded")
	}
}

// TestNamespaceThreadReturns checks that a thread that entered pcscd's
// network namespace comes back to its own. The runtime parks the main
// thread, rather than ending it, when a goroutine locked to it ends; left in
// pcscd's namespace, it made /proc/self/ns/net and /proc/self/net/tcp show
// vpcd's ports as if they listened here.
func TestNamespaceThreadReturns(t *testing.T) {
	d := Start(t)
	d.mu.Lock()
	ns, err := os.Open(d.ns.Name())
	d.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	theirs, _ := os.Readlink("/proc/" + strconv.Itoa(d.PID()) + "/ns/net")

	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	own, _ := os.Readlink("/proc/thread-self/ns/net")
	var inside string
	restored, err := runInNamespace(ns, func() error {
		var err error
		inside, err = os.Readlink("/proc/thread-self/ns/net")
		return err
	})
	if err != nil || !restored {
		t.Fatalf("runInNamespace: restored %v, %v", restored, err)
	}
	if inside != theirs || inside == own {
		t.Errorf("inside: namespace %q, want pcscd's %q (ours %q)", inside, theirs, own)
	}
	if after, _ := os.Readlink("/proc/thread-self/ns/net"); after != own {
		t.Errorf("after: namespace %q, want ours %q", after, own)
	}

	// Through inNamespace, any number of times: every thread of the
	// process stays in ours.
	for range 20 {
		if err := inNamespace(ns, func() error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	tasks, _ := os.ReadDir("/proc/self/task")
	for _, task := range tasks {
		if got, err := os.Readlink("/proc/self/task/" + task.Name() + "/ns/net"); err == nil && got != own {
			t.Errorf("thread %s in network namespace %q, want %q", task.Name(), got, own)
		}
	}
}
