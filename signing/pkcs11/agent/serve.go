package agent

import (
	"context"
	"crypto"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/siegel-app/siegel/signing"
	"github.com/siegel-app/siegel/signing/pkcs11"
)

// CommandName is the hidden siegel command that runs ServeStdio; the
// default Options.Command starts this executable with it.
const CommandName = "__pkcs11-agent"

// FakeHangSignEnv, set to "1" in the environment of an agent, makes it sign
// as usual (PIN prompt included) and then never answer the Sign request,
// as OpenSC does when a card is pulled during C_Sign. It exists for tests
// of the watchdog: SoftHSM2 cannot hang. Nothing in Siegel sets it.
const FakeHangSignEnv = "SIEGEL_AGENT_FAKE_HANG_SIGN"

// childEnv is set in the environment of every agent. An agent never starts
// agents; Start refuses to when it finds this, so that a test binary
// started as an agent without a TestMain that serves cannot start itself
// again and again.
const childEnv = "SIEGEL_PKCS11_AGENT"

// shutdownGrace bounds how long Serve spends closing keys (logging out)
// after its input ends: a hung module must not keep the process alive.
const shutdownGrace = 2 * time.Second

// Serve is the child's side: it answers the requests of one parent read
// from in, writing answers, PIN requests and log records to out, until in
// reaches EOF (the parent closed it or died). Then it closes the keys it
// opened, logging out, and returns nil. Each request runs in a goroutine of
// its own, so keys on different sessions sign at once.
func Serve(in io.Reader, out io.Writer) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := &server{
		ctx:      ctx,
		out:      out,
		keys:     map[uint64]*pkcs11.Key{},
		pins:     map[uint64]chan pinAnswer{},
		hangSign: os.Getenv(FakeHangSignEnv) == "1",
	}
	if err := s.send(tHello, 0, marshal(hello{Version: protocolVersion, PID: os.Getpid()})); err != nil {
		return fmt.Errorf("PKCS#11 agent: write hello: %w", err)
	}
	err := s.loop(in)
	cancel() // PIN prompts still waiting end now
	s.closeAll()
	if errors.Is(err, io.EOF) {
		return nil
	}
	return fmt.Errorf("PKCS#11 agent: %w", err)
}

type server struct {
	ctx      context.Context
	out      io.Writer
	wmu      sync.Mutex // one frame at a time on out
	hangSign bool

	mu   sync.Mutex
	keys map[uint64]*pkcs11.Key
	next uint64
	pins map[uint64]chan pinAnswer // call id → its waiting PIN prompt
}

type pinAnswer struct {
	pin []byte
	err error
}

func (s *server) loop(in io.Reader) error {
	for {
		f, err := readFrame(in)
		if err != nil {
			return err
		}
		switch f.typ {
		case tList, tOpen, tSign, tClose:
			go s.handle(f)
		case tPIN:
			// The payload is the PIN itself, a slice of its own: it goes
			// to the key, which zeroes it after C_Login.
			if !s.answerPIN(f.id, pinAnswer{pin: f.payload}) {
				signing.Zero(f.payload)
			}
		case tPINRefuse:
			var w wireError
			if err := json.Unmarshal(f.payload, &w); err != nil {
				return fmt.Errorf("%w: PIN refusal: %w", errProtocol, err)
			}
			s.answerPIN(f.id, pinAnswer{err: w.err()})
		default:
			return fmt.Errorf("%w: unknown frame type %d", errProtocol, f.typ)
		}
	}
}

// answerPIN hands a PIN answer to the prompt of call id, if one waits.
func (s *server) answerPIN(id uint64, a pinAnswer) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.pins[id]
	if ch == nil {
		return false
	}
	delete(s.pins, id)
	ch <- a // buffered: one answer per prompt
	return true
}

func (s *server) send(typ byte, id uint64, payload []byte) error {
	b := encodeFrame(typ, id, payload)
	s.wmu.Lock()
	defer s.wmu.Unlock()
	_, err := s.out.Write(b)
	return err
}

func (s *server) handle(f frame) {
	ctx := context.WithValue(s.ctx, callKey{}, f.id)
	var res result
	var err error
	switch f.typ {
	case tList:
		var req listRequest
		if err = json.Unmarshal(f.payload, &req); err == nil {
			res.Tokens, err = listTokens(req.Module)
		}
	case tOpen:
		var req openRequest
		if err = json.Unmarshal(f.payload, &req); err == nil {
			res.Handle, res.Chain, res.Reader, err = s.open(ctx, req)
		}
	case tSign:
		var req signRequest
		if err = json.Unmarshal(f.payload, &req); err == nil {
			res.Signature, res.Signatures, err = s.sign(ctx, req)
		}
	case tClose:
		var req closeRequest
		if err = json.Unmarshal(f.payload, &req); err == nil {
			err = s.closeKey(req.Handle)
		}
	}
	res.Err = toWire(err)
	// A write error means the parent is gone; the read loop sees EOF.
	_ = s.send(tResult, f.id, marshal(res))
}

