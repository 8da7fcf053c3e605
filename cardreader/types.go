package cardreader

import (
	"errors"
	"log/slog"
	"time"

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

// EventKind says what happened.
type EventKind int

const (
	ServiceDown EventKind = iota + 1 // pcscd stopped or not running
	ServiceUp                        // pcscd (back) up
	ReaderAdded
	ReaderRemoved
	CardInserted
	CardRemoved
)

func (k EventKind) String() string {
	return [...]string{"", "service-down", "service-up", "reader-added", "reader-removed", "card-inserted", "card-removed"}[k]
}

// Event is one change. Reader is set for reader and card events; Card for
// CardInserted (and ReaderAdded with a card in it).
type Event struct {
	Kind   EventKind
	Time   time.Time
	Reader Reader
}
