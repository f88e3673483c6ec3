//go:build !unix

package doctor

import (
	"io/fs"
	"os"
)

// statOwner: no Unix groups here; -1 means "unknown group".
func statOwner(path string) (int, fs.FileMode, error) {
	st, err := os.Stat(path)
	if err != nil {
		return 0, 0, err
	}
	return -1, st.Mode(), nil
}
