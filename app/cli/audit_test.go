package cli_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siegel-app/siegel/app/cli"
	"github.com/siegel-app/siegel/app/seal"
)

// TestAuditVerifyTamper: every kind of change to a seal audit log makes
// "siegel audit verify" exit 1 naming the line and what is wrong.
func TestAuditVerifyTamper(t *testing.T) {
	f := newFixture(t)
	in, out := filepath.Join(f.dir, "in"), filepath.Join(f.dir, "out")
	pdfTree(t, in, 5)
	if code, o, e := run(t, "seal", "--key", "pkcs12:"+f.p12EC, "--pin-file", f.pinFile, "--in", in, "--out", out); code != 0 {
		t.Fatalf("seal: exit %d\n%s%s", code, o, e)
	}
	log, _ := os.ReadFile(filepath.Join(out, seal.AuditLogName))
	journal, _ := os.ReadFile(filepath.Join(out, seal.JournalName))
	lines := bytes.SplitAfter(log, []byte("\n"))
	lines = lines[:len(lines)-1] // after the last newline
	if len(lines) != 5 {
		t.Fatalf("%d audit lines, want 5", len(lines))
	}
	join := func(ls ...[]byte) []byte { return bytes.Join(ls, nil) }
	edited := bytes.Replace(lines[2], []byte(`"outcome":"sealed"`), []byte(`"outcome":"skipped"`), 1)
	tests := []struct {
		name, want string
		log        []byte
	}{
		{"intact", "", log},
		{"edited", "line 3: edited", join(lines[0], lines[1], edited, lines[3], lines[4])},
		{"removed", "line 3: removed", join(lines[0], lines[1], lines[3], lines[4])},
		{"first removed", "line 1: removed", join(lines[1], lines[2], lines[3], lines[4])},
		{"reordered", "line 2: reordered", join(lines[0], lines[2], lines[1], lines[3], lines[4])},
		{"cut mid-line", "line 5: truncated", join(lines[0], lines[1], lines[2], lines[3], lines[4][:40])},
		{"last line removed", "line 5: truncated", join(lines[0], lines[1], lines[2], lines[3])},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, seal.AuditLogName)
			os.WriteFile(path, tc.log, 0o644)
			os.WriteFile(filepath.Join(dir, seal.JournalName), journal, 0o644)
			code, stdout, stderr := run(t, "audit", "verify", path)
			if tc.want == "" {
				if code != 0 || !strings.Contains(stdout, "intact") {
					t.Errorf("exit %d: %s%s", code, stdout, stderr)
				}
				return
			}
			if code != 1 || !strings.Contains(stdout, tc.want) {
				t.Errorf("exit %d, want 1 and %q:\n%s%s", code, tc.want, stdout, stderr)
			}
			t.Log(strings.TrimSpace(stdout))
		})
	}
	if code, _, _ := run(t, "audit", "verify", filepath.Join(f.dir, "no-such.jsonl")); code != cli.ExitUnreadable {
		t.Errorf("missing log: exit %d, want %d", code, cli.ExitUnreadable)
	}
	if code, _, _ := run(t, "audit", "check", "x"); code != 2 {
		t.Errorf("audit check: exit %d, want 2", code)
	}
}
