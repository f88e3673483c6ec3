package daemon

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRotFileRotates(t *testing.T) {
	dir := t.TempDir()
	r := newRotFile(filepath.Join(dir, "raw.log"), 100, 2)
	for i := range 10 {
		fmt.Fprintf(r, "line %02d %s\n", i, strings.Repeat("x", 30))
	}
	r.Flush(0)
	r.Close()
	names, _ := filepath.Glob(filepath.Join(dir, "raw.log*"))
	if len(names) != 3 {
		t.Fatalf("files %v, want raw.log, .1, .2", names)
	}
	cur, _ := os.ReadFile(filepath.Join(dir, "raw.log"))
	if !strings.Contains(string(cur), "line 09") {
		t.Fatalf("newest file: %q", cur)
	}
	if fi, _ := os.Stat(filepath.Join(dir, "raw.log")); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode())
	}
}

// A full disk (/dev/full answers every write with ENOSPC) is reported and
// survived: bytes are held, never returned as an error, and written once
// the disk has room again.
func TestRotFileDiskFull(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full on this system")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "raw.log")
	if err := os.Symlink("/dev/full", path); err != nil {
		t.Fatal(err)
	}
	r := newRotFile(path, 0, 0)
	if n, err := r.Write([]byte("kept while the disk is full\n")); n != 28 || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	r.Flush(0)
	h := r.Health()
	if !strings.Contains(h.Error, "no space left") || h.Held != 28 || h.Since == "" {
		t.Fatalf("health %+v", h)
	}
	// Room again: the file is a real one now.
	r.mu.Lock()
	r.closeLocked()
	r.mu.Unlock()
	os.Remove(path)
	r.Flush(time.Second)
	h = r.Health()
	if h.Error != "" || h.Held != 0 || h.Written != 28 {
		t.Fatalf("after recovery %+v", h)
	}
	b, _ := os.ReadFile(path)
	if string(b) != "kept while the disk is full\n" {
		t.Fatalf("file %q", b)
	}
}
