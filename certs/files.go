package certs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/internal/safeio"
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
// atomically by safeio.WriteFile, so a reader never sees half a key.
//
// Every target is checked before anything is written (CheckTargets): an
// existing file without force, or a name that is a directory, device or
// pipe even with force, stops the run with nothing written. Each final
// step without force is a hard link, which fails if the name appeared
// meanwhile (no check-then-overwrite race).
func WriteFiles(dir string, files []File, force bool) error {
	var names []string
	for _, f := range files {
		names = append(names, f.Name)
	}
	if err := CheckTargets(dir, names, force); err != nil {
		return err
	}
	for _, f := range files {
		if err := writeAtomic(filepath.Join(dir, f.Name), f.Data, f.Mode, force); err != nil {
			return err
		}
	}
	return nil
}

// CheckTargets creates dir if missing and makes sure every name in it can
// be written: all the refusals WriteFiles could meet, found before any key
// is generated or any file written.
func CheckTargets(dir string, names []string, force bool) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fileError(err, dir)
	}
	var existing []string
	for _, n := range names {
		err := safeio.CheckWritable(filepath.Join(dir, n), force)
		if bberr.CodeOf(err) == bberr.Usage && !force {
			existing = append(existing, n)
			continue
		}
		if err != nil {
			return err
		}
	}
	if len(existing) > 0 {
		return bberr.New(bberr.Usage, "use another --out directory, --ca-dir to reuse an existing CA, or --force to replace the files",
			"%s already has %s: not overwriting", dir, strings.Join(existing, ", "))
	}
	return nil
}

func writeAtomic(path string, data []byte, mode fs.FileMode, force bool) error {
	err := safeio.WriteFile(path, data, mode, force)
	if bberr.CodeOf(err) == bberr.Usage {
		return bberr.New(bberr.Usage, "use --force to replace it", "%s already exists: not overwriting", path)
	}
	return err
}

func fileError(err error, path string) error {
	if errors.Is(err, fs.ErrPermission) {
		return bberr.Wrap(err, bberr.Permission, fmt.Sprintf("choose a directory you can write, or fix the permissions of %s", path), "cannot write %s", path)
	}
	return bberr.Wrap(err, bberr.BadInput, "check the --out path", "cannot write %s", path)
}
