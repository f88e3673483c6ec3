package daemon

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// fakeClock drives the recognizer without real sleeps.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time        { return c.t }
func (c *fakeClock) sleep(d time.Duration) { c.t = c.t.Add(d) }

type lineLog struct {
	clk   *fakeClock
	start time.Time
	steps []string
}

func (l *lineLog) apply(dtr, rts bool) {
	l.steps = append(l.steps, fmt.Sprintf("%dms D%d R%d", l.clk.t.Sub(l.start).Milliseconds(), b2i(dtr), b2i(rts)))
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func newTestRecognizer() (*lineRecognizer, *lineLog, *fakeClock, *[]resetKind) {
	clk := &fakeClock{t: time.Unix(1000, 0)}
	l := &lineLog{clk: clk, start: clk.t}
	var kinds []resetKind
	r := newLineRecognizer(l.apply, func(k resetKind) { kinds = append(kinds, k) })
	r.now, r.sleep = clk.now, clk.sleep
	return r, l, clk, &kinds
}

// esptool's classic reset with the commands squeezed together by the
// network: the recognizer still holds reset 100 ms, never shows the chip
// "both asserted" at EN's rise, and keeps GPIO0 low 50 ms.
func TestRecognizerBootloaderSqueezed(t *testing.T) {
	r, l, clk, kinds := newTestRecognizer()
	r.DTR(false)
	r.RTS(true) // EN low
	clk.sleep(5 * time.Millisecond)
	r.DTR(true) // would be D1 R1 (no reset) if applied now
	r.RTS(false)
	clk.sleep(2 * time.Millisecond)
	r.DTR(false)
	got := strings.Join(l.steps, ", ")
	want := "0ms D0 R0, 0ms D0 R1, 100ms D1 R0, 150ms D0 R0"
	if got != want {
		t.Fatalf("lines:\n got %s\nwant %s", got, want)
	}
	if len(*kinds) != 1 || (*kinds)[0] != resetDownload {
		t.Fatalf("kinds %v", *kinds)
	}
	r.Close()
}

// A hard reset whose RTS off arrives 3 ms later still holds EN low 100 ms.
func TestRecognizerHardReset(t *testing.T) {
	r, l, clk, kinds := newTestRecognizer()
	r.RTS(true)
	clk.sleep(3 * time.Millisecond)
	r.RTS(false)
	if got := strings.Join(l.steps, ", "); got != "0ms D0 R1, 100ms D0 R0" {
		t.Fatalf("lines: %s", got)
	}
	if len(*kinds) != 1 || (*kinds)[0] != resetRun {
		t.Fatalf("kinds %v", *kinds)
	}
}

// pyserial's open asserts both lines (no reset on the D1 mini); a later
// DTR off with RTS on is a reset like any other.
func TestRecognizerOpenThenReset(t *testing.T) {
	r, l, clk, kinds := newTestRecognizer()
	r.DTR(true)
	r.RTS(true)
	r.DTR(false) // EN low from here
	clk.sleep(120 * time.Millisecond)
	r.DTR(true)
	r.RTS(false)
	r.DTR(false)
	want := "0ms D1 R0, 0ms D1 R1, 0ms D0 R1, 120ms D1 R0, 170ms D0 R0"
	if got := strings.Join(l.steps, ", "); got != want {
		t.Fatalf("lines:\n got %s\nwant %s", got, want)
	}
	if len(*kinds) != 1 || (*kinds)[0] != resetDownload {
		t.Fatalf("kinds %v", *kinds)
	}
}

// A held-back DTR on that no RTS off follows is applied after dtrTimeout:
// the client really wants both lines asserted.
func TestRecognizerDTRTimeout(t *testing.T) {
	r := newLineRecognizer(nil, nil)
	r.RTS(true)
	r.DTR(true)
	if dtr, _ := r.Lines(); dtr {
		t.Fatal("DTR applied at once during reset")
	}
	if !eventually(2*time.Second, func() bool { dtr, rts := r.Lines(); return dtr && rts }) {
		t.Fatal("held DTR never applied")
	}
}
