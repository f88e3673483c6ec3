package daemon

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/serialio"
	"github.com/blynkbridge/blynkbridge/sim"
)

// With no boards given, the daemon adopts every likely board as it
// appears (the listing is faked: no USB board on a test machine; the board
// itself is a sim on a real pty), named after its node, and only once.
func TestDiscover(t *testing.T) {
	b, err := sim.New(sim.Options{Flash: sim.FactoryImage()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	link := filepath.Join(t.TempDir(), "ttyUSB7")
	if _, err := b.AttachPTY(link); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var ports []serialio.PortInfo
	list := func() ([]serialio.PortInfo, error) {
		mu.Lock()
		defer mu.Unlock()
		return append([]serialio.PortInfo{{Path: "/dev/ttyS0", Identity: serialio.Identity{Path: "/dev/ttyS0"}}}, ports...), nil
	}
	_, c, _ := startDaemon(t, Config{List: list})
	time.Sleep(300 * time.Millisecond)
	if bs, _ := c.Boards(context.Background()); len(bs) != 0 {
		t.Fatalf("adopted a port that is not a likely board: %+v", bs)
	}
	mu.Lock()
	ports = []serialio.PortInfo{{Path: link, Likely: true, Board: "WeMos D1 mini", Identity: serialio.Identity{Path: link}}}
	mu.Unlock()
	waitState(t, c, "ttyUSB7", StateRunning)
	time.Sleep(500 * time.Millisecond) // more discovery rounds: still one board
	if bs, _ := c.Boards(context.Background()); len(bs) != 1 {
		t.Fatalf("boards: %+v", bs)
	}
}
