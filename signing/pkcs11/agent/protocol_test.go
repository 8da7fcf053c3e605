package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"testing"

	"github.com/siegel-app/siegel/signing"
)

func TestFrames(t *testing.T) {
	var buf bytes.Buffer
	want := []frame{
		{typ: tSign, id: 7, payload: []byte(`{"Handle":1}`)},
		{typ: tPIN, id: 1 << 40, payload: []byte("1234")},
		{typ: tPIN, id: 2, payload: []byte{}},
	}
	for _, f := range want {
		buf.Write(encodeFrame(f.typ, f.id, f.payload))
	}
	for _, w := range want {
		f, err := readFrame(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if f.typ != w.typ || f.id != w.id || !bytes.Equal(f.payload, w.payload) {
			t.Errorf("read %+v, want %+v", f, w)
		}
	}
	if _, err := readFrame(&buf); err != io.EOF {
		t.Errorf("at the end: %v, want EOF", err)
	}

	tests := []struct {
		name string
		in   []byte
	}{
		{"text", []byte("Usage: siegel COMMAND [options]\n")},
		{"short header", encodeFrame(tResult, 1, nil)[:5]},
		{"short payload", encodeFrame(tResult, 1, []byte("{}"))[:headerSize+1]},
		{"too long", func() []byte {
			b := encodeFrame(tResult, 1, nil)
			b[10] = 0xFF
			return b
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readFrame(bytes.NewReader(tt.in))
			if !errors.Is(err, errProtocol) {
				t.Errorf("readFrame = %v, want a protocol error", err)
			}
		})
	}
}

// Errors keep their sentinels, PINError fields and message across the
// boundary.
func TestWireErrors(t *testing.T) {
	tests := []struct {
		name string
		err  error
		is   []error
		pin  *signing.PINError
	}{
		{"PIN incorrect", fmt.Errorf("sign: C_Login: %w", &signing.PINError{RetriesLeft: 2}),
			[]error{signing.ErrPINIncorrect}, &signing.PINError{RetriesLeft: 2}},
		{"PIN locked", fmt.Errorf("sign: %w", &signing.PINError{Locked: true}),
			[]error{signing.ErrPINLocked}, &signing.PINError{Locked: true}},
		{"final try", &signing.PINError{FinalTry: true, RetriesLeft: -1},
			[]error{signing.ErrPINIncorrect}, &signing.PINError{FinalTry: true, RetriesLeft: -1}},
		{"removed", fmt.Errorf("C_Sign: %w", signing.ErrTokenRemoved), []error{signing.ErrTokenRemoved}, nil},
		{"cancelled by context", fmt.Errorf("%w (%w)", signing.ErrCancelled, context.DeadlineExceeded),
			[]error{signing.ErrCancelled, context.DeadlineExceeded}, nil},
		{"several", errors.Join(signing.ErrTokenNotPresent, signing.ErrKeyNotFound, signing.ErrNoCertificate, signing.ErrUnsupported),
			[]error{signing.ErrTokenNotPresent, signing.ErrKeyNotFound, signing.ErrNoCertificate, signing.ErrUnsupported}, nil},
		{"missing module", fmt.Errorf("load: %w", fs.ErrNotExist), []error{fs.ErrNotExist}, nil},
		{"plain", errors.New("3 keys match; add id= to the URI"), nil, nil},
	}
	all := []error{signing.ErrCancelled, signing.ErrPINIncorrect, signing.ErrPINLocked, signing.ErrTokenRemoved,
		signing.ErrTokenNotPresent, signing.ErrKeyNotFound, signing.ErrNoCertificate, signing.ErrUnsupported,
		context.Canceled, context.DeadlineExceeded, fs.ErrNotExist}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w wireError
			if err := jsonRoundTrip(toWire(tt.err), &w); err != nil {
				t.Fatal(err)
			}
			got := w.err()
			if got.Error() != tt.err.Error() {
				t.Errorf("message %q, want %q", got, tt.err)
			}
			for _, s := range all {
				want := errors.Is(tt.err, s)
				if errors.Is(got, s) != want {
					t.Errorf("errors.Is(%v) = %v, want %v", s, !want, want)
				}
			}
			var pe *signing.PINError
			if errors.As(got, &pe) != (tt.pin != nil) || tt.pin != nil && *pe != *tt.pin {
				t.Errorf("PINError %+v, want %+v", pe, tt.pin)
			}
		})
	}
	if (*wireError)(nil).err() != nil || toWire(nil) != nil {
		t.Error("nil does not stay nil")
	}
}

func jsonRoundTrip(in *wireError, out *wireError) error {
	f, err := readFrame(bytes.NewReader(encodeFrame(tResult, 1, marshal(in))))
	if err != nil {
		return err
	}
	return json.Unmarshal(f.payload, out)
}

// Serve says hello, and ends without error when its input ends, and with
// one when the input is not the protocol.
func TestServe(t *testing.T) {
	var out bytes.Buffer
	if err := Serve(strings.NewReader(""), &out); err != nil {
		t.Fatalf("Serve at EOF = %v", err)
	}
	f, err := readFrame(&out)
	if err != nil || f.typ != tHello || !strings.Contains(string(f.payload), fmt.Sprintf(`"Version":%d`, protocolVersion)) {
		t.Errorf("first frame %+v, %v; want hello", f, err)
	}
	if err := Serve(strings.NewReader("garbage from a module, not frames"), io.Discard); !errors.Is(err, errProtocol) {
		t.Errorf("Serve on garbage = %v", err)
	}
}
