package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"
)

// Bar is one operation's progress display.
type Bar struct {
	w        io.Writer
	verb     string // "Writing", "Reading"
	tty      bool
	off      bool
	lastPct  int
	started  time.Time
	lastDraw time.Time
	drew     bool
}

// New draws on w: a bar when w is a terminal (and not plain), lines
// otherwise, nothing when off (--json).
func New(w io.Writer, verb string, off, plain bool) *Bar {
	tty := false
	if f, ok := w.(*os.File); ok && !plain {
		tty = term.IsTerminal(int(f.Fd()))
	}
	return &Bar{w: w, verb: verb, tty: tty, off: off, lastPct: -1}
}

// NewTerminal draws the \r bar whatever w is (tests).
func NewTerminal(w io.Writer, verb string) *Bar {
	return &Bar{w: w, verb: verb, tty: true, lastPct: -1}
}

// Update draws done of total bytes, at most every 100 ms on a terminal.
func (p *Bar) Update(done, total int) {
	if p.off || total <= 0 {
		return
	}
	now := time.Now()
	if p.started.IsZero() {
		p.started = now
	}
	pct := done * 100 / total
	if p.tty {
		if done < total && now.Sub(p.lastDraw) < 100*time.Millisecond {
			return
		}
		p.lastDraw = now
		const width = 30
		n := done * width / total
		rate := 0.0
		if el := now.Sub(p.started).Seconds(); el > 0 {
			rate = float64(done) / el / 1024
		}
		fmt.Fprintf(p.w, "\r[%s%s] %3d%% %d/%d bytes %.1f KiB/s ", strings.Repeat("#", n), strings.Repeat(".", width-n), pct, done, total, rate)
		p.drew = true
		return
	}
	if pct/10 != p.lastPct/10 || (done == total && p.lastPct != 100) {
		p.lastPct = pct
		fmt.Fprintf(p.w, "%s at %d%% (%d of %d bytes)\n", p.verb, pct, done, total)
	}
}

// Finish ends the bar's line.
func (p *Bar) Finish() {
	if p.tty && p.drew {
		fmt.Fprintln(p.w)
	}
}
