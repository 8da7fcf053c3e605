package cli

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/siegel-app/siegel/app"
	"github.com/siegel-app/siegel/cardreader"
)

// JSON shapes of "siegel cards --json" (a contract for scripts).
type jsonCards struct {
	Service string       `json:"service"` // "running" or "not running"
	Readers []jsonReader `json:"readers"`
}

type jsonReader struct {
	Reader string    `json:"reader"`
	PINPad bool      `json:"pinPad"`
	Card   *jsonCard `json:"card"`
}

type jsonCard struct {
	ATR    string     `json:"atr"`
	Name   string     `json:"name"` // "" when the ATR is unknown
	Known  bool       `json:"known"`
	PIN    jsonPIN    `json:"pin"`
	Token  *jsonToken `json:"token,omitempty"`
	Module string     `json:"module,omitempty"`
}

type jsonPIN struct {
	Known       bool `json:"known"`
	RetriesLeft *int `json:"retriesLeft,omitempty"`
	FinalTry    bool `json:"finalTry"`
	Blocked     bool `json:"blocked"`
	Verified    bool `json:"verified"`
}

type jsonEvent struct {
	Time   string      `json:"time"`
	Event  string      `json:"event"`
	Reader *jsonReader `json:"reader,omitempty"`
}

func runCards(env Env, args []string) int {
	fs := newFlagSet(env, "cards", env.T("[--json] [--watch] [--module PATH]..."))
	asJSON := fs.Bool("json", false, env.T("print JSON (with --watch: one JSON object per line)"))
	watch := fs.Bool("watch", false, env.T("print a line for every reader and card change until interrupted"))
	var modules stringList
	fs.Var(&modules, "module", env.T("PKCS#11 module `PATH` for the cards' tokens (repeatable); default: OpenSC"))
	pos, err := parse(env, fs, args)
	if err != nil {
		return usageError(env, fs, err)
	}
	if len(pos) != 0 {
		return usageError(env, fs, env.errorf("unexpected argument %q", pos[0]))
	}
	st, err := loadSettings()
	if err != nil {
		return fail(env, err)
	}
	if len(modules) == 0 {
		modules = st.CardModules
	}
	ropts := cardreader.Options{PINPad: st.PINPad}
	ctx, stop := env.context()
	defer stop()
	if *watch {
		return watchCards(ctx, env, ropts, *asJSON)
	}
	slots, err := app.Cards(ctx, app.CardOptions{Options: ropts, Modules: modules})
	out := jsonCards{Service: "running", Readers: []jsonReader{}}
	if errors.Is(err, cardreader.ErrNoService) {
		out.Service = "not running"
	} else if err != nil {
		return failOp(env, "cards", "", fmt.Errorf("cards: %w", err))
	}
	for _, s := range slots {
		jr := readerJSON(s.Reader)
		if t := s.Token; t != nil && jr.Card != nil {
			jt := tokenJSON(*t)
			jr.Card.Token, jr.Card.Module = &jt, t.ModulePath
		}
		out.Readers = append(out.Readers, jr)
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return fail(env, err)
		}
		return ExitOK
	}
	printCards(env, env.Stdout, out)
	return ExitOK
}

func readerJSON(r cardreader.Reader) jsonReader {
	jr := jsonReader{Reader: r.Name, PINPad: r.PINPad}
	if c := r.Card; c != nil {
		jc := &jsonCard{ATR: hex.EncodeToString(c.ATR), Name: c.Name, Known: c.Known,
			PIN: jsonPIN{Known: c.PIN.Known, FinalTry: c.PIN.FinalTry(), Blocked: c.PIN.Blocked, Verified: c.PIN.Verified}}
		if c.PIN.Known && c.PIN.RetriesLeft >= 0 {
			n := c.PIN.RetriesLeft
			jc.PIN.RetriesLeft = &n
		}
		jr.Card = jc
	}
	return jr
}

