//go:build cgo

package cardreader

import (
	"errors"
	"fmt"

	"github.com/ebfe/scard"
)

// List returns the readers and cards present now.
func List(opts Options) ([]Reader, error) {
	sctx, err := scard.EstablishContext()
	if err != nil {
		return nil, translate("establish PC/SC context", err)
	}
	defer sctx.Release()
	names, err := sctx.ListReaders()
	if errors.Is(err, scard.ErrNoReadersAvailable) {
		return nil, nil
	}
	if err != nil {
		return nil, translate("list readers", err)
	}
	states := make([]scard.ReaderState, len(names))
	for i, n := range names {
		states[i] = scard.ReaderState{Reader: n, CurrentState: scard.StateUnaware}
	}
	if err := sctx.GetStatusChange(states, 0); err != nil && !errors.Is(err, scard.ErrTimeout) {
		return nil, translate("read reader states", err)
	}
	out := make([]Reader, len(names))
	for i, st := range states {
		out[i] = describe(sctx, &opts, st)
	}
	return out, nil
}

// describe builds a Reader from its state, asking the card for its PIN
// state and the reader for its features.
func describe(sctx *scard.Context, opts *Options, st scard.ReaderState) Reader {
	r := Reader{Name: st.Reader, PINPad: pinPad(sctx, st.Reader)}
	if v, ok := opts.PINPad[st.Reader]; ok {
		r.PINPad = v
	}
	if st.EventState&scard.StatePresent != 0 && st.EventState&scard.StateMute == 0 && len(st.Atr) > 0 {
		c := &Card{ATR: append([]byte(nil), st.Atr...)}
		c.Name, c.Known = opts.identifier().Identify(c.ATR)
		c.PIN = pinState(sctx, st.Reader, opts.logger())
		r.Card = c
	}
	return r
}

// translate maps PC/SC errors to ours at the boundary.
func translate(op string, err error) error {
	var se scard.Error
	if errors.As(err, &se) {
		switch se {
		case scard.ErrNoService, scard.ErrServiceStopped:
			return ErrNoService
		}
		return fmt.Errorf("%s: %w (PC/SC 0x%08X)", op, err, uint32(se))
	}
	return fmt.Errorf("%s: %w", op, err)
}
