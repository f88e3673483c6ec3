//go:build unix

package monitor

import (
	"path/filepath"
	"syscall"
	"testing"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// TestOpenLogFileRefusals: --log in a missing directory is exit 9 (as for
// every file written), a FIFO is refused at once instead of blocking the
// open, and a new log is 0600.
func TestOpenLogFileRefusals(t *testing.T) {
	dir := t.TempDir()
	if _, err := OpenLogFile(filepath.Join(dir, "missing", "x.log"), 0, 0); bberr.CodeOf(err) != bberr.BadInput || bberr.HintOf(err) == "" {
		t.Fatalf("missing dir: %v (code %d)", err, bberr.CodeOf(err))
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenLogFile(fifo, 0, 0); bberr.CodeOf(err) != bberr.BadInput {
		t.Fatalf("fifo: %v", err)
	}
	l, err := OpenLogFile(filepath.Join(dir, "ok.log"), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
}
