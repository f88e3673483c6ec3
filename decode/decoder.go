package decode

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options configures a Decoder. The zero value works.
type Options struct {
	// Now stamps events with host time; default time.Now. Tests and replays
	// inject their own clock.
	Now func() time.Time
	// MaxLine bounds an unterminated line (default 4096 bytes): longer input
	// without a newline is emitted in pieces marked partial.
	MaxLine int
	// ELF symbolizes crash addresses. Nil: crash events say loudly that
	// addresses were not decoded and how to get an ELF.
	ELF *Symbolizer
	// File: the input is a saved log or a pipe, not a live port. The text
	// encoding is then detected (UTF-16 with or without a byte-order mark is
	// transcoded, a UTF-8 byte-order mark is reported), which holds back the
	// first 32 bytes until more arrive or Flush.
	File bool
	// Unredacted keeps auth tokens and Wi-Fi passwords in Raw, Summary,
	// Detail and Fields. Off by default: everything this package returns
	// may be printed or saved, so secrets are masked with '*' of the same
	// length (Raw keeps its length, so byte offsets still hold).
	Unredacted bool
}

// Decoder turns a serial byte stream into events. It is a pipeline of small
// stages: splitter (bytes to lines, host prefix stripped) -> garbage
// separator (74880-baud text read at another baud) -> block assemblers
// (crash dumps, two-line frame dumps, garbage runs) -> line classifiers (ROM,
// eboot, crash, Blynk, SDK Wi-Fi, core, TLS) -> reboot inference.
//
// Every input byte ends up in exactly one event's Raw, in order. A Decoder is
// not safe for concurrent use.
type Decoder struct {
	opts  Options
	split splitter
	out   []Event

	garbage       *Event // a run of unreadable lines being merged
	garbBad       int
	garbRun       int // garbage events since the last readable line
	crash         *crashBlock
	frameHdr      *Event // a frame header waiting for its body line
	frameWant     int
	frameHdrBytes [5]byte
	frameDir      byte
	lastMs        int64  // last Blynk [ms] seen in this boot, -1 after a reboot
	lastCrash     string // summary of a crash whose restart has not been seen yet
	logoLeft      int    // lines after "[ms] " that may be Blynk logo art
	// hostCause is a restart the host caused or allowed (a reset it
	// pulsed, a replug: see HostReset) whose evidence has not arrived yet;
	// the next boot sign carries it as "cause".
	hostCause string
	// booting is set from a restart until the sketch's first [ms] line:
	// unreadable bytes then are the ROM's boot text, not a new restart.
	booting bool

	tc          transcoder         // text encoding of a saved file (Options.File)
	seenStyles  map[string]bool    // input prefix styles already reported
	indentRun   int                // consecutive indented lines
	crNoted     bool               // bare-CR line ends reported
	lines       int                // lines seen
	content     bool               // a line other than blank or paste markup was seen (the first one may start mid-line)
	secretLeft  int                // login token characters still expected on the next dump line
	secretDir   byte               // that dump line's direction
	secretLine  int                // the line (d.lines) that left secretLeft
	frameLegacy bool               // frameHdr is a 0.3.x "<msg c,i,l" header: the body line has no [ms]
	afterSend   bool               // the previous line was AT+CIPSEND: this one may echo the frame (and its token)
	requests    map[request]string // open requests of BLYNK_DEBUG dumps -> command name
	lastPing    int64              // device millis of the last PING the device sent, -1 if none
	online      bool               // a "Ready" since the last connect attempt or restart
}

// New returns a Decoder.
func New(opts Options) *Decoder {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxLine <= 0 {
		opts.MaxLine = 4096
	}
	d := &Decoder{opts: opts, lastMs: -1, lastPing: -1}
	d.split = splitter{maxLine: opts.MaxLine, now: opts.Now}
	return d
}

// Feed decodes p and returns the events completed by it. Events for an
// unterminated line, an open crash dump or a frame header wait for more
// input or Flush. The returned slice belongs to the caller.
func (d *Decoder) Feed(p []byte) []Event {
	d.out = d.out[:0]
	if d.opts.File {
		p = d.input(p, false, false)
	}
	d.split.feed(p, d.onLine)
	return d.result()
}

