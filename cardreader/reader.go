package cardreader

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/ebfe/scard"

	"github.com/siegel-app/siegel/assets"
)

// ErrNoService means the PC/SC service (pcscd) is not running: a state to
// show, not a failure to report again and again.
var ErrNoService = errors.New("PC/SC service is not running")

// Reader is a card reader and the card in it, if any.
type Reader struct {
	Name   string
	PINPad bool // the reader has a keypad for the PIN (PC/SC part 10)
	Card   *Card
}

// Card is a card in a reader.
type Card struct {
	ATR   []byte
	Name  string // from the ATR; "" when unknown
	Known bool
	PIN   PINState
}

// PINState is what the card says about its PIN without one being entered.
type PINState struct {
	Known       bool // the card answered; false for cards not asked
	RetriesLeft int
	Verified    bool // the PIN is verified in the current session
	Blocked     bool
}

// FinalTry is set when one more wrong PIN blocks the card.
func (p PINState) FinalTry() bool { return p.Known && !p.Blocked && p.RetriesLeft == 1 }

// Options configure listing and watching.
type Options struct {
	// Identifier names cards; nil uses Siegel's table and the system list.
	Identifier *Identifier
	// PINPad overrides pin-pad detection per reader name, for readers
	// known to report it falsely (a setting).
	PINPad map[string]bool
	Logger *slog.Logger
}

func (o *Options) identifier() *Identifier {
	if o.Identifier == nil {
		o.Identifier = NewIdentifier(assets.ATRTable, SystemATRList)
	}
	return o.Identifier
}

func (o *Options) logger() *slog.Logger {
	if o.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.Logger
}

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
