package sim

import (
	"bytes"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/flash/rom"
	"github.com/blynkbridge/blynkbridge/serialio"
)

func newBoard(t *testing.T, opts Options) *Board {
	t.Helper()
	b, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// readUntil reads from p until want appears or d passes; it returns all
// bytes read.
func readUntil(t *testing.T, p serialio.Port, want string, d time.Duration) []byte {
	t.Helper()
	var got []byte
	deadline := time.Now().Add(d)
	p.SetReadTimeout(20 * time.Millisecond)
	buf := make([]byte, 4096)
	for time.Now().Before(deadline) {
		n, err := p.Read(buf)
		got = append(got, buf[:n]...)
		if bytes.Contains(got, []byte(want)) {
			return got
		}
		if err != nil {
			t.Fatalf("read: %v (got %q)", err, got)
		}
	}
	t.Fatalf("did not see %q within %v; got %q", want, d, got)
	return nil
}

// cleanReset resets the board through EN with nothing stale left in p: EN
// is held low while p's input is cleared, so no output of the old boot can
// land after the clear (a PressReset after a ResetInput races with it), and
// the new boot starts when EN is released.
func cleanReset(b *Board, p serialio.Port) {
	b.SetLines(false, true)
	p.ResetInput()
	b.SetLines(false, false)
}

// readFor collects everything p delivers during d.
func readFor(p serialio.Port, d time.Duration) []byte {
	var got []byte
	deadline := time.Now().Add(d)
	p.SetReadTimeout(10 * time.Millisecond)
	buf := make([]byte, 4096)
	for time.Now().Before(deadline) {
		n, err := p.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			break
		}
	}
	return got
}

func waitState(t *testing.T, b *Board, want State) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for b.State() != want {
		if time.Now().After(deadline) {
			t.Fatalf("state %v, want %v", b.State(), want)
		}
		time.Sleep(time.Millisecond)
	}
}

// host is a tiny test-side ROM client over any serialio.Port.
type host struct {
	t   *testing.T
	p   serialio.Port
	dec rom.Decoder
	q   [][]byte
}

func (h *host) send(op rom.Op, data []byte, chk uint32) {
	h.t.Helper()
	if _, err := h.p.Write(rom.Encode(rom.Request{Op: op, Data: data, Checksum: chk}.Marshal())); err != nil {
		h.t.Fatal(err)
	}
}

// frame returns the next SLIP frame or fails after d.
func (h *host) frame(d time.Duration) []byte {
	h.t.Helper()
	deadline := time.Now().Add(d)
	buf := make([]byte, 4096)
	h.p.SetReadTimeout(10 * time.Millisecond)
	for len(h.q) == 0 {
		if time.Now().After(deadline) {
			h.t.Fatalf("no reply frame within %v", d)
		}
		n, err := h.p.Read(buf)
		if err != nil {
			h.t.Fatal(err)
		}
		for _, ev := range h.dec.Feed(buf[:n]) {
			if ev.Frame != nil {
				h.q = append(h.q, ev.Frame)
			}
		}
	}
	f := h.q[0]
	h.q = h.q[1:]
	return f
}

func (h *host) resp(d time.Duration) rom.Response {
	h.t.Helper()
	r, err := rom.ParseResponse(h.frame(d))
	if err != nil {
		h.t.Fatal(err)
	}
	return r
}

// cmd sends a request and returns the reply to that opcode, skipping
// stray frames (extra SYNC replies) as esptool does.
func (h *host) cmd(op rom.Op, data []byte, chk uint32) rom.Response {
	h.t.Helper()
	h.send(op, data, chk)
	for i := 0; i < 100; i++ {
		r := h.resp(2 * time.Second)
		if r.Op == op {
			return r
		}
	}
	h.t.Fatalf("no reply to %v", op)
	return rom.Response{}
}

func (h *host) sync() {
	h.t.Helper()
	h.send(rom.OpSync, rom.SyncPayload, 0)
	for i := 0; i < 8; i++ {
		r := h.resp(2 * time.Second)
		if r.Op != rom.OpSync || r.Value != rom.SyncValue {
			h.t.Fatalf("sync reply %d: %+v", i, r)
		}
	}
}

func (h *host) readReg(addr uint32) uint32 {
	h.t.Helper()
	r := h.cmd(rom.OpReadReg, rom.Words(addr), 0)
	if f, _ := r.Status(0); f != 0 {
		h.t.Fatalf("READ_REG 0x%08x failed: %x", addr, r.Data)
	}
	return r.Value
}

func okStatus(t *testing.T, r rom.Response) {
	t.Helper()
	if len(r.Data) != 2 || r.Data[0] != 0 {
		t.Fatalf("%v: status %x, want 00 00", r.Op, r.Data)
	}
}
