package sim

import (
	"context"
	"sync"
	"time"
)

// sameRate reports whether two UARTs at these rates understand each other:
// a receiver samples mid-bit, so ~2 % total error over a 10-bit frame is
// still read correctly.
func sameRate(a, b int) bool {
	if a <= 0 || b <= 0 {
		return true
	}
	d := a - b
	if d < 0 {
		d = -d
	}
	return d*100 <= 2*max(a, b)
}

// Resample returns what a UART receiving at rxBaud reads from bytes sent
// back-to-back as 8N1 at txBaud: the line idles high, each frame is a low
// start bit, 8 data bits LSB first and a high stop bit. The receiver waits
// for a falling edge, samples the middle of each of its own bit times, and
// delivers a byte per start bit, framing errors included (a Linux tty in raw
// mode passes such bytes through). With equal rates (within 2 %) the bytes
// come back unchanged.
func Resample(p []byte, txBaud, rxBaud int) []byte {
	if len(p) == 0 || sameRate(txBaud, rxBaud) {
		return append([]byte(nil), p...)
	}
	nbits := 10 * len(p)
	bit := func(i int) bool { // line level during sender bit i; idle high outside
		if i < 0 || i >= nbits {
			return true
		}
		k := i % 10
		switch k {
		case 0:
			return false
		case 9:
			return true
		default:
			return p[i/10]>>(k-1)&1 == 1
		}
	}
	tb := 1 / float64(txBaud) // sender bit time
	rb := 1 / float64(rxBaud) // receiver bit time
	level := func(t float64) bool { return bit(int(t / tb)) }
	var out []byte
	j := 0 // first sender bit index where a start edge may be
	for {
		// Hunt for a falling edge: a low bit right after a high one.
		for j < nbits && (bit(j) || !bit(j-1)) {
			j++
		}
		if j >= nbits {
			return out
		}
		start := float64(j) * tb
		if level(start + rb/2) { // glitch shorter than half a bit: not a start
			j++
			continue
		}
		var v byte
		for k := 0; k < 8; k++ {
			if level(start + (float64(k)+1.5)*rb) {
				v |= 1 << k
			}
		}
		out = append(out, v)
		// Resume hunting after the stop bit's sample point.
		stop := start + 9.5*rb
		j = int(stop/tb) + 1
	}
}

// wire is one direction of a UART line with the timing model on. Bytes are
// booked on the line when the sender hands them over, after whatever is
// already booked (a line is never in the past: an idle line starts at the
// hand-over), and each piece is delivered only once its last bit would have
// arrived at the receiver. One timer serves the whole queue, so pieces that
// fall due together go out together (no sleep per byte or per write), and a
// timer that fires late delays that delivery but never moves the schedule:
// the long-run rate is exactly the line rate and nothing arrives early.
type wire struct {
	deliver func(p []byte, baud int) // called in order, never concurrently

	mu      sync.Mutex
	free    time.Time // when the last booked bit has left the line
	q       []piece
	armed   bool // the timer will run deliverDue
	running bool // deliverDue is delivering (it re-arms when done)
	stopped bool
	timer   *time.Timer
}

// piece is a slice of a write with the instant its last bit arrives.
type piece struct {
	p    []byte
	baud int
	due  time.Time
}

// pieceTime bounds a piece's wire time, so a long burst reaches the host
// progressively (as a USB-serial bridge forwards it) rather than at its end.
const pieceTime = time.Millisecond

func newWire(deliver func(p []byte, baud int)) *wire { return &wire{deliver: deliver} }

// byteTime is the wire time of n bytes at baud (8N1: 10 bits per byte),
// rounded up so rounding never makes a byte early.
func byteTime(n, baud int) time.Duration {
	num := int64(n) * 10 * int64(time.Second)
	return time.Duration((num + int64(baud) - 1) / int64(baud))
}