func printCards(env Env, w io.Writer, c jsonCards) {
	if c.Service != "running" {
		fmt.Fprintln(w, env.T("PC/SC service is not running (start pcscd, or plug in a reader)"))
		return
	}
	if len(c.Readers) == 0 {
		fmt.Fprintln(w, env.T("no card reader found"))
	}
	for _, r := range c.Readers {
		pad := ""
		if r.PINPad {
			pad = " [" + env.T("PIN pad") + "]"
		}
		fmt.Fprintf(w, "%s %q%s\n", env.T("Reader"), r.Reader, pad)
		if r.Card == nil {
			fmt.Fprintln(w, "  "+env.T("no card"))
			continue
		}
		rows := [][2]string{
			{env.T("Card"), cardName(env, r.Card)},
			{"ATR", cardreader.FormatATR(mustHex(r.Card.ATR))},
			{"PIN", pinText(env, r.Card.PIN)},
		}
		if t := r.Card.Token; t != nil {
			rows = append(rows, [2]string{env.T("Token"), env.Tf("%q serial %s (%s)", t.Label, t.Serial, r.Card.Module)})
		}
		writeIndented(w, "  ", 6, rows)
		if t := r.Card.Token; t != nil {
			for _, k := range t.Keys {
				fmt.Fprintf(w, "    %s %q %s-%d", env.T("Key"), k.Label, k.Type, k.Bits)
				if k.AlwaysAuthenticate {
					fmt.Fprint(w, " "+env.T("(PIN for every signature)"))
				}
				fmt.Fprintln(w)
				rows := [][2]string{}
				if k.HasCertificate {
					rows = append(rows, [2]string{env.T("Holder"), k.Holder})
				}
				rows = append(rows, [2]string{"URI", k.URI})
				writeIndented(w, "      ", 6, rows)
			}
		}
	}
}

// writeIndented is writeRows with an indent and a minimum label width.
func writeIndented(w io.Writer, indent string, width int, rows [][2]string) {
	for _, r := range rows {
		width = max(width, utf8.RuneCountInString(r[0]))
	}
	for _, r := range rows {
		fmt.Fprintf(w, "%s%s%s %s\n", indent, r[0], strings.Repeat(" ", width-utf8.RuneCountInString(r[0])), r[1])
	}
}

func cardName(env Env, c *jsonCard) string {
	if c.Known {
		return c.Name
	}
	return env.T("unknown card")
}

func pinText(env Env, p jsonPIN) string {
	switch {
	case !p.Known:
		return env.T("state not readable from this card")
	case p.Blocked:
		return env.T("BLOCKED (unblock it with the PUK)")
	case p.Verified:
		return env.T("verified")
	case p.RetriesLeft != nil && *p.RetriesLeft == 1:
		return env.T("1 try left: the next wrong PIN blocks the card")
	case p.RetriesLeft != nil:
		return env.Tf("%d tries left", *p.RetriesLeft)
	}
	return env.T("unknown")
}

func mustHex(s string) []byte {
	b, _ := hex.DecodeString(s)
	return b
}

// watchCards prints an event line for every change until ctx ends.
func watchCards(ctx context.Context, env Env, opts cardreader.Options, asJSON bool) int {
	enc := json.NewEncoder(env.Stdout)
	err := cardreader.Watch(ctx, opts, func(e cardreader.Event) {
		if asJSON {
			je := jsonEvent{Time: e.Time.Format(time.RFC3339Nano), Event: e.Kind.String()}
			if e.Reader.Name != "" {
				jr := readerJSON(e.Reader)
				je.Reader = &jr
			}
			enc.Encode(je)
			return
		}
		line := e.Time.Format("15:04:05.000") + " " + e.Kind.String()
		switch e.Kind {
		case cardreader.ServiceDown:
			line += "  " + env.T("PC/SC service is not running")
		case cardreader.ServiceUp:
			line += "  " + env.T("PC/SC service is running")
		case cardreader.CardInserted:
			jr := readerJSON(e.Reader)
			line += fmt.Sprintf("  %q  %s  ATR %s  PIN %s", e.Reader.Name, cardName(env, jr.Card), cardreader.FormatATR(e.Reader.Card.ATR), pinText(env, jr.Card.PIN))
		default:
			line += fmt.Sprintf("  %q", e.Reader.Name)
		}
		fmt.Fprintln(env.Stdout, line)
	})
	if err != nil {
		return fail(env, err)
	}
	return ExitOK
}
