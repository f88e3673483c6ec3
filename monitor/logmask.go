package monitor

import (
	"bytes"
	"time"
)

// loginMasker hides the auth token of Blynk login frames in the byte stream
// the raw log writes, same length (each token byte becomes '*'), in the two
// forms a board puts on its serial line:
//
//   - BLYNK_DEBUG text dumps of a sent login: "[20] <[1D|00|01|00|20]TOKEN",
//     or the header on one line and the token alone on the next;
//   - the binary frame itself (a BlynkSimpleStream board speaks the protocol
//     on its UART): cmd 0x02 or 0x1D, a non-zero id, a length of 8-128, then
//     that many printable bytes.
//
// It works on a stream cut anywhere: bytes that may begin a login (a
// partial line starting with "[", a login header whose token has not all
// arrived) are held back until the rest shows what they are, and at most
// maxHold: then they are written with everything that could be token
// masked, and the masking carries on into the next bytes. The decoder's own
// redaction covers events; this covers the file, which sees bytes first.
type loginMasker struct {
	held      []byte
	heldSince time.Time
	maskLeft  int  // binary token bytes still to mask after a forced flush
	maskToEOL bool // mask up to the end of the line (a dump cut by a forced flush)
	maskNext  bool // the next line is a login dump's body (token alone)
	// cut is the original text of a dump line a forced flush cut (capped):
	// at its end it shows whether the line was the header alone, and so
	// whether the token is the next line.
	cut []byte
	ctx []byte // the start of the current line, already released
}

// ctxMax is how much of a line's start is kept as context: enough for
// "[4294967295] <[1D|".
const ctxMax = 32

// released records what leaves the masker, for the next line's context.
func (m *loginMasker) released(out []byte) []byte {
	if i := bytes.LastIndexByte(out, '\n'); i >= 0 {
		m.ctx = append(m.ctx[:0], out[i+1:min(len(out), i+1+ctxMax)]...)
	} else if len(m.ctx) < ctxMax {
		m.ctx = append(m.ctx, out[:min(len(out), ctxMax-len(m.ctx))]...)
	}
	return out
}

// withCtx runs dumpMaskFrom on the current line given the released context
// before it, and returns the offset in line (0 if the token starts in the
// context already released).
func (m *loginMasker) withCtx(line []byte, exact bool) (int, bool) {
	if len(m.ctx) == 0 {
		return dumpMaskFrom(line, exact)
	}
	from, ok := dumpMaskFrom(append(append([]byte(nil), m.ctx...), line...), exact)
	return max(from-len(m.ctx), 0), ok
}

// maxHold bounds how long bytes wait in the masker (the raw log's promise:
// on disk within 100 ms).
const maxHold = 80 * time.Millisecond

// write takes new bytes and returns those ready to be written, masked.
func (m *loginMasker) write(now time.Time, p []byte) []byte {
	if len(m.held) == 0 {
		m.heldSince = now
	}
	buf := append(m.held, p...)
	m.held = nil
	start := m.continueMask(buf)
	hold := m.scan(buf, start)
	if hold < len(buf) {
		m.held = append([]byte(nil), buf[hold:]...)
	}
	return m.released(buf[:hold])
}

// tick releases held bytes older than maxHold (nil when there are none).
func (m *loginMasker) tick(now time.Time) []byte {
	if len(m.held) == 0 || now.Sub(m.heldSince) < maxHold {
		return nil
	}
	return m.force(false)
}

// force releases everything held, masking what could be token. Only final
// (the stream ends, or a host note cuts it) releases the first bytes of a
// binary login header too.
func (m *loginMasker) force(final bool) []byte {
	buf := m.held
	m.held = nil
	if len(buf) == 0 {
		return nil
	}
	// A binary login whose token is still arriving.
	if i := incompleteLogin(buf); i >= 0 {
		if i+5 > len(buf) && !final {
			// The header itself is incomplete: keep its few bytes (no
			// token yet) so the length can be read when it comes.
			m.held = append([]byte(nil), buf[i:]...)
			buf = buf[:i]
		} else if i+5 <= len(buf) {
			n := int(buf[i+3])<<8 | int(buf[i+4])
			maskBytes(buf[i+5:])
			m.maskLeft = n - (len(buf) - i - 5)
		}
	}
	// A text dump line cut short: mask after its header, then to the end
	// of the line as the rest arrives.
	ls := bytes.LastIndexByte(buf, '\n') + 1
	from, ok := dumpMaskFrom(buf[ls:], true)
	if ls == 0 {
		from, ok = m.withCtx(buf, true)
	}
	if ok {
		m.cut = append(append(m.cut[:0], m.ctx...), buf[ls:]...)
		if ls > 0 {
			m.cut = append(m.cut[:0], buf[ls:]...)
		}
		maskBytes(buf[ls+from:])
		m.maskToEOL = true
	}
	return m.released(buf)
}

// continueMask applies masking carried over from a forced flush or from a
// header-only dump line, and returns where normal scanning starts.
func (m *loginMasker) continueMask(buf []byte) int {
	i := 0
	if m.maskLeft > 0 {
		n := min(m.maskLeft, len(buf))
		maskBytes(buf[:n])
		m.maskLeft -= n
		i = n
	}
	if m.maskToEOL || m.maskNext {
		j := bytes.IndexByte(buf[i:], '\n')
		end := len(buf)
		if j >= 0 {
			end = i + j
		}
		seg := trimCR(buf[i:end])
		if j < 0 {
			seg = buf[i:end] // a '\r' here may not be the line's last byte
		}
		if m.cut != nil && len(m.cut) < 512 {
			m.cut = append(m.cut, seg...)
		}
		maskBytes(seg)
		if j >= 0 {
			// A cut dump line that was its header alone: the token is the
			// next line.
			next := false
			if m.cut != nil {
				line := trimCR(m.cut)
				from, ok := dumpMaskFrom(line, true)
				next = ok && from >= len(line)
			}
			m.maskToEOL, m.maskNext, m.cut = false, next, nil
			i = end + 1
			if next {
				return i + m.continueNext(buf[i:])
			}
		} else {
			m.maskToEOL = true // the body line goes on in the next bytes
			i = len(buf)
		}
	}
	return i
}

