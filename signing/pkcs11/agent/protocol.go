package agent

import (
	"context"
	"crypto"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"

	"github.com/siegel-app/siegel/signing"
	"github.com/siegel-app/siegel/signing/pkcs11"
)

// protocolVersion changes whenever frames change, so that a parent refuses
// a child of another build (Options.Command naming an older siegel).
const protocolVersion = 1

// A frame is a 14-byte header (magic, type, call id, payload length, big
// endian) and a payload: JSON for everything but PINs. The magic byte and
// the length limit catch a child that writes something else to the
// protocol stream (a module printing, or a binary without the agent).
const (
	frameMagic = 0xA7
	headerSize = 1 + 1 + 8 + 4
	maxPayload = 8 << 20 // a token list with many certificates stays far below
)

// Frame types.
const (
	// Child to parent.
	tHello  byte = iota + 1 // hello, at start
	tResult                 // result of call id
	tPINAsk                 // signing.PINRequest for call id
	tLog                    // logRecord

	// Parent to child.
	tList      // listRequest
	tOpen      // openRequest
	tSign      // signRequest
	tClose     // closeRequest
	tPIN       // the PIN for call id: raw bytes, not JSON
	tPINRefuse // wireError: the PIN callback failed or the caller gave up
)

type frame struct {
	typ     byte
	id      uint64
	payload []byte
}

// errProtocol reports a stream that is not made of frames.
var errProtocol = errors.New("protocol error")

// readFrame reads one frame. It reads straight from r, without a buffer of
// its own, so that no copy of a PIN frame outlives the payload slice the
// reader zeroes.
func readFrame(r io.Reader) (frame, error) {
	var h [headerSize]byte
	if n, err := io.ReadFull(r, h[:]); err != nil {
		if err == io.ErrUnexpectedEOF {
			return frame{}, fmt.Errorf("%w: stream ends inside a frame header (%q)", errProtocol, h[:n])
		}
		return frame{}, err
	}
	if h[0] != frameMagic {
		return frame{}, fmt.Errorf("%w: not a frame: %q", errProtocol, h[:])
	}
	f := frame{typ: h[1], id: binary.BigEndian.Uint64(h[2:10])}
	n := binary.BigEndian.Uint32(h[10:14])
	if n > maxPayload {
		return frame{}, fmt.Errorf("%w: frame of %d bytes", errProtocol, n)
	}
	f.payload = make([]byte, n)
	if _, err := io.ReadFull(r, f.payload); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return frame{}, fmt.Errorf("%w: %w", errProtocol, err)
	}
	return f, nil
}

// encodeFrame returns the bytes of one frame, to be written with a single
// Write so that frames of concurrent senders do not interleave.
func encodeFrame(typ byte, id uint64, payload []byte) []byte {
	b := make([]byte, headerSize+len(payload))
	b[0] = frameMagic
	b[1] = typ
	binary.BigEndian.PutUint64(b[2:10], id)
	binary.BigEndian.PutUint32(b[10:14], uint32(len(payload)))
	copy(b[headerSize:], payload)
	return b
}

type hello struct {
	Version int
	PID     int
}

type listRequest struct{ Module string }

type openRequest struct {
	URI string
	// Debug asks the child to forward its debug records.
	Debug bool
}

type signRequest struct {
	Handle     uint64
	Digest     []byte
	Hash       crypto.Hash
	PSS        bool
	SaltLength int
}

type closeRequest struct{ Handle uint64 }

// result answers every request; Err is set when it failed.
type result struct {
	Err *wireError `json:",omitempty"`

	Tokens []wireToken `json:",omitempty"` // list

	Handle uint64   `json:",omitempty"` // open
	Chain  [][]byte `json:",omitempty"` // open: DER, leaf first
	Reader string   `json:",omitempty"` // open: the PC/SC reader, when the backend tells

	Signature  []byte `json:",omitempty"` // sign
	Signatures int    `json:",omitempty"` // sign: C_Sign calls of the key so far
}

// wireToken is a pkcs11.TokenInfo whose certificates travel as DER (an
// *x509.Certificate does not survive JSON). Certs[i] belongs to Keys[i].
type wireToken struct {
	Info  pkcs11.TokenInfo
	Certs [][]byte
}

type logRecord struct {
	Level slog.Level
	Msg   string
	Attrs []string // key, value, key, value…
}

// wireError carries an error across the boundary: its message, and codes
// for the sentinel errors it wraps so that errors.Is works on the other
// side.
type wireError struct {
	Msg   string
	Codes []string          `json:",omitempty"`
	PIN   *signing.PINError `json:",omitempty"`
}

// sentinels are the errors that keep their identity across the boundary.
// Codes are names, not indexes, so that a reordering here cannot change
// the meaning of a code between a parent and child of different builds.
var sentinels = []struct {
	code string
	err  error
}{
	{"cancelled", signing.ErrCancelled},
	{"pin-incorrect", signing.ErrPINIncorrect},
	{"pin-locked", signing.ErrPINLocked},
	{"token-removed", signing.ErrTokenRemoved},
	{"token-not-present", signing.ErrTokenNotPresent},
	{"key-not-found", signing.ErrKeyNotFound},
	{"no-certificate", signing.ErrNoCertificate},
	{"unsupported", signing.ErrUnsupported},
	{"context-canceled", context.Canceled},
	{"context-deadline", context.DeadlineExceeded},
	{"not-exist", fs.ErrNotExist},
	{"permission", fs.ErrPermission},
}

func toWire(err error) *wireError {
	if err == nil {
		return nil
	}
	w := &wireError{Msg: err.Error()}
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			w.Codes = append(w.Codes, s.code)
		}
	}
	var pe *signing.PINError
	if errors.As(err, &pe) {
		c := *pe
		w.PIN = &c
	}
	return w
}

// remoteError is an error made on the other side of the boundary. Its text
// is the original message; it unwraps to the sentinels it carried.
type remoteError struct {
	msg     string
	wrapped []error
}

func (e *remoteError) Error() string   { return e.msg }
func (e *remoteError) Unwrap() []error { return e.wrapped }

func (w *wireError) err() error {
	if w == nil {
		return nil
	}
	e := &remoteError{msg: w.Msg}
	if w.PIN != nil {
		pe := *w.PIN
		e.wrapped = append(e.wrapped, &pe)
	}
	for _, c := range w.Codes {
		for _, s := range sentinels {
			if s.code == c {
				e.wrapped = append(e.wrapped, s.err)
			}
		}
	}
	return e
}

// marshal encodes a frame body; the bodies are plain data, so an error is
// a bug and reported as such.
func marshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("agent: encode %T: %v", v, err))
	}
	return b
}
