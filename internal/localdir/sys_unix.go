//go:build unix

package localdir

import (
	"errors"
	"os"
	"syscall"
)

// flock takes an advisory lock on path, shared or exclusive. The lock is per
// open file description, so it excludes other goroutines of this process
// (each opens the file anew) as well as other processes.
func flock(path string, exclusive bool) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	for {
		err = syscall.Flock(int(f.Fd()), how)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		// Closing the descriptor releases the lock as well; unlocking first
		// keeps the release independent of when the runtime closes it.
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// inode identifies the file behind fi, so that a file replaced outside the
// store is told apart from the one its sidecar describes.
func inode(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Ino)
	}
	return 0
}
