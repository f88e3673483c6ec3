package relay

import (
	"context"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/sim"
)

// PortOpener opens the resolved port first, then resolves the same board
// again on every later call (after an unplug it may have a new name).
func TestPortOpenerReopens(t *testing.T) {
	b, err := sim.New(sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	path, err := b.AttachPTY("")
	if err != nil {
		t.Fatal(err)
	}
	open, err := PortOpener(path, 115200)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range 2 {
		p, err := open(ctx)
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		if p.Baud() != 115200 {
			t.Errorf("open %d: baud %d", i, p.Baud())
		}
		p.Close()
	}
	if _, err := PortOpener("/dev/blynkbridge-no-such-port", 115200); err == nil {
		t.Error("a missing port resolved")
	}
}
