package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/decode"
	"github.com/blynkbridge/blynkbridge/flash"
	"github.com/blynkbridge/blynkbridge/monitor"
	"github.com/blynkbridge/blynkbridge/serialio"
	"github.com/blynkbridge/blynkbridge/sim"
)

// Two monitors attached to one board see the same stream; a flash borrows
// the port through the daemon (capture pauses, the journal says so) and
// the attached clients carry on after it.
func TestAttachTwoAndLendForFlash(t *testing.T) {
	b, path := simBoard(t, sim.Options{Flash: sim.FactoryImage()})
	d, c, logs := startDaemon(t, Config{Boards: []BoardConfig{simConfig("d1", path, b)}})
	waitState(t, c, "d1", StateRunning)

	ctx := context.Background()
	m1, err := c.Attach(ctx, "d1", 115200)
	if err != nil {
		t.Fatal(err)
	}
	defer m1.Close()
	m2, err := c.Attach(ctx, "d1", 115200)
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Close()
	a := readUntil(t, m1, "tick", 5*time.Second)
	readUntil(t, m2, "tick", 5*time.Second)
	_ = a
	if bs := waitState(t, c, "d1", StateRunning); bs.Attached != 2 {
		t.Errorf("attached = %d, want 2", bs.Attached)
	}

	// Flash through the daemon: the flasher's DTR/RTS reach the sim's reset
	// circuit through RFC 2217 and the daemon's reset recognizer.
	port, err := c.Lend(ctx, "d1", "flash", 115200, true)
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, c, "d1", StateFlashing)
	if _, err := c.Lend(ctx, "d1", "flash", 115200, true); err == nil || !strings.Contains(err.Error(), "lent to flash") {
		t.Fatalf("second lend: %v, want busy", err)
	}
	f, err := flash.New(port, flash.Options{After: flash.StayInLoader})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Connect(ctx); err != nil {
		t.Fatalf("connect through the daemon: %v\n%s", err, logs.String())
	}
	img := make([]byte, 8<<10)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range img {
		img[i] = byte(r.Uint32())
	}
	if _, err := f.Write(ctx, append([]byte(nil), img...), flash.WriteOptions{Offset: 0x200000}); err != nil {
		t.Fatal(err)
	}
	if err := f.Finish(ctx); err != nil { // stays in the loader: the daemon resets
		t.Fatal(err)
	}
	port.Close()
	if !bytes.Equal(b.FlashContents()[0x200000:0x200000+len(img)], img) {
		t.Fatal("flash content differs")
	}
	waitState(t, c, "d1", StateRunning)
	// Attached monitors carry on.
	readUntil(t, m1, "tick", 10*time.Second)
	readUntil(t, m2, "tick", 10*time.Second)

	jr := filepath.Join(d.cfg.LogDir, "d1", "journal.jsonl")
	text := fileHas(t, jr, "port lent to flash (pid ", "done; monitoring again")
	for i, line := range strings.Split(strings.TrimSpace(text), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil || m["v"] != 1.0 {
			t.Fatalf("journal line %d not a v1 record: %q", i+1, line)
		}
	}
	fileHas(t, filepath.Join(d.cfg.LogDir, "d1", "raw.log"), "] tick", "-- port lent to flash")
	if fi, err := os.Stat(d.Socket()); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode: %v %v", fi.Mode(), err)
	}
}

// The flash key of a monitor attached through the daemon: the client's
// engine borrows the port, which for an attached view is an exclusive loan
// from the daemon (serialio.Lender); the engine's own hard reset and ROM
// window then run over the loan, and the client reads the new boot.
func TestAttachedMonitorFlashes(t *testing.T) {
	b, path := simBoard(t, sim.Options{Flash: sim.FactoryImage()})
	d, c, logs := startDaemon(t, Config{Boards: []BoardConfig{simConfig("d1", path, b)}})
	waitState(t, c, "d1", StateRunning)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	eng := monitor.New(monitor.Options{Open: func(ctx context.Context) (serialio.Port, error) {
		ap, err := c.Attach(ctx, "d1", 115200)
		if err != nil {
			return nil, err
		}
		return ap, nil
	}, Decoder: decode.New(decode.Options{})})
	go func() { _ = eng.Run(ctx) }()
	var mu sync.Mutex
	var kinds []string
	go func() {
		for {
			items, err := eng.Wait(ctx)
			mu.Lock()
			for _, it := range items {
				if it.Kind == monitor.ItemEvent {
					kinds = append(kinds, string(it.Event.Kind)+" "+it.Event.Raw)
				}
			}
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	seen := func(s string) bool {
		mu.Lock()
		defer mu.Unlock()
		for _, k := range kinds {
			if strings.Contains(k, s) {
				return true
			}
		}
		return false
	}
	if !eventually(5*time.Second, func() bool { return seen("tick") }) {
		t.Fatal("attached engine saw no tick")
	}
	img := make([]byte, 4<<10)
	for i := range img {
		img[i] = byte(i * 7)
	}
	mu.Lock()
	kinds = nil
	mu.Unlock()
	if _, err := eng.Flash(ctx, monitor.FlashRequest{Image: img, Offset: 0x200000, Options: flash.Options{After: flash.HardReset}}); err != nil {
		t.Fatalf("flash from the attached monitor: %v\n%s", err, logs.String())
	}
	if !bytes.Equal(b.FlashContents()[0x200000:0x200000+len(img)], img) {
		t.Fatal("flash content differs")
	}
	if !eventually(5*time.Second, func() bool { return seen("rst cause:2, boot mode:(3,6)") && seen("tick") }) {
		mu.Lock()
		t.Fatalf("no new boot after the flash: %q", kinds)
	}
	fileHas(t, filepath.Join(d.cfg.LogDir, "d1", "journal.jsonl"), "port lent to the flasher (pid ")
}
