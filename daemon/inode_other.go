//go:build !unix

package daemon

import "os"

// inode: without inode numbers, only presence is checked (0: not there).
func inode(path string) uint64 {
	if _, err := os.Lstat(path); err != nil {
		return 0
	}
	return 1
}
