package cli_test

import (
	"os"
	"testing"

	"github.com/siegel-app/siegel/internal/softhsm"
)

func TestMain(m *testing.M) {
	code := m.Run()
	softhsm.Cleanup()
	os.Exit(code)
}