// book puts p on the line at baud (p is copied) and returns when the line
// will be free again.
func (w *wire) book(p []byte, baud int) time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := time.Now()
	if w.stopped || len(p) == 0 || baud <= 0 {
		return now
	}
	if w.free.Before(now) {
		w.free = now
	}
	start := w.free
	per := max(16, int(int64(baud)/10*int64(pieceTime)/int64(time.Second)))
	for off := 0; off < len(p); off += per {
		end := min(off+per, len(p))
		w.q = append(w.q, piece{p: append([]byte(nil), p[off:end]...), baud: baud, due: start.Add(byteTime(end, baud))})
	}
	w.free = start.Add(byteTime(len(p), baud))
	w.armLocked(now)
	return w.free
}

// armLocked starts the timer for the queue head unless a delivery run or a
// timer is already pending (either re-arms when it is done).
func (w *wire) armLocked(now time.Time) {
	if w.armed || w.running || w.stopped || len(w.q) == 0 {
		return
	}
	w.armed = true
	d := w.q[0].due.Sub(now)
	if w.timer == nil {
		w.timer = time.AfterFunc(d, w.deliverDue)
	} else {
		w.timer.Reset(d)
	}
}

// deliverDue hands every piece whose time has come to deliver, merging
// neighbours of one rate into one call.
func (w *wire) deliverDue() {
	w.mu.Lock()
	w.armed = false
	if w.running {
		w.mu.Unlock()
		return
	}
	w.running = true
	for !w.stopped {
		now := time.Now()
		i := 0
		for i < len(w.q) && !w.q[i].due.After(now) {
			i++
		}
		if i == 0 {
			break
		}
		ready := w.q[:i:i]
		w.q = w.q[i:]
		w.mu.Unlock()
		for len(ready) > 0 {
			buf, baud := ready[0].p, ready[0].baud
			k := 1
			for ; k < len(ready) && ready[k].baud == baud; k++ {
				buf = append(buf, ready[k].p...)
			}
			ready = ready[k:]
			w.deliver(buf, baud)
		}
		w.mu.Lock()
	}
	w.running = false
	w.armLocked(time.Now())
	w.mu.Unlock()
}

// hold keeps the line quiet until d from now: the chip is busy (the ROM
// erasing or programming flash) and answers only after. Booking the work on
// the line, instead of sleeping through it and then booking the answer,
// saves a timer wake-up per exchange, which a stop-and-wait flasher pays on
// every block. Output already booked drains meanwhile, as the UART FIFO does
// while the CPU works.
func (w *wire) hold(d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if t := time.Now().Add(d); t.After(w.free) {
		w.free = t
	}
}

// ahead is how long the line stays busy with what is booked.
func (w *wire) ahead() time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return time.Until(w.free)
}

// drop discards what is not delivered yet (a reset kills the UART's FIFO
// mid-byte) and returns the number of bytes dropped.
func (w *wire) drop() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, pc := range w.q {
		n += len(pc.p)
	}
	w.q = nil
	if now := time.Now(); w.free.After(now) {
		w.free = now
	}
	return n
}

// stop drops what is pending and delivers nothing more.
func (w *wire) stop() {
	w.mu.Lock()
	w.stopped = true
	w.q = nil
	if w.timer != nil {
		w.timer.Stop()
	}
	w.mu.Unlock()
}

// waitAhead blocks while more than window of wire time is booked ahead:
// a sender that outruns the line waits, as one waits for room in a UART's
// TX FIFO. Waking late only shortens the next wait; the schedule holds.
func (w *wire) waitAhead(ctx context.Context, window time.Duration) error {
	if d := w.ahead() - window; d > 0 {
		return sleepCtx(ctx, d)
	}
	return ctx.Err()
}

// txWindow is how far ahead of the line a sender may write before it
// waits: the ESP8266 UART's 128-byte TX FIFO, but at least a few timer
// ticks, so that coarse wake-ups on a loaded machine never leave a busy
// line idle.
func txWindow(baud int) time.Duration {
	return max(byteTime(128, baud), 4*time.Millisecond)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