func listTokens(module string) ([]wireToken, error) {
	tokens, err := pkcs11.ListTokens(module)
	if err != nil {
		return nil, err
	}
	out := make([]wireToken, len(tokens))
	for i, t := range tokens {
		w := wireToken{Info: t, Certs: make([][]byte, len(t.Keys))}
		w.Info.Keys = append([]pkcs11.KeyInfo(nil), t.Keys...)
		for j := range w.Info.Keys {
			if c := w.Info.Keys[j].Certificate; c != nil {
				w.Certs[j] = c.Raw
			}
			w.Info.Keys[j].Certificate = nil
		}
		out[i] = w
	}
	return out, nil
}

func (s *server) open(ctx context.Context, req openRequest) (h uint64, chain [][]byte, reader string, err error) {
	opts := pkcs11.Options{PIN: s.askPIN}
	if req.Debug {
		opts.Logger = slog.New(&logHandler{s: s})
	}
	k, err := pkcs11.Open(ctx, req.URI, opts)
	if err != nil {
		return 0, nil, "", err
	}
	for _, c := range k.Chain() {
		chain = append(chain, c.Raw)
	}
	// signing.ReaderKey, found by its method so that this builds with or
	// without it.
	if r, ok := any(k).(interface{ Reader() string }); ok {
		reader = r.Reader()
	}
	s.mu.Lock()
	s.next++
	h = s.next
	s.keys[h] = k
	s.mu.Unlock()
	return h, chain, reader, nil
}

func (s *server) key(h uint64) *pkcs11.Key {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys[h]
}

func (s *server) sign(ctx context.Context, req signRequest) ([]byte, int, error) {
	k := s.key(req.Handle)
	if k == nil {
		return nil, 0, fmt.Errorf("sign: no open key with handle %d", req.Handle)
	}
	var opts crypto.SignerOpts = req.Hash
	if req.PSS {
		opts = &rsa.PSSOptions{SaltLength: req.SaltLength, Hash: req.Hash}
	}
	sig, err := k.SignContext(ctx, nil, req.Digest, opts)
	if s.hangSign {
		// FakeHangSignEnv: stand for a C_Sign that never returns. Only the
		// end of Serve ends the wait; the process exits then.
		<-s.ctx.Done()
		return nil, k.Signatures(), errors.New("sign: agent shutting down")
	}
	return sig, k.Signatures(), err
}

func (s *server) closeKey(h uint64) error {
	s.mu.Lock()
	k := s.keys[h]
	delete(s.keys, h)
	s.mu.Unlock()
	if k == nil {
		return nil // closed already
	}
	return k.Close()
}

// closeAll closes the keys still open, which logs out of their tokens,
// giving up after shutdownGrace: a hung module must not keep the
// process alive.
func (s *server) closeAll() {
	s.mu.Lock()
	keys := s.keys
	s.keys = map[uint64]*pkcs11.Key{}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		for _, k := range keys {
			_ = k.Close()
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(shutdownGrace):
	}
}

// callKey carries the id of the call a PIN prompt belongs to, from the
// request handler through pkcs11.Key to askPIN.
type callKey struct{}

// askPIN is the PINFunc of the child's keys: it asks the parent, which asks
// the person through the Key's real PINFunc, and waits for the answer
// without a time limit (people take their time; the parent's watchdog is
// paused meanwhile).
func (s *server) askPIN(ctx context.Context, req signing.PINRequest) ([]byte, error) {
	id, ok := ctx.Value(callKey{}).(uint64)
	if !ok {
		return nil, errors.New("PIN asked outside a call")
	}
	ch := make(chan pinAnswer, 1)
	s.mu.Lock()
	s.pins[id] = ch
	s.mu.Unlock()
	if err := s.send(tPINAsk, id, marshal(req)); err != nil {
		s.mu.Lock()
		delete(s.pins, id)
		s.mu.Unlock()
		return nil, fmt.Errorf("ask the parent for the PIN: %w", err)
	}
	select {
	case a := <-ch:
		return a.pin, a.err
	case <-ctx.Done():
		s.mu.Lock()
		delete(s.pins, id)
		s.mu.Unlock()
		select {
		case a := <-ch: // answered at the same moment
			signing.Zero(a.pin)
		default:
		}
		return nil, ctx.Err()
	}
}

// logHandler forwards the records of the child's keys to the parent, which
// logs them with its own logger. pkcs11 never logs a PIN.
type logHandler struct {
	s     *server
	attrs []string
	group string
}

func (h *logHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *logHandler) Handle(_ context.Context, r slog.Record) error {
	rec := logRecord{Level: r.Level, Msg: r.Message, Attrs: append([]string(nil), h.attrs...)}
	r.Attrs(func(a slog.Attr) bool {
		rec.Attrs = append(rec.Attrs, h.group+a.Key, a.Value.Resolve().String())
		return true
	})
	return h.s.send(tLog, 0, marshal(rec))
}

func (h *logHandler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append([]string(nil), h.attrs...)
	for _, a := range as {
		c.attrs = append(c.attrs, h.group+a.Key, a.Value.Resolve().String())
	}
	return &c
}

func (h *logHandler) WithGroup(name string) slog.Handler {
	c := *h
	c.group = h.group + name + "."
	return &c
}
