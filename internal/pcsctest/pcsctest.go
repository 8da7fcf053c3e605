// Package pcsctest runs the real PC/SC daemon (pcsc-lite's pcscd) with
// vsmartcard's virtual reader driver (vpcd) for tests, so that virtual cards
// (internal/vpiv) can be inserted into "Virtual PCD 00 00" and
// "Virtual PCD 00 01" and reached through PC/SC and OpenSC as real cards are.
//
// Facts it is built on (pcsc-lite 1.9.9, vsmartcard-vpcd 0.8, OpenSC 0.23,
// Debian 12):
//
//   - Only one pcscd works per host: clients find it at the fixed socket
//     /run/pcscd/pcscd.comm and the daemon ignores PCSCLITE_CSOCK_NAME. Test
//     binaries of several packages run at once under "go test ./...", so the
//     first Start of a test process takes an exclusive flock on LockFile and
//     holds it until the process exits: PC/SC tests of different packages run
//     one after another. A pcscd that pcsctest did not start makes Start skip
//     (fail under CI=true).
//   - One pcscd serves all tests of a process (see Start): OpenSC, loaded
//     once per process, keeps showing an earlier card's token when a new
//     pcscd restarts the readers' event counters.
//   - vpcd (/etc/reader.conf.d/vpcd) makes pcscd listen on TCP ports 35963
//     and 35964 of every interface; a card is a TCP client of that port, and
//     closing the connection removes the card. So that no test listens
//     beyond the machine, pcscd runs in a network namespace of its own
//     (CLONE_NEWNET; only its loopback interface, brought up with
//     SIOCSIFFLAGS, so neither unshare(1) nor iproute2 is needed), and Dial
//     connects from inside it. Clients outside the namespace reach pcscd
//     through its Unix socket as usual.
//   - vpcd notices a closed card connection only at its next poll (every
//     0.4 s); until then commands to the card fail with
//     SCARD_E_NOT_TRANSACTED, and OpenSC 0.23 deadlocks on that path.
//     WaitCard waits until pcscd shows the change; vpiv's Insert and Remove
//     use it. Readers reads pcscd's reader list over its socket, without cgo.
//   - On SIGTERM pcscd removes its socket and pid file itself; after SIGKILL
//     they stay behind and Stop removes them. pcscd is ready in well under a
//     second; readiness is read from /proc/PID/net/tcp rather than by
//     connecting, because a connection to a vpcd port is a card insertion.
//
// It needs root (network namespaces, /run/pcscd) and Linux. Set
// PCSCTEST_DEBUG=1 to have pcscd log every APDU into the output of failed
// tests.
package pcsctest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/siegel-app/siegel/internal/testenv"
)

// The virtual readers vpcd adds and the ports their cards connect to.
const (
	Reader0 = "Virtual PCD 00 00"
	Reader1 = "Virtual PCD 00 01"
	Port0   = 35963
	Port1   = 35964
)

// Where pcsc-lite 1.9 puts its socket and pid file (PCSCLITE_IPC_DIR).
const (
	SocketPath = "/run/pcscd/pcscd.comm"
	pidPath    = "/run/pcscd/pcscd.pid"
)

// LockFile serialises PC/SC tests across test processes. It holds the pid
// of the pcscd its holder started, so that a daemon left behind by a test
// process that was killed can be told from someone else's.
const LockFile = "/tmp/siegel-pcscd.lock"

// vpcdConfig is where Debian's vsmartcard-vpcd registers its readers.
const vpcdConfig = "/etc/reader.conf.d/vpcd"

// Daemon is a pcscd started by Start. Its methods may be called from any
// goroutine.
type Daemon struct {
	lock *os.File // flock on LockFile, held until the process exits

	mu   sync.Mutex
	cmd  *exec.Cmd
	ns   *os.File      // /proc/PID/ns/net of the running pcscd
	exit chan struct{} // closed when cmd has been waited for
	log  *tailBuffer
}

// process is the one Daemon of this test process, started by the first
// Start and kept for the following tests (see Start).
var process struct {
	sync.Mutex
	d     *Daemon
	inUse bool
}

