//go:build !unix

package agent

import "os"

// ServeStdio runs Serve on the process's standard input and output. On
// Unix the descriptors are first moved out of a module's reach; here a
// module that prints to standard output corrupts the stream, which the
// parent detects and reports as a protocol error.
func ServeStdio() error {
	return Serve(os.Stdin, os.Stdout)
}