// result copies the events out of the reused scratch slice, so the caller
// owns what it gets and the decoder does not regrow a slice per call.
func (d *Decoder) result() []Event {
	if len(d.out) == 0 {
		return nil
	}
	out := make([]Event, len(d.out))
	copy(out, d.out)
	clear(d.out) // drop references for the GC
	if cap(d.out) > 4096 {
		d.out = nil
	}
	return out
}

// Flush emits everything pending: a partial line (marked partial), an open
// crash dump, a frame header, a garbage run. A live monitor calls it when
// the port has been idle for a moment, so nothing waits for a newline that
// is not coming.
func (d *Decoder) Flush() []Event { return d.flush(false) }

// Close ends the input: like Flush, and a UTF-16 file's dangling odd byte
// or unpaired surrogate becomes U+FFFD (Flush keeps them: on a pipe that
// paused, their other half may still come).
func (d *Decoder) Close() []Event { return d.flush(true) }

func (d *Decoder) flush(end bool) []Event {
	d.out = d.out[:0]
	if d.opts.File {
		d.split.feed(d.input(nil, true, end), d.onLine)
	}
	d.split.flush(d.onLine)
	d.endGarbage()
	d.endCrash()
	d.endFrame()
	return d.result()
}

func (d *Decoder) emit(e Event) {
	if !d.opts.Unredacted {
		e.Raw = redactBinaryLogin(e.Raw)
		maskEvent(&e)
	}
	d.out = append(d.out, e)
}

// newEvent fills the common parts from a line.
func newEvent(l *line, kind Kind, sev Severity, summary string) Event {
	e := Event{Kind: kind, HostTime: l.host, DeviceMillis: -1, Raw: l.raw, Summary: summary, Severity: sev}
	if l.hostClock != "" {
		e.set("host_clock", l.hostClock)
	}
	if l.partial {
		e.set("partial", "true")
	}
	return e
}

func (e *Event) set(k, v string) {
	if e.Fields == nil {
		if k == "msg" {
			// Most lines carry only their catalogue id: share one
			// read-only map per id instead of allocating one per event.
			e.Fields = msgFields(v)
			e.sharedFields = true
			return
		}
		e.Fields = make(map[string]string)
	} else if e.sharedFields {
		m := make(map[string]string, 4)
		for mk, mv := range e.Fields {
			m[mk] = mv
		}
		e.Fields = m
		e.sharedFields = false
	}
	e.Fields[k] = v
}

var msgMaps sync.Map // msg id -> map[string]string{"msg": id}

func msgFields(v string) map[string]string {
	if m, ok := msgMaps.Load(v); ok {
		return m.(map[string]string)
	}
	m, _ := msgMaps.LoadOrStore(v, map[string]string{"msg": v})
	return m.(map[string]string)
}

func (e *Event) addDetail(s string) {
	if e.Detail == "" {
		e.Detail = s
	} else {
		e.Detail += "\n" + s
	}
}

// onLine runs the normalisation report, then the garbage-separation stage.
func (d *Decoder) onLine(l line) {
	d.lines++
	if d.split.crSeen && !d.crNoted {
		d.crNoted = true
		e := Event{Kind: KindInput, HostTime: l.host, DeviceMillis: -1, Severity: SevInfo}
		e.set("line_end", "cr")
		e.Summary = "input: lines end with a bare CR (no LF), as some terminal programs save them; split there"
		d.emit(e)
	}
	if l.layers != 0 {
		d.noteInput(&l)
	} else if d.indentRun > 0 && l.textEnd > l.textOff {
		d.indentRun = 0
	}
	t := l.text()
	cut, bad := splitGarbage(t)
	if bad == 0 {
		d.onClean(l)
		return
	}
	if cut >= len(t) {
		d.addGarbage(l, bad)
		return
	}
	// Garbage, then readable text on the same line (the ROM's last bytes
	// run into the sketch's first print): two events.
	at := l.textOff + cut
	g := line{raw: l.raw[:at], textOff: l.textOff, textEnd: at, host: l.host, hostClock: l.hostClock}
	d.addGarbage(g, bad)
	d.endGarbage()
	rest := line{raw: l.raw[at:], textOff: 0, textEnd: l.textEnd - at, host: l.host, partial: l.partial}
	d.onClean(rest)
}

