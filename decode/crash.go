package decode

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// crashBlock assembles one core postmortem dump, in any of the layouts of
// cores 2.3 … 3.1.2 and master, into one event.
type crashBlock struct {
	raw   strings.Builder
	host  time.Time
	clock string

	typ        string // exception, soft-wdt, hw-wdt, panic, abort, cpp-exception, stack-overflow, stack-smash, generic, sdk-fatal, oom
	header     string
	exc        int
	regs       [5]uint32 // epc1 epc2 epc3 excvaddr depc
	haveRegs   bool
	ctx        []string
	sp         string
	end        string
	offset     string
	rows       []stackRow
	allocPC    uint32
	allocSize  string
	allocAt    string
	allocCall  uint32
	panicText  string
	assertText string
	suffix     string

	cuts        int
	headless    bool // started at a stack row: the header was not captured
	ctxFirst    bool // "ctx:" before ">>>stack>>>": the layout of core 2.4 and older
	cutRow      bool // a stack row cut short
	stackOpen   bool
	stackClosed bool
	closed      bool // closing cut line seen: only "last failed alloc caller" may follow
	interleaved int
	content     bool
	lines       int
}

type stackRow struct {
	addr  uint32
	words [4]uint32
}

var (
	reCut      = regexp.MustCompile(`^-{15} CUT HERE FOR EXCEPTION DECODER -{15}$`)
	reExc      = regexp.MustCompile(`^Exception \((\d+)\):`)
	reRegs     = regexp.MustCompile(`^epc1=0x([0-9a-f]{8}),? epc2=0x([0-9a-f]{8}),? epc3=0x([0-9a-f]{8}),? excvaddr=0x([0-9a-f]{8}),? depc=0x([0-9a-f]{8})(.*)$`)
	reFatal    = regexp.MustCompile(`^Fatal exception (\d+)\((\w+)\):`)
	reCtx      = regexp.MustCompile(`^ctx: (cont|sys|bearssl|ROM)\s*$`)
	reSP       = regexp.MustCompile(`^sp: ([0-9a-f]{8}) end: ([0-9a-f]{8}) offset: ([0-9a-f]{4})\s*$`)
	rePanic    = regexp.MustCompile(`^Panic (\S+?)(?::(\d+) (\S+?))?(?:: Assertion '(.*)' failed\.)?$`)
	reAlloc    = regexp.MustCompile(`last failed alloc call: ([0-9A-Fa-f]{8})\((\d+)\)(?:@(.+):(\d+))?`)
	reAllocCal = regexp.MustCompile(`^last failed alloc caller: 0x([0-9a-f]{8})`)
)

// parseRow reads "3fffff30:  3fffdad0 00000000 3ffee5f4 40201059  <"
// without a regexp: stack rows are most of a dump.
func parseRow(t string) (stackRow, bool) {
	var r stackRow
	if len(t) < 9+4*9 || t[8] != ':' {
		return r, false
	}
	a, ok := hexWord(t[:8])
	if !ok {
		return r, false
	}
	r.addr = a
	i := 9
	for i < len(t) && (t[i] == ' ' || t[i] == '\t') {
		i++
	}
	for w := 0; w < 4; w++ {
		if i+8 > len(t) {
			return r, false
		}
		v, ok := hexWord(t[i : i+8])
		if !ok {
			return r, false
		}
		r.words[w] = v
		i += 8
		if w < 3 {
			if i >= len(t) || t[i] != ' ' {
				return r, false
			}
			i++
		}
	}
	for ; i < len(t); i++ {
		if c := t[i]; c != ' ' && c != '<' && c != '\t' {
			return r, false
		}
	}
	return r, true
}

func hexWord(s string) (uint32, bool) {
	var v uint32
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | uint32(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | uint32(c-'a'+10)
		default:
			return 0, false
		}
	}
	return v, true
}

