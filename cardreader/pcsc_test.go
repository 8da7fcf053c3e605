package cardreader_test

import (
	"context"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/siegel-app/siegel/cardreader"
	"github.com/siegel-app/siegel/internal/pcsctest"
	"github.com/siegel-app/siegel/internal/testpki"
	"github.com/siegel-app/siegel/internal/vpiv"
)

func atr(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

var (
	// A YubiKey 5 NFC's ATR, as in pcsc-tools' list.
	yubiKeyATR = atr("3B FD 13 00 00 81 31 FE 15 80 73 C0 21 C0 57 59 75 62 69 4B 65 79 40")
	// T=0 only, historical bytes "SIEGEL": in no list.
	unknownATR = atr("3B 06 53 49 45 47 45 4C")
)

// events collects watcher events for one reader and lets the test wait
// for each in turn: the sequence is asserted, not the latency.
type events struct {
	t  *testing.T
	ch chan cardreader.Event
}

func watch(t *testing.T) *events {
	ctx, cancel := context.WithCancel(context.Background())
	e := &events{t: t, ch: make(chan cardreader.Event, 256)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := cardreader.Watch(ctx, cardreader.Options{}, func(ev cardreader.Event) { e.ch <- ev }); err != nil {
			t.Errorf("Watch: %v", err)
		}
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("Watch did not return after its context ended")
		}
	})
	return e
}

// next waits for the next event of one of kinds about reader (or about the
// service when reader is ""), skipping events about other readers.
func (e *events) next(reader string, kinds ...cardreader.EventKind) cardreader.Event {
	e.t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case ev := <-e.ch:
			if ev.Reader.Name != reader {
				continue
			}
			for _, k := range kinds {
				if ev.Kind == k {
					return ev
				}
			}
			e.t.Fatalf("event %v for %q, want one of %v", ev.Kind, reader, kinds)
		case <-timeout:
			e.t.Fatalf("no %v event for %q", kinds, reader)
		}
	}
}

func TestWatchInsertRemove(t *testing.T) {
	d := pcsctest.Start(t)
	pki := testpki.MustShared(t)
	card, err := vpiv.New(pki, vpiv.Config{ATR: yubiKeyATR})
	if err != nil {
		t.Fatal(err)
	}
	ev := watch(t)
	ev.next(pcsctest.Reader0, cardreader.ReaderAdded)

	for round := 1; round <= 2; round++ {
		if err := card.Insert(d, pcsctest.Port0); err != nil {
			t.Fatal(err)
		}
		in := ev.next(pcsctest.Reader0, cardreader.CardInserted)
		c := in.Reader.Card
		if c == nil || c.Name != "YubiKey" || !c.Known {
			t.Fatalf("round %d: inserted card %+v, want a named YubiKey", round, c)
		}
		if !c.PIN.Known || c.PIN.RetriesLeft != 3 {
			t.Errorf("round %d: PIN state %+v, want 3 tries left", round, c.PIN)
		}
		card.Remove()
		ev.next(pcsctest.Reader0, cardreader.CardRemoved)
	}
}

func TestUnknownATRAndList(t *testing.T) {
	d := pcsctest.Start(t)
	card, err := vpiv.New(testpki.MustShared(t), vpiv.Config{ATR: unknownATR})
	if err != nil {
		t.Fatal(err)
	}
	if err := card.Insert(d, pcsctest.Port1); err != nil {
		t.Fatal(err)
	}
	defer card.Remove()
	var got *cardreader.Card
	var pinPad map[string]bool
	// A reader that reports no PIN pad, overridden as a setting would.
	opts := cardreader.Options{PINPad: map[string]bool{pcsctest.Reader1: true}}
	for deadline := time.Now().Add(20 * time.Second); got == nil && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		readers, err := cardreader.List(opts)
		if err != nil {
			t.Fatal(err)
		}
		pinPad = map[string]bool{}
		for _, r := range readers {
			pinPad[r.Name] = r.PINPad
			if r.Name == pcsctest.Reader1 {
				got = r.Card
			}
		}
	}
	if !pinPad[pcsctest.Reader1] || pinPad[pcsctest.Reader0] {
		t.Errorf("pin pads %v: want the override for %s only (vpcd reports none)", pinPad, pcsctest.Reader1)
	}
	if got == nil {
		t.Fatal("card never listed")
	}
	if got.Known || got.Name != "" || cardreader.FormatATR(got.ATR) != "3B 06 53 49 45 47 45 4C" {
		t.Errorf("unknown card listed as %+v", got)
	}
}

func TestServiceGoneAndBack(t *testing.T) {
	d := pcsctest.Start(t)
	ev := watch(t)
	ev.next(pcsctest.Reader0, cardreader.ReaderAdded)
	d.Stop()
	ev.next(pcsctest.Reader0, cardreader.ReaderRemoved)
	ev.next("", cardreader.ServiceDown)
	if _, err := cardreader.List(cardreader.Options{}); err != cardreader.ErrNoService {
		t.Errorf("List without pcscd: %v, want ErrNoService", err)
	}
	d.Restart(t)
	ev.next("", cardreader.ServiceUp)
	ev.next(pcsctest.Reader0, cardreader.ReaderAdded)
}
