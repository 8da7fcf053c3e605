// Package posixlocale keeps Fyne's lang package from logging an error at
// start-up (and in every PKCS#11 agent, which is the same binary) under
// LANG=C.UTF-8, the default of Debian containers: go-locale reads that as
// the language "C", which golang.org/x/text cannot parse.
//
// Its init must run before that of fyne.io/fyne/v2/lang. Go initialises
// packages one at a time, each time the first in import-path order whose
// imports are done (Go spec, "Package initialization"); this package
// imports only os, so it is ready, and chosen, before
// golang.org/x/text/language, which lang needs. Package ui's init, which
// runs after lang's, calls Restore so child processes see the original
// environment.
package posixlocale

import "os"

var saved = map[string]string{}

func init() { Apply() }

// Apply replaces "C.<charset>" in the locale variables by "C", which
// go-locale understands as no language.
func Apply() {
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v, ok := os.LookupEnv(k); ok && len(v) > 2 && v[:2] == "C." {
			saved[k] = v
			os.Setenv(k, "C")
		}
	}
}

// Restore puts back what Apply replaced.
func Restore() {
	for k, v := range saved {
		os.Setenv(k, v)
	}
	clear(saved)
}