// startsCrash: lines that can only begin a postmortem dump.
func startsCrash(t string) bool {
	if len(t) < 5 {
		return false
	}
	switch t[0] {
	case '-':
		return len(t) == 62 && reCut.MatchString(t)
	case 'E':
		return strings.HasPrefix(t, "Exception (") && reExc.MatchString(t)
	case 'F':
		return strings.HasPrefix(t, "Fatal exception ") && reFatal.MatchString(t)
	case 'S':
		return strings.HasPrefix(t, "Soft WDT reset") || strings.HasPrefix(t, "Stack overflow detected") || strings.HasPrefix(t, "Stack smashing detected")
	case 'P':
		return strings.HasPrefix(t, "Panic ")
	case 'A':
		return t == "Abort called"
	case 'U':
		return strings.HasPrefix(t, "Unhandled C++ exception: ") || strings.HasPrefix(t, "User exception (panic/abort/assert)")
	case 'H':
		return t == "Hardware WDT reset"
	case 'T':
		return strings.HasPrefix(t, "To make this dump useful, DECODE IT")
	case '>':
		return t == ">>>stack>>>" || t == ">>>pc>>>"
	case 'c':
		return strings.HasPrefix(t, "ctx: ") && reCtx.MatchString(t) // cores <= 2.4 print ctx before >>>stack>>>
	case 'G':
		return t == "Generic Reset"
	case 'l':
		return strings.HasPrefix(t, "last failed alloc call: ")
	}
	return false
}

func newCrashBlock(l *line) *crashBlock {
	c := &crashBlock{host: l.host, clock: l.hostClock, exc: -1}
	if stackFragment(l.text()) {
		c.stackOpen, c.headless = true, true // the dump's head was not captured
	}
	return c
}

// stackFragment: a stack row ("3ffffc70:  00000000 ...") with no dump open:
// a paste that starts in the middle of a crash dump.
func stackFragment(t string) bool {
	if len(t) < 45 || t[0] != '3' || t[1] != 'f' || t[2] != 'f' {
		return false
	}
	_, ok := parseRow(strings.TrimRight(t, " \t"))
	return ok
}

