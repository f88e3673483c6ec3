package tui

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/blynkbridge/blynkbridge/decode"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/monitor"
)

// line is one screen line of the log: a piece of an event's Raw made
// printable, or a host note.
type line struct {
	at   time.Time
	text string
	ev   *decode.Event // nil for notes
	head bool          // first line of its event: carries the severity mark
	last bool          // last line of its event: the explanation goes after it
	note bool
	raw  bool // text is still raw bytes: printable() before showing or searching
}

// printable returns the line as terminal-safe text (decode.Printable,
// joined), converting it once.
func (ln *line) printable() string {
	if ln.raw {
		ln.text = strings.Join(decode.Printable(ln.text), " ")
		ln.raw = false
	}
	return ln.text
}

// kindFilter is one step of the filter key's cycle.
type kindFilter struct {
	name  string
	match func(e *decode.Event) bool
}

func kinds(ks ...decode.Kind) func(e *decode.Event) bool {
	return func(e *decode.Event) bool {
		for _, k := range ks {
			if e.Kind == k {
				return true
			}
		}
		return false
	}
}

// blynkOnly is the Blynk library's own output: "[ms] text" lines the
// catalogue does not know ("other") are the sketch's prints in the same
// format (a "[1000] tick 1"), not the library's.
func blynkOnly(e *decode.Event) bool {
	switch e.Kind {
	case decode.KindBlynkBanner, decode.KindBlynkFrame, decode.KindBlynkLogo:
		return true
	case decode.KindBlynk:
		return e.Fields["msg"] != "other" && e.Fields["msg"] != ""
	}
	return false
}

var filters = []kindFilter{
	{"all", nil},
	{"problems", func(e *decode.Event) bool { return e.Severity >= decode.SevWarn }},
	{"blynk", blynkOnly},
	{"boot", kinds(decode.KindROMBanner, decode.KindROMLine, decode.KindEboot, decode.KindGarbage, decode.KindReboot)},
	{"crash", kinds(decode.KindCrash, decode.KindReboot)},
	{"network", kinds(decode.KindWiFi, decode.KindTLS, decode.KindCore)},
}

// logView is the log child model: a bounded history of lines, follow or
// paused (cursor) mode, a kind filter, search, inline explanations that
// expand, and a hex view of the newest raw bytes.
type logView struct {
	lines    []line
	first    int // absolute index of lines[0] (lines dropped so far)
	max      int
	follow   bool
	cursor   int // absolute index of the selected line (paused)
	top      int // absolute index of the first line shown (paused)
	shownTop int // first line the last follow-mode frame showed
	expanded map[*decode.Event]bool
	annotate bool
	filter   int
	query    string
	hex      bool
	raw      []byte         // newest raw bytes, for the hex view
	rawBase  int64          // stream offset of raw[0]
	stamps   bool           // show each line's host time
	re       *regexp.Regexp // regex filter (nil: off)
}

// setRegex sets the regex filter; "" turns it off. It matches a line's
// text, or its event's summary and explanation.
func (l *logView) setRegex(expr string) error {
	if expr == "" {
		l.re = nil
		return nil
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return bberr.Wrap(err, bberr.Usage, "write a Go regular expression, e.g. Ready|Connecting", "bad regex %q", expr)
	}
	l.re = re
	return nil
}

// matches reports whether line ln matches q (lower case) in its text, or
// in its event's summary and explanation: search finds what the
// explanations say ("watchdog"), not only what the board printed.
func (ln *line) matches(pred func(string) bool) bool {
	if pred(ln.printable()) {
		return true
	}
	return ln.ev != nil && ln.head && (pred(ln.ev.Summary) || pred(ln.ev.Detail))
}

// selectedText is the whole selected line (the newest when following),
// untruncated: every screen line of its event, or the note.
func (l *logView) selectedText() (string, bool) {
	i := l.cursor
	if l.follow {
		i = l.lastVisible()
	}
	if i < l.first || i >= l.end() {
		return "", false
	}
	ln := l.at(i)
	if ln.ev == nil {
		return ln.text, true
	}
	return strings.TrimRight(strings.Join(decode.Printable(ln.ev.Raw), "\n"), "\n"), true
}

