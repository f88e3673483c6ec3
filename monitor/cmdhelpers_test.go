package monitor

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/serialio"
	"github.com/blynkbridge/blynkbridge/sim"
)

// --image picks its offset: an explicit --offset (hex or decimal), else 0x0
// for the Arduino layout (eboot + sketch), 0x1000 for a sketch alone.
func TestLoadImageOffset(t *testing.T) {
	dir := t.TempDir()
	full := testFlash()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	layout, sketch := write("full.bin", full), write("sketch.bin", full[0x1000:])
	for _, tc := range []struct {
		path, offset string
		want         uint32
	}{
		{layout, "", 0}, {layout, "0x2000", 0x2000}, {layout, "4096", 4096},
	} {
		img, off, err := LoadImage(tc.path, tc.offset)
		if err != nil || off != tc.want || len(img) == 0 {
			t.Errorf("LoadImage(%s, %q) = %d bytes at %#x, %v; want offset %#x", filepath.Base(tc.path), tc.offset, len(img), off, err, tc.want)
		}
	}
	if _, off, err := LoadImage(sketch, ""); err != nil || off != 0x1000 {
		t.Errorf("sketch alone: offset %#x, %v; want 0x1000", off, err)
	}
	if _, _, err := LoadImage(layout, "x12"); err == nil {
		t.Error("bad --offset accepted")
	}
	if _, _, err := LoadImage(filepath.Join(dir, "missing.bin"), ""); err == nil {
		t.Error("a missing file read fine")
	}
}

// PrintItems prints the board's lines as they come and, when the engine
// stops (here: unplugged without --reconnect), the diagnosis.
func TestPrintItemsUntilEngineStops(t *testing.T) {
	for _, asJSON := range []bool{false, true} {
		b := newBoard(t, sim.BootRun)
		e := New(Options{Open: func(context.Context) (serialio.Port, error) { return b.HostPort(), nil }})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		go func() { _ = e.Run(ctx) }()
		var out strings.Builder
		done := make(chan error, 1)
		go func() { done <- PrintItems(ctx, &out, e, asJSON, nil) }()
		waitUntil(t, "output", func() bool { return e.Status().BytesIn > 0 })
		b.Unplug()
		if err := <-done; err == nil {
			t.Fatal("PrintItems returned nil after the board went away")
		}
		if out.Len() == 0 || asJSON && !strings.Contains(out.String(), `"v":1`) {
			t.Errorf("json %v: output %q", asJSON, out.String())
		}
	}
}
