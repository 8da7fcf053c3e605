package pkcs11

import (
	"os"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// windowsAbs is an absolute Windows path: a drive, then backslash-separated
// names, none empty.
var windowsAbs = regexp.MustCompile(`^[A-Z]:(\\[^\\/:*?"<>|%]+)+$`)

func TestWellKnownModulesShape(t *testing.T) {
	noEnv := func(string) string { return "" }
	for _, tc := range []struct {
		goos string
		ext  []string
	}{
		{"linux", []string{".so"}},
		{"darwin", []string{".so", ".dylib"}},
		{"windows", []string{".dll"}},
	} {
		t.Run(tc.goos, func(t *testing.T) {
			mods := candidateModules(tc.goos, noEnv)
			if len(mods) == 0 {
				t.Fatalf("no well-known modules for %s", tc.goos)
			}
			seen := map[string]bool{}
			for _, m := range mods {
				key := m
				if tc.goos == "windows" {
					key = strings.ToLower(m) // NTFS ignores case
					if !windowsAbs.MatchString(m) {
						t.Errorf("%q is not an absolute Windows path", m)
					}
				} else if !path.IsAbs(m) || path.Clean(m) != m {
					t.Errorf("%q is not a clean absolute path", m)
				}
				if seen[key] {
					t.Errorf("%q is listed twice", m)
				}
				seen[key] = true
				ok := false
				for _, e := range tc.ext {
					ok = ok || strings.EqualFold(path.Ext(baseName(m)), e)
				}
				if !ok {
					t.Errorf("%q does not end in %v", m, tc.ext)
				}
			}
			// OpenSC comes first: it serves most cards, and CardModules
			// picks it out by name.
			if !strings.Contains(strings.ToLower(baseName(mods[0])), "opensc") {
				t.Errorf("first module for %s is %q, want OpenSC", tc.goos, mods[0])
			}
		})
	}
}

func TestExpandWindows(t *testing.T) {
	env := map[string]string{
		"ProgramFiles": `D:\Apps\`,
		"SystemRoot":   `E:\WINNT`,
	}
	getenv := func(k string) string { return env[k] }
	for _, tc := range []struct{ in, want string }{
		{`%ProgramFiles%\OpenSC Project\OpenSC\pkcs11\opensc-pkcs11.dll`, `D:\Apps\OpenSC Project\OpenSC\pkcs11\opensc-pkcs11.dll`},
		{`%SystemRoot%\System32\beidpkcs11.dll`, `E:\WINNT\System32\beidpkcs11.dll`},
		{`%ProgramFiles(x86)%\Personal\bin64\personal64.dll`, `C:\Program Files (x86)\Personal\bin64\personal64.dll`},
		{`C:\SoftHSM2\lib\softhsm2-x64.dll`, `C:\SoftHSM2\lib\softhsm2-x64.dll`},
		{`%Unknown%\x.dll`, `%Unknown%\x.dll`},
		{`%broken`, `%broken`},
	} {
		if got := expandWindows(tc.in, getenv); got != tc.want {
			t.Errorf("expandWindows(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestExistingModules(t *testing.T) {
	dir := t.TempDir()
	write := func(rel string) string {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("module"), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	opensc := write("pf/opensc-pkcs11.dll")
	copied := write("system32/OpenSC-PKCS11.dll") // a copy, as OpenSC's MSI makes
	other := write("system32/beidpkcs11.dll")
	link := filepath.Join(dir, "link-opensc-pkcs11.dll")
	if err := os.Symlink(opensc, link); err != nil {
		t.Fatal(err)
	}
	isDir := filepath.Join(dir, "dir.dll")
	if err := os.Mkdir(isDir, 0o755); err != nil {
		t.Fatal(err)
	}
	candidates := []string{opensc, copied, filepath.Join(dir, "missing.dll"), isDir, link, other}

	if got, want := existingModules(candidates, false), []string{opensc, copied, other}; !reflect.DeepEqual(got, want) {
		t.Errorf("by file: got %q, want %q", got, want)
	}
	if got, want := existingModules(candidates, true), []string{opensc, other}; !reflect.DeepEqual(got, want) {
		t.Errorf("by name: got %q, want %q", got, want)
	}
}