func (d *Decoder) addGarbage(l line, bad int) {
	d.endFrame()
	if d.crash != nil {
		d.endCrash()
	}
	if d.garbage == nil {
		e := newEvent(&l, KindGarbage, SevWarn, "")
		d.garbage = &e
		d.garbBad = 0
	} else {
		d.garbage.Raw += l.raw
	}
	d.garbBad += bad
	if len(d.garbage.Raw) >= garbageMax {
		d.endGarbage() // a stream at the wrong baud must not grow one event forever
	}
}

// garbageMax bounds one garbage event; the ROM's boot text read at 115200
// is about 170 bytes, so more than this is a monitor at the wrong baud.
const garbageMax = 512

func (d *Decoder) endGarbage() {
	if d.garbage == nil {
		return
	}
	e := *d.garbage
	d.garbage = nil
	if binaryProtocol(&e) {
		d.emit(e) // not a reset: the protocol itself is on this UART
		return
	}
	e.set("bytes", strconv.Itoa(len(e.Raw)))
	e.set("unreadable", strconv.Itoa(d.garbBad))
	if d.garbBad < garbageMin {
		e.Kind, e.Severity = KindNoise, SevInfo
		e.Summary = strconv.Itoa(d.garbBad) + " unreadable byte(s): line noise, or the tail of boot output"
		d.emit(e)
		return
	}
	d.garbRun++
	if d.garbRun > 1 {
		e.set("continued", "true")
		e.Summary = "more unreadable bytes: if this goes on, the monitor's baud rate does not match the sketch's Serial.begin()"
		d.emit(e)
		return
	}
	// Unreadable bytes alone prove nothing about a restart: a noisy line,
	// a loose ground or a glitch prints the same on a board that keeps
	// running. They are the ROM's boot text only where a restart is known
	// from something else: a crash dump just before (the core restarts
	// after printing it), a restart the host caused, or a boot already
	// under way. Otherwise a restart shows later as the sketch's millis
	// counter starting again (a "reboot" event).
	const romDetail = "The ESP8266 boot ROM always prints at 74880 baud (115200 x 26/40: it assumes a 40 MHz crystal, the D1 mini has 26 MHz). " +
		"At the sketch's baud rate that text arrives as random bytes. " +
		"To read it (reset cause, boot mode), monitor at 74880: `blynkbridge monitor --baud 74880`, or decode a log captured at 74880."
	switch {
	case d.lastCrash != "":
		e.Summary = "unreadable bytes: the boot ROM's 74880-baud message as the board restarts after the crash"
		e.Detail = romDetail
		e.set("reset", "crash")
		d.reboot(&e, "garbage")
	case d.hostCause != "":
		e.Summary = "unreadable bytes: the boot ROM's 74880-baud message as the board starts (" + d.hostCause + ")"
		e.Detail = romDetail
		e.set("reset", "host")
		d.reboot(&e, "garbage")
	case d.booting:
		e.Summary = "unreadable bytes: the rest of the boot ROM's 74880-baud message"
		e.Detail = romDetail
		e.set("reset", "boot")
	case d.lastMs >= 0:
		e.Summary = "unreadable bytes while the sketch runs: line noise, or a restart whose boot text was read at the wrong baud (a restart shows as the sketch's counter starting again)"
		e.Detail = "A board that restarts prints its boot ROM text at 74880 baud, which reads as random bytes at the sketch's rate; but noise on the line looks the same. " +
			"The monitor counts a restart only from a ROM banner, a restart it caused, a crash dump, or the sketch's millis counter going back."
	default:
		e.Summary = "unreadable bytes: the boot ROM's 74880-baud message read at another baud rate if the board just started, or line noise (not counted as a restart)"
		e.Detail = "A board that restarts prints its boot ROM text at 74880 baud, which reads as random bytes at the sketch's rate; but noise on the line looks the same. " +
			"The monitor counts a restart only from a ROM banner, a restart it caused, a crash dump, or the sketch's millis counter going back."
	}
	d.emit(e)
}

// garbageMin unreadable bytes make a reset; fewer are noise (a glitch when
// the USB adapter opens, one stray byte before the sketch's first line).
const garbageMin = 6

