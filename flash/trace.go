package flash

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/blynkbridge/blynkbridge/flash/rom"
	"github.com/blynkbridge/blynkbridge/internal/secret"
)

// tracer writes every packet, line and baud change for bug reports
// (--trace). One line per event: seconds since start, direction, opcode,
// length and the unframed packet in hex. A nil *tracer does nothing.
//
// A trace is made to be attached to a bug report, so it never holds a
// secret the flasher knows of (see MaskedTrace): the auth token and WiFi
// password in FLASH_DATA payloads are masked byte for byte (0x2A, '*'),
// also when a block boundary splits one; compressed payloads, whose bytes
// would give the token back once inflated, are left out.
type tracer struct {
	mu      sync.Mutex
	w       io.Writer
	start   time.Time
	secrets []string
}

// maskedTrace is a trace writer with the secrets to keep out of it.
type maskedTrace struct {
	io.Writer
	secrets []string
}

// MaskedTrace wraps a --trace writer so the trace masks secrets (the token
// and WiFi password being flashed: firmware.Secrets of the image). Pass the
// result as Options.Trace. Without it a trace shows every byte.
func MaskedTrace(w io.Writer, secrets ...string) io.Writer {
	var keep []string
	for _, s := range secrets {
		if len(s) >= secret.MinMaskLen {
			keep = append(keep, s)
		}
	}
	return &maskedTrace{Writer: w, secrets: keep}
}

func newTracer(w io.Writer) *tracer {
	if w == nil {
		return nil
	}
	t := &tracer{w: w, start: time.Now()}
	if m, ok := w.(*maskedTrace); ok {
		// Text lines (junk from the board, notes) are masked as text too.
		t.secrets, t.w = m.secrets, &lineMasker{w: m.Writer, secrets: m.secrets}
	}
	return t
}

// lineMasker masks secrets in each whole line written to it.
type lineMasker struct {
	w       io.Writer
	secrets []string
}

func (l *lineMasker) Write(p []byte) (int, error) {
	if _, err := l.w.Write(secret.Mask(p, l.secrets...)); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (t *tracer) stamp() string {
	return fmt.Sprintf("%10.6f", time.Since(t.start).Seconds())
}

// dataHeader is the 8-byte command header plus the 16-byte data header
// (size, sequence, two zero words) before a block's payload.
const dataHeader = 8 + 16

func (t *tracer) packet(dir string, op rom.Op, pkt []byte) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	shown, note := t.mask(op, pkt)
	fmt.Fprintf(t.w, "%s %s %-13s %5d % X%s\n", t.stamp(), dir, op, len(pkt), shown, note)
}

// mask returns the packet as the trace may show it.
func (t *tracer) mask(op rom.Op, pkt []byte) ([]byte, string) {
	if len(t.secrets) == 0 {
		return pkt, ""
	}
	if op == rom.OpFlashDeflData && len(pkt) > dataHeader {
		return pkt[:dataHeader], fmt.Sprintf(" <%d compressed bytes left out: they may hold the token>", len(pkt)-dataHeader)
	}
	out := secret.Mask(pkt, t.secrets...)
	// A secret split by a block boundary: mask a tail of the payload that
	// begins a secret and a head that ends one, down to one byte (masking a
	// stray byte of a trace costs nothing; a token fragment would).
	for _, start := range []int{8, dataHeader} {
		if len(out) > start {
			maskEdges(out[start:], t.secrets)
		}
	}
	return out, ""
}

func maskEdges(b []byte, secrets []string) {
	for _, s := range secrets {
		for k := min(len(s)-1, len(b)); k >= 1; k-- {
			if bytes.HasSuffix(b, []byte(s[:k])) {
				fill(b[len(b)-k:])
				break
			}
		}
		for k := min(len(s)-1, len(b)); k >= 1; k-- {
			if bytes.HasPrefix(b, []byte(s[len(s)-k:])) {
				fill(b[:k])
				break
			}
		}
	}
}

func fill(b []byte) {
	for i := range b {
		b[i] = secret.MaskByte
	}
}

func (t *tracer) junk(b []byte) {
	if t == nil || len(b) == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.w, "%s <- %-13s %5d %s\n", t.stamp(), "raw", len(b), strconv.Quote(string(secret.Mask(b, t.secrets...))))
}

func (t *tracer) note(format string, args ...any) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.w, "%s -- %s\n", t.stamp(), fmt.Sprintf(format, args...))
}
