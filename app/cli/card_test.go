package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/siegel-app/siegel/app/cli"
	"github.com/siegel-app/siegel/internal/judge"
	"github.com/siegel-app/siegel/internal/pcsctest"
	"github.com/siegel-app/siegel/internal/testpki"
	"github.com/siegel-app/siegel/internal/vpiv"
)

// cardFixture is pcscd with a virtual PIV card in the first reader.
func cardFixture(t *testing.T) (*fixture, *vpiv.Card, *pcsctest.Daemon) {
	t.Helper()
	f := newFixture(t)
	pcsctest.OpenSCModule(t)
	d := pcsctest.Start(t)
	card, err := vpiv.New(testpki.MustShared(t), vpiv.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := card.Insert(d, pcsctest.Port0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(card.Remove)
	waitForToken(t)
	return f, card, d
}

// waitForToken waits until siegel cards shows the card's token: pcscd and
// OpenSC take a moment to see a new card.
func waitForToken(t *testing.T) jsonCardsOut {
	t.Helper()
	var out jsonCardsOut
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		code, stdout, stderr := run(t, "cards", "--json")
		if code != 0 {
			t.Fatalf("cards: exit %d: %s", code, stderr)
		}
		if err := json.Unmarshal([]byte(stdout), &out); err != nil {
			t.Fatalf("cards --json: %v\n%s", err, stdout)
		}
		for _, r := range out.Readers {
			if r.Reader == pcsctest.Reader0 && r.Card != nil && r.Card.Token != nil {
				return out
			}
		}
	}
	t.Fatalf("the card's token never showed: %+v", out)
	return out
}

type jsonCardsOut struct {
	Service string `json:"service"`
	Readers []struct {
		Reader string `json:"reader"`
		Card   *struct {
			ATR   string `json:"atr"`
			Known bool   `json:"known"`
			PIN   struct {
				Known       bool `json:"known"`
				RetriesLeft *int `json:"retriesLeft"`
				Blocked     bool `json:"blocked"`
			} `json:"pin"`
			Token *struct {
				Label string `json:"label"`
				Keys  []struct {
					URI                string `json:"uri"`
					AlwaysAuthenticate bool   `json:"alwaysAuthenticate"`
					Holder             string `json:"holder"`
				} `json:"keys"`
			} `json:"token"`
		} `json:"card"`
	} `json:"readers"`
}

func TestCardsJSON(t *testing.T) {
	_, _, _ = cardFixture(t)
	out := waitForToken(t)
	if out.Service != "running" {
		t.Errorf("service %q", out.Service)
	}
	for _, r := range out.Readers {
		if r.Reader != pcsctest.Reader0 {
			continue
		}
		if !r.Card.PIN.Known || r.Card.PIN.RetriesLeft == nil || *r.Card.PIN.RetriesLeft != 3 {
			t.Errorf("PIN state %+v, want 3 tries left", r.Card.PIN)
		}
		for _, k := range r.Card.Token.Keys {
			if !strings.Contains(k.Holder, "Erika Mustermann") || !strings.HasPrefix(k.URI, "pkcs11:") {
				t.Errorf("key %+v", k)
			}
		}
		// OpenSC shows PIV private keys, and so CKA_ALWAYS_AUTHENTICATE,
		// only after login; the listing asks no PIN.
		if len(r.Card.Token.Keys) != 2 {
			t.Errorf("want the card's two keys: %+v", r.Card.Token.Keys)
		}
	}
}

// TestSignWithCard signs through pcscd → OpenSC → PKCS#11 with both keys
// of the virtual card, the "PIN always" one included.
func TestSignWithCard(t *testing.T) {
	f, card, _ := cardFixture(t)
	pin := f.write("card-pin.txt", []byte("123456\n"))
	for _, key := range []string{"card:" + pcsctest.Reader0, "card:" + pcsctest.Reader0 + "?id=01"} {
		in := f.pdf("in.pdf", 1)
		out := filepath.Join(f.dir, "out.pdf")
		os.Remove(out)
		before := card.Signatures()
		if code, o, e := run(t, "sign", "--key", key, "--pin-file", pin, in, out); code != 0 {
			t.Fatalf("sign with %s: exit %d: %s%s", key, code, o, e)
		}
		if card.Signatures() != before+1 {
			t.Errorf("%s: the card signed %d times, want once", key, card.Signatures()-before)
		}
		if sigs := judge.PDFSig(t, out); len(sigs) != 1 || !sigs[0].Valid {
			t.Errorf("%s: pdfsig: %+v", key, sigs)
		}
	}
}

// TestCardWrongPIN: a wrong PIN says how many tries are left, nothing is
// retried, and the last wrong one blocks the card.
func TestCardWrongPIN(t *testing.T) {
	f, card, _ := cardFixture(t)
	wrong := f.write("wrong.txt", []byte("654321\n"))
	for _, want := range []string{"2 tries left", "1 try left", "PIN locked"} {
		in := f.pdf("in.pdf", 1)
		code, _, stderr := run(t, "sign", "--key", "card:"+pcsctest.Reader0+"?id=01", "--pin-file", wrong, in, filepath.Join(f.dir, "out.pdf"))
		if code == 0 || !strings.Contains(stderr, want) {
			t.Fatalf("exit %d, stderr %q, want %q", code, stderr, want)
		}
	}
	if !card.Blocked() {
		t.Error("card not blocked after three wrong PINs")
	}
}

// TestCardPulledDuringSigning: the card is pulled while it signs. OpenSC
// may hang for good there, so the signature fails within the agent's
// deadline, and signing with the card put back works in the same process.
func TestCardPulledDuringSigning(t *testing.T) {
	f, card, d := cardFixture(t)
	pin := f.write("card-pin.txt", []byte("123456\n"))
	in := f.pdf("in.pdf", 1)
	out := filepath.Join(f.dir, "out.pdf")
	card.StallSignatures(true)
	pulled := make(chan time.Time, 1)
	go func() {
		// Pull the card once it is asked to sign.
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if card.Stalled() {
				break
			}
		}
		card.Remove()
		pulled <- time.Now()
	}()
	code, _, stderr := run(t, "sign", "--key", "card:"+pcsctest.Reader0+"?id=01", "--pin-file", pin, in, out)
	returned := time.Now()
	if code == 0 {
		t.Fatal("signing succeeded although the card was pulled")
	}
	if took := returned.Sub(<-pulled); took > 6*time.Second {
		t.Errorf("signing returned %v after the card was pulled, want within 5 s", took)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("an output was written")
	}
	t.Logf("error: %s", strings.TrimSpace(stderr))

	card.StallSignatures(false)
	if err := card.Insert(d, pcsctest.Port0); err != nil {
		t.Fatal(err)
	}
	waitForToken(t)
	if code, o, e := run(t, "sign", "--key", "card:"+pcsctest.Reader0+"?id=01", "--pin-file", pin, in, out); code != 0 {
		t.Fatalf("signing after re-insertion: exit %d: %s%s", code, o, e)
	}
	if sigs := judge.PDFSig(t, out); len(sigs) != 1 || !sigs[0].Valid {
		t.Errorf("pdfsig: %+v", sigs)
	}
}