// Start returns this test process's pcscd with the vpcd readers, empty and
// running, for the rest of the test.
//
// The first Start of a process takes LockFile (waiting while another test
// process holds it) and starts pcscd; both stay until the process exits,
// when pcscd is stopped by the parent-death signal. Later tests reuse the
// daemon rather than start a new one, because OpenSC stays loaded in the
// process between tests and tells cards apart by pcscd's per-reader event
// counter, which a new pcscd starts again from zero: a card inserted into a
// fresh pcscd carries the counter an earlier card had, and OpenSC would go on
// showing the earlier card's token. A daemon that an earlier test stopped is
// started again; one with a card still inserted is restarted, which removes
// the card.
//
// Start skips (fails under CI=true) when a program it needs is missing, when
// not run as root, or when a pcscd it did not start is running. PC/SC tests
// cannot run in parallel: one pcscd per host works.
func Start(t testing.TB) *Daemon {
	t.Helper()
	if runtime.GOOS != "linux" {
		testenv.Missing(t, "pcscd with vpcd in a network namespace needs Linux")
	}
	testenv.Need(t, "pcscd")
	testenv.NeedFile(t, "vsmartcard-vpcd reader configuration (apt-get install vsmartcard-vpcd)", vpcdConfig)
	if os.Geteuid() != 0 {
		testenv.Missing(t, "pcscd tests need root (network namespace, /run/pcscd)")
	}
	process.Lock()
	defer process.Unlock()
	if process.inUse {
		t.Fatal("pcsctest.Start: another test of this process is using pcscd; PC/SC tests cannot run in parallel")
	}
	if process.d == nil {
		lock, err := acquire(t)
		if err != nil {
			t.Fatalf("pcsctest.Start: %v", err)
		}
		if reason := clearLeftovers(); reason != "" {
			lock.Close()
			testenv.Missing(t, reason)
		}
		process.d = &Daemon{lock: lock}
	}
	d := process.d
	if d.Running() && cardLeft() {
		t.Logf("pcsctest: restarting pcscd: a card of an earlier test is still in a reader")
		d.Stop()
	}
	if !d.Running() {
		d.Stop() // reap a pcscd that exited by itself
		if err := d.start(); err != nil {
			if errors.Is(err, syscall.EPERM) {
				testenv.Missing(t, "cannot make a network namespace for pcscd: "+err.Error())
			}
			t.Fatalf("pcsctest.Start: %v", err)
		}
	}
	process.inUse = true
	logStart := d.logLen()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("pcscd output during the test:\n%s", d.logSince(logStart))
		}
		process.Lock()
		process.inUse = false
		process.Unlock()
	})
	return d
}

// cardLeft reports whether pcscd shows a card in a vpcd reader.
func cardLeft() bool {
	readers, err := Readers()
	if err != nil {
		return false
	}
	for _, r := range readers {
		if (r.Name == Reader0 || r.Name == Reader1) && r.CardPresent() {
			return true
		}
	}
	return false
}

// acquire takes the exclusive lock on LockFile, waiting for other test
// processes to finish their PC/SC tests.
func acquire(t testing.TB) (*os.File, error) {
	f, err := os.OpenFile(LockFile, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err == nil {
		return f, nil
	}
	t.Logf("pcsctest: waiting for another test process to release %s", LockFile)
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, unix.EINTR) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", LockFile, err)
		}
	}
}

// clearLeftovers deals with a pcscd found running while we hold the lock.
// One whose pid the lock file records was started by a test process that
// died without cleaning up (a test timeout); it is stopped. Any other makes
// the test skip: it belongs to the machine or to someone else. A socket
// nobody accepts on is stale and removed.
func clearLeftovers() (skipReason string) {
	if _, err := os.Stat(SocketPath); err != nil {
		return ""
	}
	if !socketAccepts() {
		removeRunFiles()
		return ""
	}
	pid := readPID(pidPath)
	recorded := readPID(LockFile)
	if pid > 0 && pid == recorded && isPCSCD(pid) {
		_ = syscall.Kill(pid, syscall.SIGTERM)
		for i := 0; i < 50 && processAlive(pid); i++ {
			time.Sleep(100 * time.Millisecond)
		}
		if processAlive(pid) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		removeRunFiles()
		return ""
	}
	return fmt.Sprintf("a pcscd not started by pcsctest is running (pid %d, socket %s); stop it to run PC/SC tests", pid, SocketPath)
}

