package engine

import (
	"os/exec"
	"syscall"
)

// killWithParent makes the kernel kill cmd when the console dies, so that a
// crashed console does not leave a pg_restore running against the target
// while its job is resumed elsewhere.
func killWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
