package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

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
	Objects   []int  `json:"objects"`
	Pages     []int  `json:"pages"`
}

func runInspect(env Env, args []string) int {
	fs := newFlagSet(env, "inspect", "[--json] FILE...")
	asJSON := fs.Bool("json", false, "print JSON: an object per file (an array for several files)")
	files, err := parse(fs, args)
	if err != nil {
		return usageError(env, fs, err)
	}
	if len(files) == 0 {
		fs.Usage()
		return usageError(env, fs, fmt.Errorf("no file given"))
	}
	de := strings.HasPrefix(locale(), "de")
	code := ExitOK
	var out []jsonInspect
	for _, file := range files {
		rep, err := audit.Inspect(file)
		if err != nil {
			// The error names the operation and the file.
			fmt.Fprintf(env.Stderr, "siegel: %v\n", err)
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
		printReport(env.Stdout, rep, de)
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
			Message: f.Message, MessageDE: f.MessageDE, Objects: nonNil(f.Objects), Pages: nonNil(f.Pages)})
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
func printReport(w io.Writer, rep *audit.Report, de bool) {
	if de {
		fmt.Fprintf(w, "%s: %d Seite(n), %d Fassung(en)\n", rep.File, rep.Pages, rep.Revisions)
	} else {
		fmt.Fprintf(w, "%s: %d page(s), %d revision(s)\n", rep.File, rep.Pages, rep.Revisions)
	}
	if len(rep.Findings) == 0 {
		if de {
			fmt.Fprintln(w, "  keine Befunde")
		} else {
			fmt.Fprintln(w, "  no findings")
		}
	}
	for _, f := range rep.Findings {
		msg, sev := f.Message, f.Severity.String()
		if de {
			msg = f.MessageDE
			sev = map[audit.Severity]string{audit.Info: "Hinweis", audit.Warning: "Warnung", audit.Blocking: "blockiert"}[f.Severity]
		}
		fmt.Fprintf(w, "  %-9s %s\n", sev, msg)
	}
	if rep.Blocking() {
		if de {
			fmt.Fprintln(w, "  Signieren nur mit ausdrücklicher Bestätigung.")
		} else {
			fmt.Fprintln(w, "  Signing needs a deliberate override.")
		}
	}
}
