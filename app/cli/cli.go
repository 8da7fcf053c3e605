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
	// Getenv reads the environment (the language variables, see
	// resolveLang); nil means os.Getenv.
	Getenv func(key string) string

	lang string // the run's language, decided once by Run
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
		{"sign", msg("sign a PDF as PAdES with a token, card, HSM or PKCS#12 file"), runSign},
		{"keys", msg("list PKCS#11 tokens and their keys and certificates"), runKeys},
		{"cards", msg("list card readers and cards, or watch them (--watch)"), runCards},
		{"inspect", msg("audit PDFs for content that could show differently or change after signing"), runInspect},
		{"verify", msg("verify the signatures of PDFs and .p7s/.p7m files; exit 0 only when all are valid"), runVerify},
		{"seal", msg("seal every PDF of a folder with an HSM key: resumable, audited, --watch as a hot folder"), runSeal},
		{"audit", msg("check a seal audit log: siegel audit verify OUT/siegel-audit.jsonl"), runAudit},
		{"version", msg("print version information"), runVersion},
		{agent.CommandName, "", runAgent}, // hidden: the PKCS#11 agent process
	}
}

// Run dispatches to a command.
func Run(env Env, args []string) int {
	if env.lang == "" {
		env.lang = resolveLang(env.getenv)
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(env, env.Stdout)
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
	fmt.Fprintf(env.Stderr, "siegel: %s\n\n", env.Tf("unknown command %q", args[0]))
	usage(env, env.Stderr)
	return ExitUsage
}

func usage(env Env, w io.Writer) {
	fmt.Fprintln(w, env.T("Siegel signs, seals and verifies documents."))
	fmt.Fprintln(w, "\n"+env.T("Usage: siegel COMMAND [options] [files]"))
	fmt.Fprintln(w, "\n"+env.T("Commands:"))
	for _, c := range commands {
		if strings.HasPrefix(c.name, "__") {
			continue // internal, started by Siegel itself
		}
		fmt.Fprintf(w, "  %-8s %s\n", c.name, env.T(c.summary))
	}
	fmt.Fprintln(w, "\n"+env.T("Run 'siegel COMMAND -h' for a command's options."))
	fmt.Fprintln(w, env.T("Language: SIEGEL_LANG=en|de|sl, else LC_ALL, LC_MESSAGES or LANG."))
}

// parse parses flags wherever they stand among the positional arguments,
// so that "siegel sign in.pdf out.pdf --force" works as users expect. It
// follows the flag package's syntax (-f, --f, -f=v, -f v, boolean flags
// without a value, "--" ends the flags) but words its errors in the run's
// language; on an error it prints the command's usage first.
func parse(env Env, fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(pos, args[i+1:]...), nil
		}
		if len(a) < 2 || a[0] != '-' {
			pos = append(pos, a)
			continue
		}
		name := strings.TrimPrefix(a[1:], "-")
		value, hasValue := "", false
		if n, v, ok := strings.Cut(name, "="); ok {
			name, value, hasValue = n, v, true
		}
		if name == "" || name[0] == '-' || name[0] == '=' {
			fs.Usage()
			return nil, env.errorf("bad option syntax: %s", a)
		}
		f := fs.Lookup(name)
		if f == nil {
			fs.Usage()
			if name == "h" || name == "help" {
				return nil, flag.ErrHelp
			}
			return nil, env.errorf("unknown option -%s", name)
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			if !hasValue {
				value = "true"
			}
		} else if !hasValue {
			if i+1 >= len(args) {
				fs.Usage()
				return nil, env.errorf("option -%s needs a value", name)
			}
			i++
			value = args[i]
		}
		if err := fs.Set(name, value); err != nil {
			fs.Usage()
			return nil, env.errorf("invalid value %q for option -%s: %v", value, name, err)
		}
	}
	return pos, nil
}

// msg marks an English message that is translated later, with env.T, so
// that the catalogue test finds it.
func msg(s string) string { return s }

func newFlagSet(env Env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "%s siegel %s %s\n\n%s\n", env.T("Usage:"), name, synopsis, env.T("Options:"))
		printDefaults(env, fs)
	}
	return fs
}

// printDefaults is flag.PrintDefaults with its words translated: the
// usage texts are translated where the flags are defined.
func printDefaults(env Env, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		var b strings.Builder
		fmt.Fprintf(&b, "  -%s", f.Name)
		name, usage := flag.UnquoteUsage(f)
		if !strings.Contains(f.Usage, "`") {
			name = typeName(env, name) // the flag package's words: string, int, value
		}
		if name != "" {
			b.WriteString(" " + name)
		}
		if b.Len() <= 4 { // a one-letter flag without an argument fits on its line
			b.WriteString("\t")
		} else {
			b.WriteString("\n    \t")
		}
		b.WriteString(strings.ReplaceAll(usage, "\n", "\n    \t"))
		switch f.DefValue {
		case "", "0", "false", "[]":
		default:
			if fmt.Sprintf("%T", f.Value) == "*flag.stringValue" {
				b.WriteString(" " + env.Tf("(default %q)", f.DefValue))
			} else {
				b.WriteString(" " + env.Tf("(default %s)", f.DefValue))
			}
		}
		fmt.Fprintln(fs.Output(), b.String())
	})
}

// typeName translates the argument names flag.UnquoteUsage derives from
// a flag's type.
func typeName(env Env, name string) string {
	switch name {
	case "string":
		return env.T("string")
	case "int":
		return env.T("int")
	case "value":
		return env.T("value")
	}
	return name
}

// fail prints one line naming what failed and returns ExitError.
func fail(env Env, err error) int {
	fmt.Fprintf(env.Stderr, "siegel: %s\n", strings.TrimSpace(env.errText("", "", err)))
	return ExitError
}

// failOp is fail for an error of operation op on file, such as
// "sign IN.pdf: cause" from app.Sign.
func failOp(env Env, op, file string, err error) int {
	fmt.Fprintf(env.Stderr, "siegel: %s\n", strings.TrimSpace(env.errText(op, file, err)))
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
