package profiles

import (
	"os"
	"path/filepath"
)

// writeHook writes data to the temp file. Tests replace it to simulate a
// crash (or a full disk) in the middle of a write.
var writeHook = func(f *os.File, data []byte) error {
	_, err := f.Write(data)
	return err
}

// WriteFileAtomic replaces path with data so that a reader (or a crash at
// any moment) sees either the old file or the new one, never a mix: write a
// temp file in the same directory (same filesystem, so rename is atomic),
// set its mode, fsync it, rename it over path, then fsync the directory so
// the rename itself survives a power cut.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	// CreateTemp makes 0600 already; Chmod states the intent and applies a
	// caller's perm on systems where the umask changed it.
	if err = tmp.Chmod(perm); err != nil {
		return err
	}
	if err = writeHook(tmp, data); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	syncDir(dir)
	return nil
}

// syncDir makes a rename durable. Not all systems can fsync a directory
// (Windows cannot open one); the rename is still atomic there.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}
