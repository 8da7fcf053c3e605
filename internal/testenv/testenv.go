// Package testenv finds the real components tests run against (SoftHSM2,
// OpenSC, pdfsig, qpdf, openssl) and skips with a reason when one is missing
// on a developer's machine. With CI=true a missing component fails the test
// instead, so CI never passes by skipping.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// Need returns the path of each named program, or skips (fails under CI).
func Need(t testing.TB, programs ...string) map[string]string {
	t.Helper()
	paths := map[string]string{}
	for _, p := range programs {
		path, err := exec.LookPath(p)
		if err != nil {
			Missing(t, p+" is not installed (apt-get install poppler-utils qpdf softhsm2 opensc openssl)")
		}
		paths[p] = path
	}
	return paths
}

// NeedFile returns the first of paths that exists, or skips (fails under CI).
func NeedFile(t testing.TB, what string, paths ...string) string {
	t.Helper()
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	Missing(t, what+" not found in "+joinPaths(paths))
	return ""
}

// Missing skips with reason, or fails when CI=true.
func Missing(t testing.TB, reason string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("required test component missing under CI: %s", reason)
	}
	t.Skip("skipped: " + reason)
}

// SoftHSMModule is where Debian and Ubuntu install SoftHSM2's PKCS#11 module.
func SoftHSMModule(t testing.TB) string {
	t.Helper()
	return NeedFile(t, "SoftHSM2 PKCS#11 module",
		"/usr/lib/softhsm/libsofthsm2.so",
		"/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
		"/usr/local/lib/softhsm/libsofthsm2.so")
}

func joinPaths(p []string) string {
	s := ""
	for i, x := range p {
		if i > 0 {
			s += ", "
		}
		s += x
	}
	return s
}
