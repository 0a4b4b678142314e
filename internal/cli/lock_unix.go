//go:build unix

package cli

import (
	"os"

	"golang.org/x/sys/unix"
)

// lockDir takes an advisory lock on the directory dir itself (flock on its
// descriptor, so no lock file is left behind): exclusive for a run that
// writes, shared for -check, so that concurrent runs on one output directory
// take turns instead of removing each other's files under their feet. The
// kernel drops the lock when the process dies, kill -9 included. Where the
// file system cannot lock, it returns a no-op: the writer still tolerates
// files that vanish.
func lockDir(dir string, exclusive bool) (unlock func()) {
	f, err := os.Open(dir)
	if err != nil {
		return func() {}
	}
	how := unix.LOCK_SH
	if exclusive {
		how = unix.LOCK_EX
	}
	for {
		err = unix.Flock(int(f.Fd()), how)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return func() {}
	}
	return func() { f.Close() } // closing the last descriptor releases the lock
}