// splitGarbage finds unreadable bytes: control characters (but tab), bytes
// that are not valid UTF-8, and the replacement glyphs a monitor shows for
// them (U+FFFD, U+2E2E "⸮"). It returns where readable text resumes and how
// many unreadable bytes precede it; bad == 0 means the line is clean.
func splitGarbage(t string) (cut, bad int) {
	i := 0
	for i < len(t) && t[i] >= 0x20 && t[i] < 0x7f {
		i++
	}
	if i == len(t) {
		return len(t), 0 // fast path: plain ASCII
	}
	last := -1
	runes, symBytes, sym, symLast := 0, 0, 0, -1
	lat, latBytes, badRunes := 0, 0, 0 // Latin-1 letters: garbage only among symbols
	for i < len(t) {
		c := t[i]
		runes++
		switch {
		case c >= 0x20 && c < 0x7f, c == '\t':
			i++
		case c < 0x80:
			bad++
			i++
			last = i
		default:
			r, n := decodeRune(t[i:])
			switch {
			case r < 0 || r == 0xFFFD || r == 0x2E2E || r == 0x2592:
				// invalid UTF-8, or the glyph a monitor shows for it:
				// U+FFFD, U+2E2E "⸮" (Arduino IDE), U+2592 "▒" (some terminals)
				bad += n
				badRunes++
				last = i + n
			case mojibake(r):
				sym++
				symBytes += n
				symLast = i + n
			case r >= 0xC0 && r <= 0xFF:
				lat++
				latBytes += n
				symLast = max(symLast, i+n)
			}
			i += n
		}
	}
	// Bytes shown as Windows-1252 / Latin-1 symbols ("…ÕZªP‚,JHV¥¡") are
	// garbage too when they, accented letters and replacement glyphs make a
	// fifth of the line: words in European languages use letters, and at
	// most a symbol or two ("°C"), not "ª ¥ ‚ ¡ ®".
	if sym >= 3 && (sym+lat+badRunes)*5 >= runes {
		bad += symBytes + latBytes
		last = max(last, symLast)
	}
	if bad == 0 {
		return len(t), 0
	}
	rest := t[last:]
	if k := anchor(rest); k >= 0 {
		return last + k, bad
	}
	// Unreadable bytes but no known line start after them: a line that is
	// mostly text is text with stray bytes (printf of a raw byte).
	if bad*4 < len(t) {
		return 0, 0
	}
	return len(t), bad
}

// mojibake: a symbol that a byte of another encoding turns into when a
// Windows terminal shows serial garbage as Windows-1252: Latin-1 punctuation
// and signs (U+00A0-U+00BF, U+00D7, U+00F7), the C1-range substitutes of
// Windows-1252, and Arabic/N'Ko letters some terminals pick for the high bytes.
func mojibake(r rune) bool {
	switch {
	case r >= 0xA0 && r <= 0xBF, r == 0xD7, r == 0xF7:
		return true
	case r >= 0x152 && r <= 0x192 && (r == 0x152 || r == 0x153 || r == 0x160 || r == 0x161 || r == 0x178 || r == 0x17D || r == 0x17E || r == 0x192):
		return true
	case r == 0x2C6 || r == 0x2DC:
		return true
	case r >= 0x2013 && r <= 0x203A && r != 0x2015:
		return true
	case r == 0x20AC || r == 0x2122:
		return true
	case r >= 0x600 && r <= 0x7FF: // Arabic, Syriac, Thaana, N'Ko: "ۃ", "ې" in ESP32 garbage
		return true
	}
	return false
}

// decodeRune is utf8.DecodeRuneInString returning -1 for invalid input.
func decodeRune(s string) (rune, int) {
	c := s[0]
	var n int
	var r rune
	switch {
	case c&0xE0 == 0xC0:
		n, r = 2, rune(c&0x1F)
	case c&0xF0 == 0xE0:
		n, r = 3, rune(c&0x0F)
	case c&0xF8 == 0xF0:
		n, r = 4, rune(c&0x07)
	default:
		return -1, 1
	}
	if len(s) < n {
		return -1, 1
	}
	for i := 1; i < n; i++ {
		if s[i]&0xC0 != 0x80 {
			return -1, 1
		}
		r = r<<6 | rune(s[i]&0x3F)
	}
	if (n == 2 && r < 0x80) || (n == 3 && r < 0x800) || (n == 4 && r < 0x10000) {
		return -1, 1
	}
	return r, n
}

var anchors = []string{"ets Jan", "SDK:", "BSSL:", "---------------", "Exception (", "Soft WDT", ">>>stack", "Fatal exception", "mode : ", "scandone", "Panic ", "Abort called"}

