package agent

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"sync"
	"time"

	"github.com/siegel-app/siegel/signing"
	"github.com/siegel-app/siegel/signing/pkcs11"
)

// Errors of the agent itself. Every error caused by a child that stopped
// wraps ErrStopped, and one of ErrUnresponsive, ErrExited or ErrClosed.
var (
	// ErrStopped: the agent's process has stopped; keys opened through it
	// are dead and must be opened again. The Agent starts a new process
	// at its next call.
	ErrStopped = errors.New("PKCS#11 agent stopped")
	// ErrUnresponsive: a call did not finish within its deadline, and the
	// watchdog killed the agent.
	ErrUnresponsive = errors.New("PKCS#11 module did not answer")
	// ErrExited: the agent ended by itself, was killed from outside, or
	// wrote something that is not the protocol.
	ErrExited = errors.New("PKCS#11 agent exited")
	// ErrClosed: Agent.Close was called.
	ErrClosed = errors.New("PKCS#11 agent closed")
)

// Default deadlines.
const (
	// DefaultCallTimeout bounds the token work of one call. Token calls
	// take milliseconds to a second or two (an RSA signature on an old
	// card); a module that takes longer has hung.
	DefaultCallTimeout = 5 * time.Second
	// DefaultPINPadTimeout bounds a call after a pin-pad prompt, which
	// includes the person typing on the reader (readers give up after
	// 30-60 s).
	DefaultPINPadTimeout = 90 * time.Second
)

// killGrace bounds the wait for a killed agent to be reaped, so that
// callers see a process that is gone, without hanging on one the kernel
// cannot end (uninterruptible sleep in a driver).
const killGrace = 2 * time.Second

// Options for Start.
type Options struct {
	// Command starts the agent: a program and its arguments. The default
	// is this executable with CommandName.
	Command []string
	// Env holds variables (KEY=value) added to this process's environment
	// for the agent.
	Env []string
	// CallTimeout bounds each call, not counting time spent waiting for a
	// PIN prompt; zero means DefaultCallTimeout. It also bounds start-up.
	CallTimeout time.Duration
	// PINPadTimeout replaces CallTimeout after a pin-pad prompt; zero
	// means DefaultPINPadTimeout.
	PINPadTimeout time.Duration
	// Logger receives the agent's records and, at Debug, those of the keys
	// in the child. nil discards them. PINs are never logged.
	Logger *slog.Logger
	// Stderr receives the agent's standard error, where modules print;
	// nil discards it. A module's debug output can include APDUs, PIN
	// verification among them: do not keep it.
	Stderr io.Writer
}

// Agent runs PKCS#11 modules in a child process (see the package
// documentation). It starts a new child at the first call after the
// previous one stopped. Its methods are safe for concurrent use.
type Agent struct {
	opts Options
	log  *slog.Logger

	startMu sync.Mutex // held while a child starts

	mu     sync.Mutex
	cur    *proc
	closed bool
}

// Start starts an agent and waits until it answers, at most for ctx and
// CallTimeout. ctx bounds the start only, not the agent's life; Close ends
// that.
func Start(ctx context.Context, opts Options) (*Agent, error) {
	a := newAgent(opts)
	if _, err := a.proc(ctx); err != nil {
		return nil, err
	}
	return a, nil
}

func newAgent(opts Options) *Agent {
	if opts.CallTimeout <= 0 {
		opts.CallTimeout = DefaultCallTimeout
	}
	if opts.PINPadTimeout <= 0 {
		opts.PINPadTimeout = DefaultPINPadTimeout
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Agent{opts: opts, log: log}
}

// PID returns the process id of the running child, or 0 when none runs.
func (a *Agent) PID() int {
	a.mu.Lock()
	p := a.cur
	a.mu.Unlock()
	if p == nil || p.stopped() != nil {
		return 0
	}
	return p.pid
}

// Close stops the child: it closes its keys, which logs out of their
// tokens, and exits; it is killed if it has not after a grace period.
// Keys opened through the agent fail with ErrClosed afterwards.
func (a *Agent) Close() error {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return nil
	}
	a.closed = true
	p := a.cur
	a.cur = nil
	a.mu.Unlock()
	if p != nil {
		p.shutdown()
	}
	return nil
}

func (a *Agent) isClosed() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.closed
}

// proc returns the running child, starting one if none runs.
func (a *Agent) proc(ctx context.Context) (*proc, error) {
	a.startMu.Lock()
	defer a.startMu.Unlock()
	a.mu.Lock()
	closed, cur := a.closed, a.cur
	a.mu.Unlock()
	if closed {
		return nil, &stopError{msg: "PKCS#11 agent closed", kind: ErrClosed}
	}
	if cur != nil && cur.stopped() == nil {
		return cur, nil
	}
	p, err := a.spawn(ctx)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		p.shutdown()
		return nil, &stopError{msg: "PKCS#11 agent closed", kind: ErrClosed}
	}
	a.cur = p
	a.mu.Unlock()
	return p, nil
}

