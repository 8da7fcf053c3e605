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
	for _, tc := range []struct {
		name    string
		args    []string
		wantDoc string
		wantGUI bool
	}{
		{"no arguments", nil, "", true},
		{"one PDF", []string{pdf}, pdf, true},
		{"missing PDF", []string{filepath.Join(dir, "b.pdf")}, "", false},
		{"a command", []string{"sign", pdf}, "", false},
		{"help", []string{"--help"}, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, gui := guiArgs(tc.args)
			if doc != tc.wantDoc || gui != tc.wantGUI {
				t.Errorf("guiArgs(%q) = %q, %v", tc.args, doc, gui)
			}
		})
	}
}
