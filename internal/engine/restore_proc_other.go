//go:build !linux

package engine

import "os/exec"

// killWithParent has no portable equivalent outside Linux: a pg_restore
// outlives a crashed console until it finishes.
func killWithParent(cmd *exec.Cmd) {}
