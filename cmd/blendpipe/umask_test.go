package main

import (
	"os"
	"syscall"
)

// umask reads the process's umask (setting it is the only way to read it).
func umask() os.FileMode {
	m := syscall.Umask(0o022)
	syscall.Umask(m)
	return os.FileMode(m)
}
