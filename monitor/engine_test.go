package monitor

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/decode"
	"github.com/blynkbridge/blynkbridge/serialio"
	"github.com/blynkbridge/blynkbridge/sim"
)

// received is everything an engine published, by kind. The collector here
// and the pty rig (e2e_test.go) both keep one.
type received struct {
	data   bytes.Buffer
	events []decode.Event
	notes  []string
}

func (r *received) add(it Item) {
	switch it.Kind {
	case ItemData:
		r.data.Write(it.Data)
	case ItemEvent:
		r.events = append(r.events, it.Event)
	case ItemNote:
		r.notes = append(r.notes, it.Note)
	}
}

// collector drains an engine in the background, keeping everything it got.
type collector struct {
	received
	done chan struct{}
	got  chan struct{}
}

func collect(ctx context.Context, e *Engine) *collector {
	c := &collector{done: make(chan struct{}), got: make(chan struct{}, 1)}
	go func() {
		defer close(c.done)
		for {
			items, err := e.Wait(ctx)
			if err != nil {
				return
			}
			for _, it := range items {
				c.add(it)
			}
			select {
			case c.got <- struct{}{}:
			default:
			}
		}
	}()
	return c
}

// waitFor polls cond (evaluated on the collector goroutine's results after it
// has finished, so only call cond after stopping) - here we simply poll the
// engine's status and the shared state under a short deadline.
// patience bounds waits for what must happen: long enough for -race under
// two CPU hogs (the CI's pty step), reached only when something is broken.
// No test here asserts how long anything takes.
const patience = 30 * time.Second

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// running is an engine whose Run goroutine and collector are started by
// start and ended by stop.
type running struct {
	ctx    context.Context
	cancel context.CancelFunc
	runErr chan error
	c      *collector
}

func start(e *Engine) *running {
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{ctx: ctx, cancel: cancel, runErr: make(chan error, 1)}
	go func() { r.runErr <- e.Run(ctx) }()
	r.c = collect(ctx, e)
	return r
}

// stop cancels the engine, requires Run to end without error, and waits for
// the collector so its results can be read without a race.
func (r *running) stop(t *testing.T) {
	t.Helper()
	r.cancel()
	if err := <-r.runErr; err != nil {
		t.Fatal(err)
	}
	<-r.c.done
}

