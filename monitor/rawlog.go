package monitor

import (
	"io"
	"time"
)

// RawLog writes the board's bytes to a file with a host timestamp at the
// start of every line ("[2026-11-28 10:11:12.345] "). Bytes are written as
// received, without colour codes or decoding, so the file can be fed back to
// `blynkbridge decode` (which strips such prefixes).
//
// It is durable: every chunk goes to the file in one write as it arrives
// (no user-space buffer, so `tail -f` shows it and a SIGKILL loses nothing
// written), except bytes that may be a Blynk login still arriving, which
// the token masker holds for at most 80 ms (Tick releases them). Sync asks
// the OS to put it on disk (the engine calls it on an unplug and at exit).
// The auth token of login frames is masked unless Unredacted.
type RawLog struct {
	w         io.Writer
	atLineEnd bool
	mask      *loginMasker // nil = unredacted
	buf       []byte
}

// NewRawLog wraps w, masking login tokens.
func NewRawLog(w io.Writer) *RawLog {
	return &RawLog{w: w, atLineEnd: true, mask: &loginMasker{}}
}

// Unredacted turns token masking off (monitor --unredacted).
func (l *RawLog) Unredacted() { l.mask = nil }

// TimeLayout is the host timestamp prefix layout.
const TimeLayout = "2006-01-02 15:04:05.000"

// Write logs p as received at time t.
func (l *RawLog) Write(t time.Time, p []byte) error {
	if l.mask != nil {
		p = l.mask.write(t, p)
	}
	return l.out(t, p)
}

// Tick writes bytes the masker has held for too long; the engine calls it
// between reads.
func (l *RawLog) Tick(now time.Time) error {
	if l.mask == nil {
		return nil
	}
	return l.out(now, l.mask.tick(now))
}

func (l *RawLog) out(t time.Time, p []byte) error {
	if len(p) == 0 {
		return nil
	}
	b := l.buf[:0]
	for len(p) > 0 {
		if l.atLineEnd {
			b = l.stamp(b, t)
			l.atLineEnd = false
		}
		i := indexByte(p, '\n')
		if i < 0 {
			b = append(b, p...)
			break
		}
		b = append(b, p[:i+1]...)
		p = p[i+1:]
		l.atLineEnd = true
	}
	l.buf = b[:0]
	_, err := l.w.Write(b)
	return err
}

func (l *RawLog) stamp(b []byte, t time.Time) []byte {
	b = append(b, '[')
	b = t.AppendFormat(b, TimeLayout)
	return append(b, "] "...)
}

// Note writes a host-side line (gap, reset, flash) marked with "--".
func (l *RawLog) Note(t time.Time, text string) error {
	var b []byte
	if l.mask != nil {
		// A note ends the line: what the masker holds goes first.
		if err := l.out(t, l.mask.force(true)); err != nil {
			return err
		}
	}
	if !l.atLineEnd {
		b = append(b, '\n')
		l.atLineEnd = true
	}
	b = l.stamp(b, t)
	b = append(b, "-- "...)
	b = append(b, text...)
	b = append(b, '\n')
	_, err := l.w.Write(b)
	return err
}

// Flush writes what the masker holds (at exit).
func (l *RawLog) Flush() error {
	if l.mask == nil {
		return nil
	}
	return l.out(time.Now(), l.mask.force(true))
}

// Sync flushes and asks the OS to write the file to disk, when the writer
// is a file.
func (l *RawLog) Sync() error {
	if err := l.Flush(); err != nil {
		return err
	}
	if s, ok := l.w.(interface{ Sync() error }); ok {
		return s.Sync()
	}
	return nil
}

func indexByte(p []byte, c byte) int {
	for i, b := range p {
		if b == c {
			return i
		}
	}
	return -1
}
