//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package spool

import (
	"os"
	"syscall"
)

// lockFile takes an exclusive advisory lock on f so that two processes (say
// the old and new pod of a rolling deploy sharing a volume) never append to
// the same spool. The kernel drops it when the process dies, even by SIGKILL.
func lockFile(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
}

// syncDir makes created, renamed and removed directory entries durable.
func syncDir(d *os.File) error { return d.Sync() }
