//go:build unix

package daemon

import (
	"os"
	"syscall"
)

// inode identifies the socket file, so a socket removed and replaced by
// someone else is noticed (0: not there).
func inode(path string) uint64 {
	fi, err := os.Lstat(path)
	if err != nil {
		return 0
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Ino)
	}
	return 1
}
