package safeio

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

var aLongTimeAgo = time.Unix(1, 0)

// maxLinks bounds symlink resolution (Linux's own limit is 40).
const maxLinks = 40

// resolve follows symlinks at path to the file they name, which need not
// exist yet (a dangling link names the file to create).
func resolve(path string) (string, error) {
	for range maxLinks {
		st, err := os.Lstat(path)
		if err != nil || st.Mode()&fs.ModeSymlink == 0 {
			return path, nil
		}
		dest, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(dest) {
			dest = filepath.Join(filepath.Dir(path), dest)
		}
		path = dest
	}
	return "", syscall.ELOOP
}

// CheckWritable reports, without writing, whether WriteFile(path, ...,
// force) would be refused: a missing directory, an existing file without
// force, or an existing file that is not a regular file.
func CheckWritable(path string, force bool) error {
	_, err := target(path, force)
	return err
}

// target resolves path and checks it may be replaced.
func target(path string, force bool) (string, error) {
	t, err := resolve(path)
	if err != nil {
		return "", writeError(err, path)
	}
	st, err := os.Stat(t)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		d, derr := os.Stat(filepath.Dir(t))
		if derr != nil {
			return "", writeError(derr, filepath.Dir(t))
		}
		if !d.IsDir() {
			return "", bberr.New(bberr.BadInput, "check the path", "cannot write %s: %s is not a directory", path, filepath.Dir(t))
		}
		return t, nil
	case err != nil:
		return "", writeError(err, path)
	case !st.Mode().IsRegular():
		return "", bberr.New(bberr.BadInput, "give the name of a regular file to write (--force never replaces a device, directory or pipe)",
			"will not write %s: it is %s", path, describe(st.Mode()))
	case !force:
		return "", exists(path)
	}
	return t, nil
}

func exists(path string) error {
	return bberr.New(bberr.Usage, "choose another name or add --force", "%s exists; not overwriting it", path)
}

// WriteFile writes data to path atomically with mode perm exactly (umask
// aside). See the package doc for what it refuses.
func WriteFile(path string, data []byte, perm fs.FileMode, force bool) (err error) {
	t, err := target(path, force)
	if err != nil {
		return err
	}
	dir := filepath.Dir(t)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(t)+".tmp-*")
	if err != nil {
		return writeError(err, path)
	}
	name := tmp.Name()
	defer os.Remove(name) // a no-op once renamed; cleans up after a failure or a link
	// CreateTemp makes the file 0600, so a secret is never readable by
	// others, not even for a moment; Chmod then sets the final mode
	// exactly, whatever the umask.
	werr := writeHook(tmp, data)
	if werr == nil {
		werr = tmp.Chmod(perm)
	}
	if werr == nil {
		werr = tmp.Sync()
	}
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return writeError(werr, path)
	}
	if force {
		if err := os.Rename(name, t); err != nil {
			return writeError(err, path)
		}
	} else if err := os.Link(name, t); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return exists(path)
		}
		// File systems without hard links (FAT on a Pi's SD card, some
		// network mounts): fall back to check-then-rename.
		if _, serr := os.Lstat(t); serr == nil {
			return exists(path)
		}
		if err := os.Rename(name, t); err != nil {
			return writeError(err, path)
		}
	}
	syncDir(dir)
	return nil
}

// writeHook writes the temp file; tests replace it to simulate a crash or a
// full disk half way.
var writeHook = func(f *os.File, data []byte) error {
	_, err := f.Write(data)
	return err
}

// syncDir makes a rename durable. Not all systems can fsync a directory
// (Windows cannot open one); the rename is still atomic there.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}

// Create opens path for a streamed output (trace, log). A new regular file
// gets mode perm exactly. An existing regular file is appended to if
// appendTo, refused otherwise (never truncated). An existing FIFO waits
// (cancellably) for a reader; a character device (/dev/stderr, /dev/null)
// is opened as is; a directory is refused.
func Create(ctx context.Context, path string, perm fs.FileMode, appendTo bool) (*os.File, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		flag := os.O_WRONLY | os.O_CREATE | os.O_EXCL
		if appendTo {
			flag = os.O_WRONLY | os.O_CREATE | os.O_APPEND
		}
		f, err := os.OpenFile(path, flag|syscall.O_NOCTTY, perm)
		if err != nil {
			return nil, writeError(err, path)
		}
		if err := f.Chmod(perm); err != nil {
			f.Close()
			return nil, writeError(err, path)
		}
		return f, nil
	case err != nil:
		return nil, writeError(err, path)
	case st.Mode().IsRegular():
		if !appendTo {
			return nil, exists(path)
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|syscall.O_NOCTTY, perm)
		if err != nil {
			return nil, writeError(err, path)
		}
		return f, nil
	case st.Mode()&fs.ModeNamedPipe != 0:
		f, err := openWait(ctx, path, os.O_WRONLY)
		if err != nil {
			return nil, writeError(err, path)
		}
		return f, nil
	case st.Mode()&fs.ModeCharDevice != 0:
		f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NOCTTY, 0)
		if err != nil {
			return nil, writeError(err, path)
		}
		return f, nil
	}
	return nil, bberr.New(bberr.BadInput, "give the name of a file to write", "will not write %s: it is %s", path, describe(st.Mode()))
}

func writeError(err error, path string) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return bberr.Wrap(err, bberr.BadInput, "create the directory first, or check the path", "cannot write %s", path)
	case errors.Is(err, fs.ErrPermission):
		return bberr.Wrap(err, bberr.Permission, "choose a directory you can write, or fix the permissions of "+path, "cannot write %s", path)
	case errors.Is(err, syscall.EISDIR), errors.Is(err, syscall.ENOTDIR), errors.Is(err, syscall.ELOOP):
		return bberr.Wrap(err, bberr.BadInput, "check the path", "cannot write %s", path)
	case errors.Is(err, syscall.ENOSPC):
		return bberr.Wrap(err, bberr.Failure, "free some space and run again", "cannot write %s", path)
	}
	return bberr.Wrap(err, bberr.Failure, "", "cannot write %s", path)
}
