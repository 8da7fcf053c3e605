//go:build !unix

package agent

import (
	"os"
	"syscall"
)

// sysProcAttr: the agent ends when its standard input reaches EOF as the
// parent dies. (A Windows job object would tie it tighter; not done yet.)
func sysProcAttr() *syscall.SysProcAttr { return nil }

// kill ends the agent process.
func kill(p *os.Process) { _ = p.Kill() }