func newBoard(t *testing.T, boot sim.BootMode) *sim.Board {
	t.Helper()
	b, err := sim.New(sim.Options{Boot: boot, Flash: testFlash()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// In-process: the engine sees the boot, a reset it causes switches to the
// ROM baud (so the banner decodes as text, not garbage) and back, and every
// byte received is in the ring and the raw log.
func TestEngineResetReadsBannerAtROMBaud(t *testing.T) {
	b := newBoard(t, sim.BootRun)
	var raw bytes.Buffer
	e := New(Options{
		Open:    func(context.Context) (serialio.Port, error) { return b.HostPort(), nil },
		Decoder: decode.New(decode.Options{}),
		RawLog:  &raw,
	})
	run := start(e)
	defer run.cancel()
	c := run.c

	waitUntil(t, "connected", func() bool { return e.Status().Connected })
	if err := e.Reset(run.ctx, false); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "app output after reset", func() bool { return e.Status().BytesIn > 200 })
	time.Sleep(200 * time.Millisecond)
	run.stop(t)
	var banner bool
	for _, ev := range c.events {
		if ev.Kind == decode.KindROMBanner && ev.Fields["rst_cause"] == "2" {
			banner = true
		}
	}
	if !banner {
		t.Fatalf("no rst cause:2 banner event after reset; data:\n%q", c.data.String())
	}
	if got := e.Scrollback(); !bytes.Equal(got, c.data.Bytes()) {
		t.Fatalf("scrollback (%d) differs from published data (%d)", len(got), c.data.Len())
	}
	if !strings.Contains(raw.String(), "rst cause:2") || !strings.Contains(raw.String(), "] -- reset into the sketch") {
		t.Fatalf("raw log lacks the banner or the reset note:\n%s", raw.String())
	}
	// Every event's Raw concatenated is every byte received (decode's
	// conservation property seen through the engine).
	var cat strings.Builder
	for _, ev := range c.events {
		cat.WriteString(ev.Raw)
	}
	if cat.String() != c.data.String() {
		t.Fatalf("events cover %d bytes, data is %d", cat.Len(), c.data.Len())
	}
}

// Over a real pty: unplugging the board ends the session with a gap note,
// and the engine reopens the same --link path when the board comes back.
func TestEngineReconnectsAfterUnplugOverPTY(t *testing.T) {
	b := newBoard(t, sim.BootRun)
	link := filepath.Join(t.TempDir(), "d1")
	if _, err := b.AttachPTY(link); err != nil {
		t.Fatal(err)
	}
	open := func(ctx context.Context) (serialio.Port, error) { return serialio.Open(ctx, link, 115200) }
	e := New(Options{Open: open, Reconnect: true, ReconnectPoll: 20 * time.Millisecond})
	run := start(e)
	defer run.cancel()
	waitUntil(t, "connected", func() bool { return e.Status().Connected })
	waitUntil(t, "some bytes", func() bool { return e.Status().BytesIn > 0 })
	b.Unplug()
	waitUntil(t, "disconnect noticed", func() bool { return !e.Status().Connected })
	if err := b.Replug(); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "reconnected", func() bool { s := e.Status(); return s.Connected && s.Gaps == 1 })
	before := e.Status().BytesIn
	waitUntil(t, "bytes after replug", func() bool { return e.Status().BytesIn > before })
	run.stop(t)
	joined := strings.Join(run.c.notes, "\n")
	if !strings.Contains(joined, "unplugged") || !strings.Contains(joined, "board back after") {
		t.Fatalf("notes: %s", joined)
	}
}

// Without Reconnect, an unplug ends Run with an Unplugged error, not a hang.
func TestEngineUnplugWithoutReconnect(t *testing.T) {
	b := newBoard(t, sim.BootRun)
	e := New(Options{Open: func(context.Context) (serialio.Port, error) { return b.HostPort(), nil }})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	runErr := make(chan error, 1)
	go func() { runErr <- e.Run(ctx) }()
	go func() {
		for {
			if _, err := e.Wait(ctx); err != nil {
				return
			}
		}
	}()
	waitUntil(t, "connected", func() bool { return e.Status().Connected })
	b.Unplug()
	err := <-runErr
	if !errors.Is(err, serialio.ErrUnplugged) {
		t.Fatalf("Run = %v, want ErrUnplugged", err)
	}
}

// Borrow pauses reading, lends the port, and resumes: bytes after the
// borrow are read again.
func TestEngineBorrow(t *testing.T) {
	b := newBoard(t, sim.BootRun)
	e := New(Options{Open: func(context.Context) (serialio.Port, error) { return b.HostPort(), nil }})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go e.Run(ctx)
	c := collect(ctx, e)
	waitUntil(t, "connected", func() bool { return e.Status().Connected })
	var lent bool
	err := e.Borrow(ctx, "test", func(ctx context.Context, p serialio.Port) error {
		lent = e.Status().Lent
		return p.SetBaud(460800)
	})
	if err != nil || !lent {
		t.Fatalf("borrow: %v lent=%v", err, lent)
	}
	if e.Status().Lent {
		t.Fatal("still lent")
	}
	n := e.Status().BytesIn
	waitUntil(t, "reading resumed", func() bool { return e.Status().BytesIn > n })
	cancel()
	<-c.done
	if !strings.Contains(strings.Join(c.notes, "\n"), "port lent to test") {
		t.Fatal(c.notes)
	}
}

func TestRawLogFormat(t *testing.T) {
	var buf bytes.Buffer
	l := NewRawLog(&buf)
	t0 := time.Date(2026, 11, 28, 10, 0, 0, 5e6, time.UTC)
	l.Write(t0, []byte("ab"))
	l.Write(t0.Add(time.Second), []byte("c\nd\n"))
	l.Note(t0, "reset")
	l.Flush()
	want := "[2026-11-28 10:00:00.005] abc\n[2026-11-28 10:00:01.005] d\n[2026-11-28 10:00:00.005] -- reset\n"
	if buf.String() != want {
		t.Fatalf("%q", buf.String())
	}
	_ = os.Stdout
}
