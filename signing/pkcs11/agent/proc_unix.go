//go:build unix

package agent

import (
	"errors"
	"os"
	"syscall"
)

// kill ends the agent and the processes it started (its process group),
// unless it was reaped already: then its pid, the group's id, may belong to
// another process by now.
func kill(p *os.Process) {
	if err := p.Kill(); errors.Is(err, os.ErrProcessDone) {
		return
	}
	_ = syscall.Kill(-p.Pid, syscall.SIGKILL)
}
