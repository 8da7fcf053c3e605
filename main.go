// Siegel signs, seals and verifies documents. Without arguments it will
// start the desktop app; with a command it runs the command line.
package main

import (
	"os"

	"github.com/siegel-app/siegel/app/cli"
	"github.com/siegel-app/siegel/signing/pkcs11/agent"
)

func main() {
	code := cli.Main(os.Args[1:])
	agent.Shutdown() // log out of tokens and end the PKCS#11 agent
	os.Exit(code)
}