const rawKeep = 64 << 10

func newLogView(max int) *logView {
	return &logView{max: max, follow: true, expanded: map[*decode.Event]bool{}, annotate: true}
}

func (l *logView) addEvent(e decode.Event) {
	ev := e
	// Split only; making a line printable (decode.Printable) is left to
	// the frame that shows it, so a flood costs a split per event, not a
	// formatted copy of every byte.
	raw := strings.TrimSuffix(e.Raw, "\n")
	n := strings.Count(raw, "\n") + 1
	for i := 0; i < n; i++ {
		part := raw
		if j := strings.IndexByte(raw, '\n'); j >= 0 {
			part, raw = raw[:j], raw[j+1:]
		}
		l.push(line{at: e.HostTime, text: part, raw: true, ev: &ev, head: i == 0, last: i == n-1})
	}
}

func (l *logView) addNote(at time.Time, text string) {
	l.push(line{at: at, text: text, note: true})
}

func (l *logView) addRaw(p []byte) {
	l.raw = append(l.raw, p...)
	if over := len(l.raw) - rawKeep; over > 0 {
		// Drop in chunks so a flood does not copy 64 KiB per item.
		drop := over + rawKeep/4
		if drop > len(l.raw) {
			drop = len(l.raw)
		}
		l.raw = append(l.raw[:0:0], l.raw[drop:]...)
		l.rawBase += int64(drop)
	}
}

func (l *logView) push(ln line) {
	l.lines = append(l.lines, ln)
	if len(l.lines) > l.max {
		drop := len(l.lines) - l.max + l.max/4
		for _, d := range l.lines[:drop] {
			if d.ev != nil {
				delete(l.expanded, d.ev)
			}
		}
		l.lines = append(l.lines[:0:0], l.lines[drop:]...)
		l.first += drop
		if l.cursor < l.first {
			l.cursor = l.first
		}
		if l.top < l.first {
			l.top = l.first
		}
	}
}

func (l *logView) end() int { return l.first + len(l.lines) }

func (l *logView) at(i int) *line { return &l.lines[i-l.first] }

// visible reports whether line i passes the filter (notes always do).
func (l *logView) visible(i int) bool {
	f := filters[l.filter].match
	ln := l.at(i)
	if l.re != nil && !ln.note && !ln.matches(l.re.MatchString) {
		return false
	}
	return f == nil || ln.note || f(ln.ev)
}

// prev/next visible line from i, or -1.
func (l *logView) prev(i int) int {
	for i--; i >= l.first; i-- {
		if l.visible(i) {
			return i
		}
	}
	return -1
}

func (l *logView) next(i int) int {
	for i++; i < l.end(); i++ {
		if l.visible(i) {
			return i
		}
	}
	return -1
}

func (l *logView) lastVisible() int { return l.prev(l.end()) }

// setFilter changes the filter, keeping a paused cursor on a line the new
// filter shows (the nearest earlier one, else the nearest later one).
func (l *logView) setFilter(f int) {
	l.filter = f
	if l.follow || l.cursor < l.first || l.cursor >= l.end() || l.visible(l.cursor) {
		return
	}
	if p := l.prev(l.cursor); p >= 0 {
		l.cursor = p
	} else if n := l.next(l.cursor); n >= 0 {
		l.cursor = n
	}
	l.top = l.cursor
}

// pause freezes the view at the newest line.
func (l *logView) pause() {
	if l.follow {
		l.follow = false
		l.cursor = l.lastVisible()
		if l.cursor < 0 {
			l.cursor = l.first
		}
		// Freeze the screen as it is: the view does not jump.
		l.top = max(l.shownTop, l.first)
	}
}

func (l *logView) move(n int) {
	l.pause()
	for ; n < 0; n++ {
		if p := l.prev(l.cursor); p >= 0 {
			l.cursor = p
		}
	}
	for ; n > 0; n-- {
		if p := l.next(l.cursor); p >= 0 {
			l.cursor = p
		}
	}
}

