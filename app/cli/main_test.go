package cli_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/siegel-app/siegel/internal/agenttest"
)

// TestMain runs the tests in English whatever the developer's locale and
// settings are (tests that check other languages set them), then hands
// over to the agent-aware runner.
func TestMain(m *testing.M) {
	for _, v := range []string{"SIEGEL_LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE"} {
		os.Unsetenv(v)
	}
	os.Setenv("LANG", "C.UTF-8")
	if os.Getenv("SIEGEL_SETTINGS") == "" {
		// A settings file that does not exist gives the defaults: the
		// GUI's language setting must not leak into the tests.
		os.Setenv("SIEGEL_SETTINGS", filepath.Join(os.TempDir(), "siegel-cli-test-none", "settings.json"))
	}
	agenttest.Main(m)
}
