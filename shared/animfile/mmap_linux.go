package animfile

import (
	"os"
	"syscall"
)

// mapFile maps size bytes of f read-only, its pages populated up front so that decoding does
// not fault on each one. ok is false when the file cannot be mapped (empty, or not a regular
// file); the caller then reads it.
func mapFile(f *os.File, size int64) (data []byte, unmap func(), ok bool) {
	if size <= 0 || int64(int(size)) != size {
		return nil, nil, false
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED|syscall.MAP_POPULATE)
	if err != nil {
		return nil, nil, false
	}
	return data, func() { _ = syscall.Munmap(data) }, true
}
