package monitor

import (
	"bufio"
	"io"
	"time"
)

// RawLog writes the board's bytes to a file with a host timestamp at the
// start of every line ("[2026-11-28 10:11:12.345] "). Bytes are written as
// received, without colour codes or decoding, so the file can be fed back to
// `blynkbridge decode` (which strips such prefixes).
type RawLog struct {
	w         *bufio.Writer
	atLineEnd bool
}

// NewRawLog wraps w.
func NewRawLog(w io.Writer) *RawLog {
	return &RawLog{w: bufio.NewWriterSize(w, 64<<10), atLineEnd: true}
}

// TimeLayout is the host timestamp prefix layout.
const TimeLayout = "2006-01-02 15:04:05.000"

// Write logs p as received at time t.
func (l *RawLog) Write(t time.Time, p []byte) error {
	for len(p) > 0 {
		if l.atLineEnd {
			l.w.WriteByte('[')
			l.w.WriteString(t.Format(TimeLayout))
			l.w.WriteString("] ")
			l.atLineEnd = false
		}
		i := indexByte(p, '\n')
		if i < 0 {
			l.w.Write(p)
			break
		}
		l.w.Write(p[:i+1])
		p = p[i+1:]
		l.atLineEnd = true
	}
	return nil
}

// Note writes a host-side line (gap, reset, flash) marked with "--".
func (l *RawLog) Note(t time.Time, text string) error {
	if !l.atLineEnd {
		l.w.WriteByte('\n')
		l.atLineEnd = true
	}
	l.w.WriteString("[" + t.Format(TimeLayout) + "] -- " + text + "\n")
	return nil
}

// Flush writes buffered data to the file.
func (l *RawLog) Flush() error { return l.w.Flush() }

func indexByte(p []byte, c byte) int {
	for i, b := range p {
		if b == c {
			return i
		}
	}
	return -1
}
