//go:build unix && !linux

package agent

import "syscall"

// sysProcAttr puts the agent in a process group of its own, so that kill
// reaches what the module started and a terminal's Ctrl-C reaches only the
// parent. Without a parent-death signal here, the agent ends when its
// standard input reaches EOF as the parent dies.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
