package cli_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siegel-app/siegel/app/cli"
	"github.com/siegel-app/siegel/internal/testpdf"
)

// inspectDocs are documents for "siegel inspect": a plain one (fonts
// warning only), one with JavaScript (blocking) and one that is no PDF.
func inspectDocs(t *testing.T) (plain, script, notPDF string) {
	t.Helper()
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	plain = write("plain.pdf", testpdf.Pages(2))
	script = write("script.pdf", testpdf.Build([]string{
		"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
		"<< /S /JavaScript /JS (app.alert(1)) >>",
	}, ""))
	notPDF = write("letter.txt", []byte("Dear Sir or Madam,\n"))
	return
}

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = cli.Run(cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut}, args)
	return code, out.String(), errOut.String()
}

func TestInspectExitCodes(t *testing.T) {
	t.Setenv("LC_ALL", "C")
	plain, script, notPDF := inspectDocs(t)
	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     []string
		stderrHave string
	}{
		{"plain", []string{plain}, cli.ExitOK, []string{"2 page(s), 1 revision(s)", "warning", "not embedded (Helvetica)"}, ""},
		{"blocking", []string{script}, cli.ExitError, []string{"blocking", "JavaScript", "deliberate override"}, ""},
		{"not a PDF", []string{notPDF}, cli.ExitUnreadable, nil, notPDF + ": not a PDF file"},
		{"missing", []string{filepath.Join(t.TempDir(), "nope.pdf")}, cli.ExitUnreadable, nil, "nope.pdf"},
		{"several, unreadable wins", []string{plain, script, notPDF}, cli.ExitUnreadable, []string{"plain.pdf", "script.pdf"}, "letter.txt"},
		{"several, blocking", []string{plain, script}, cli.ExitError, nil, ""},
		{"no file", nil, cli.ExitUsage, nil, "no file given"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, append([]string{"inspect"}, tc.args...)...)
			if code != tc.code {
				t.Errorf("exit code %d, want %d; stderr: %s", code, tc.code, stderr)
			}
			for _, s := range tc.stdout {
				if !strings.Contains(stdout, s) {
					t.Errorf("stdout lacks %q:\n%s", s, stdout)
				}
			}
			if tc.stderrHave != "" && !strings.Contains(stderr, tc.stderrHave) {
				t.Errorf("stderr lacks %q: %s", tc.stderrHave, stderr)
			}
			if tc.stderrHave != "" && strings.Count(stderr, "\n") != 1 && tc.code == cli.ExitUnreadable {
				t.Errorf("want one line on stderr, got: %q", stderr)
			}
		})
	}
}

func TestInspectGerman(t *testing.T) {
	t.Setenv("LC_ALL", "de_DE.UTF-8")
	_, script, _ := inspectDocs(t)
	code, stdout, _ := runCLI(t, "inspect", script)
	if code != cli.ExitError || !strings.Contains(stdout, "blockiert") || !strings.Contains(stdout, "Das Dokument enthält JavaScript") {
		t.Errorf("exit %d, stdout:\n%s", code, stdout)
	}
}

func TestInspectJSON(t *testing.T) {
	type finding struct {
		Code     string `json:"code"`
		Severity string `json:"severity"`
		Message  string `json:"message"`
		Objects  []int  `json:"objects"`
		Pages    []int  `json:"pages"`
	}
	type report struct {
		File      string    `json:"file"`
		Revisions int       `json:"revisions"`
		Pages     int       `json:"pages"`
		Blocking  bool      `json:"blocking"`
		Findings  []finding `json:"findings"`
	}
	plain, script, _ := inspectDocs(t)

	code, stdout, stderr := runCLI(t, "inspect", "--json", script)
	if code != cli.ExitError {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var one report
	if err := json.Unmarshal([]byte(stdout), &one); err != nil {
		t.Fatalf("%v:\n%s", err, stdout)
	}
	if one.File != script || one.Pages != 1 || one.Revisions != 1 || !one.Blocking || len(one.Findings) == 0 {
		t.Errorf("report: %+v", one)
	}
	js := one.Findings[0]
	if js.Code != "javascript" || js.Severity != "blocking" || js.Message == "" || len(js.Objects) != 1 || js.Objects[0] != 4 || js.Pages == nil {
		t.Errorf("finding: %+v", js)
	}

	code, stdout, _ = runCLI(t, "inspect", plain, script, "--json")
	if code != cli.ExitError {
		t.Fatalf("exit %d", code)
	}
	var several []report
	if err := json.Unmarshal([]byte(stdout), &several); err != nil {
		t.Fatalf("%v:\n%s", err, stdout)
	}
	if len(several) != 2 || several[0].File != plain || several[0].Blocking || several[0].Findings[0].Severity != "warning" || !several[1].Blocking {
		t.Errorf("reports: %+v", several)
	}
}
