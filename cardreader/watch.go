//go:build cgo

package cardreader

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"time"

	"github.com/ebfe/scard"
)

// pnp is pcsc-lite's and WinSCard's pseudo reader whose state changes when
// a reader is plugged or unplugged.
const pnp = `\\?PnP?\Notification`

// retryEvery is how often a missing PC/SC service is looked for again.
const retryEvery = time.Second

// Watch reports the present readers and cards (as added and inserted
// events), then every change, until ctx ends. A missing or stopped PC/SC
// service is one ServiceDown event, and its return one ServiceUp: the
// watcher keeps looking. It returns nil when ctx ends.
func Watch(ctx context.Context, opts Options, emit func(Event)) error {
	w := &watcher{opts: opts, emit: emit, readers: map[string]*readerState{}}
	for {
		err := w.session(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if !errors.Is(err, ErrNoService) {
			// Anything else (a PC/SC error) is logged and retried the same
			// way: the watcher outlives the service's moods.
			w.opts.logger().Warn("PC/SC watch", "err", err)
		}
		w.down()
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(retryEvery):
		}
	}
}

type readerState struct {
	flags scard.StateFlag
	atr   []byte
	card  bool
}

type watcher struct {
	opts    Options
	emit    func(Event)
	readers map[string]*readerState
	isDown  bool // a ServiceDown was reported and no ServiceUp since
	started bool
}

func (w *watcher) send(kind EventKind, r Reader) {
	w.emit(Event{Kind: kind, Time: time.Now(), Reader: r})
}

// down reports the service gone once, and the readers with it.
func (w *watcher) down() {
	if w.isDown {
		return
	}
	names := make([]string, 0, len(w.readers))
	for n := range w.readers {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if w.readers[n].card {
			w.send(CardRemoved, Reader{Name: n})
		}
		w.send(ReaderRemoved, Reader{Name: n})
	}
	clear(w.readers)
	w.isDown, w.started = true, true
	w.send(ServiceDown, Reader{})
}

// session watches one PC/SC context until it fails or ctx ends.
func (w *watcher) session(ctx context.Context) error {
	sctx, err := scard.EstablishContext()
	if err != nil {
		return translate("establish PC/SC context", err)
	}
	defer sctx.Release()
	// Cancel unblocks GetStatusChange when ctx ends.
	stop := context.AfterFunc(ctx, func() { sctx.Cancel() })
	defer stop()
	if w.isDown || !w.started {
		if w.isDown {
			w.send(ServiceUp, Reader{})
		}
		w.isDown, w.started = false, true
	}
	pnpState := scard.ReaderState{Reader: pnp, CurrentState: scard.StateUnaware}
	for ctx.Err() == nil {
		if err := w.syncReaders(sctx); err != nil {
			return err
		}
		states := []scard.ReaderState{pnpState}
		for n, r := range w.readers {
			states = append(states, scard.ReaderState{Reader: n, CurrentState: r.flags})
		}
		// A finite timeout as well: some PC/SC stacks do not wake a
		// waiting call when the service dies.
		err := sctx.GetStatusChange(states, 2*time.Second)
		switch {
		case err == nil:
		case errors.Is(err, scard.ErrTimeout):
			continue
		case errors.Is(err, scard.ErrCancelled):
			return nil
		case errors.Is(err, scard.ErrUnknownReader):
			continue // a reader went away between listing and waiting
		default:
			return translate("wait for reader changes", err)
		}
		pnpState.CurrentState = states[0].EventState &^ scard.StateChanged
		for _, st := range states[1:] {
			w.update(sctx, st)
		}
	}
	return nil
}

// syncReaders reports readers plugged in or out since the last look.
func (w *watcher) syncReaders(sctx *scard.Context) error {
	names, err := sctx.ListReaders()
	if errors.Is(err, scard.ErrNoReadersAvailable) {
		names, err = nil, nil
	}
	if err != nil {
		return translate("list readers", err)
	}
	for n, r := range w.readers {
		if !slices.Contains(names, n) {
			if r.card {
				w.send(CardRemoved, Reader{Name: n})
			}
			w.send(ReaderRemoved, Reader{Name: n})
			delete(w.readers, n)
		}
	}
	slices.Sort(names)
	for _, n := range names {
		if _, ok := w.readers[n]; ok {
			continue
		}
		st := []scard.ReaderState{{Reader: n, CurrentState: scard.StateUnaware}}
		if err := sctx.GetStatusChange(st, 0); err != nil && !errors.Is(err, scard.ErrTimeout) {
			return translate("read reader state", err)
		}
		rs := &readerState{flags: st[0].EventState &^ scard.StateChanged}
		w.readers[n] = rs
		r := describe(sctx, &w.opts, st[0])
		w.send(ReaderAdded, Reader{Name: n, PINPad: r.PINPad})
		if r.Card != nil {
			rs.card, rs.atr = true, r.Card.ATR
			w.send(CardInserted, r)
		}
	}
	return nil
}

// update compares a reader's new state with the last and reports cards
// taken out and put in. A card swapped between two looks is both.
func (w *watcher) update(sctx *scard.Context, st scard.ReaderState) {
	rs, ok := w.readers[st.Reader]
	if !ok || st.EventState&scard.StateChanged == 0 {
		return
	}
	// pcsc-lite counts card events in the upper 16 bits: a count that
	// moved while a card is present both times means out and in again.
	counted := (st.EventState>>16) != (rs.flags>>16) && rs.flags>>16 != 0
	rs.flags = st.EventState &^ scard.StateChanged
	present := st.EventState&scard.StatePresent != 0 && len(st.Atr) > 0
	swapped := present && rs.card && (!bytes.Equal(st.Atr, rs.atr) || counted)
	if rs.card && (!present || swapped) {
		rs.card, rs.atr = false, nil
		w.send(CardRemoved, Reader{Name: st.Reader})
	}
	if present && !rs.card {
		r := describe(sctx, &w.opts, st)
		if r.Card == nil {
			return // mute: no usable card yet
		}
		rs.card, rs.atr = true, r.Card.ATR
		w.send(CardInserted, r)
	}
}
