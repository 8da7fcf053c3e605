package cli

import (
	"bytes"
	"context"
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
		what := promptText(env, req)
		if req.PINPad {
			fmt.Fprintf(env.Stderr, "%s: %s\n", what, env.T("enter the PIN on the reader's keypad."))
			return nil, nil
		}
		if pinFile != "" {
			b, err := os.ReadFile(pinFile)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", env.T("PIN file"), err)
			}
			pin := bytes.TrimRight(b, "\r\n")
			out := append([]byte(nil), pin...)
			signing.Zero(b)
			if len(out) == 0 {
				return nil, env.errorf("PIN file %s is empty", pinFile)
			}
			return out, nil
		}
		return readTerminal(env, what, req)
	}
}

func promptText(env Env, req signing.PINRequest) string {
	switch req.Kind {
	case signing.Password:
		return env.Tf("Password for %s", req.Token)
	case signing.ContextPIN:
		return env.Tf("PIN for this signature with %q on %q", req.Key, req.Token)
	default:
		if req.Key != "" {
			return env.Tf("PIN of token %q (key %q)", req.Token, req.Key)
		}
		return env.Tf("PIN of token %q", req.Token)
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
		return nil, env.errorf("no terminal to ask for the PIN: use --pin-file FILE")
	}
	defer tty.Close()
	if req.FinalTry || req.RetriesLeft == 1 {
		fmt.Fprintln(tty, env.T("Warning: this is the final try. A wrong PIN now locks the token."))
	} else if req.RetriesLeft > 1 {
		fmt.Fprintln(tty, env.Tf("%d tries left.", req.RetriesLeft))
	}
	fmt.Fprintf(tty, "%s: ", what)
	pin, err := term.ReadPassword(fd)
	fmt.Fprintln(tty)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", env.T("read PIN"), err)
	}
	if len(pin) == 0 {
		return nil, fmt.Errorf("%s: %w", env.T("no PIN entered"), signing.ErrCancelled)
	}
	return pin, nil
}
