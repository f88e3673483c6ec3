package flash

import (
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/blynkbridge/blynkbridge/flash/rom"
)

// tracer writes every packet, line and baud change for bug reports
// (--trace). One line per event: seconds since start, direction, opcode,
// length and the unframed packet in hex. A nil *tracer does nothing.
type tracer struct {
	mu    sync.Mutex
	w     io.Writer
	start time.Time
}

func newTracer(w io.Writer) *tracer {
	if w == nil {
		return nil
	}
	return &tracer{w: w, start: time.Now()}
}

func (t *tracer) stamp() string {
	return fmt.Sprintf("%10.6f", time.Since(t.start).Seconds())
}

func (t *tracer) packet(dir string, op rom.Op, pkt []byte) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.w, "%s %s %-13s %5d % X\n", t.stamp(), dir, op, len(pkt), pkt)
}

func (t *tracer) junk(b []byte) {
	if t == nil || len(b) == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.w, "%s <- %-13s %5d %s\n", t.stamp(), "raw", len(b), strconv.Quote(string(b)))
}

func (t *tracer) note(format string, args ...any) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.w, "%s -- %s\n", t.stamp(), fmt.Sprintf(format, args...))
}
