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
	hostClock string    // the host time text of a stripped timestamp prefix
	partial   bool      // no terminator: cut by Flush or the size bound
	layers    uint8     // prefix layers stripped (normalize.go)
	timeStyle timeStyle // which host timestamp, if layers has layerTime
	indent    int       // bytes of the last indentation layer
}

func (l *line) text() string { return l.raw[l.textOff:l.textEnd] }

// splitter is the first pipeline stage: bytes to lines. It keeps at most
// maxLine bytes of an unterminated line; longer ones are cut (and marked
// partial) so a stream without newlines cannot grow memory or hold events
// back. A lone '\r' is content (stripped from the text), "\r\n" and "\n" end
// a line - unless the stream uses bare CRs as line ends (crOnly, decided on
// the bytes before the first "\n", so chunking cannot change the result).
type splitter struct {
	buf     []byte
	start   time.Time
	maxLine int
	now     func() time.Time
	decided bool // bare-CR mode decided (a "\n" was seen, or CR mode entered)
	scanned int  // bytes looked at by decide
	crs     crScan
	cr      bool // bare CRs end lines
	crSeen  bool // CR mode was entered at some point (reported once)
}

// decide looks for bare-CR line ends in the first maxLine bytes of the
// stream, before any "\n" (nothing is emitted before that, so the buffered
// bytes can still be re-split). It scans each byte once.
func (s *splitter) decide(p []byte) {
	j := indexNL(p)
	seg := p
	if j >= 0 {
		seg = p[:j]
	}
	if room := s.maxLine - s.scanned; len(seg) > room {
		seg = seg[:room]
	}
	s.scanned += len(seg)
	s.crs.scan(seg)
	switch {
	case s.crs.n >= 2:
		s.decided, s.cr, s.crSeen = true, true, true
	case j >= 0 || s.scanned >= s.maxLine:
		s.decided = true
	}
}

// index finds the end of the next line in p.
func (s *splitter) index(p []byte) int {
	if !s.cr {
		return indexNL(p)
	}
	for i, c := range p {
		switch c {
		case '\n':
			s.cr = false // a real newline: the bare-CR stretch is over
			return i
		case '\r':
			if i+1 < len(p) && p[i+1] == '\n' {
				s.cr = false
				return i + 1
			}
			return i
		}
	}
	return -1
}

func (s *splitter) feed(p []byte, emit func(line)) {
	if !s.decided && len(p) > 0 {
		s.decide(p)
		if s.cr && len(s.buf) > 0 {
			// CR mode starts now: the buffered bytes hold lines too.
			p = append(s.buf[:len(s.buf):len(s.buf)], p...)
			s.buf = s.buf[:0]
		}
	}
	for len(p) > 0 {
		if len(s.buf) == 0 {
			s.start = s.now()
		}
		i := s.index(p)
		if i < 0 || len(s.buf)+i >= s.maxLine {
			// No terminator within maxLine bytes: cut there, whether the
			// terminator is further on in this chunk or not yet received,
			// so chunking never changes where a long line is cut.
			room := s.maxLine - len(s.buf)
			if i < 0 && len(p) < room {
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
	if l.textOff < l.textEnd {
		c := raw[l.textOff]
		if c == '>' || c == ' ' || c == '\t' || c == '`' || c == '[' || c == '(' || isDigit(c) {
			n, layers, ts, clock := stripPrefix(raw[l.textOff:l.textEnd])
			if n > 0 {
				l.layers, l.timeStyle, l.hostClock = layers, ts, clock
				if layers&layerIndent != 0 {
					l.indent = indentWidth(raw[l.textOff : l.textOff+n])
				}
				l.textOff += n
				for l.textOff < l.textEnd && raw[l.textOff] == '\r' {
					l.textOff++
				}
			}
		}
	}
	return l
}

// indentWidth is the width of the last run of blanks in a stripped prefix.
func indentWidth(p string) int {
	n := 0
	for i := len(p) - 1; i >= 0 && (p[i] == ' ' || p[i] == '\t'); i-- {
		n++
	}
	return n
}
