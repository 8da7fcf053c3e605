package app_test

import (
	"os"
	"testing"

	"github.com/siegel-app/siegel/internal/softhsm"
	"github.com/siegel-app/siegel/signing/pkcs11/agent"
)

func TestMain(m *testing.M) {
	// PKCS#11 runs in an agent process (signing/pkcs11/agent); in tests
	// that process is this test binary.
	if len(os.Args) > 1 && os.Args[1] == agent.CommandName {
		if err := agent.ServeStdio(); err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	softhsm.AfterNewToken = agent.Shutdown
	code := m.Run()
	agent.Shutdown()
	softhsm.Cleanup()
	os.Exit(code)
}
