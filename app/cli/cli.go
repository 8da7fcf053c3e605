// Package cli is Siegel's command line: the same use cases as the GUI,
// scriptable. Main returns the process exit code.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/siegel-app/siegel/app"
	"github.com/siegel-app/siegel/signing/pkcs11/agent"
)

// Exit codes.
const (
	ExitOK    = 0
	ExitError = 1
	ExitUsage = 2
)

// Env is the process environment the commands run in, so tests can run
// them in-process.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// TTY opens the terminal for PIN prompts; nil means /dev/tty.
	TTY func() (io.ReadWriteCloser, int, error)
	// Ctx, when set, ends long-running commands (cards --watch) as an
	// interrupt does.
	Ctx context.Context
}

// context returns the command's context: Ctx or the background, ended by
// an interrupt (Ctrl-C).
func (env Env) context() (context.Context, context.CancelFunc) {
	parent := env.Ctx
	if parent == nil {
		parent = context.Background()
	}
	return signal.NotifyContext(parent, os.Interrupt)
}

// Main runs the command in args (without the program name).
func Main(args []string) int {
	return Run(Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}, args)
}

type command struct {
	name, summary string
	run           func(env Env, args []string) int
}

var commands []command

func init() {
	commands = []command{
		{"sign", "sign a PDF as PAdES with a token, card, HSM or PKCS#12 file", runSign},
		{"keys", "list PKCS#11 tokens and their keys and certificates", runKeys},
		{"cards", "list card readers and cards, or watch them (--watch)", runCards},
		{"inspect", "audit PDFs for content that could show differently or change after signing", runInspect},
		{"verify", "verify the signatures of PDFs and .p7s/.p7m files; exit 0 only when all are valid", runVerify},
		{"seal", "seal every PDF of a folder with an HSM key: resumable, audited, --watch as a hot folder", runSeal},
		{"audit", "check a seal audit log: siegel audit verify OUT/siegel-audit.jsonl", runAudit},
		{"version", "print version information", runVersion},
		{agent.CommandName, "", runAgent}, // hidden: the PKCS#11 agent process
	}
}

// Run dispatches to a command.
func Run(env Env, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(env.Stdout)
		return ExitOK
	}
	if args[0] == "--version" || args[0] == "-version" {
		return runVersion(env, nil)
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(env, args[1:])
		}
	}
	fmt.Fprintf(env.Stderr, "siegel: unknown command %q\n\n", args[0])
	usage(env.Stderr)
	return ExitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Siegel signs, seals and verifies documents.")
	fmt.Fprintln(w, "\nUsage: siegel COMMAND [options] [files]")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands {
		if strings.HasPrefix(c.name, "__") {
			continue // internal, started by Siegel itself
		}
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'siegel COMMAND -h' for a command's options.")
}

// parse parses flags wherever they stand among the positional arguments,
// so that "siegel sign in.pdf out.pdf --force" works as users expect.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func newFlagSet(env Env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: siegel %s %s\n\nOptions:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// fail prints one line naming what failed and returns ExitError.
func fail(env Env, err error) int {
	msg := err.Error()
	fmt.Fprintf(env.Stderr, "siegel: %s\n", strings.TrimSpace(msg))
	return ExitError
}

func usageError(env Env, fs *flag.FlagSet, err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return ExitOK
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "siegel %s: %v\n", fs.Name(), err)
	}
	return ExitUsage
}

// loadSettings reads the user's settings (see app.SettingsPath).
func loadSettings() (app.Settings, error) {
	path, err := app.SettingsPath()
	if err != nil {
		return app.Settings{}, nil // no configuration folder: defaults
	}
	return app.LoadSettings(path)
}
