// Siegel signs, seals and verifies documents. Without arguments it will
// start the desktop app; with a command it runs the command line.
package main

import (
	"os"

	"github.com/siegel-app/siegel/app/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:]))
}