func (l *logView) home() {
	l.pause()
	if n := l.next(l.first - 1); n >= 0 {
		l.cursor, l.top = n, n
	}
}

// search moves the cursor to the next (dir 1) or previous (-1) line
// containing the query; it reports whether one was found.
func (l *logView) search(dir int) bool {
	if l.query == "" {
		return false
	}
	l.pause()
	q := strings.ToLower(l.query)
	for i := l.step(l.cursor, dir); i >= 0; i = l.step(i, dir) {
		if l.at(i).matches(func(s string) bool { return strings.Contains(strings.ToLower(s), q) }) {
			l.cursor = i
			return true
		}
	}
	return false
}

func (l *logView) step(i, dir int) int {
	if dir < 0 {
		return l.prev(i)
	}
	return l.next(i)
}

// toggleExpand expands or collapses the explanation of the event under
// the cursor (the newest event with one when following).
func (l *logView) toggleExpand() {
	i := l.cursor
	if l.follow {
		i = l.lastVisible()
		for i >= 0 && (l.at(i).ev == nil || l.at(i).ev.Detail == "") {
			i = l.prev(i)
		}
	}
	if i < l.first || i >= l.end() {
		return
	}
	if ev := l.at(i).ev; ev != nil && ev.Detail != "" {
		l.expanded[ev] = !l.expanded[ev]
	}
}

// rows renders line i as screen rows (the line, then its explanation).
func (l *logView) rows(i, width int, selected bool) []string {
	ln := l.at(i)
	sym := " "
	switch {
	case ln.note:
		sym = stNote.Render("»")
	case ln.head && ln.ev.Severity >= decode.SevError:
		sym = stErr.Render("✗")
	case ln.head && ln.ev.Severity == decode.SevWarn:
		sym = stWarn.Render("!")
	case ln.head && annotated(ln.ev):
		sym = stInfo.Render("•")
	}
	cur := " "
	if selected {
		cur = stCursor.Render(">")
	}
	mark := cur + sym + " "
	indent := "   "
	if l.stamps && width > 30 {
		stamp := stDim.Render(ln.at.Format("15:04:05.000") + " ")
		mark += stamp
		indent += strings.Repeat(" ", 13)
	}
	textW := width - ansi.StringWidth(mark)
	if ln.note {
		// Host notes are ours and can be long: wrap them.
		var out []string
		for i, w := range wrap(ln.text, textW) {
			if i == 0 {
				out = append(out, mark+stNote.Render(w))
			} else {
				out = append(out, indent+stNote.Render(w))
			}
		}
		return out
	}
	text := ansi.Truncate(ln.printable(), textW, "…")
	if l.query != "" {
		text = highlight(text, l.query)
	}
	out := []string{mark + text}
	if ln.note || !ln.last || !annotated(ln.ev) {
		return out
	}
	if l.expanded[ln.ev] {
		out = append(out, stDim.Render(ansi.Truncate("    ↳ "+ln.ev.Summary, width, "…")))
		for _, d := range wrap(ln.ev.Detail, width-6) {
			out = append(out, "      "+d)
		}
	} else if l.annotate && ln.ev.Severity >= decode.SevInfo {
		hint := ""
		if ln.ev.Detail != "" {
			hint = " [enter]"
		}
		out = append(out, stDim.Render(ansi.Truncate("    ↳ "+ln.ev.Summary+hint, width, "…")))
	}
	return out
}

// annotated reports whether an event gets an inline explanation.
func annotated(e *decode.Event) bool {
	if e == nil || e.Summary == "" {
		return false
	}
	switch e.Kind {
	case decode.KindText, decode.KindBlank, decode.KindBlynkLogo:
		return false
	}
	return true
}

