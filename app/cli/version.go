package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Version and Commit are set at build time with
// -ldflags "-X github.com/siegel-app/siegel/app/cli.Version=…".
var (
	Version = "0.1.0-dev"
	Commit  = ""
)

// libraries whose versions "siegel --version" reports: the ones that
// decide what a signature looks like.
var libraries = []string{
	"github.com/digitorus/pdf",
	"github.com/digitorus/pdfsign",
	"github.com/digitorus/timestamp",
	"github.com/miekg/pkcs11",
	"github.com/ebfe/scard",
	"software.sslmate.com/src/go-pkcs12",
	"fyne.io/fyne/v2",
}

func runVersion(env Env, _ []string) int {
	commit := Commit
	info, ok := debug.ReadBuildInfo()
	if commit == "" && ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				commit = s.Value
			}
		}
	}
	if commit == "" {
		commit = "unknown"
	}
	fmt.Fprintf(env.Stdout, "siegel %s (commit %s, %s, %s/%s)\n", Version, commit, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	if ok {
		for _, d := range info.Deps {
			for _, l := range libraries {
				if d.Path == l {
					fmt.Fprintf(env.Stdout, "  %s %s\n", d.Path, d.Version)
				}
			}
		}
	}
	return ExitOK
}
