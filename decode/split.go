package decode

import (
	"bytes"
	"time"
)

// line is one unit handed from the splitter to the classifiers.
type line struct {
	raw       string    // exact bytes, terminator and host prefix included
	textOff   int       // raw[textOff:textEnd] is the content
	textEnd   int       //
	host      time.Time // when the first byte arrived
	hostClock string    // "HH:MM:SS.mmm" from a monitor prefix, if one was stripped
	partial   bool      // no terminator: cut by Flush or the size bound
}

func (l *line) text() string { return l.raw[l.textOff:l.textEnd] }

// splitter is the first pipeline stage: bytes to lines. It keeps at most
// maxLine bytes of an unterminated line; longer ones are cut (and marked
// partial) so a stream without newlines cannot grow memory or hold events
// back. A lone '\r' is content (stripped from the text), "\r\n" and "\n" end
// a line.
type splitter struct {
	buf     []byte
	start   time.Time
	maxLine int
	now     func() time.Time
}

func (s *splitter) feed(p []byte, emit func(line)) {
	for len(p) > 0 {
		if len(s.buf) == 0 {
			s.start = s.now()
		}
		i := indexNL(p)
		if i < 0 {
			room := s.maxLine - len(s.buf)
			if len(p) < room {
				s.buf = append(s.buf, p...)
				return
			}
			s.buf = append(s.buf, p[:room]...)
			p = p[room:]
			emit(s.take(true))
			continue
		}
		if len(s.buf) == 0 {
			emit(makeLine(string(p[:i+1]), s.start, false))
		} else {
			s.buf = append(s.buf, p[:i+1]...)
			emit(s.take(false))
		}
		p = p[i+1:]
	}
}

func (s *splitter) flush(emit func(line)) {
	if len(s.buf) > 0 {
		emit(s.take(true))
	}
}

func (s *splitter) take(partial bool) line {
	l := makeLine(string(s.buf), s.start, partial)
	s.buf = s.buf[:0]
	if cap(s.buf) > 4*s.maxLine {
		s.buf = nil // don't keep a huge buffer alive after one long line
	}
	return l
}

func indexNL(p []byte) int { return bytes.IndexByte(p, '\n') }

func makeLine(raw string, host time.Time, partial bool) line {
	l := line{raw: raw, host: host, partial: partial, textEnd: len(raw)}
	if l.textEnd > 0 && raw[l.textEnd-1] == '\n' {
		l.textEnd--
	}
	for l.textEnd > 0 && raw[l.textEnd-1] == '\r' {
		l.textEnd--
	}
	for l.textOff < l.textEnd && raw[l.textOff] == '\r' {
		l.textOff++
	}
	if clock, n := hostPrefix(raw[l.textOff:l.textEnd]); n > 0 {
		l.hostClock = clock
		l.textOff += n
		for l.textOff < l.textEnd && raw[l.textOff] == '\r' {
			l.textOff++
		}
	}
	return l
}

// hostPrefix recognises "HH:MM:SS.mmm -> " as the Arduino IDE serial monitor
// and PlatformIO's time filter put in front of every line. It is host time,
// never device time.
func hostPrefix(t string) (string, int) {
	const n = len("00:00:00.000 -> ")
	if len(t) < n || t[2] != ':' || t[5] != ':' || t[8] != '.' || t[12:16] != " -> " {
		return "", 0
	}
	for _, i := range []int{0, 1, 3, 4, 6, 7, 9, 10, 11} {
		if t[i] < '0' || t[i] > '9' {
			return "", 0
		}
	}
	return t[:12], n
}
