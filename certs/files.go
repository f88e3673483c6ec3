package certs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// File is one file to write.
type File struct {
	Name string      // base name inside the directory
	Data []byte      //
	Mode fs.FileMode // 0600 for keys, 0644 for certificates
}

// Standard file names in a `cert new` directory.
const (
	CACertFile     = "ca.crt"
	CAKeyFile      = "ca.key"
	ServerCertFile = "server.crt"
	ServerKeyFile  = "server.key"
)

// WriteFiles writes files into dir (created 0755 if missing), each
// atomically: a temporary file in dir is written, synced, given its mode
// and then moved into place, so a reader never sees half a key.
//
// Without force, no existing file is replaced: all names are checked before
// anything is written, and each final step is a hard link, which fails if
// the name appeared meanwhile (no check-then-overwrite race).
func WriteFiles(dir string, files []File, force bool) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fileError(err, dir)
	}
	if !force {
		var names []string
		for _, f := range files {
			names = append(names, f.Name)
		}
		if err := checkAbsent(dir, names); err != nil {
			return err
		}
	}
	for _, f := range files {
		if err := writeAtomic(filepath.Join(dir, f.Name), f.Data, f.Mode, force); err != nil {
			return err
		}
	}
	return nil
}

// checkAbsent fails if any of names exists in dir.
func checkAbsent(dir string, names []string) error {
	var existing []string
	for _, n := range names {
		if _, err := os.Lstat(filepath.Join(dir, n)); err == nil {
			existing = append(existing, n)
		}
	}
	if len(existing) > 0 {
		return bberr.New(bberr.Usage, "use another --out directory, --ca-dir to reuse an existing CA, or --force to replace the files",
			"%s already has %s: not overwriting", dir, strings.Join(existing, ", "))
	}
	return nil
}

func writeAtomic(path string, data []byte, mode fs.FileMode, force bool) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fileError(err, path)
	}
	name := tmp.Name()
	defer os.Remove(name) // no-op once renamed; cleans up after a failure or a link
	// CreateTemp makes the file 0600, so a key is never readable by others,
	// not even for a moment; Chmod then sets the final mode (umask aside).
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fileError(err, path)
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return fileError(err, path)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fileError(err, path)
	}
	if err := tmp.Close(); err != nil {
		return fileError(err, path)
	}
	if force {
		if err := os.Rename(name, path); err != nil {
			return fileError(err, path)
		}
		return nil
	}
	err = os.Link(name, path)
	if errors.Is(err, fs.ErrExist) {
		return bberr.New(bberr.Usage, "use --force to replace it", "%s already exists: not overwriting", path)
	}
	if err != nil {
		// File systems without hard links (FAT on a Pi's SD card, some
		// network mounts): fall back to check-then-rename.
		if _, serr := os.Lstat(path); serr == nil {
			return bberr.New(bberr.Usage, "use --force to replace it", "%s already exists: not overwriting", path)
		}
		if err := os.Rename(name, path); err != nil {
			return fileError(err, path)
		}
	}
	return nil
}

func fileError(err error, path string) error {
	if errors.Is(err, fs.ErrPermission) {
		return bberr.Wrap(err, bberr.Permission, fmt.Sprintf("choose a directory you can write, or fix the permissions of %s", path), "cannot write %s", path)
	}
	return bberr.Wrap(err, bberr.Failure, "", "cannot write %s", path)
}
