//go:build unix

package doctor

import (
	"io/fs"
	"os"
	"syscall"
)

func statOwner(path string) (int, fs.FileMode, error) {
	st, err := os.Stat(path)
	if err != nil {
		return 0, 0, err
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return -1, st.Mode(), nil
	}
	return int(sys.Gid), st.Mode(), nil
}