func highlight(s, q string) string {
	ls, lq := strings.ToLower(s), strings.ToLower(q)
	var b strings.Builder
	for {
		i := strings.Index(ls, lq)
		if i < 0 || lq == "" {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString(stMatch.Render(s[i : i+len(q)]))
		s, ls = s[i+len(q):], ls[i+len(q):]
	}
}

// view renders height rows of width columns.
func (l *logView) view(width, height int) []string {
	if height <= 0 {
		return nil
	}
	if l.hex {
		return l.hexView(width, height)
	}
	if l.follow {
		var rows []string
		for i := l.lastVisible(); i >= 0 && len(rows) < height; i = l.prev(i) {
			rows = append(l.rows(i, width, false), rows...)
			l.shownTop = i
		}
		if len(rows) > height {
			rows = rows[len(rows)-height:]
		}
		return pad(rows, height)
	}
	if l.cursor < l.first || l.cursor >= l.end() {
		l.cursor = l.lastVisible()
	}
	if l.cursor < 0 {
		return pad(nil, height)
	}
	// Keep the cursor on screen: not above the top, and not below the
	// bottom (the lowest top that still shows it whole).
	if l.top > l.cursor || l.top < l.first || !l.visible(l.top) {
		l.top = l.cursor
	}
	n := len(l.rows(l.cursor, width, true))
	lowest := l.cursor
	for i := l.prev(l.cursor); i >= 0; i = l.prev(i) {
		k := len(l.rows(i, width, false))
		if n+k > height {
			break
		}
		n += k
		lowest = i
	}
	if l.top < lowest {
		l.top = lowest
	}
	var rows []string
	for i := l.top; i >= 0 && len(rows) < height; i = l.next(i) {
		rows = append(rows, l.rows(i, width, i == l.cursor)...)
	}
	if len(rows) > height {
		rows = rows[:height]
	}
	return pad(rows, height)
}

func (l *logView) hexView(width, height int) []string {
	// Tokens never reach the screen: login frames in the raw bytes are
	// masked as in --log (the window may cut a login: the masker then
	// masks what could be token).
	from := max(0, len(l.raw)-(height+17)*16)
	from -= from % 16 // rows stay 16-aligned
	raw := monitor.MaskLogins(l.raw[from:])
	base := l.rawBase + int64(len(l.raw)-len(raw))
	n := len(raw) / 16
	if len(raw)%16 != 0 {
		n++
	}
	start := max(0, n-height)
	var rows []string
	for r := start; r < n; r++ {
		chunk := raw[r*16 : min(len(raw), r*16+16)]
		var hx, asc strings.Builder
		for i := 0; i < 16; i++ {
			if i == 8 {
				hx.WriteByte(' ')
			}
			if i < len(chunk) {
				fmt.Fprintf(&hx, "%02x ", chunk[i])
				c := chunk[i]
				if c < 0x20 || c > 0x7e {
					c = '.'
				}
				asc.WriteByte(c)
			} else {
				hx.WriteString("   ")
			}
		}
		rows = append(rows, ansi.Truncate(fmt.Sprintf("%08x  %s|%s|", base+int64(r*16), hx.String(), asc.String()), width, ""))
	}
	return pad(rows, height)
}

func pad(rows []string, height int) []string {
	for len(rows) < height {
		rows = append(rows, "")
	}
	return rows
}

// wrap breaks text into lines of at most width columns at spaces.
func wrap(text string, width int) []string {
	// Honour narrow widths (a note is wrapped at width-3): a larger floor
	// made rows wider than the terminal. 2 keeps a wide rune progressing.
	if width < 2 {
		width = 2
	}
	var out []string
	for _, para := range strings.Split(text, "\n") {
		words := strings.Fields(para)
		cur := ""
		for _, w := range words {
			switch {
			case cur == "":
				cur = w
			case ansi.StringWidth(cur)+1+ansi.StringWidth(w) <= width:
				cur += " " + w
			default:
				out = append(out, cur)
				cur = w
			}
			for ansi.StringWidth(cur) > width {
				out = append(out, ansi.Truncate(cur, width, ""))
				cur = ansi.TruncateLeft(cur, width, "")
			}
		}
		out = append(out, cur)
	}
	return out
}