// partialRow: a stack row cut short ("3ffffe30:  00000000 0000000"), as a
// log that ends mid-line or a paste trimmed by the forum leaves it.
func partialRow(t string) bool {
	if len(t) < 9 || t[8] != ':' {
		return false
	}
	if _, ok := hexWord(t[:8]); !ok {
		return false
	}
	for i := 9; i < len(t); i++ {
		if c := t[i]; c != ' ' && !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func hexU32(s string) uint32 {
	v, _ := strconv.ParseUint(s, 16, 32)
	return uint32(v)
}

// take offers a line to the block; false means the block is over and the
// line belongs to whatever comes next.
func (c *crashBlock) take(l *line, t string) bool {
	t = strings.TrimRight(t, " \t")
	ok := c.parse(t)
	if !ok {
		return false
	}
	c.raw.WriteString(l.raw)
	c.lines++
	return true
}

func (c *crashBlock) setType(typ, header string) {
	if c.typ == "" || c.typ == "user" || c.typ == "oom" {
		c.typ, c.header = typ, header
	}
}

func (c *crashBlock) parse(t string) bool {
	if c.closed {
		if !strings.HasPrefix(t, "last failed alloc caller") {
			return t == "" && c.lines < 200
		}
		if m := reAllocCal.FindStringSubmatch(t); m != nil {
			c.allocCall = hexU32(m[1])
			return true
		}
		return t == "" && c.lines < 200
	}
	if t == "" {
		return true
	}
	if t[0] == '-' && reCut.MatchString(t) {
		if c.content {
			c.closed = true
		}
		c.cuts++
		return true
	}
	// A new crash header after a finished stack is the next crash.
	if c.stackClosed && startsCrash(t) && t[0] != '-' && !strings.HasPrefix(t, "last failed alloc") {
		return false
	}
	if c.stackOpen && !c.stackClosed {
		if r, ok := parseRow(t); ok {
			c.rows = append(c.rows, r)
			return true
		}
		if partialRow(t) {
			c.cutRow = true
			return true
		}
	}
	switch {
	case strings.HasPrefix(t, "To make this dump useful"):
		return true
	case strings.HasPrefix(t, "User exception (panic/abort/assert)"):
		// Printed before the first cut line: not content yet, so that cut
		// line still opens the dump.
		c.setType("user", "User exception")
		return true
	case t[0] == 'E' && reExc.MatchString(t):
		n, _ := strconv.Atoi(reExc.FindStringSubmatch(t)[1])
		c.exc = n
		c.setType("exception", fmt.Sprintf("Exception (%d)", n))
	case t[0] == 'F' && reFatal.MatchString(t):
		n, _ := strconv.Atoi(reFatal.FindStringSubmatch(t)[1])
		c.exc = n
		c.setType("sdk-fatal", fmt.Sprintf("Fatal exception %d", n))
	case t[0] == 'e' && reRegs.MatchString(t):
		m := reRegs.FindStringSubmatch(t)
		for i := 0; i < 5; i++ {
			c.regs[i] = hexU32(m[1+i])
		}
		c.haveRegs = true
		c.suffix = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(m[6]), "-"))
	case strings.HasPrefix(t, "Soft WDT reset"):
		c.setType("soft-wdt", "Soft WDT reset")
		if i := strings.Index(t, " - "); i > 0 {
			c.suffix = t[i+3:]
		}
	case t == "Hardware WDT reset":
		c.setType("hw-wdt", "Hardware WDT reset")
	case strings.HasPrefix(t, "Stack overflow detected"):
		c.setType("stack-overflow", "Stack overflow detected")
	case strings.HasPrefix(t, "Stack smashing detected"):
		c.setType("stack-smash", "Stack smashing detected")
	case t == "Abort called":
		c.setType("abort", "Abort called")
	case t == "Generic Reset":
		c.setType("generic", "Generic Reset")
	case strings.HasPrefix(t, "Unhandled C++ exception: "):
		c.setType("cpp-exception", "Unhandled C++ exception")
		c.panicText = strings.TrimPrefix(t, "Unhandled C++ exception: ")
	case strings.HasPrefix(t, "Panic "):
		c.setType("panic", "Panic")
		if m := rePanic.FindStringSubmatch(t); m != nil && m[2] != "" {
			c.panicText = m[1] + ":" + m[2] + " " + m[3]
			c.assertText = m[4]
		} else {
			c.panicText = strings.TrimPrefix(t, "Panic ")
		}
	case t == ">>>stack>>>":
		c.stackOpen = true
	case t == "<<<stack<<<":
		c.stackClosed = true
	case t == ">>>pc>>>" || t == "<<<pc<<<":
	case t[0] == 'c' && reCtx.MatchString(t):
		c.ctx = append(c.ctx, reCtx.FindStringSubmatch(t)[1])
		if !c.stackOpen {
			c.ctxFirst = true
		}
	case t[0] == 's' && reSP.MatchString(t):
		m := reSP.FindStringSubmatch(t)
		c.sp, c.end, c.offset = m[1], m[2], m[3]
	case t[0] == 'l' && reAlloc.MatchString(t):
		m := reAlloc.FindStringSubmatch(t)
		c.allocPC = hexU32(m[1])
		c.allocSize = m[2]
		if m[3] != "" {
			c.allocAt = m[3] + ":" + m[4]
		}
		c.setType("oom", "last failed alloc")
	default:
		// Not part of a dump. Before the stack ends, allow a few lines from
		// the other UART / the sketch interleaved with the dump; a Blynk log
		// line or a banner means the dump is over (cut short by the reset).
		if c.stackClosed || strings.HasPrefix(t, "[") || strings.Contains(t, "ets Jan") || c.interleaved >= 8 {
			return false
		}
		c.interleaved++
		return true
	}
	c.content = true
	return true
}

