package monitor

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/decode"
	"github.com/blynkbridge/blynkbridge/flash"
	"github.com/blynkbridge/blynkbridge/serialio"
	"github.com/blynkbridge/blynkbridge/sim"
)

// End-to-end tests: the simulated board on a real pseudo-terminal, opened
// with go.bug.st/serial through serialio.Open, its reset circuit reached
// through WithLines (a pty has no DTR/RTS). Timing model off.

// ptyRig is a board on a pty and an engine reading it, with every item
// folded into a tracker under a lock.
type ptyRig struct {
	b    *sim.Board
	e    *Engine
	link string

	mu sync.Mutex
	received
	tr        *Tracker
	firstBack time.Time // the first "board back" note
	done      chan struct{}
	cancel    context.CancelFunc
	runErr    chan error
}

func newPTYRig(t *testing.T, opts sim.Options, reconnect bool) *ptyRig {
	t.Helper()
	opts.PowerOff = true
	b, err := sim.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	r := &ptyRig{b: b, link: filepath.Join(t.TempDir(), "d1"), tr: NewTracker(), done: make(chan struct{}), runErr: make(chan error, 1)}
	if _, err := b.AttachPTY(r.link); err != nil {
		t.Fatal(err)
	}
	open := func(ctx context.Context) (serialio.Port, error) {
		p, err := serialio.Open(ctx, r.link, 115200)
		if err != nil {
			return nil, err
		}
		return WithLines(p, b.SetLines), nil
	}
	r.e = New(Options{Open: open, Decoder: decode.New(decode.Options{}), Reconnect: reconnect, ReconnectPoll: 20 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	t.Cleanup(func() { cancel(); <-r.done })
	go func() { r.runErr <- r.e.Run(ctx) }()
	go func() {
		defer close(r.done)
		for {
			items, err := r.e.Wait(ctx)
			r.mu.Lock()
			for _, it := range items {
				r.add(it)
				r.tr.Observe(it, r.e.Status())
				if it.Kind == ItemNote && r.firstBack.IsZero() && strings.HasPrefix(it.Note, "board back") {
					r.firstBack = it.Time
				}
			}
			r.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	waitUntil(t, "connected", func() bool { return r.e.Status().Connected })
	if err := r.e.Boot(ctx, "power on", func() error { b.PowerOn(); return nil }); err != nil {
		t.Fatal(err)
	}
	return r
}

// waitUntil is waitUntil with the rig's notes, status and state in the
// failure message.
func (r *ptyRig) waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	select {
	case err := <-r.runErr:
		t.Logf("Run ended: %v", err)
	default:
	}
	t.Fatalf("timed out waiting for %s; state %+v; status %+v; board %v; notes:\n%s", what, r.tr.State(), r.e.Status(), r.b.State(), strings.Join(r.notes, "\n"))
}

func (r *ptyRig) state() State {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.tr.State()
}

func (r *ptyRig) has(what string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Contains(r.data.String(), what) || strings.Contains(strings.Join(r.notes, "\n"), what)
}

// Reset to download mode and back, from the monitor, over the pty: the
// banner is read at 74880 and decoded, and the board state follows.
func TestE2EResetToDownloadAndBack(t *testing.T) {
	r := newPTYRig(t, sim.Options{Flash: testFlash()}, false)
	waitUntil(t, "running", func() bool { return r.state().Board == BoardRunning })
	ctx := context.Background()
	if err := r.e.Reset(ctx, true); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "download mode", func() bool { return r.state().Board == BoardDownload && r.b.State() == sim.Download })
	if !r.has("boot mode:(1,") {
		t.Fatalf("no download-mode banner in:\n%s", r.data.String())
	}
	if err := r.e.Reset(ctx, false); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "running again", func() bool { return r.state().Board == BoardRunning && r.b.State() == sim.Running })
	if !r.has("reset into download mode") || !r.has("reset into the sketch") {
		t.Fatalf("notes: %v", r.notes)
	}
}

// Unplug and replug: the state goes to unplugged, the engine waits for the
// same path, reconnects, and notes the gap.
func TestE2EUnplugReplugShowsGap(t *testing.T) {
	r := newPTYRig(t, sim.Options{Flash: testFlash()}, true)
	r.waitUntil(t, "running", func() bool { return r.state().Board == BoardRunning })
	unplugged := time.Now()
	r.b.Unplug()
	r.waitUntil(t, "unplugged", func() bool { return r.state().Board == BoardUnplugged })
	time.Sleep(100 * time.Millisecond)
	if err := r.b.Replug(); err != nil {
		t.Fatal(err)
	}
	// At least one gap: a loaded machine may see the unplug in two steps
	// (an EIO, then the path gone), which is not what this test is about.
	r.waitUntil(t, "reconnected", func() bool { s := r.e.Status(); return s.Connected && s.Gaps >= 1 })
	r.waitUntil(t, "gap note", func() bool { return r.has("board back after") })
	// The engine measures the gap from when it noticed the loss, which is
	// after the unplug, to the reopen, which is after the replug: positive
	// and no longer than the whole outage seen from here.
	if s := r.e.Status(); s.LastGap <= 0 || s.LastGap > time.Since(unplugged) {
		t.Fatalf("gap %s not within the outage (%s)", s.LastGap, time.Since(unplugged))
	}
	// The board boots again after the replug (power-on): running.
	r.waitUntil(t, "running after replug", func() bool { return r.state().Board == BoardRunning })
}

// Flash from inside the monitor, interrupted part-way, then resumed: the
// second write starts from the last confirmed sector, the flash ends up
// holding the image, and the monitor reads the new boot afterwards.
func TestE2EFlashInterruptedAndResumed(t *testing.T) {
	r := newPTYRig(t, sim.Options{Flash: testFlash()}, false)
	waitUntil(t, "running", func() bool { return r.state().Board == BoardRunning })
	img := append(testFlash(), make([]byte, 40<<10)...)
	rand.New(rand.NewSource(7)).Read(img[len(testFlash()):])
	state := t.TempDir()

	ctx, cancel := context.WithCancel(context.Background())
	req := FlashRequest{Image: img, Resume: true, Options: flash.Options{StateDir: state, Progress: func(done, total int) {
		if done >= 24<<10 {
			cancel() // the user pressed Ctrl-C (or the cable wobbled) mid-write
		}
	}}}
	_, err := r.e.Flash(ctx, req)
	var pe *flash.PartialError
	if err == nil || !errors.As(err, &pe) {
		t.Fatalf("interrupted flash: %v, want a PartialError", err)
	}
	if pe.Written().Len() == 0 {
		t.Fatalf("nothing confirmed before the interruption: %v", pe)
	}
	waitUntil(t, "monitoring again", func() bool { return !r.e.Status().Lent })

	req.Options.Progress = nil
	res, err := r.e.Flash(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if res.ResumedFrom == nil || *res.ResumedFrom == 0 {
		t.Fatalf("second write did not resume: %+v", res)
	}
	if got := r.b.FlashContents()[:len(img)]; !bytes.Equal(got, img) {
		t.Fatalf("flash does not hold the image after the resumed write; interrupted: %v; result %+v", pe, res)
	}
	// The hard reset after the write boots the board; the monitor reads it.
	waitUntil(t, "boot after flash", func() bool { return r.has("the flasher reset the board") && r.state().Board == BoardRunning })
}

// A flood through the pty: a sketch that prints 4 MB as fast as it can.
// Every byte arrives, in order (length and SHA-256 of the sketch's part).
func TestE2EFloodNoByteLost(t *testing.T) {
	const total = 4 << 20
	want := floodPattern(total)
	fw := sim.FirmwareFunc(func(ctx context.Context, dev sim.Device) error {
		dev.Begin(115200)
		if err := dev.Sleep(ctx, 50*time.Millisecond); err != nil {
			return err
		}
		for p := want; len(p) > 0; {
			n := min(len(p), 32<<10)
			if _, err := dev.Write(p[:n]); err != nil {
				return err
			}
			p = p[n:]
		}
		<-ctx.Done()
		return nil
	})
	r := newPTYRig(t, sim.Options{Flash: testFlash(), Firmware: func([]byte) sim.Firmware { return fw }}, false)
	deadline := time.Now().Add(20 * time.Second)
	for {
		r.mu.Lock()
		n := r.data.Len()
		got := append([]byte(nil), r.data.Bytes()...)
		r.mu.Unlock()
		if i := bytes.Index(got, want[:64]); i >= 0 && len(got)-i >= total {
			tail := got[i : i+total]
			if sha256.Sum256(tail) != sha256.Sum256(want) {
				t.Fatalf("flood arrived with different bytes (%d received)", len(got)-i)
			}
			if extra := len(got) - i - total; extra != 0 {
				t.Fatalf("%d bytes more than sent", extra)
			}
			st := r.e.Status()
			if st.BytesIn != int64(len(got)) {
				t.Fatalf("status counts %d bytes, consumer got %d", st.BytesIn, len(got))
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d bytes after 20 s", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// floodPattern is mixed log text: Blynk lines, Wi-Fi lines, binary noise.
func floodPattern(n int) []byte {
	var b bytes.Buffer
	rng := rand.New(rand.NewSource(42))
	for i := 0; b.Len() < n; i++ {
		switch i % 4 {
		case 0:
			fmt.Fprintf(&b, "[%d] Connecting to blynk.example.com:9443\r\n", i)
		case 1:
			fmt.Fprintf(&b, "[%d] Ready (ping: %dms).\r\n", i, i%97)
		case 2:
			fmt.Fprintf(&b, "wifi evt: %d\r\n", i%8)
		default:
			noise := make([]byte, 24)
			rng.Read(noise)
			b.Write(noise)
			b.WriteString("\r\n")
		}
	}
	return b.Bytes()[:n]
}
