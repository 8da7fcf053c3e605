package cli

import (
	"fmt"

	"github.com/siegel-app/siegel/signing/pkcs11/agent"
)

// runAgent is the hidden command a Siegel process starts to run PKCS#11
// modules out of its own process (signing/pkcs11/agent): it speaks the
// agent protocol on stdin and stdout until stdin ends. People never type
// it, so usage does not list it.
func runAgent(env Env, args []string) int {
	if len(args) != 0 {
		fmt.Fprintf(env.Stderr, "siegel %s: no arguments expected\n", agent.CommandName)
		return ExitUsage
	}
	if err := agent.ServeStdio(); err != nil {
		fmt.Fprintf(env.Stderr, "siegel %s: %v\n", agent.CommandName, err)
		return ExitError
	}
	return ExitOK
}