// anchor finds the start of a recognisable line inside s.
func anchor(s string) int {
	best := -1
	for _, a := range anchors {
		if k := strings.Index(s, a); k >= 0 && (best < 0 || k < best) {
			best = k
		}
	}
	for k := 0; k+2 < len(s); k++ {
		if s[k] == '[' && isDigit(s[k+1]) {
			j := k + 1
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			if j < len(s) && s[j] == ']' && (best < 0 || k < best) {
				best = k
			}
			break
		}
	}
	return best
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// onClean routes a readable line through the block assemblers, then the
// classifiers.
func (d *Decoder) onClean(l line) {
	t := l.text()
	if d.garbage != nil {
		if t == "" && !l.partial {
			d.garbage.Raw += l.raw // blank lines inside a garbage run
			return
		}
		d.endGarbage()
	}
	if t != "" {
		d.garbRun = 0
	}
	if d.crash != nil {
		if d.crash.take(&l, t) {
			return
		}
		d.endCrash()
	}
	if d.frameHdr != nil {
		if d.frameBody(&l, t) {
			return
		}
		d.endFrame()
	}
	if startsCrash(t) || stackFragment(t) {
		d.crash = newCrashBlock(&l)
		d.crash.take(&l, t)
		return
	}
	d.classify(&l, t)
}

// classify handles single lines.
func (d *Decoder) classify(l *line, t string) {
	if t == "" {
		e := newEvent(l, KindBlank, SevDebug, "")
		d.emit(e)
		return
	}
	if l.timeStyle == timeMonitor && strings.HasPrefix(t, "-- ") {
		e := newEvent(l, KindNote, SevInfo, "note by blynkbridge monitor: "+t[3:])
		e.Detail = "Written by the monitor into its --log file, not received from the board."
		d.emit(e)
		return
	}
	if e, ok := pasteLine(l, t); ok {
		d.emit(e)
		return
	}
	first := !d.content
	d.content = true
	afterSend := d.afterSend
	d.afterSend = false
	if t[0] == '[' {
		if ms, msg, ok := blynkPrefix(t); ok {
			d.blynkLine(l, ms, msg)
			return
		}
	}
	if k, ms, msg, ok := d.blynkAfterJunk(t, afterSend, first); ok {
		if afterSend && !d.opts.Unredacted {
			// The AT firmware echoed the frame it sent: the login's token.
			l.raw = maskWords(l.raw, l.textOff, l.textOff+k, 16)
		}
		n := len(d.out)
		d.blynkLine(l, ms, msg)
		if len(d.out) > n {
			e := &d.out[len(d.out)-1]
			if k == 0 {
				e.set("fragment", "true")
				e.addDetail("The log starts in the middle of this line: its first characters (the \"[\" of the [ms] stamp) were not captured or not pasted.")
			} else {
				e.set("junk_before", strconv.Itoa(k))
				if afterSend {
					e.addDetail("The " + strconv.Itoa(k) + " bytes before the [ms] stamp are the frame the AT firmware just sent, echoed (a login's auth token is masked).")
				} else {
					e.addDetail("The " + strconv.Itoa(k) + " byte(s) before the [ms] stamp are not the library's (a stray character of other output).")
				}
			}
		}
		return
	}
	if afterSend {
		d.echoedFrame(l, t)
		return
	}
	if d.logoLeft > 0 {
		d.logoLeft--
		if e, ok := logoLine(l, t); ok {
			if e.Kind == KindBlynkBanner {
				d.logoLeft = 2 // the #StandWithUkraine line may follow
			}
			d.emit(e)
			return
		}
	}
	if e, ok := romLine(l, t); ok {
		if e.Kind == KindROMBanner {
			d.endFrame()
			d.reboot(&e, "banner")
		}
		d.emit(e)
		return
	}
	if e, ok := sdkLine(l, t); ok {
		if e.Fields["msg"] == "core-version" {
			d.reboot(&e, "core-banner")
		}
		d.emit(e)
		return
	}
	if e, ok := logoArt(l, t); ok {
		d.emit(e)
		return
	}
	if e, ok := appLine(l, t); ok {
		d.afterSend = strings.HasPrefix(t, "AT+CIPSEND")
		d.emit(e)
		return
	}
	if e, ok := infoLine(l, t); ok {
		e.Summary += " (Blynk.IoT / Edgent device information)"
		d.emit(e)
		return
	}
	e := newEvent(l, KindText, SevInfo, "")
	if hasControl(t) {
		binaryProtocol(&e) // mostly printable frames (a login): still the protocol, not text
	}
	d.emit(e)
}

// blynkAfterJunk finds a Blynk "[ms] text" line behind something else: a
// stray character ("+[34157] Switching to STA"), the AT firmware's echo of
// the frame it sent (afterSend), or nothing at all on the very first line
// of a log that starts mid-line ("2689] Using default config."). k is how
// many bytes precede the stamp (0: the "[" itself is missing).
func (d *Decoder) blynkAfterJunk(t string, afterSend, first bool) (k int, ms int64, msg string, ok bool) {
	if first && isDigit(t[0]) {
		if ms, msg, ok := blynkPrefix("[" + t); ok && msg != "" && msg[0] != '[' {
			return 0, ms, msg, true
		}
	}
	limit := 3
	if afterSend {
		limit = 200
	}
	for i := 1; i < len(t) && i <= limit; i++ {
		if t[i] != '[' || !isDigit(t[i-1]) && t[i-1] != '+' && t[i-1] != '>' && t[i-1] != ' ' && !afterSend && i > 1 {
			continue
		}
		if ms, msg, ok := blynkPrefix(t[i:]); ok && msg != "" {
			return i, ms, msg, true
		}
	}
	return 0, 0, "", false
}

// echoedFrame: the line after an AT+CIPSEND is the frame the AT firmware
// was given, echoed with its binary header bytes shown as blanks (or not
// at all): a login (auth token: masked) or the info packet.
func (d *Decoder) echoedFrame(l *line, t string) {
	if !d.opts.Unredacted {
		l.raw = maskWords(l.raw, l.textOff, l.textEnd, 16)
	}
	e := newEvent(l, KindBlynkFrame, SevDebug, "")
	e.set("echo", "at-firmware")
	f := strings.Fields(t)
	if i := slices.Index(f, "h-beat"); i >= 0 {
		var parts []string
		for j := 0; j+1 < len(f); j++ {
			if w := infoKeys[f[j]]; w != "" {
				parts = append(parts, w+" "+f[j+1])
			}
		}
		e.Summary = "the info packet as echoed by the AT firmware: " + strings.Join(parts, ", ")
	} else {
		e.Summary = "the frame the AT firmware sent, echoed (after a connect: the login with its auth token, masked here)"
		e.set("frame", "login")
	}
	if strings.Contains(t, "+CIPCLOSE") || strings.HasSuffix(t, "AT+CIPCLOSE") {
		e.Summary += "; then the connection is closed (CIPCLOSE): the server dropped it or the library gave up"
		e.set("closed", "true")
	}
	d.emit(e)
}

func hasControl(t string) bool {
	for i := 0; i < len(t); i++ {
		if t[i] < 0x20 && t[i] != '\t' {
			return true
		}
	}
	return false
}

// HostReset tells the decoder that the host pulsed the board's reset, or
// saw it unplugged and back, with cause saying which ("reset by the
// monitor", "plugged back in"). The next sign of a boot (ROM banner, boot
// text read as unreadable bytes, the millis counter starting again) is
// then tagged with that cause, so a diagnosis does not count it as the
// board restarting on its own. It returns the events it completes (a
// partial line, an open dump) first.
func (d *Decoder) HostReset(cause string) []Event {
	evs := d.Flush()
	d.hostCause = cause
	return evs
}

// reboot notes a restart seen in e: it resets the Blynk millis tracking and
// ties the restart to a crash reported just before it.
func (d *Decoder) reboot(e *Event, how string) {
	d.lastMs = -1
	d.lastPing = -1
	d.online = false
	d.logoLeft = 0
	d.booting = true
	if how == "core-banner" {
		return // printed at Serial.begin(): a boot, but not a proof of a reset here
	}
	if d.hostCause != "" {
		e.set("cause", d.hostCause)
		e.addDetail("The host caused or allowed this restart (" + d.hostCause + "); it is not the board's doing.")
		d.hostCause = ""
	}
	if d.lastCrash != "" {
		e.set("after_crash", d.lastCrash)
		e.addDetail("This restart is the reboot after the crash above (" + d.lastCrash + "). " +
			"The ROM's rst cause is not updated by such restarts: it repeats the previously latched cause.")
		d.lastCrash = ""
	}
}
