package flash

import (
	"context"
	"testing"

	"github.com/blynkbridge/blynkbridge/sim"
)

// FullWriteBytes predicts exactly what a full write sends (the baseline of
// the "fraction of a full flash" that --config-only reports).
func TestFullWriteBytesMatchesAWrite(t *testing.T) {
	b := newBoard(t, sim.Options{Boot: sim.BootRun})
	var lb logBuf
	f := hostFlasher(t, b, fastOpts(&lb), nil)
	for _, c := range []struct {
		off uint32
		n   int
	}{{0, 5168}, {0x1000, 4096}, {0x10000, 1}, {0x20010, 5000}, {0x30000, 3 * 4096}} {
		res, err := f.Write(context.Background(), randImage(c.n, uint64(c.n)), WriteOptions{Offset: c.off})
		if err != nil {
			t.Fatal(err)
		}
		if got := FullWriteBytes(c.off, c.n); got != res.Bytes || res.Retries != 0 {
			t.Errorf("0x%x+%d: FullWriteBytes %d, the write sent %d (%d retries)", c.off, c.n, got, res.Bytes, res.Retries)
		}
	}
	if FullWriteBytes(0, 0) != 0 || FullWriteBytes(0, 1025) != 2048 {
		t.Fatal("edge cases")
	}
}
