//go:build unix

package agent

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// ServeStdio runs Serve for the agent process on private copies of its
// standard input and output, and points file descriptors 0 and 1 at
// /dev/null and standard error. A PKCS#11 module is C code that may print
// (debug output, banners) or, rarely, read; on the real descriptors that
// would corrupt the frames. The copies are close-on-exec, so programs a
// module starts do not inherit the protocol.
func ServeStdio() error {
	in, err := private(0, "agent-in")
	if err != nil {
		return err
	}
	out, err := private(1, "agent-out")
	if err != nil {
		return err
	}
	null, err := unix.Open(os.DevNull, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("PKCS#11 agent: open %s: %w", os.DevNull, err)
	}
	if err := unix.Dup2(null, 0); err != nil {
		return fmt.Errorf("PKCS#11 agent: redirect standard input: %w", err)
	}
	_ = unix.Close(null)
	if err := unix.Dup2(2, 1); err != nil {
		return fmt.Errorf("PKCS#11 agent: redirect standard output: %w", err)
	}
	return Serve(in, out)
}

// private duplicates fd to a close-on-exec descriptor above the standard
// three.
func private(fd int, name string) (*os.File, error) {
	nfd, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 3)
	if err != nil {
		return nil, fmt.Errorf("PKCS#11 agent: duplicate descriptor %d: %w", fd, err)
	}
	return os.NewFile(uintptr(nfd), name), nil
}
