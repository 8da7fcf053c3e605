package posixlocale

import (
	"os"
	"testing"
)

func TestApplyRestore(t *testing.T) {
	t.Setenv("LANG", "C.UTF-8")
	t.Setenv("LC_MESSAGES", "de_DE.UTF-8")
	Apply()
	if got := os.Getenv("LANG"); got != "C" {
		t.Errorf("LANG = %q after Apply", got)
	}
	if got := os.Getenv("LC_MESSAGES"); got != "de_DE.UTF-8" {
		t.Errorf("LC_MESSAGES = %q: a real language was changed", got)
	}
	Restore()
	if got := os.Getenv("LANG"); got != "C.UTF-8" {
		t.Errorf("LANG = %q after Restore", got)
	}
}
