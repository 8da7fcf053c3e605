package agent

import "syscall"

// sysProcAttr puts the agent in a process group of its own, so that kill
// reaches what the module started and a terminal's Ctrl-C reaches only the
// parent, which decides; and has the kernel kill it when the parent dies.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
