package daemon

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/flash"
	"github.com/blynkbridge/blynkbridge/sim"
)

// Without a daemon the hooks step aside: ok false, no error, no output.
func TestHooksWithoutDaemon(t *testing.T) {
	t.Setenv("BLYNKBRIDGE_DAEMON_SOCKET", filepath.Join(t.TempDir(), "none.sock"))
	ctx := context.Background()
	if _, ok, err := MonitorOpener(ctx, "/dev/ttyUSB0", 115200); ok || err != nil {
		t.Errorf("MonitorOpener: ok %v, err %v", ok, err)
	}
	opts := flash.Options{After: flash.HardReset}
	if _, ok, err := LendPort(ctx, "/dev/ttyUSB0", 115200, &opts); ok || err != nil || opts.After != flash.HardReset {
		t.Errorf("LendPort: ok %v, err %v, after %v", ok, err, opts.After)
	}
	if _, ok, err := DecodeInput(ctx, "-"); ok || err != nil {
		t.Errorf("DecodeInput(-): ok %v, err %v", ok, err)
	}
	var b strings.Builder
	WritePortsNote(ctx, &b)
	if b.Len() != 0 {
		t.Errorf("ports note without a daemon: %q", b.String())
	}
}

// With a daemon that owns a board: the monitor attaches to its stream, the
// ports listing names it, and decode NAME reads its log.
func TestHooksThroughDaemon(t *testing.T) {
	b, path := simBoard(t, sim.Options{})
	_, c, _ := startDaemon(t, Config{Boards: []BoardConfig{simConfig("desk", path, b)}})
	t.Setenv("BLYNKBRIDGE_DAEMON_SOCKET", c.Socket)
	if !eventually(5*time.Second, func() bool {
		st, ok, _ := c.FindBoard(context.Background(), "desk")
		return ok && st.Connected
	}) {
		t.Fatal("the daemon never opened the board")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	open, ok, err := MonitorOpener(ctx, "desk", 115200)
	if !ok || err != nil {
		t.Fatalf("MonitorOpener: ok %v, err %v", ok, err)
	}
	p, err := open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p.Close()
	var note strings.Builder
	WritePortsNote(ctx, &note)
	if !strings.Contains(note.String(), "  desk  ") || !strings.Contains(note.String(), "go through it") {
		t.Errorf("ports note: %q", note.String())
	}
	r, ok, err := DecodeInput(ctx, "desk")
	if !ok || err != nil {
		t.Fatalf("DecodeInput(desk): ok %v, err %v", ok, err)
	}
	r.Close()
}