// TestCardsWatchJSON: siegel cards --watch --json prints one event object
// per line as cards come and go.
func TestCardsWatchJSON(t *testing.T) {
	pcsctest.OpenSCModule(t)
	d := pcsctest.Start(t)
	card, err := vpiv.New(testpki.MustShared(t), vpiv.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		var e bytes.Buffer
		done <- cli.Run(cli.Env{Stdin: strings.NewReader(""), Stdout: pw, Stderr: &e, Ctx: ctx}, []string{"cards", "--watch", "--json"})
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	expect := func(event string) {
		t.Helper()
		for lines.Scan() {
			var ev struct {
				Event  string `json:"event"`
				Reader *struct {
					Reader string `json:"reader"`
				} `json:"reader"`
			}
			if err := json.Unmarshal(lines.Bytes(), &ev); err != nil {
				t.Fatalf("not a JSON line: %q", lines.Text())
			}
			if ev.Event == event && ev.Reader != nil && ev.Reader.Reader == pcsctest.Reader0 {
				return
			}
		}
		t.Fatalf("watch ended before %s", event)
	}
	expect("reader-added")
	if err := card.Insert(d, pcsctest.Port0); err != nil {
		t.Fatal(err)
	}
	expect("card-inserted")
	card.Remove()
	expect("card-removed")
	cancel()
	go io.Copy(io.Discard, pr)
	if code := <-done; code != 0 {
		t.Errorf("watch exit %d", code)
	}
}
