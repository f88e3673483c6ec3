package blynk

import (
	"strings"
)

// Dump direction markers as BLYNK_DEBUG prints them (reference §3.4).
const (
	DumpIn  = '>' // received from the server
	DumpOut = '<' // sent by the device
)

// EscapeDump renders bytes the way BLYNK_DEBUG does: printable bytes as
// characters, each run of other bytes as `[` + uppercase hex pairs joined by
// `|` + `]`. Libraries before 1.2.0 treat a space as printable; from 1.2.0 it
// is dumped as `[20]` (spaceAsHex).
func EscapeDump(b []byte, spaceAsHex bool) string {
	const hexd = "0123456789ABCDEF"
	var sb strings.Builder
	inRun := false
	lo := byte(0x20)
	if spaceAsHex {
		lo = 0x21
	}
	for _, c := range b {
		if c >= lo && c <= 0x7e {
			if inRun {
				sb.WriteByte(']')
				inRun = false
			}
			sb.WriteByte(c)
			continue
		}
		if inRun {
			sb.WriteByte('|')
		} else {
			sb.WriteByte('[')
			inRun = true
		}
		sb.WriteByte(hexd[c>>4])
		sb.WriteByte(hexd[c&15])
	}
	if inRun {
		sb.WriteByte(']')
	}
	return sb.String()
}

// UnescapeDump re-tokenises dump text back into bytes: `[XX|YY…]` groups
// become bytes, everything else is taken literally. A `[` that does not open
// a well-formed group is a literal `[`. The escaping is ambiguous for bodies
// that themselves contain text like `[41]`; such text decodes as a byte.
func UnescapeDump(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		if s[i] == '[' {
			if b, n, ok := hexGroup(s[i:]); ok {
				out = append(out, b...)
				i += n
				continue
			}
		}
		out = append(out, s[i])
		i++
	}
	return out
}

// hexGroup parses `[XX|YY…]` at the start of s.
func hexGroup(s string) ([]byte, int, bool) {
	var b []byte
	i := 1
	for {
		if i+2 > len(s) {
			return nil, 0, false
		}
		h, ok1 := unhex(s[i])
		l, ok2 := unhex(s[i+1])
		if !ok1 || !ok2 {
			return nil, 0, false
		}
		b = append(b, h<<4|l)
		i += 2
		if i >= len(s) {
			return nil, 0, false
		}
		switch s[i] {
		case ']':
			return b, i + 1, true
		case '|':
			i++
		default:
			return nil, 0, false
		}
	}
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	case c >= 'a' && c <= 'f': // Linux/mbed builds print lowercase
		return c - 'a' + 10, true
	}
	return 0, false
}

// DumpLines returns the BLYNK_DEBUG text (without the `[ms] ` prefix) for a
// frame: an incoming frame is two lines (header, then body if any), an
// outgoing one a single line, as the ESP8266 library prints them. A login
// token is redacted only when redact is true; a simulated board prints it
// as the real one does.
func DumpLines(f Frame, dir byte, spaceAsHex, redact bool) []string {
	raw := f.Marshal()
	if redact && f.redacted() {
		raw = append(raw[:HeaderLen:HeaderLen], NewToken(string(f.Body)).Redacted()...)
	}
	if dir == DumpOut {
		return []string{string(dir) + EscapeDump(raw, spaceAsHex)}
	}
	lines := []string{string(dir) + EscapeDump(raw[:HeaderLen], spaceAsHex)}
	if len(raw) > HeaderLen {
		lines = append(lines, string(dir)+EscapeDump(raw[HeaderLen:], spaceAsHex))
	}
	return lines
}