// continueNext masks the line that is a cut dump's token and returns how
// many bytes of buf it covered.
func (m *loginMasker) continueNext(buf []byte) int {
	j := bytes.IndexByte(buf, '\n')
	if j < 0 {
		maskBytes(buf)
		m.maskNext, m.maskToEOL = false, true
		return len(buf)
	}
	maskBytes(trimCR(buf[:j]))
	m.maskNext = false
	return j + 1
}

// scan masks complete logins in buf[start:] and returns how many bytes can
// be written now.
func (m *loginMasker) scan(buf []byte, start int) int {
	hold := len(buf)
	// Binary frames, anywhere (their header bytes may include '\n').
	for i := start; i < len(buf); i++ {
		if !isLoginCmd(buf[i]) {
			continue
		}
		if i+5 > len(buf) {
			hold = min(hold, i)
			break
		}
		if !loginHeaderOK(buf[i:]) {
			continue
		}
		n := int(buf[i+3])<<8 | int(buf[i+4])
		end := min(i+5+n, len(buf))
		if end < i+5+n {
			hold = min(hold, i) // the token is still arriving
			break
		}
		maskBytes(buf[i+5 : end])
		i = end - 1
	}
	// Text dumps, line by line.
	for ls := start; ls < len(buf); {
		j := bytes.IndexByte(buf[ls:], '\n')
		cont := ls == 0 && len(m.ctx) > 0 // this line began before buf
		if j < 0 {
			switch {
			case m.maskNext:
				// The token line of a header-only dump, still arriving.
				maskBytes(buf[ls:])
				m.maskNext, m.maskToEOL = false, true
			case buf[ls] == '[' || cont:
				// A partial line that may be a dump: wait for its end.
				hold = min(hold, ls)
			}
			break
		}
		line := buf[ls : ls+j]
		if m.maskNext {
			maskBytes(trimCR(line))
			m.maskNext = false
		} else if from, ok := m.lineDump(line, cont); ok {
			if from >= len(trimCR(line)) {
				m.maskNext = true // header alone: the token is the next line
			} else {
				maskBytes(trimCR(line)[from:])
			}
		}
		ls += j + 1
	}
	return hold
}

func (m *loginMasker) lineDump(line []byte, cont bool) (int, bool) {
	if cont {
		return m.withCtx(line, true)
	}
	return dumpMaskFrom(line, true)
}

// dumpMaskFrom recognises a BLYNK_DEBUG dump of a sent login ("[ms] <" then
// a 0x02 or 0x1D header) and returns where the token starts in line. exact
// counts the five header bytes; otherwise (a line cut short) it returns the
// end of the first escaped run, which is before or at the token.
func dumpMaskFrom(line []byte, exact bool) (int, bool) {
	i := 1
	if len(line) < 4 || line[0] != '[' {
		return 0, false
	}
	for i < len(line) && line[i] >= '0' && line[i] <= '9' {
		i++
	}
	if i == 1 || !bytes.HasPrefix(line[i:], []byte("] <[")) {
		return 0, false
	}
	i += 3
	if len(line) < i+3 {
		return 0, false
	}
	cmd := string(bytes.ToUpper(line[i+1 : i+3]))
	if cmd != "02" && cmd != "1D" {
		return 0, false
	}
	if !exact {
		if j := bytes.IndexByte(line[i:], ']'); j >= 0 {
			return i + j + 1, true
		}
		return i, true
	}
	// Count five header bytes: "[XX|XX]" runs are one byte per entry,
	// anything else one byte per character.
	for n := 0; n < 5 && i < len(line); {
		if line[i] == '[' {
			j := bytes.IndexByte(line[i:], ']')
			if j < 0 {
				return i, true
			}
			entries := (j + 1) / 3
			if n+entries > 5 {
				// The run goes on into the token (never for text
				// tokens, but mask conservatively from the header end).
				return i + (5-n)*3, true
			}
			n += entries
			i += j + 1
			continue
		}
		n++
		i++
	}
	return i, true
}

func isLoginCmd(c byte) bool { return c == 0x02 || c == 0x1D }

// loginHeaderOK says whether b (starting at a login cmd byte) can still be
// a login frame: a short header, or a valid one with printable token bytes
// so far.
func loginHeaderOK(b []byte) bool {
	if len(b) < 5 {
		return true
	}
	n := int(b[3])<<8 | int(b[4])
	return (b[1] != 0 || b[2] != 0) && n >= 8 && n <= 128 && printable(b[5:min(len(b), 5+n)])
}

// incompleteLogin finds a login frame in b whose header or token runs past
// its end (complete ones are masked already), or -1.
func incompleteLogin(b []byte) int {
	for i, c := range b {
		if !isLoginCmd(c) || !loginHeaderOK(b[i:]) {
			continue
		}
		if i+5 > len(b) || i+5+(int(b[i+3])<<8|int(b[i+4])) > len(b) {
			return i
		}
	}
	return -1
}

func printable(b []byte) bool {
	for _, c := range b {
		if c <= 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

func trimCR(b []byte) []byte {
	if len(b) > 0 && b[len(b)-1] == '\r' {
		return b[:len(b)-1]
	}
	return b
}

func maskBytes(b []byte) {
	for i := range b {
		b[i] = '*'
	}
}
