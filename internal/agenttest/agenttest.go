// Package agenttest runs test binaries that sign through the PKCS#11
// agent (signing/pkcs11/agent): the agent process is the test binary
// itself, started with the agent's command name.
package agenttest

import (
	"os"
	"testing"

	"github.com/siegel-app/siegel/internal/softhsm"
	"github.com/siegel-app/siegel/signing/pkcs11/agent"
)

// Main is a TestMain: as the agent child it serves the agent protocol;
// otherwise it runs the tests with agents restarted after each new
// SoftHSM2 token (a process that initialised SoftHSM2 before a token
// existed never sees it), then ends the agents and the tokens.
func Main(m *testing.M) {
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
