package cli

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/siegel-app/siegel/app/verifytext"
	"github.com/siegel-app/siegel/signing/audit"
)

// ExitUnreadable is the exit code of "siegel inspect" when a file could not
// be read as a PDF at all; ExitError (1) there means a blocking finding.
const ExitUnreadable = 3

// JSON shapes of "siegel inspect --json" (a contract for scripts).
type jsonInspect struct {
	File      string        `json:"file"`
	Revisions int           `json:"revisions"`
	Pages     int           `json:"pages"`
	Blocking  bool          `json:"blocking"`
	Findings  []jsonFinding `json:"findings"`
}

type jsonFinding struct {
	Code      string `json:"code"`
	Severity  string `json:"severity"` // "info", "warning" or "blocking"
	Message   string `json:"message"`  // English
	MessageDE string `json:"messageDE"`
	MessageSL string `json:"messageSL"`
	Objects   []int  `json:"objects"`
	Pages     []int  `json:"pages"`
}

func runInspect(env Env, args []string) int {
	fs := newFlagSet(env, "inspect", env.T("[--json] FILE..."))
	asJSON := fs.Bool("json", false, env.T("print JSON: an object per file (an array for several files)"))
	files, err := parse(env, fs, args)
	if err != nil {
		return usageError(env, fs, err)
	}
	if len(files) == 0 {
		fs.Usage()
		return usageError(env, fs, env.errorf("no file given"))
	}
	code := ExitOK
	var out []jsonInspect
	for _, file := range files {
		rep, err := audit.Inspect(file)
		if err != nil {
			// The error names the operation and the file.
			fmt.Fprintf(env.Stderr, "siegel: %s\n", env.errText("inspect", file, err))
			code = ExitUnreadable
			continue
		}
		if rep.Blocking() && code == ExitOK {
			code = ExitError
		}
		if *asJSON {
			out = append(out, inspectJSON(rep))
			continue
		}
		printReport(env, env.Stdout, rep)
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		var v any = out
		if len(files) == 1 {
			if len(out) == 0 {
				return code
			}
			v = out[0]
		} else if out == nil {
			v = []jsonInspect{}
		}
		if err := enc.Encode(v); err != nil {
			return fail(env, err)
		}
	}
	return code
}

func inspectJSON(rep *audit.Report) jsonInspect {
	j := jsonInspect{File: rep.File, Revisions: rep.Revisions, Pages: rep.Pages, Blocking: rep.Blocking(),
		Findings: []jsonFinding{}}
	for _, f := range rep.Findings {
		j.Findings = append(j.Findings, jsonFinding{Code: f.Code, Severity: f.Severity.String(),
			Message: f.Message, MessageDE: f.MessageDE, MessageSL: f.MessageSL, Objects: nonNil(f.Objects), Pages: nonNil(f.Pages)})
	}
	return j
}

func nonNil(s []int) []int {
	if s == nil {
		return []int{}
	}
	return s
}

// printReport writes a heading for the file and one line per finding.
func printReport(env Env, w io.Writer, rep *audit.Report) {
	fmt.Fprintf(w, "%s: %s\n", rep.File, env.Tf("%d page(s), %d revision(s)", rep.Pages, rep.Revisions))
	if len(rep.Findings) == 0 {
		fmt.Fprintln(w, "  "+env.T("no findings"))
	}
	for _, f := range rep.Findings {
		fmt.Fprintf(w, "  %-9s %s\n", severityText(env, f.Severity), findingText(env, f))
	}
	if rep.Blocking() {
		fmt.Fprintln(w, "  "+env.T("Signing needs a deliberate override."))
	}
}

// severityText names a finding's severity in the run's language.
func severityText(env Env, s audit.Severity) string {
	switch s {
	case audit.Info:
		return env.T("info")
	case audit.Warning:
		return env.T("warning")
	case audit.Blocking:
		return env.T("blocking")
	}
	return s.String()
}

// findingText is a finding's sentence in the run's language (the content
// audit words its findings in English, German and Slovenian).
func findingText(env Env, f audit.Finding) string {
	return verifytext.Finding(env.language(), f)
}