func (a *Agent) spawn(ctx context.Context) (*proc, error) {
	if os.Getenv(childEnv) != "" {
		return nil, errors.New("start PKCS#11 agent: refused inside an agent " +
			"(a test binary started as an agent needs a TestMain that runs agent.ServeStdio)")
	}
	argv := a.opts.Command
	if len(argv) == 0 {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("start PKCS#11 agent: %w", err)
		}
		argv = []string{exe, CommandName}
	}
	fail := func(err error) (*proc, error) {
		return nil, fmt.Errorf("start PKCS#11 agent %s: %w", argv[0], err)
	}
	if err := ctx.Err(); err != nil {
		return fail(cancelled(err))
	}
	// Pipes of our own rather than cmd.StdinPipe: writes to an *os.File
	// pipe end when it is closed, so a child that stops reading cannot
	// block a writer past the watchdog.
	inR, inW, err := os.Pipe()
	if err != nil {
		return fail(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return fail(err)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(append(os.Environ(), a.opts.Env...), childEnv+"=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, a.opts.Stderr
	cmd.SysProcAttr = sysProcAttr()
	cmd.WaitDelay = time.Second // Stderr copying must not hold Wait up
	err = cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return fail(err)
	}
	p := &proc{
		a: a, log: a.log, cmd: cmd, pid: cmd.Process.Pid, in: inW, out: outR,
		hello: make(chan hello, 1), calls: map[uint64]*call{},
		dying: make(chan struct{}), exited: make(chan struct{}),
	}
	go p.wait()
	go p.read()

	timer := time.NewTimer(a.opts.CallTimeout)
	defer timer.Stop()
	select {
	case h := <-p.hello:
		if h.Version != protocolVersion {
			p.stop(&stopError{msg: fmt.Sprintf("PKCS#11 agent speaks protocol %d, want %d (another siegel version?)",
				h.Version, protocolVersion), kind: ErrExited}, nil, true)
			return fail(p.deathErr(nil))
		}
	case <-p.dying:
		return fail(p.deathErr(nil))
	case <-timer.C:
		p.stop(&stopError{msg: fmt.Sprintf("PKCS#11 agent did not start within %v", a.opts.CallTimeout),
			kind: ErrUnresponsive}, nil, true)
		return fail(p.deathErr(nil))
	case <-ctx.Done():
		p.stop(&stopError{msg: "PKCS#11 agent start cancelled", kind: ErrClosed}, nil, true)
		_ = p.deathErr(nil) // reaped, or given up on
		return fail(cancelled(ctx.Err()))
	}
	a.log.Debug("pkcs11 agent: started", "pid", p.pid, "command", argv)
	return p, nil
}

// ListTokens is pkcs11.ListTokens run in the agent.
func (a *Agent) ListTokens(ctx context.Context, module string) ([]pkcs11.TokenInfo, error) {
	fail := func(err error) ([]pkcs11.TokenInfo, error) {
		return nil, fmt.Errorf("list PKCS#11 tokens of %s: %w", module, err)
	}
	p, err := a.proc(ctx)
	if err != nil {
		return fail(err)
	}
	res, err := p.roundTrip(ctx, request{typ: tList, body: marshal(listRequest{Module: module})})
	if err != nil {
		return fail(err)
	}
	if res.Err != nil {
		return nil, res.Err.err() // the child's message names the operation
	}
	tokens := make([]pkcs11.TokenInfo, len(res.Tokens))
	for i, w := range res.Tokens {
		t := w.Info
		t.Keys = append([]pkcs11.KeyInfo(nil), w.Info.Keys...)
		for j := range t.Keys {
			if j >= len(w.Certs) || w.Certs[j] == nil {
				continue
			}
			c, err := x509.ParseCertificate(w.Certs[j])
			if err != nil {
				return fail(fmt.Errorf("certificate of key %q on token %q: %w", t.Keys[j].Label, t.Label, err))
			}
			t.Keys[j].Certificate = c
		}
		tokens[i] = t
	}
	return tokens, nil
}

// Open is pkcs11.Open run in the agent. It never asks for a PIN; the first
// signature does, through opts.PIN, called in this process. The records of
// the key in the child go to the agent's Logger; opts.Logger is not used.
func (a *Agent) Open(ctx context.Context, uri string, opts pkcs11.Options) (*Key, error) {
	fail := func(err error) (*Key, error) {
		return nil, fmt.Errorf("open PKCS#11 key %s: %w", uri, err)
	}
	p, err := a.proc(ctx)
	if err != nil {
		return fail(err)
	}
	req := openRequest{URI: uri, Debug: a.log.Enabled(ctx, slog.LevelDebug)}
	// An Open whose caller left keeps its key open in the child; close it.
	late := func(r *result) {
		if r.Err == nil && r.Handle != 0 {
			go p.closeHandle(r.Handle)
		}
	}
	res, err := p.roundTrip(ctx, request{typ: tOpen, body: marshal(req), late: late})
	if err != nil {
		return fail(err)
	}
	if res.Err != nil {
		return nil, res.Err.err()
	}
	var chain []*x509.Certificate
	for _, der := range res.Chain {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			go p.closeHandle(res.Handle)
			return fail(fmt.Errorf("certificate from the agent: %w", err))
		}
		chain = append(chain, c)
	}
	if len(chain) == 0 {
		go p.closeHandle(res.Handle)
		return fail(signing.ErrNoCertificate)
	}
	k := &Key{p: p, h: res.Handle, chain: chain, reader: res.Reader, pin: opts.PIN, sem: make(chan struct{}, 1)}
	k.name, k.token = names(uri, chain[0])
	return k, nil
}