// endCrash closes the open block and emits its event.
func (d *Decoder) endCrash() {
	c := d.crash
	if c == nil {
		return
	}
	d.crash = nil
	l := line{raw: c.raw.String(), host: c.host, hostClock: c.clock}
	e := newEvent(&l, KindCrash, SevError, "")
	if c.typ == "" && len(c.rows) == 0 && !c.haveRegs {
		// Only cut lines / interleaved text: not a crash after all.
		e.Kind, e.Severity = KindText, SevInfo
		e.Summary = "crash-decoder marker without a dump"
		d.emit(e)
		return
	}
	d.describeCrash(c, &e)
	if d.lastMs >= 0 {
		// The last Blynk stamp before the dump: roughly the uptime at the crash.
		e.set("last_ms", strconv.FormatInt(d.lastMs, 10))
	}
	d.lastCrash = e.Fields["crash"]
	d.emit(e)
}

func (d *Decoder) describeCrash(c *crashBlock, e *Event) {
	typ := c.typ
	if typ == "" && c.headless {
		typ = "stack-only"
	}
	if typ == "" || typ == "user" {
		typ = "generic"
	}
	e.set("type", typ)
	var what, detail string
	cause := causeOf(c.exc)
	if c.exc >= 0 {
		e.set("exception", strconv.Itoa(c.exc))
		e.set("cause", cause.name)
	}
	switch typ {
	case "exception", "sdk-fatal":
		what = fmt.Sprintf("Exception (%d) %s: %s", c.exc, cause.name, cause.meaning)
		if cause.vaddr && c.haveRegs {
			what += " at address " + hex8(c.regs[3])
			if c.regs[3] < 0x1000 && (c.exc == 28 || c.exc == 29) {
				what += fmt.Sprintf(" (a NULL pointer plus %d)", c.regs[3])
			}
		}
		if cause.arduino != "" {
			detail = "Usually: " + cause.arduino + "."
		}
		if c.exc == 0 && c.regs[0] == 0x4000dce5 {
			detail = "epc1=0x4000dce5 is the ROM division helper: on cores before 3.0 this is a division by zero."
		}
	case "soft-wdt":
		what = "software watchdog reset: setup(), loop() or a callback ran about 3 seconds without yielding"
		detail = "Something blocked: a while() waiting for a pin or a network reply, a long computation, or a delay() inside a callback. Call yield() or delay(0) inside long loops; never block in interrupt or Wi-Fi callbacks."
		if c.suffix != "" {
			detail += " The core says: " + c.suffix + "."
		}
	case "hw-wdt":
		what = "hardware watchdog reset (dump from the HWDT stack-dump option)"
		detail = "Interrupts were off, or an ISR/IRAM loop ran, for several seconds, so even the software watchdog could not run."
	case "panic":
		what = "panic: " + c.panicText
		if c.assertText != "" {
			what += ": assertion '" + c.assertText + "' failed"
			e.set("assert", c.assertText)
		}
		e.set("panic", c.panicText)
		switch {
		case strings.Contains(c.panicText, "__yield"):
			detail = "yield() or delay() was called from the system context (a Wi-Fi event handler, Ticker or async callback), where it is not allowed. Set a flag in the callback and do the work in loop()."
		case strings.Contains(c.panicText, "loop_task"):
			detail = "the core's loop task found the sketch's stack corrupted or re-entered; look for a stack overflow (big local arrays) or a callback calling into loop code."
		}
	case "abort":
		what = "abort() was called (by the sketch, a library, or a failed new/malloc in C++ code)"
	case "cpp-exception":
		what = "an uncaught C++ exception: " + c.panicText
		e.set("what", c.panicText)
		if strings.Contains(c.panicText, "bad_alloc") {
			detail = "std::bad_alloc: memory ran out (heap exhausted or fragmented)."
		}
	case "stack-overflow":
		what = "the sketch's 4 KiB stack overflowed"
		detail = "Large local arrays or deep recursion in setup()/loop(). Make big buffers static or global."
	case "stack-smash":
		what = "stack smashing detected: a local array was written past its end"
	case "oom":
		what = "memory allocation failed"
	case "stack-only":
		what = "the stack block of a crash dump whose head (the exception line, the registers) is not in this log, so the cause is not known"
		detail = "The paste starts in the middle of the dump. The code addresses below are candidates; the first lines of the dump (Exception (N), epc1=...) say what happened."
	default:
		what = "reset by the core without a specific cause (Generic Reset)"
	}
	if c.allocPC != 0 || c.allocSize != "" {
		e.set("alloc_pc", hex8(c.allocPC))
		e.set("alloc_size", c.allocSize)
		if c.allocAt != "" {
			e.set("alloc_at", c.allocAt)
		}
		oom := "the last failed allocation asked for " + c.allocSize + " bytes (called from " + hex8(c.allocPC)
		if c.allocAt != "" {
			oom += " at " + c.allocAt
		}
		oom += "): memory was short before the crash."
		if detail != "" {
			detail += "\n"
		}
		detail += strings.ToUpper(oom[:1]) + oom[1:]
	}
	if c.haveRegs {
		names := [5]string{"epc1", "epc2", "epc3", "excvaddr", "depc"}
		for i, n := range names {
			e.set(n, hex8(c.regs[i]))
		}
		if c.regs[4] != 0 {
			detail += "\ndepc is not zero: a double exception (an exception while handling one), usually a stack overflow."
		}
	}
	if len(c.ctx) > 0 {
		e.set("ctx", strings.Join(c.ctx, ","))
		switch c.ctx[0] {
		case "cont":
			detail += "\nctx: cont - it happened in setup()/loop() code (the sketch's own stack)."
		case "sys":
			detail += "\nctx: sys - it happened in system context: a Wi-Fi/lwIP callback, Ticker or interrupt, not in loop()."
		case "bearssl":
			detail += "\nctx: bearssl - it happened on BearSSL's own stack, during TLS."
		}
	}
	if c.sp != "" {
		e.set("sp", c.sp)
		e.set("stack_end", c.end)
		e.set("stack_offset", c.offset)
	}
	if len(c.rows) > 0 {
		words := make([]byte, 0, len(c.rows)*36)
		for _, r := range c.rows {
			for _, w := range r.words {
				if len(words) > 0 {
					words = append(words, ' ')
				}
				h := hex8(w)
				words = append(words, h[2:]...)
			}
		}
		e.set("stack_words", string(words))
	}
	if c.interleaved > 0 {
		e.set("interleaved_lines", strconv.Itoa(c.interleaved))
		detail += fmt.Sprintf("\n%d line(s) of other output were interleaved with the dump.", c.interleaved)
	}
	if c.cutRow {
		e.set("truncated", "true")
		detail += "\nThe last stack row is cut short: the log (or the paste) ends in the middle of the dump."
	} else if !c.stackClosed && c.stackOpen {
		e.set("truncated", "true")
		detail += "\nThe dump is cut short (no <<<stack<<<): the chip reset, or the log ends, while it was printed."
	}
	label := c.header
	if typ == "exception" || typ == "sdk-fatal" {
		label = fmt.Sprintf("Exception (%d) %s", c.exc, cause.name)
	}
	if label == "" && typ == "stack-only" {
		label = "a crash whose header is not in the log"
	}
	if label == "" {
		label = typ
	}
	e.set("crash", label)
	d.symbolize(c, e, cause)
	e.Summary = "crash: " + what
	if len(e.Frames) > 0 && len(e.Frames[0].Loc) > 0 && e.Frames[0].Source == "epc1" {
		f := e.Frames[0].Loc[0]
		e.Summary += " - in " + f.Func
		if f.Line > 0 {
			e.Summary += " (" + shortFile(f.File) + ":" + strconv.Itoa(f.Line) + ")"
		}
		if n := len(e.Frames[0].Loc); n > 1 {
			e.Summary += " inlined into " + e.Frames[0].Loc[n-1].Func
		}
	}
	// Where the addresses lie and which core printed the dump, after the
	// backtrace: the first lines stay what happened and where.
	var more string
	if c.haveRegs && (typ == "exception" || typ == "sdk-fatal") {
		more += "\nepc1 " + hex8(c.regs[0]) + " (the instruction that failed) is in " + regionWords(c.regs[0]) + "."
		if cause.vaddr {
			more += "\nexcvaddr " + hex8(c.regs[3]) + " (the address it accessed) is in " + regionWords(c.regs[3]) + "."
		}
	}
	if layout := c.layout(); layout != "" {
		e.set("layout", layout)
		more += "\nThe dump's layout is that of " + layoutWords[layout] + "."
	}
	e.Detail = strings.TrimLeft(detail+e.Detail+more, "\n")
}

