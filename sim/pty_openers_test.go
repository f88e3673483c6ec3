//go:build linux

// Linux only: the sim watches the pty with inotify there.

package sim

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// A host that opens the port twice in a row (serialio.Open does: a lock fd
// and the serial fd) and closes one still gets the output: inotify merges
// the two unread IN_OPEN events into one, and the sim must not then take
// the close for the last one.
func TestPTYOutputKeptForRemainingOpener(t *testing.T) {
	b, err := New(Options{Flash: FactoryImage()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	link := filepath.Join(t.TempDir(), "d1")
	if _, err := b.AttachPTY(link); err != nil {
		t.Fatal(err)
	}
	p, err := filepath.EvalSymlinks(link)
	if err != nil {
		t.Fatal(err)
	}
	fd1, err := unix.Open(p, unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(fd1), p)
	defer f.Close()
	fd2, err := unix.Open(p, unix.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // both IN_OPENs queued, unread
	unix.Close(fd2)
	time.Sleep(50 * time.Millisecond)
	b.PressReset()
	buf := make([]byte, 4096)
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if n, _ := f.Read(buf); n > 0 {
			return
		}
	}
	t.Fatal("output dropped while a host still has the port open")
}
