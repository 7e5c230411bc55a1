//go:build unix

package store

import (
	"os"
	"syscall"
)

// unlockFile releases bbolt's lock on f.
func unlockFile(f *os.File) { syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }
