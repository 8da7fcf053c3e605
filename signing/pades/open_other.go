//go:build !unix

package pades

import "os"

// openRead and createTemp are os.Open and os.CreateTemp; see open_unix.go
// for why Unix differs.
func openRead(path string) (*os.File, error) { return os.Open(path) }

func createTemp(dir, pattern string) (*os.File, error) { return os.CreateTemp(dir, pattern) }
