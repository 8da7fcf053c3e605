package main

import (
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

const root = "../../.."

func read(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestClassify(t *testing.T) {
	lic := filepath.Join(root, "packaging", "licenses")
	tests := []struct {
		name, file, want string
		ok               bool
	}{
		{"Apache", filepath.Join(lic, "wazero-LICENSE.txt"), "Apache-2.0", true},
		{"Siegel", filepath.Join(root, "LICENSE"), "Apache-2.0", true},
		{"Go BSD", filepath.Join(runtime.GOROOT(), "LICENSE"), "BSD-3-clause", true},
		{"MIT", filepath.Join(lic, "lcms2.txt"), "Expat", true},
		{"BSD-2", filepath.Join(lic, "openjpeg.txt"), "BSD-2-clause", true},
		{"musl", filepath.Join(lic, "musl.txt"), "Expat", true},
		{"this test", "main_test.go", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := classify(read(t, tt.file))
			if got != tt.want || ok != tt.ok {
				t.Errorf("classify(%s) = %q, %v; want %q, %v", tt.file, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// TestLicenseTextApache: the Apache terms are referred to, not copied
// (lintian: copyright-file-contains-full-apache-2-license), and what
// stands around them stays.
func TestLicenseTextApache(t *testing.T) {
	full := read(t, filepath.Join(root, "packaging", "licenses", "llvm-runtime.txt"))
	got := licenseText("Apache-2.0 with LLVM exception", full)
	for _, gone := range []string{"TERMS AND CONDITIONS FOR USE", "END OF TERMS AND CONDITIONS", "January 2004"} {
		if strings.Contains(got, gone) {
			t.Errorf("licence text still contains %q", gone)
		}
	}
	for _, kept := range []string{"/usr/share/common-licenses/Apache-2.0", "LLVM Exceptions to the Apache 2.0 License", "Copyright (c) 2003-2024 the LLVM Project contributors"} {
		if !strings.Contains(got, kept) {
			t.Errorf("licence text lost %q", kept)
		}
	}
}

// TestGenerate runs the generator on this test binary (its modules are
// the standard library only) and checks the result is a well-formed
// copyright file with Siegel's, Go's and every pdfium.wasm notice.
func TestGenerate(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	out, err := generate(exe, root)
	if err != nil {
		t.Fatal(err)
	}
	paras := strings.Split(strings.TrimSuffix(out, "\n"), "\n\n")
	if !strings.HasPrefix(paras[0], "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n") {
		t.Errorf("header paragraph starts %q", paras[0][:40])
	}
	fieldLine := regexp.MustCompile(`^[A-Za-z-]+: `)
	files := map[string]bool{}
	for i, p := range paras {
		for j, l := range strings.Split(p, "\n") {
			if l == "" || (!strings.HasPrefix(l, " ") && !fieldLine.MatchString(l)) {
				t.Fatalf("paragraph %d line %d is neither a field nor a continuation: %q", i, j+1, l)
			}
		}
		if i == 0 {
			continue
		}
		for _, f := range []string{"Files: ", "\nCopyright: ", "\nLicense: "} {
			if !strings.Contains(p, f) {
				t.Errorf("paragraph %d has no %q:\n%s", i, strings.TrimSpace(f), p)
			}
		}
		name := strings.TrimPrefix(strings.SplitN(p, "\n", 2)[0], "Files: ")
		if files[name] {
			t.Errorf("Files: %s appears twice", name)
		}
		files[name] = true
	}
	list := read(t, filepath.Join(root, "packaging", "licenses", "wasm.list"))
	want := []string{"*", "go/*"}
	for _, l := range strings.Split(list, "\n") {
		if c := strings.Split(l, "|"); len(c) == 4 && !strings.HasPrefix(l, "#") {
			want = append(want, strings.TrimSpace(c[1]))
		}
	}
	for _, w := range want {
		if !files[w] {
			t.Errorf("no paragraph for Files: %s", w)
		}
	}
	if strings.Contains(out, "TERMS AND CONDITIONS FOR USE") {
		t.Error("the full Apache licence is copied in")
	}
}
