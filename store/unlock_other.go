//go:build !unix

package store

import "os"

// unlockFile does nothing: outside Unix, closing f releases bbolt's lock.
func unlockFile(*os.File) {}

// lockShared does nothing outside Unix.
func lockShared(*os.File) error { return nil }
