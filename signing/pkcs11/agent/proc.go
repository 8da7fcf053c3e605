package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"sync"
	"time"

	"github.com/siegel-app/siegel/signing"
)

// proc is one child process and the calls running in it.
type proc struct {
	a     *Agent
	log   *slog.Logger
	cmd   *exec.Cmd
	pid   int
	in    *os.File // the child's standard input
	out   *os.File // the child's protocol output
	wmu   sync.Mutex
	hello chan hello

	mu      sync.Mutex
	calls   map[uint64]*call
	next    uint64
	cause   error // why it stopped; nil while it runs
	culprit *call // the call whose watchdog stopped it
	dying   chan struct{}
	exited  chan struct{} // closed once the process is reaped
}

// stopError is why a child stopped.
type stopError struct {
	msg     string
	kind    error // ErrUnresponsive, ErrExited or ErrClosed
	removed bool  // a signature hung: the token is likely gone
}

func (e *stopError) Error() string { return e.msg }

func (e *stopError) Unwrap() []error {
	errs := []error{ErrStopped, e.kind}
	if e.removed {
		errs = append(errs, signing.ErrTokenRemoved)
	}
	return errs
}

func (p *proc) timeoutError(d time.Duration, sign bool) error {
	msg := fmt.Sprintf("PKCS#11 module did not answer within %v", d)
	if sign {
		msg += ", as happens when a card is pulled during signing"
	}
	msg += "; its agent process was stopped and the next call starts a new one"
	if sign {
		msg += "; a signature may have been made, so signing is not repeated"
	}
	return &stopError{msg: msg, kind: ErrUnresponsive, removed: sign}
}

// stopped returns why the child stopped, or nil while it runs.
func (p *proc) stopped() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cause
}

// stop records why the child stops (the first reason wins), wakes every
// call, and kills the process group when hard; else closing its input lets
// Serve end by itself.
func (p *proc) stop(cause error, culprit *call, hard bool) {
	p.mu.Lock()
	if p.cause != nil {
		p.mu.Unlock()
		return
	}
	p.cause, p.culprit = cause, culprit
	close(p.dying)
	p.mu.Unlock()
	if errors.Is(cause, ErrClosed) {
		p.log.Debug("pkcs11 agent: stopping", "pid", p.pid)
	} else {
		p.log.Warn("pkcs11 agent: stopped", "pid", p.pid, "reason", cause.Error())
	}
	if hard {
		kill(p.cmd.Process)
	}
	// In a goroutine: on some systems Close waits for a blocked Write.
	go p.in.Close()
}

// shutdown stops the child gently: it closes its keys and exits.
func (p *proc) shutdown() {
	p.stop(&stopError{msg: "PKCS#11 agent closed", kind: ErrClosed}, nil, false)
	select {
	case <-p.exited:
		return
	case <-time.After(shutdownGrace + time.Second):
	}
	kill(p.cmd.Process)
	select {
	case <-p.exited:
	case <-time.After(killGrace):
	}
}

// deathErr is the error of call c (nil: no call) after the child stopped.
// It waits until the process is reaped, briefly.
func (p *proc) deathErr(c *call) error {
	select {
	case <-p.exited:
	case <-time.After(killGrace):
	}
	p.mu.Lock()
	cause, culprit := p.cause, p.culprit
	p.mu.Unlock()
	if culprit == nil || culprit == c {
		return cause
	}
	return fmt.Errorf("the PKCS#11 agent was stopped while this call ran: %w", cause)
}

func (p *proc) wait() {
	err := p.cmd.Wait()
	status := "exit status 0"
	if err != nil {
		status = err.Error()
	}
	p.stop(&stopError{msg: fmt.Sprintf("PKCS#11 agent (pid %d) exited unexpectedly: %s", p.pid, status),
		kind: ErrExited}, nil, false)
	close(p.exited)
}

// read dispatches the child's frames to the calls they belong to.
func (p *proc) read() {
	defer p.out.Close()
	for {
		f, err := readFrame(p.out)
		if err != nil {
			if errors.Is(err, io.EOF) {
				// The child is ending; its exit status says more than EOF.
				select {
				case <-p.exited:
				case <-time.After(time.Second):
					p.stop(&stopError{msg: fmt.Sprintf("PKCS#11 agent (pid %d) closed its output", p.pid),
						kind: ErrExited}, nil, true)
				}
			} else {
				p.stop(&stopError{msg: fmt.Sprintf("PKCS#11 agent (pid %d): %v", p.pid, err), kind: ErrExited}, nil, true)
			}
			return
		}
		switch f.typ {
		case tHello:
			var h hello
			if err := json.Unmarshal(f.payload, &h); err != nil {
				p.stop(&stopError{msg: fmt.Sprintf("PKCS#11 agent (pid %d): bad hello: %v", p.pid, err), kind: ErrExited}, nil, true)
				return
			}
			select {
			case p.hello <- h:
			default:
			}
		case tLog:
			p.relog(f.payload)
		case tResult, tPINAsk:
			p.mu.Lock()
			c := p.calls[f.id]
			p.mu.Unlock()
			if c == nil {
				continue // a call that ended (its caller gave up and the answer is late)
			}
			select {
			case c.in <- f:
			default:
				p.stop(&stopError{msg: fmt.Sprintf("PKCS#11 agent (pid %d): %v: unexpected frames for call %d", p.pid, errProtocol, f.id),
					kind: ErrExited}, nil, true)
				return
			}
		default:
			p.stop(&stopError{msg: fmt.Sprintf("PKCS#11 agent (pid %d): %v: frame type %d", p.pid, errProtocol, f.typ),
				kind: ErrExited}, nil, true)
			return
		}
	}
}

