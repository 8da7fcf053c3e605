package pkcs11

import (
	"os"
	"path/filepath"
	"runtime"
)

// Well-known places of PKCS#11 modules, most likely first. OpenSC serves
// smart cards and signature cards; SoftHSM2 is a software HSM.
var wellKnownModules = map[string][]string{
	"linux": {
		"/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so",
		"/usr/lib/aarch64-linux-gnu/opensc-pkcs11.so",
		"/usr/lib/x86_64-linux-gnu/pkcs11/opensc-pkcs11.so",
		"/usr/lib/aarch64-linux-gnu/pkcs11/opensc-pkcs11.so",
		"/usr/lib64/opensc-pkcs11.so",
		"/usr/lib64/pkcs11/opensc-pkcs11.so",
		"/usr/lib/opensc-pkcs11.so",
		"/usr/lib/pkcs11/opensc-pkcs11.so",
		"/usr/local/lib/opensc-pkcs11.so",
		"/usr/lib/softhsm/libsofthsm2.so",
		"/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
		"/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
		"/usr/lib64/pkcs11/libsofthsm2.so",
		"/usr/lib64/softhsm/libsofthsm2.so",
		"/usr/local/lib/softhsm/libsofthsm2.so",
	},
	"darwin": {
		"/Library/OpenSC/lib/opensc-pkcs11.so",
		"/opt/homebrew/lib/opensc-pkcs11.so",
		"/usr/local/lib/opensc-pkcs11.so",
		"/opt/homebrew/lib/softhsm/libsofthsm2.so",
		"/usr/local/lib/softhsm/libsofthsm2.so",
	},
	"windows": {
		`C:\Windows\System32\opensc-pkcs11.dll`,
		`C:\Program Files\OpenSC Project\OpenSC\pkcs11\opensc-pkcs11.dll`,
		`C:\SoftHSM2\lib\softhsm2-x64.dll`,
	},
}

// DefaultModules returns the well-known PKCS#11 modules that exist on this
// machine, OpenSC first. Paths that are links to a module already listed are
// left out, so a person is not shown the same module twice.
func DefaultModules() []string {
	var found []string
	seen := map[string]bool{}
	for _, p := range wellKnownModules[runtime.GOOS] {
		fi, err := os.Stat(p)
		if err != nil || fi.IsDir() {
			continue
		}
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			real = p
		}
		if seen[real] {
			continue
		}
		seen[real] = true
		found = append(found, p)
	}
	return found
}
