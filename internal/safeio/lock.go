package safeio

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// lockPoll is how often Lock retries a held lock. Polling a non-blocking
// lock (instead of a blocking flock in a goroutine) keeps the wait
// cancellable without leaving a thread stuck in the kernel.
const lockPoll = 5 * time.Millisecond

// Lock takes an exclusive advisory lock (flock on Unix, LockFileEx on
// Windows) on the file lockPath, creating it (0600) if needed, and waits
// for it until ctx ends. Call unlock when done; it also closes the file.
// Programs that read-modify-write one file (profiles.toml) each take the
// lock of the same lockPath around the whole cycle, so no edit is lost.
func Lock(ctx context.Context, lockPath string) (unlock func(), err error) {
	f, err := os.OpenFile(lockPath, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, writeError(err, lockPath)
	}
	for {
		ok, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, bberr.Wrap(err, bberr.Failure, "", "cannot lock %s", lockPath)
		}
		if ok {
			return func() { _ = unlockFile(f); _ = f.Close() }, nil
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(lockPoll):
		}
	}
}

// LockPath is the lock file to use for path: next to the file a symlink
// at path points to, so two links to one file share one lock.
func LockPath(path string) string {
	if t, err := resolve(path); err == nil {
		path = t
	}
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".lock")
}
