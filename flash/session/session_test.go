package session

import (
	"context"
	"testing"

	"github.com/blynkbridge/blynkbridge/flash"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/sim"
)

type closer struct{ closed bool }

func (c *closer) Close() error { c.closed = true; return nil }

// Bad rates are refused before any port is touched, and what the caller
// handed over (a trace file) is closed also then.
func TestOpenRefusesBadRates(t *testing.T) {
	for _, c := range []struct {
		baud, flashBaud int
	}{{0, 0}, {-1, 0}, {115200, -5}} {
		cl := &closer{}
		_, err := Open(context.Background(), "/nonexistent", c.baud, flash.Options{FlashBaud: c.flashBaud}, cl)
		if bberr.CodeOf(err) != bberr.Usage || !cl.closed {
			t.Errorf("baud %d flash baud %d: %v, closed %v", c.baud, c.flashBaud, err, cl.closed)
		}
	}
}

// A session on a port opened elsewhere (the daemon's lent port) connects
// and closes what it was given.
func TestOnPortConnects(t *testing.T) {
	b, err := sim.New(sim.Options{Boot: sim.BootDownload})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	p := b.HostPort()
	cl := &closer{}
	s, err := OnPort(p, flash.Options{Before: flash.NoReset, After: flash.StayInLoader}, cl)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.F.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !s.F.Stub() {
		t.Fatal("the stub did not start on the sim")
	}
	s.Close()
	if !cl.closed {
		t.Fatal("closer not closed")
	}
}
