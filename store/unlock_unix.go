//go:build unix

package store

import (
	"errors"
	"os"
	"syscall"
)

// unlockFile releases bbolt's lock on f.
func unlockFile(f *os.File) { syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }

// lockShared takes the lock bbolt's readers take on f, beside other
// readers; ErrLocked while a writer holds it. Closing f releases it.
func lockShared(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return ErrLocked
	}
	return err
}