// start runs pcscd in a new network namespace and waits until it is ready.
// d.mu must not be held.
func (d *Daemon) start() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cmd != nil {
		return errors.New("pcscd is already running")
	}
	if d.log == nil {
		d.log = &tailBuffer{}
	}
	// CLONE_NEWNET gives pcscd, and so vpcd's listening sockets, a network
	// namespace of its own; its loopback interface is brought up from
	// here once it runs (setLoopbackUp), which needs neither iproute2 nor
	// unshare(1). Pdeathsig stops pcscd if the test process dies without
	// its cleanup (SIGKILL, a test timeout).
	args := []string{"--foreground", "--error"}
	if os.Getenv("PCSCTEST_DEBUG") != "" {
		// Every APDU and driver message, in Log and in failed tests' output.
		args = []string{"--foreground", "--debug", "--apdu"}
	}
	cmd := exec.Command("pcscd", args...)
	cmd.Stdout = d.log
	cmd.Stderr = d.log
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags: syscall.CLONE_NEWNET,
		Pdeathsig:  syscall.SIGTERM,
	}
	if err := onForkThread(cmd.Start); err != nil {
		return fmt.Errorf("start pcscd: %w", err)
	}
	exit := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exit)
	}()
	d.cmd, d.exit = cmd, exit
	// Record our pcscd so that a later Start can clear it away if this
	// process dies.
	_ = d.lock.Truncate(0)
	_, _ = d.lock.WriteAt([]byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0)

	fail := func(err error) error {
		d.stopLocked()
		return fmt.Errorf("start pcscd: %w\npcscd output:\n%s", err, d.log.String())
	}
	ns, err := os.Open(fmt.Sprintf("/proc/%d/ns/net", cmd.Process.Pid))
	if err != nil {
		return fail(fmt.Errorf("open its network namespace: %w", err))
	}
	d.ns = ns
	if err := inNamespace(ns, setLoopbackUp); err != nil {
		return fail(fmt.Errorf("bring up loopback in its network namespace: %w", err))
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case <-exit:
			return fail(fmt.Errorf("pcscd exited: %v", cmd.ProcessState))
		default:
		}
		if socketAccepts() && listening(cmd.Process.Pid, Port0, Port1) {
			return nil
		}
		if time.Now().After(deadline) {
			return fail(errors.New("not ready after 10 s (socket accepting, vpcd ports listening)"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop stops pcscd (SIGTERM, SIGKILL after 5 s) and removes the socket and
// pid file if it left them. Cards connected to it see their connection
// close. It is for tests of a PC/SC service that goes away; Restart, or the
// next test's Start, starts it again. Stop on a stopped Daemon does nothing.
func (d *Daemon) Stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.stopLocked()
}

func (d *Daemon) stopLocked() {
	if d.cmd == nil {
		return
	}
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.exit:
	case <-time.After(5 * time.Second):
		_ = d.cmd.Process.Kill()
		<-d.exit
	}
	if d.ns != nil {
		d.ns.Close()
		d.ns = nil
	}
	d.cmd, d.exit = nil, nil
	removeRunFiles()
}

// Restart starts pcscd again after Stop (or stops it first), in a new
// network namespace: cards must be inserted again. A new pcscd counts reader
// events from zero, so an OpenSC loaded in the test process should see the
// readers empty (list its slots once) before a different card is inserted,
// or it may keep showing the old card's token.
func (d *Daemon) Restart(t testing.TB) {
	t.Helper()
	d.Stop()
	if err := d.start(); err != nil {
		t.Fatalf("pcsctest.Restart: %v", err)
	}
}

// Running reports whether pcscd runs.
func (d *Daemon) Running() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cmd == nil {
		return false
	}
	select {
	case <-d.exit:
		return false
	default:
		return true
	}
}

// PID returns the process id of the running pcscd, or 0.
func (d *Daemon) PID() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cmd == nil {
		return 0
	}
	return d.cmd.Process.Pid
}

// Log returns the last lines pcscd printed (error level).
func (d *Daemon) Log() string {
	d.mu.Lock()
	l := d.log
	d.mu.Unlock()
	if l == nil {
		return ""
	}
	return l.String()
}

// Dial connects to 127.0.0.1:port inside pcscd's network namespace, as a
// card connects to vpcd (Port0, Port1).
func (d *Daemon) Dial(port int) (net.Conn, error) {
	d.mu.Lock()
	ns := d.ns
	var err error
	if ns != nil {
		// Keep the namespace open while we enter it, even if Stop runs.
		ns, err = os.Open(ns.Name())
	}
	d.mu.Unlock()
	if ns == nil {
		return nil, fmt.Errorf("dial vpcd port %d: pcscd is not running", port)
	}
	if err != nil {
		return nil, fmt.Errorf("dial vpcd port %d: %w", port, err)
	}
	defer ns.Close()
	var conn net.Conn
	err = inNamespace(ns, func() error {
		var err error
		// The socket belongs to the namespace it was made in, and stays
		// there when used from other threads.
		conn, err = net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), 5*time.Second)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("dial vpcd port %d in pcscd's network namespace: %w", port, err)
	}
	return conn, nil
}

// inNamespace runs f on an OS thread that has entered the network
// namespace ns, and then returns the thread to the namespace it came from.
// Leaving it locked and letting the goroutine end is not enough: the Go
// runtime ends such a thread, but not the process's main thread, which it
// keeps parked forever, still in pcscd's namespace; /proc/self/ns/net and
// /proc/self/net/tcp describe that thread. A thread that cannot be returned
// stays locked and ends with the goroutine.
func inNamespace(ns *os.File, f func() error) error {
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		restored, err := runInNamespace(ns, f)
		if restored {
			runtime.UnlockOSThread()
		}
		done <- err
	}()
	return <-done
}

// runInNamespace enters ns on the calling thread, which must be locked to
// its goroutine, runs f, and enters the thread's own namespace again.
// restored reports whether the thread is back where it started.
func runInNamespace(ns *os.File, f func() error) (restored bool, err error) {
	own, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		return true, fmt.Errorf("open this thread's network namespace: %w", err)
	}
	defer own.Close()
	if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
		return true, fmt.Errorf("setns: %w", err)
	}
	err = f()
	// f's result stands either way; a thread that cannot go back is ended.
	return unix.Setns(int(own.Fd()), unix.CLONE_NEWNET) == nil, err
}

// forkRequests run on one OS thread that lives as long as the process.
// Pdeathsig is delivered when the thread that forked the child ends, not the
// process, and the Go runtime ends the thread under any goroutine that
// locked it and returned (as inNamespace does, and such a goroutine may be
// scheduled on whichever thread forked pcscd). A thread locked by a
// goroutine that never returns runs nothing else and never ends.
var forkRequests = sync.OnceValue(func() chan func() {
	ch := make(chan func())
	go func() {
		runtime.LockOSThread()
		for f := range ch {
			f()
		}
	}()
	return ch
})

func onForkThread(f func() error) error {
	done := make(chan error, 1)
	forkRequests() <- func() { done <- f() }
	return <-done
}

// setLoopbackUp sets IFF_UP on "lo" of the calling thread's namespace, what
// "ip link set lo up" does.
func setLoopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("socket: %w", err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return fmt.Errorf("SIOCGIFFLAGS lo: %w", err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("SIOCSIFFLAGS lo: %w", err)
	}
	return nil
}

// listening reports whether every port has a listening TCP socket in the
// network namespace of process pid.
func listening(pid int, ports ...int) bool {
	f, err := os.Open(fmt.Sprintf("/proc/%d/net/tcp", pid))
	if err != nil {
		return false
	}
	defer f.Close()
	want := map[int]bool{}
	for _, p := range ports {
		want[p] = true
	}
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		// "sl local_address rem_address st ...": local is HEXIP:HEXPORT,
		// st 0A is TCP_LISTEN.
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || fields[3] != "0A" {
			continue
		}
		_, hexPort, ok := strings.Cut(fields[1], ":")
		if !ok {
			continue
		}
		if p, err := strconv.ParseUint(hexPort, 16, 16); err == nil {
			delete(want, int(p))
		}
	}
	return len(want) == 0
}

// socketAccepts reports whether a pcscd accepts on SocketPath. Connecting
// and closing at once is harmless to pcscd.
func socketAccepts() bool {
	c, err := dialSocket()
	if err != nil {
		return false
	}
	c.Close()
	return true
}

func removeRunFiles() {
	_ = os.Remove(SocketPath)
	_ = os.Remove(pidPath)
}

func readPID(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0
	}
	return n
}

func isPCSCD(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	return err == nil && strings.TrimSpace(string(b)) == "pcscd"
}

func processAlive(pid int) bool {
	return syscall.Kill(pid, 0) == nil && isPCSCD(pid)
}

// OpenSCModule returns the path of OpenSC's PKCS#11 module, or skips (fails
// under CI=true).
func OpenSCModule(t testing.TB) string {
	t.Helper()
	return testenv.NeedFile(t, "OpenSC PKCS#11 module (apt-get install opensc-pkcs11)",
		"/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so",
		"/usr/lib/aarch64-linux-gnu/opensc-pkcs11.so",
		"/usr/lib/x86_64-linux-gnu/pkcs11/opensc-pkcs11.so",
		"/usr/lib/aarch64-linux-gnu/pkcs11/opensc-pkcs11.so",
		"/usr/lib64/opensc-pkcs11.so",
		"/usr/lib/opensc-pkcs11.so",
		"/usr/local/lib/opensc-pkcs11.so")
}

const tailSize = 64 << 10

// tailBuffer keeps the last tailSize bytes written to it.
type tailBuffer struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	total int64 // bytes ever written
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	b.total += int64(len(p))
	if over := b.buf.Len() - tailSize; over > 0 {
		b.buf.Next(over)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// since returns what was written after the first n bytes, as far as kept.
func (b *tailBuffer) since(n int64) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	kept := b.buf.Bytes()
	if want := b.total - n; want < int64(len(kept)) {
		kept = kept[int64(len(kept))-want:]
	}
	return string(kept)
}

func (d *Daemon) logLen() int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.log == nil {
		return 0
	}
	d.log.mu.Lock()
	defer d.log.mu.Unlock()
	return d.log.total
}

func (d *Daemon) logSince(n int64) string {
	d.mu.Lock()
	l := d.log
	d.mu.Unlock()
	if l == nil {
		return ""
	}
	return l.since(n)
}
