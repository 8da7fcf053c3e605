package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestGUIArgs(t *testing.T) {
	dir := t.TempDir()
	pdf := filepath.Join(dir, "a.PDF")
	os.WriteFile(pdf, []byte("%PDF-1.7\n"), 0o644)
	p7s := filepath.Join(dir, "a.pdf.P7S")
	os.WriteFile(p7s, []byte{0x30}, 0o644)
	asice := filepath.Join(dir, "c.asice")
	os.WriteFile(asice, []byte("PK"), 0o644)
	txt := filepath.Join(dir, "notes.txt")
	os.WriteFile(txt, nil, 0o644)
	missing := filepath.Join(dir, "b.pdf")
	for _, tc := range []struct {
		name       string
		args       []string
		wantDoc    string
		wantVerify bool
		wantGUI    bool
	}{
		{"no arguments", nil, "", false, true},
		{"one PDF", []string{pdf}, pdf, false, true},
		{"a detached signature", []string{p7s}, p7s, true, true},
		{"a container", []string{asice}, asice, true, true},
		{"verify a PDF", []string{"--verify", pdf}, pdf, true, true},
		{"verify a missing file: the view says so", []string{"--verify", missing}, missing, true, true},
		{"missing PDF", []string{missing}, "", false, false},
		{"another file", []string{txt}, "", false, false},
		{"a command", []string{"sign", pdf}, "", false, false},
		{"the verify command", []string{"verify", pdf}, "", false, false},
		{"help", []string{"--help"}, "", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start, gui := guiArgs(tc.args)
			if start.doc != tc.wantDoc || start.verify != tc.wantVerify || gui != tc.wantGUI {
				t.Errorf("guiArgs(%q) = %+v, %v", tc.args, start, gui)
			}
		})
	}
}
