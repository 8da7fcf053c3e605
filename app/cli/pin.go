package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"

	"github.com/siegel-app/siegel/signing"
)

// pinFunc asks for PINs and passwords: from pinFile when given (scripts),
// else on the terminal without echo. It is called once per login; a wrong
// PIN is reported, never retried here.
func pinFunc(env Env, pinFile string) signing.PINFunc {
	return func(ctx context.Context, req signing.PINRequest) ([]byte, error) {
		what := promptText(req)
		if req.PINPad {
			fmt.Fprintf(env.Stderr, "%s: enter the PIN on the reader's keypad.\n", what)
			return nil, nil
		}
		if pinFile != "" {
			b, err := os.ReadFile(pinFile)
			if err != nil {
				return nil, fmt.Errorf("PIN file: %w", err)
			}
			pin := bytes.TrimRight(b, "\r\n")
			out := append([]byte(nil), pin...)
			signing.Zero(b)
			if len(out) == 0 {
				return nil, fmt.Errorf("PIN file %s is empty", pinFile)
			}
			return out, nil
		}
		return readTerminal(env, what, req)
	}
}

func promptText(req signing.PINRequest) string {
	switch req.Kind {
	case signing.Password:
		return "Password for " + req.Token
	case signing.ContextPIN:
		return fmt.Sprintf("PIN for this signature with %q on %q", req.Key, req.Token)
	default:
		if req.Key != "" {
			return fmt.Sprintf("PIN of token %q (key %q)", req.Token, req.Key)
		}
		return fmt.Sprintf("PIN of token %q", req.Token)
	}
}

func readTerminal(env Env, what string, req signing.PINRequest) ([]byte, error) {
	var tty io.ReadWriteCloser
	var fd int
	var err error
	if env.TTY != nil {
		tty, fd, err = env.TTY()
	} else {
		var f *os.File
		f, err = os.OpenFile("/dev/tty", os.O_RDWR, 0)
		if err == nil {
			tty, fd = f, int(f.Fd())
		}
	}
	if err != nil || !term.IsTerminal(fd) {
		if tty != nil {
			tty.Close()
		}
		return nil, errors.New("no terminal to ask for the PIN: use --pin-file FILE")
	}
	defer tty.Close()
	if req.FinalTry || req.RetriesLeft == 1 {
		fmt.Fprintln(tty, "Warning: this is the final try. A wrong PIN now locks the token.")
	} else if req.RetriesLeft > 1 {
		fmt.Fprintf(tty, "%d tries left.\n", req.RetriesLeft)
	}
	fmt.Fprintf(tty, "%s: ", what)
	pin, err := term.ReadPassword(fd)
	fmt.Fprintln(tty)
	if err != nil {
		return nil, fmt.Errorf("read PIN: %w", err)
	}
	if len(pin) == 0 {
		return nil, fmt.Errorf("no PIN entered: %w", signing.ErrCancelled)
	}
	return pin, nil
}
