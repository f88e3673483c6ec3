package daemon

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/sim"
)

// The first attached client holds the keyboard: its writes reach the
// board, the second's do not; when the first leaves, the second gets it.
func TestAttachKeyboard(t *testing.T) {
	b, path := simBoard(t, sim.Options{Flash: sim.FactoryImage()})
	_, c, _ := startDaemon(t, Config{Boards: []BoardConfig{simConfig("d1", path, b)}})
	waitState(t, c, "d1", StateRunning)
	ctx := context.Background()
	m1, err := c.Attach(ctx, "d1", 115200)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := c.Attach(ctx, "d1", 115200)
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Close()
	readUntil(t, m2, "tick", 5*time.Second)
	if _, err := m2.Write([]byte("from-second")); err != nil {
		t.Fatal(err)
	}
	if _, err := m1.Write([]byte("from-first")); err != nil {
		t.Fatal(err)
	}
	got := readUntil(t, m2, `rx 10 bytes: "from-first"`, 5*time.Second)
	if bytes.Contains(got, []byte("from-second")) {
		t.Fatalf("the second client's bytes reached the board: %q", got)
	}
	m1.Close()
	// The keyboard passes to the one still attached.
	if !eventually(5*time.Second, func() bool {
		s, _ := c.Boards(ctx)
		return s[0].Attached == 1
	}) {
		t.Fatal("first client still attached")
	}
	if _, err := m2.Write([]byte("now-second")); err != nil {
		t.Fatal(err)
	}
	readUntil(t, m2, `rx 10 bytes: "now-second"`, 5*time.Second)
}