func pad8(s string) string {
	if len(s) >= 8 {
		return s
	}
	return s + "        "[:8-len(s)]
}

func shortFile(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// symbolize collects the dump's code addresses in dump order (epc1,
// excvaddr when meaningful, every stack word in a code range, the failed
// alloc caller) and resolves them against the ELF, skipping stack words
// that are not plausible return addresses.
func (d *Decoder) symbolize(c *crashBlock, e *Event, cause excCause) {
	type cand struct {
		src   string
		addr  uint32
		where uint32
	}
	var cands []cand
	if c.haveRegs && isCodeAddr(c.regs[0]) {
		cands = append(cands, cand{"epc1", c.regs[0], 0})
	}
	if c.haveRegs && cause.vaddr && isCodeAddr(c.regs[3]) {
		cands = append(cands, cand{"excvaddr", c.regs[3], 0})
	}
	for _, r := range c.rows {
		for i, w := range r.words {
			if isCodeAddr(w) {
				cands = append(cands, cand{"stack", w, r.addr + uint32(4*i)})
			}
		}
	}
	if c.allocPC != 0 && isCodeAddr(c.allocPC) {
		cands = append(cands, cand{"alloc", c.allocPC, 0})
	}
	if c.allocCall != 0 && isCodeAddr(c.allocCall) {
		cands = append(cands, cand{"alloc-caller", c.allocCall, 0})
	}
	if len(cands) == 0 {
		return
	}
	s := d.opts.ELF
	var b strings.Builder
	var skipped []string
	// The ELF-match verdict, decided once before anything is named: an ELF
	// that does not hold the crash's code would name the wrong functions,
	// so a mismatched one names none (the summary, the diagnosis, JSON and
	// the TUI all read Fields["elf"] and Frames).
	outside, inCode := 0, 0
	var outsideAddrs []string
	epcOutside := false
	if s != nil {
		for _, cd := range cands {
			if region(cd.addr) == "rom" {
				continue
			}
			inCode++
			if !s.InText(cd.addr) {
				outside++
				if len(outsideAddrs) < 4 {
					outsideAddrs = append(outsideAddrs, cd.src+" "+hex8(cd.addr))
				}
				if cd.src == "epc1" {
					epcOutside = true
				}
			}
		}
	}
	mismatch := s != nil && (epcOutside || inCode > 2 && outside*2 > inCode)
	for _, cd := range cands {
		reg := region(cd.addr)
		f := Frame{Source: cd.src, Addr: cd.addr, Where: cd.where, Region: reg}
		if reg == "rom" {
			if cd.src != "stack" {
				e.Frames = append(e.Frames, f)
				b.WriteString("\n  " + pad8(cd.src) + " " + hex8(cd.addr) + "  <ROM>")
			}
			continue // ROM words on the stack cannot be checked; they are mostly stale
		}
		if s != nil {
			if !s.InText(cd.addr) {
				if cd.src == "stack" {
					skipped = append(skipped, hex8(cd.addr))
					continue
				}
			} else if cd.src == "stack" && !s.IsReturnAddress(cd.addr) {
				skipped = append(skipped, hex8(cd.addr))
				continue
			}
			if !mismatch {
				f.Loc = s.Lookup(cd.addr).Frames
			}
		}
		e.Frames = append(e.Frames, f)
		b.WriteString("\n  " + pad8(cd.src) + " " + hex8(cd.addr))
		for i, sf := range f.Loc {
			if i > 0 {
				b.WriteString("\n                      inlined into")
			}
			b.WriteString("  " + sf.Func)
			if sf.Line > 0 {
				b.WriteString(" at " + sf.File + ":" + strconv.Itoa(sf.Line))
			}
		}
	}
	if s == nil {
		e.set("elf", "none")
		e.Detail += "\nWARNING: no ELF given, so these addresses are NOT decoded to functions and lines. " +
			"Re-run with the firmware's ELF: `blynkbridge decode LOG --elf SKETCH.ino.elf` " +
			"(Arduino IDE: Sketch > Export compiled binary; PlatformIO: .pio/build/<env>/firmware.elf). " +
			"Stack words are listed unfiltered; many are stale data."
		e.Detail += "\nCode addresses (dump order):" + b.String()
		return
	}
	e.set("elf", "ok")
	if mismatch {
		e.set("elf", "mismatch")
		e.Detail += "\nWARNING: the ELF given does not match this crash: " + strconv.Itoa(outside) + " of " + strconv.Itoa(inCode) +
			" code addresses lie outside its code sections (" + s.TextRanges() + "): " + strings.Join(outsideAddrs, ", ")
		if outside > len(outsideAddrs) {
			e.Detail += ", ..."
		}
		e.Detail += ". No function names are given from it. Use the ELF built from exactly the sketch that crashed."
	}
	e.Detail += "\nBacktrace (dump order, top of stack first):" + b.String()
	if len(skipped) > 0 {
		e.set("skipped_words", strings.Join(skipped, " "))
		e.Detail += "\nSkipped " + strconv.Itoa(len(skipped)) + " stack word(s) that look like code addresses but are not return addresses (not right after a call instruction): " + strings.Join(skipped, " ")
	}
}

var layoutWords = map[string]string{
	"core-2.4": "core 2.4 or older (ctx before >>>stack>>>)",
	"core-2.5": "core 2.5 to 2.7.1 (>>>stack>>> before ctx, no CUT HERE marker)",
	"core-3":   "core 2.7.2 or later, 3.x included (the CUT HERE FOR EXCEPTION DECODER marker)",
}

// layout tells the core version from the dump's shape. It needs the parts
// that differ: a dump cut before them says nothing.
func (c *crashBlock) layout() string {
	switch {
	case c.cuts > 0:
		return "core-3"
	case len(c.ctx) > 0 && c.ctxFirst:
		return "core-2.4"
	case len(c.ctx) > 0:
		return "core-2.5"
	}
	return ""
}

// regionWords says in words what lies at an address of the ESP8266's memory map.
func regionWords(a uint32) string {
	switch {
	case a < 0x1000:
		return fmt.Sprintf("the NULL page (a NULL pointer plus %d)", a)
	case a >= 0x3FFE8000 && a < 0x40000000:
		return "RAM (data, heap or a stack)"
	case a >= 0x40000000 && a < 0x40010000:
		return "the boot ROM's code (a ROM function such as memcpy or strlen, called with a bad pointer)"
	case a >= 0x40100000 && a < 0x4010C000:
		return "IRAM (interrupt handlers, IRAM_ATTR functions, parts of the core and the SDK)"
	case a >= 0x4010C000 && a < 0x40110000:
		return "the top of IRAM (cache and bootloader area)"
	case a >= 0x40200000 && a < 0x40300000:
		return "flash-mapped code (the sketch, its libraries, the core or the SDK: the ELF tells which)"
	case a >= 0x60000000 && a < 0x60002000:
		return "the peripheral registers"
	}
	return "an unmapped address (nothing is there: a garbage pointer or a corrupted stack)"
}
