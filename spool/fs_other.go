//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package spool

import "os"

// lockFile does nothing here: these platforms lack flock, and the bot is
// deployed on Linux. Do not share a spool directory between processes.
func lockFile(*os.File) error { return nil }

// syncDir does nothing here: not every platform can fsync a directory.
func syncDir(*os.File) error { return nil }
