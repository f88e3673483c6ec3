package sim

import (
	"runtime"
	"testing"
	"time"
)

// Close must stop everything the board started: boots, pumps, pty
// reader/writer and the inotify poller.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	for i := 0; i < 3; i++ {
		b, err := New(Options{Boot: BootRun, Flash: arduinoFlash(t)})
		if err != nil {
			t.Fatal(err)
		}
		p := b.HostPort()
		if _, err := b.AttachPTY(""); err != nil {
			t.Fatal(err)
		}
		readUntil(t, p, "tick", time.Second)
		b.Unplug()
		b.Replug()
		b.Close()
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines before, %d after:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}
