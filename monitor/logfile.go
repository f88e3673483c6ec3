package monitor

import (
	"context"
	"fmt"
	"os"
	"sync"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/internal/safeio"
)

// LogFile is the --log file: created 0600 (it holds everything the board
// prints), appended to, and rotated by size: when a write would take it
// past Max bytes it becomes FILE.1 (FILE.1 becomes FILE.2, ... up to Keep)
// and a new FILE starts. Max 0 never rotates. Writes go straight to the
// file (no buffer): see RawLog.
type LogFile struct {
	Path string
	Max  int64
	Keep int

	mu   sync.Mutex
	f    *os.File
	size int64
}

// DefaultLogMax and DefaultLogKeep are monitor --log-max and --log-keep's
// defaults.
const (
	DefaultLogMax  = 64 << 20
	DefaultLogKeep = 3
)

// OpenLogFile opens (creating 0600) or appends to path.
func OpenLogFile(path string, max int64, keep int) (*LogFile, error) {
	l := &LogFile{Path: path, Max: max, Keep: keep}
	if err := l.open(); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *LogFile) open() error {
	// A rotating log must be a regular file: a FIFO would block the open
	// and a device cannot be renamed. Errors as for every file written
	// (safeio): a missing directory is 9, permission 4.
	if st, err := os.Stat(l.Path); err == nil && !st.Mode().IsRegular() {
		return bberr.New(bberr.BadInput, "give --log the name of a regular file (it is appended to and rotated)",
			"will not write the log %s: it is not a regular file", l.Path)
	}
	f, err := safeio.Create(context.Background(), l.Path, 0o600, true)
	if err != nil {
		return err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return bberr.Wrap(err, bberr.Failure, "choose a regular file for --log", "opening the log %s", l.Path)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		// An existing file made by an older version or by hand: tighten.
		_ = f.Chmod(0o600)
	}
	l.f, l.size = f, fi.Size()
	return nil
}

// Write appends p, rotating first when it would pass Max.
func (l *LogFile) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.Max > 0 && l.size > 0 && l.size+int64(len(p)) > l.Max {
		if err := l.rotate(); err != nil {
			return 0, err
		}
	}
	n, err := l.f.Write(p)
	l.size += int64(n)
	return n, err
}

func (l *LogFile) rotate() error {
	_ = l.f.Sync()
	if err := l.f.Close(); err != nil {
		return err
	}
	keep := max(l.Keep, 1)
	_ = os.Remove(fmt.Sprintf("%s.%d", l.Path, keep))
	for i := keep - 1; i >= 1; i-- {
		_ = os.Rename(fmt.Sprintf("%s.%d", l.Path, i), fmt.Sprintf("%s.%d", l.Path, i+1))
	}
	if err := os.Rename(l.Path, l.Path+".1"); err != nil {
		return err
	}
	return l.open()
}

// Sync writes the file to disk.
func (l *LogFile) Sync() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Sync()
}

// Close syncs and closes the file.
func (l *LogFile) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	_ = l.f.Sync()
	return l.f.Close()
}
