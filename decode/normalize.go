package decode

import (
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// The normalisation stage sits between the splitter and the classifiers. It
// finds what people and tools put around the board's text before it reaches
// us — forum quote markers, Markdown indentation or a stray backtick, host
// timestamps of every monitor (in front of a quote marker or behind it) —
// and moves the line's text offset past them. Nothing is removed from Raw:
// every input byte stays in exactly one event. Each new prefix style is
// reported once, as an "input" event with an empty Raw, because the style is
// itself a fact: the time in it is the PC's, not the board's.
//
// For saved files (Options.File) it also recognises the text encoding:
// UTF-16 (little or big endian, with a byte-order mark or detected from the
// NUL byte of every other position) is transcoded to UTF-8 before the
// splitter, and a UTF-8 byte-order mark is kept in the raw of the "input"
// event that reports it.

// Prefix layers, as bits of line.layers.
const (
	layerQuote    = 1 << iota // "> ", ">> ", ">[" forum / e-mail quote markers
	layerTime                 // a host timestamp (see timeStyle)
	layerIndent               // spaces or tabs
	layerBacktick             // one inline-code backtick
)

// timeStyle names the host timestamp layouts we recognise.
type timeStyle uint8

const (
	timeNone       timeStyle = iota
	timeArduinoIDE           // "12:34:56.789 -> "  Arduino IDE serial monitor (1.x and 2.x)
	timePlatformIO           // "12:34:56.789 > "   PlatformIO device monitor --filter time
	timeMonitor              // "[2026-11-28 10:11:12.345] "  blynkbridge monitor --log
	timeBracketHMS           // "[12:34:56.789] "   tio -t, CuteCom, ESPHome's "[12:34:56]"
	timeBracketISO           // "[2023-07-09 10:01:59.937] " other date-time in brackets
	timeISO                  // "2023-07-09 10:01:59.937 " / ISO 8601 with T and zone
	timeEpoch                // "1612345678.123 "   epoch seconds with a fraction
	timeBareHMS              // "12:34:56.789 "     CoolTerm, RealTerm, minicom
)

var timeStyleText = [...]struct{ id, what string }{
	timeArduinoIDE: {"arduino-ide", "the Arduino IDE serial monitor's timestamp \"HH:MM:SS.mmm -> \""},
	timePlatformIO: {"platformio", "PlatformIO's time filter \"HH:MM:SS.mmm > \""},
	timeMonitor:    {"blynkbridge-monitor", "a bracketed host date and time \"[YYYY-MM-DD HH:MM:SS.mmm] \" (the layout of `blynkbridge monitor --log`, and of some terminal programs)"},
	timeBracketHMS: {"bracket-time", "a bracketed host time \"[HH:MM:SS]\" (tio, CuteCom, ESPHome's log viewer)"},
	timeBracketISO: {"bracket-date-time", "a bracketed host date and time (\"[YYYY-MM-DD HH:MM:SS]\")"},
	timeISO:        {"iso-date-time", "a host date and time (CoolTerm, minicom -O, ts, ISO 8601)"},
	timeEpoch:      {"epoch", "a host epoch timestamp (seconds since 1970 with a fraction)"},
	timeBareHMS:    {"time", "a host time \"HH:MM:SS.mmm \" (CoolTerm, RealTerm)"},
}

// stripPrefix finds the layers in front of t. It returns how many bytes
// they take, which layers were found, the timestamp style and the clock
// text (kept in the event's host_clock field).
func stripPrefix(t string) (n int, layers uint8, ts timeStyle, clock string) {
	for iter := 0; iter < 6 && n < len(t); iter++ {
		rest := t[n:]
		if k := quotePrefix(rest); k > 0 {
			n += k
			layers |= layerQuote
			continue
		}
		if ts == timeNone {
			if k, st, c := timePrefix(rest); k > 0 {
				n += k
				layers |= layerTime
				ts, clock = st, c
				continue
			}
		}
		if k := indentPrefix(rest); k > 0 {
			n += k
			layers |= layerIndent
			continue
		}
		if len(rest) > 1 && rest[0] == '`' && rest[1] != '`' {
			n++
			layers |= layerBacktick
			continue
		}
		break
	}
	return n, layers, ts, clock
}

// quotePrefix: a run of '>' (optionally "> > ") followed by a space, a tab,
// '[' or the end of the line. ">>>stack>>>" is not a quote.
func quotePrefix(t string) int {
	i := 0
	for i < len(t) && t[i] == '>' {
		i++
		if i+1 < len(t) && t[i] == ' ' && t[i+1] == '>' {
			i++ // "> > text": nested quote with spaces
		}
	}
	if i == 0 {
		return 0
	}
	switch {
	case i == len(t):
		return i
	case t[i] == ' ' || t[i] == '\t':
		return i + 1
	case t[i] == '[' || t[i] == '*':
		return i // ">[1234] text", ">*WM: text": a quote marker glued to the line
	}
	return 0
}

// indentPrefix: leading spaces and tabs, if text follows them.
func indentPrefix(t string) int {
	i := 0
	for i < len(t) && (t[i] == ' ' || t[i] == '\t') {
		i++
	}
	if i == len(t) {
		return 0
	}
	return i
}

// digits counts ASCII digits at the start of s.
func digits(s string) int {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i
}

// hms matches "HH:MM:SS" then an optional fraction ".mmm", ",mmm" or ":mmm";
// it returns the length, 0 if s does not start with a time.
func hms(s string) int {
	if len(s) < 8 || digits(s) != 2 || s[2] != ':' || digits(s[3:]) != 2 || s[5] != ':' || digits(s[6:]) != 2 {
		return 0
	}
	n := 8
	if n+1 < len(s) && (s[n] == '.' || s[n] == ',' || s[n] == ':') {
		if k := digits(s[n+1:]); k >= 1 && k <= 9 {
			n += 1 + k
		}
	}
	return n
}

// dateTime matches "YYYY-MM-DD[ T]HH:MM:SS[.fff][Z|+hh:mm]" (or / instead of -).
func dateTime(s string) int {
	if len(s) < 19 || digits(s) != 4 || (s[4] != '-' && s[4] != '/') || digits(s[5:]) != 2 || s[7] != s[4] ||
		digits(s[8:]) != 2 || (s[10] != ' ' && s[10] != 'T') {
		return 0
	}
	k := hms(s[11:])
	if k == 0 {
		return 0
	}
	n := 11 + k
	if n < len(s) && s[n] == 'Z' {
		n++
	} else if n+6 <= len(s) && (s[n] == '+' || s[n] == '-') && digits(s[n+1:]) == 2 && s[n+3] == ':' && digits(s[n+4:]) == 2 {
		n += 6
	}
	return n
}

// timePrefix recognises a host timestamp and the separator after it.
func timePrefix(t string) (int, timeStyle, string) {
	if t == "" {
		return 0, timeNone, ""
	}
	if t[0] == '[' || t[0] == '(' {
		closer := byte(']')
		if t[0] == '(' {
			closer = ')'
		}
		in := t[1:]
		var k int
		st := timeBracketISO
		if k = dateTime(in); k == 0 {
			if k = hms(in); k > 0 {
				st = timeBracketHMS
			} else if k = epoch(in); k > 0 {
				st = timeEpoch
			}
		}
		if k == 0 || 1+k >= len(t) || t[1+k] != closer {
			return 0, timeNone, ""
		}
		clock := in[:k]
		n := 2 + k
		if st == timeBracketISO && k == 23 && in[10] == ' ' && in[19] == '.' && n < len(t) && t[n] == ' ' {
			st = timeMonitor
		}
		return n + sepLen(t[n:], true), st, clock
	}
	if !isDigit(t[0]) {
		return 0, timeNone, ""
	}
	if k := dateTime(t); k > 0 {
		if s := sepLen(t[k:], false); s > 0 {
			return k + s, timeISO, t[:k]
		}
		return 0, timeNone, ""
	}
	if k := hms(t); k > 8 { // a bare time needs a fraction: "12:34:56 text" could be the sketch's
		rest := t[k:]
		switch {
		case strings.HasPrefix(rest, " -> "):
			return k + 4, timeArduinoIDE, t[:k]
		case strings.HasPrefix(rest, " > "):
			return k + 3, timePlatformIO, t[:k]
		case strings.HasPrefix(rest, "->"):
			return k + 2, timeArduinoIDE, t[:k] // an IDE line whose text was empty and trimmed by the forum
		}
		if s := sepLen(rest, false); s > 0 {
			return k + s, timeBareHMS, t[:k]
		}
		return 0, timeNone, ""
	}
	if k := epoch(t); k > 0 {
		if s := sepLen(t[k:], false); s > 0 {
			return k + s, timeEpoch, t[:k]
		}
	}
	return 0, timeNone, ""
}

// epoch: 10 digits (2001-2286), a '.' and 3-6 digits.
func epoch(s string) int {
	if digits(s) != 10 || (s[0] != '1' && s[0] != '2') || len(s) < 14 || s[10] != '.' {
		return 0
	}
	k := digits(s[11:])
	if k < 3 || k > 6 {
		return 0
	}
	return 11 + k
}

// sepLen: what follows a timestamp before the text ("-> ", "> ", ": ",
// "| ", " ", tab). optional: a bracketed stamp may be followed directly by
// the text.
func sepLen(s string, optional bool) int {
	for _, sep := range []string{" -> ", " > ", " | ", ": ", " - ", " ", "\t"} {
		if strings.HasPrefix(s, sep) {
			return len(sep)
		}
	}
	if optional || s == "" {
		return 0
	}
	return 0
}

// isLogoArt: the Blynk ASCII logo and similar art, whose indentation is the
// board's own, not the paste's.
func isLogoArt(t string) bool {
	for i := 0; i < len(t); i++ {
		if !strings.ContainsRune(" _/\\)(|,'`.-<>", rune(t[i])) {
			return false
		}
	}
	return true
}

// prefixStyle is what the "input" event reports for a line's layers.
func prefixStyle(layers uint8, ts timeStyle) (id, what string) {
	var ids, whats []string
	if layers&layerQuote != 0 {
		ids = append(ids, "quote")
		whats = append(whats, "a forum / e-mail quote marker \">\"")
	}
	if layers&layerTime != 0 && int(ts) < len(timeStyleText) {
		ids = append(ids, timeStyleText[ts].id)
		whats = append(whats, timeStyleText[ts].what)
	}
	if layers&layerBacktick != 0 {
		ids = append(ids, "backtick")
		whats = append(whats, "a Markdown inline-code backtick")
	}
	return strings.Join(ids, "+"), strings.Join(whats, " and ")
}

// noteInput reports a line's prefix style the first time it is seen, and
// indentation once two indented lines follow each other (one indented line
// is often the board's own: the ROM banner starts with a space).
func (d *Decoder) noteInput(l *line) {
	if l.layers&^layerIndent != 0 {
		id, what := prefixStyle(l.layers&^layerIndent, l.timeStyle)
		if !d.seenStyles[id] {
			if d.seenStyles == nil {
				d.seenStyles = map[string]bool{}
			}
			d.seenStyles[id] = true
			e := Event{Kind: KindInput, HostTime: l.host, DeviceMillis: -1, Severity: SevInfo}
			e.set("prefix", id)
			e.Summary = "input: lines start with " + what + "; stripped before decoding"
			if l.layers&layerTime != 0 {
				e.Detail = "That time is the PC's clock when the line arrived, not the board's: only the Blynk [ms] stamp is device time."
			}
			if l.layers&layerQuote != 0 {
				e.Detail = strings.TrimSpace(e.Detail + " Quoted text was copied from a forum post or an e-mail: lines may be missing or re-wrapped.")
			}
			d.emit(e)
		}
	}
	t := l.text()
	switch {
	case t == "":
	case l.layers&layerIndent != 0 && l.indent >= 2 && !isLogoArt(t):
		d.indentRun++
		if d.indentRun == 2 && !d.seenStyles["indent"] {
			if d.seenStyles == nil {
				d.seenStyles = map[string]bool{}
			}
			d.seenStyles["indent"] = true
			e := Event{Kind: KindInput, HostTime: l.host, DeviceMillis: -1, Severity: SevInfo}
			e.set("prefix", "indent")
			e.Summary = "input: lines are indented (a Markdown code block or a quoted paste); the indentation is stripped before decoding"
			d.emit(e)
		}
	default:
		d.indentRun = 0
	}
}

// encoding is the text encoding of a saved log.
type encoding uint8

const (
	encUnknown encoding = iota // not decided yet (fewer than encProbe bytes seen)
	encBytes                   // UTF-8 or raw serial bytes: passed through
	encUTF16LE
	encUTF16BE
)

// encProbe bytes decide the encoding of a file without a byte-order mark.
const encProbe = 32

// transcoder turns a UTF-16 file into UTF-8 as it streams, keeping an odd
// byte and a high surrogate across Feed calls.
type transcoder struct {
	enc  encoding
	pend []byte // undecided prefix, or a trailing odd byte
	hi   uint16 // a high surrogate waiting for its pair
}

// detect decides the encoding from the first bytes; bom is how many bytes
// of byte-order mark to drop (UTF-16 only: a UTF-8 BOM stays in the stream).
func detectEncoding(p []byte, final bool) (enc encoding, bom int, how string) {
	switch {
	case len(p) >= 2 && p[0] == 0xFF && p[1] == 0xFE:
		return encUTF16LE, 2, "UTF-16LE with a byte-order mark"
	case len(p) >= 2 && p[0] == 0xFE && p[1] == 0xFF:
		return encUTF16BE, 2, "UTF-16BE with a byte-order mark"
	}
	if len(p) < encProbe && !final {
		return encUnknown, 0, ""
	}
	pairs, le, be := 0, 0, 0
	for i := 0; i+1 < len(p) && i < encProbe; i += 2 {
		pairs++
		switch {
		case p[i] != 0 && p[i+1] == 0:
			le++
		case p[i] == 0 && p[i+1] != 0:
			be++
		}
	}
	// Serial text never has a NUL at every other byte; binary Blynk frames
	// have a few NULs but not 15 of 16 pairs.
	if pairs >= 8 && le >= pairs-1 {
		return encUTF16LE, 0, "UTF-16LE without a byte-order mark (detected: a NUL after every character)"
	}
	if pairs >= 8 && be >= pairs-1 {
		return encUTF16BE, 0, "UTF-16BE without a byte-order mark (detected: a NUL before every character)"
	}
	return encBytes, 0, ""
}

// convert transcodes p (UTF-16) to UTF-8.
func (tc *transcoder) convert(p []byte) []byte {
	if len(tc.pend) > 0 {
		p = append(tc.pend, p...)
		tc.pend = nil
	}
	out := make([]byte, 0, len(p))
	i := 0
	for ; i+1 < len(p); i += 2 {
		var u uint16
		if tc.enc == encUTF16LE {
			u = uint16(p[i]) | uint16(p[i+1])<<8
		} else {
			u = uint16(p[i])<<8 | uint16(p[i+1])
		}
		if tc.hi != 0 {
			r := utf16.DecodeRune(rune(tc.hi), rune(u))
			tc.hi = 0
			if r != utf8.RuneError {
				out = utf8.AppendRune(out, r)
				continue
			}
			out = utf8.AppendRune(out, utf8.RuneError)
		}
		if u >= 0xD800 && u < 0xDC00 {
			tc.hi = u
			continue
		}
		if u >= 0xDC00 && u < 0xE000 {
			out = utf8.AppendRune(out, utf8.RuneError)
			continue
		}
		out = utf8.AppendRune(out, rune(u))
	}
	if i < len(p) {
		tc.pend = []byte{p[i]}
	}
	return out
}

// flush ends the stream: a dangling odd byte or high surrogate becomes
// U+FFFD, so nothing is silently dropped.
func (tc *transcoder) flush() []byte {
	var out []byte
	if tc.hi != 0 {
		out = utf8.AppendRune(out, utf8.RuneError)
		tc.hi = 0
	}
	if len(tc.pend) > 0 {
		out = utf8.AppendRune(out, utf8.RuneError)
		tc.pend = nil
	}
	return out
}

// input runs the encoding stage in front of the splitter (Options.File).
// decide: settle the encoding on what has come (a flush); end: the input
// is over (Close).
func (d *Decoder) input(p []byte, decide, end bool) []byte {
	tc := &d.tc
	if tc.enc == encUnknown {
		tc.pend = append(tc.pend, p...)
		enc, bom, how := detectEncoding(tc.pend, decide)
		if enc == encUnknown {
			return nil
		}
		tc.enc = enc
		p, tc.pend = tc.pend, nil
		if enc == encBytes {
			if len(p) >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF {
				e := Event{Kind: KindInput, HostTime: d.opts.Now(), DeviceMillis: -1, Severity: SevInfo, Raw: string(p[:3])}
				e.set("encoding", "utf-8-bom")
				e.Summary = "input: UTF-8 text with a byte-order mark (saved by a Windows editor); the mark is skipped"
				d.emit(e)
				p = p[3:]
			}
			return p
		}
		e := Event{Kind: KindInput, HostTime: d.opts.Now(), DeviceMillis: -1, Severity: SevInfo}
		e.set("encoding", map[encoding]string{encUTF16LE: "utf-16le", encUTF16BE: "utf-16be"}[enc])
		e.set("bom", strconv.FormatBool(bom > 0))
		e.Summary = "input: the file is " + how + "; decoded as text (Notepad's \"Unicode\", PowerShell's > redirection)"
		e.Detail = "Events hold the text converted to UTF-8; the " + strconv.Itoa(bom) + "-byte byte-order mark is in no event."
		d.emit(e)
		p = p[bom:]
	}
	if tc.enc == encBytes {
		return p
	}
	out := tc.convert(p)
	if end {
		out = append(out, tc.flush()...)
	}
	return out
}

// crScan decides whether a stream uses bare CRs as line ends: a capture
// whose lines end in "\r" alone (some terminals' logs, old Mac editors)
// would otherwise be one endless line. Two CR-ended segments of readable
// text (3+ printable bytes), each followed by more text, decide it: baud
// garbage with stray CRs does not qualify. It scans incrementally.
type crScan struct {
	n, seg  int
	pendCR  bool // the last byte was a CR; its successor decides
	segAtCR int
}

func (c *crScan) scan(b []byte) {
	for _, x := range b {
		if c.pendCR {
			c.pendCR = false
			if c.segAtCR >= 3 && x != '\n' && x != '\r' {
				c.n++
			}
		}
		switch {
		case x == '\r':
			c.pendCR, c.segAtCR, c.seg = true, c.seg, 0
		case x >= 0x20 && x < 0x7f || x == '\t' || x >= 0x80:
			c.seg++
		default:
			c.seg = -1 << 20 // a control byte: not text
		}
	}
}