func (p *proc) relog(payload []byte) {
	var rec logRecord
	if err := json.Unmarshal(payload, &rec); err != nil {
		return
	}
	args := make([]any, 0, len(rec.Attrs)/2+1)
	for i := 0; i+1 < len(rec.Attrs); i += 2 {
		args = append(args, slog.String(rec.Attrs[i], rec.Attrs[i+1]))
	}
	args = append(args, slog.Int("agent pid", p.pid))
	p.log.Log(context.Background(), rec.Level, rec.Msg, args...)
}

func (p *proc) write(b []byte) error {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	_, err := p.in.Write(b)
	return err
}

// writeFailed turns a failed write into the reason the child stopped: it
// has usually exited, and its exit status says more.
func (p *proc) writeFailed(c *call, err error) error {
	select {
	case <-p.dying:
	case <-time.After(time.Second):
		p.stop(&stopError{msg: fmt.Sprintf("write to PKCS#11 agent (pid %d): %v", p.pid, err), kind: ErrExited}, nil, true)
	}
	return p.deathErr(c)
}

func (p *proc) closeHandle(h uint64) error {
	res, err := p.roundTrip(context.Background(), request{typ: tClose, body: marshal(closeRequest{Handle: h})})
	if err != nil {
		return err
	}
	return res.Err.err()
}

// request is one call to make.
type request struct {
	typ  byte
	body []byte
	ctx  context.Context // the caller's; PIN prompts get it
	pin  signing.PINFunc
	// sign marks a signature: a timeout then likely means a removed token,
	// and a signature may have been made.
	sign bool
	// release is called once the call is over, answered or not, also when
	// its caller left before.
	release func()
	// late receives an answer that came after the caller left.
	late func(*result)
}

type call struct {
	id      uint64
	in      chan frame    // from read: PIN requests and the result
	done    chan struct{} // closed when out is set for the caller
	abandon chan struct{} // closed when the caller left

	mu        sync.Mutex
	out       outcome
	finished  bool // out is set
	abandoned bool // the caller left
	ended     bool // the supervisor returned
}

type outcome struct {
	res *result
	err error
}

type pinReply struct {
	pin []byte
	err error
}

// roundTrip makes a call and waits for its answer or for ctx. When ctx ends
// first it returns at once; the call goes on under the watchdog, and its
// answer goes to r.late.
func (p *proc) roundTrip(ctx context.Context, r request) (*result, error) {
	fail := func(err error) (*result, error) {
		if r.release != nil {
			r.release()
		}
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return fail(cancelled(err))
	}
	r.ctx = ctx
	c := &call{in: make(chan frame, 4), done: make(chan struct{}), abandon: make(chan struct{})}
	p.mu.Lock()
	if p.cause != nil {
		cause := p.cause
		p.mu.Unlock()
		return fail(cause)
	}
	p.next++
	c.id = p.next
	p.calls[c.id] = c
	p.mu.Unlock()
	go p.supervise(c, r)
	select {
	case <-c.done:
		return c.out.res, c.out.err
	case <-ctx.Done():
		c.mu.Lock()
		if c.finished {
			c.mu.Unlock()
			return c.out.res, c.out.err
		}
		c.abandoned = true
		c.mu.Unlock()
		close(c.abandon)
		return nil, cancelled(ctx.Err())
	}
}

// finish hands the outcome to the caller, or to late when it left.
func (c *call) finish(o outcome, late func(*result)) {
	c.mu.Lock()
	if c.abandoned {
		c.mu.Unlock()
		if o.res != nil && late != nil {
			late(o.res)
		}
		return
	}
	c.out, c.finished = o, true
	c.mu.Unlock()
	close(c.done)
}

// supervise runs call c: it sends the request, relays PIN prompts and runs
// the watchdog, which is paused while a prompt is open.
func (p *proc) supervise(c *call, r request) {
	var pinDone chan pinReply // set while a prompt is open
	defer func() {
		// A prompt still open (the agent stopped meanwhile) zeroes its PIN
		// when it returns; one that returned already is zeroed here.
		c.mu.Lock()
		c.ended = true
		c.mu.Unlock()
		if pinDone != nil {
			select {
			case a := <-pinDone:
				signing.Zero(a.pin)
			default:
			}
		}
		p.mu.Lock()
		delete(p.calls, c.id)
		p.mu.Unlock()
		if r.release != nil {
			r.release()
		}
	}()
	var timer *time.Timer
	disarm := func() {
		if timer != nil {
			timer.Stop()
			timer = nil
		}
	}
	arm := func(d time.Duration) {
		disarm()
		timer = time.AfterFunc(d, func() { p.stop(p.timeoutError(d, r.sign), c, true) })
	}
	defer disarm()
	end := func(o outcome) {
		disarm()
		c.finish(o, r.late)
	}
	broken := func(what string, err error) {
		p.stop(&stopError{msg: fmt.Sprintf("PKCS#11 agent (pid %d): %v: %s: %v", p.pid, errProtocol, what, err),
			kind: ErrExited}, nil, true)
		end(outcome{err: p.deathErr(c)})
	}

	arm(p.a.opts.CallTimeout)
	if err := p.write(encodeFrame(r.typ, c.id, r.body)); err != nil {
		end(outcome{err: p.writeFailed(c, err)})
		return
	}
	var pinPad bool
	abandon := c.abandon
	refuse := func(err error) error {
		return p.write(encodeFrame(tPINRefuse, c.id, marshal(toWire(err))))
	}
	for {
		select {
		case f := <-c.in:
			switch f.typ {
			case tResult:
				var res result
				if err := json.Unmarshal(f.payload, &res); err != nil {
					broken("result", err)
					return
				}
				end(outcome{res: &res})
				return
			case tPINAsk:
				// The person's time is not the token's: no deadline
				// while the prompt is open.
				disarm()
				var req signing.PINRequest
				if err := json.Unmarshal(f.payload, &req); err != nil {
					broken("PIN request", err)
					return
				}
				if pinDone != nil {
					broken("PIN request", errors.New("a second prompt while one is open"))
					return
				}
				if abandon == nil { // the caller left: nobody to ask
					arm(p.a.opts.CallTimeout)
					if err := refuse(cancelled(context.Canceled)); err != nil {
						end(outcome{err: p.writeFailed(c, err)})
						return
					}
					continue
				}
				pinPad = req.PINPad
				pinDone = make(chan pinReply, 1)
				go c.askPIN(r.ctx, r.pin, req, pinDone)
			}
		case a := <-pinDone:
			pinDone = nil
			d := p.a.opts.CallTimeout
			if pinPad && a.err == nil {
				d = p.a.opts.PINPadTimeout // C_Login waits for the keypad
			}
			arm(d)
			var err error
			switch {
			case a.err != nil:
				signing.Zero(a.pin)
				err = refuse(a.err)
			case pinPad:
				// The reader collects the PIN: nothing is sent.
				signing.Zero(a.pin)
				err = p.write(encodeFrame(tPIN, c.id, nil))
			default:
				b := encodeFrame(tPIN, c.id, a.pin)
				signing.Zero(a.pin)
				err = p.write(b)
				signing.Zero(b)
			}
			if err != nil {
				end(outcome{err: p.writeFailed(c, err)})
				return
			}
		case <-abandon:
			abandon = nil
			if pinDone != nil {
				// The prompt's answer no longer matters; askPIN zeroes
				// one that comes later.
				select {
				case a := <-pinDone:
					signing.Zero(a.pin)
				default:
				}
				pinDone = nil
				arm(p.a.opts.CallTimeout)
				if err := refuse(cancelled(r.ctx.Err())); err != nil {
					end(outcome{err: p.writeFailed(c, err)})
					return
				}
			}
		case <-p.dying:
			end(outcome{err: p.deathErr(c)})
			return
		}
	}
}

// askPIN calls the Key's PINFunc in this process and hands the answer to
// the supervisor, unless the caller left or the call ended meanwhile: then
// it zeroes the PIN.
func (c *call) askPIN(ctx context.Context, fn signing.PINFunc, req signing.PINRequest, answer chan<- pinReply) {
	var pin []byte
	var err error
	if fn == nil {
		err = errors.New("a PIN is needed and no PIN callback was given")
	} else {
		pin, err = fn(ctx, req)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.abandoned || c.ended {
		signing.Zero(pin)
		return
	}
	answer <- pinReply{pin: pin, err: err}
}

// cancelled wraps a context error so that callers can test for
// signing.ErrCancelled as well as for context.Canceled/DeadlineExceeded.
func cancelled(err error) error {
	if errors.Is(err, signing.ErrCancelled) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w (%w)", signing.ErrCancelled, err)
	}
	return err
}
