package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/monitor"
)

// screen is the root model's state.
type screen int

const (
	screenLog   screen = iota // log + status + diagnosis panel
	screenHelp                // key help
	screenDiag                // full diagnosis
	screenCrash               // decoded crash
)

// inputKind is what the one-line input is for.
type inputKind int

const (
	inputNone inputKind = iota
	inputSearch
	inputSend
	inputHex   // bytes in hex to send
	inputFile  // a file to send
	inputRegex // the regex filter
)

// Messages.
type (
	itemsMsg struct {
		items []monitor.Item
		err   error
	}
	tickMsg   time.Time
	actionMsg struct {
		what string
		err  error
	}
	flashProgressMsg struct{ done, total int }
	flashDoneMsg     struct {
		summary string
		err     error
	}
)

// flashModel is the flash progress child.
type flashModel struct {
	active      bool
	label       string
	done, total int
	progress    chan flashProgressMsg
	finished    chan struct{}
}

// inputModel is the one-line input (search, send, hex, file, regex):
// bubbles' textinput, so the cursor moves, words delete and pastes land
// where they are typed.
type inputModel struct {
	kind inputKind
	ti   textinput.Model
}

var inputPrompts = map[inputKind]string{
	inputSearch: "search: ",
	inputHex:    "send hex bytes (e.g. 1d 00 01 or 1d0001): ",
	inputFile:   "send file (path): ",
	inputRegex:  "regex filter (empty: off): ",
}

func newInput(kind inputKind, prompt string, width int) inputModel {
	ti := textinput.New()
	ti.Prompt = prompt
	ti.CharLimit = 4096
	ti.Width = max(10, width-len(prompt)-1)
	ti.Cursor.SetMode(cursor.CursorStatic)
	ti.Focus()
	return inputModel{kind: kind, ti: ti}
}

func (in *inputModel) update(k tea.KeyMsg) (submit, cancel bool, cmd tea.Cmd) {
	switch k.Type {
	case tea.KeyEnter:
		return true, false, nil
	case tea.KeyEsc, tea.KeyCtrlC:
		return false, true, nil
	}
	in.ti, cmd = in.ti.Update(k)
	return false, false, cmd
}

// Model is the root bubbletea model.
type Model struct {
	cfg  Config
	ctl  Controller
	ctx  context.Context
	keys keyMap

	screen   screen
	w, h     int
	log      *logView
	tracker  *monitor.Tracker
	status   monitor.Status
	input    inputModel
	flash    flashModel
	hideDiag bool
	scroll   int // full-screen views' scroll
	stopped  error

	escape      bool // Ctrl-T pressed: the next key goes to the board
	interrupted bool // left with Ctrl-C (exit 130)
	eol         int  // index in eols
	echo        bool
	dtr, rts    bool
	// copyText puts text on the terminal's clipboard (OSC 52); tests
	// replace it.
	copyText func(string) error

	// Frames counts View calls (the bench reads it to show the cap).
	Frames int
}

// New returns the root model. ctx bounds every request to the controller.
func New(ctx context.Context, ctl Controller, cfg Config) *Model {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.FrameInterval == 0 {
		cfg.FrameInterval = 33 * time.Millisecond
	}
	if cfg.MaxLines <= 0 {
		cfg.MaxLines = 20000
	}
	if len(cfg.Bauds) == 0 {
		cfg.Bauds = []int{115200, 74880, 9600, 57600, 230400, 460800, 921600}
	}
	if cfg.Title == "" {
		cfg.Title = "blynkbridge monitor"
	}
	m := &Model{cfg: cfg, ctl: ctl, ctx: ctx, keys: newKeyMap(), w: 80, h: 24,
		log: newLogView(cfg.MaxLines), tracker: monitor.NewTracker(), echo: cfg.Echo, copyText: osc52Copy}
	m.log.stamps = cfg.Timestamps
	for i, e := range eols {
		if cfg.EOL != "" && (strings.EqualFold(e.name, cfg.EOL) || e.seq == cfg.EOL) {
			m.eol = i
		}
	}
	for _, l := range cfg.Intro {
		m.log.addNote(cfg.Now(), l)
	}
	m.tracker.SetImageProblems(ctl.ImageProblems())
	m.status = ctl.Status()
	return m
}

// Run runs the TUI on the terminal until q, Ctrl-C or ctx ends.
func Run(ctx context.Context, ctl Controller, cfg Config, opts ...tea.ProgramOption) error {
	// No bubbletea signal handler: SIGINT/SIGTERM already cancel ctx
	// (cmd/blynkbridge), and bubbletea's handler would block its shutdown
	// sending InterruptMsg to a loop ctx has stopped. In raw mode Ctrl-C
	// arrives as a key anyway.
	opts = append([]tea.ProgramOption{tea.WithAltScreen(), tea.WithContext(ctx), tea.WithFPS(30), tea.WithoutSignalHandler()}, opts...)
	fm, err := tea.NewProgram(New(ctx, ctl, cfg), opts...).Run()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return ctx.Err()
	}
	if mm, ok := fm.(*Model); ok && mm.interrupted && err == nil {
		return ErrInterrupted
	}
	return err
}

// ErrInterrupted is Run's result when the user left with Ctrl-C: exit 130,
// as the README promises for Ctrl-C anywhere (q is a normal exit).
// It wraps context.Canceled, which bberr maps to 130.
var ErrInterrupted = fmt.Errorf("interrupted by Ctrl-C in the TUI: %w", context.Canceled)

// eols are the send line's endings, in the E key's cycle.
var eols = []struct{ name, seq string }{{"LF", "\n"}, {"CRLF", "\r\n"}, {"CR", "\r"}, {"none", ""}}

// Init starts the first wait and the clock.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(m.wait(0), m.tick())
}

// wait is the one-shot command that brings the next batch of items. It
// first sleeps out the frame interval so a flood arrives in few, large
// batches (the coalescing that caps the frame rate).
func (m *Model) wait(delay time.Duration) tea.Cmd {
	ctl, ctx := m.ctl, m.ctx
	return func() tea.Msg {
		if delay > 0 {
			t := time.NewTimer(delay)
			select {
			case <-ctx.Done():
				t.Stop()
				return itemsMsg{err: ctx.Err()}
			case <-t.C:
			}
		}
		items, err := ctl.Wait(ctx)
		return itemsMsg{items: items, err: err}
	}
}

func (m *Model) tick() tea.Cmd {
	return tea.Tick(time.Second, func(t time.Time) tea.Msg { return tickMsg(t) })
}

func (m *Model) note(format string, args ...any) {
	m.log.addNote(m.cfg.Now(), fmt.Sprintf(format, args...))
}

func (m *Model) noteErr(what string, err error) {
	msg := fmt.Sprintf("%s: %v", what, err)
	if h := bberr.HintOf(err); h != "" {
		msg += " (" + h + ")"
	}
	m.log.addNote(m.cfg.Now(), msg)
}

// Update handles one message.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
		return m, nil
	case itemsMsg:
		return m, m.items(msg)
	case tickMsg:
		m.status = m.ctl.Status()
		return m, m.tick()
	case actionMsg:
		if msg.err != nil {
			m.noteErr(msg.what, msg.err)
		}
		return m, nil
	case flashProgressMsg:
		m.flash.done, m.flash.total = msg.done, msg.total
		return m, m.waitProgress()
	case flashDoneMsg:
		m.flash.active = false
		close(m.flash.finished)
		if msg.err != nil {
			m.noteErr("flash", msg.err)
		} else {
			m.note("%s", msg.summary)
		}
		m.tracker.SetImageProblems(m.ctl.ImageProblems())
		return m, nil
	case tea.KeyMsg:
		// A burst of keys read at once (a held key, a paste into an SSH
		// session) arrives as one message with several runes; a binding
		// matches one key, so each rune is a key of its own. Nothing
		// typed is dropped.
		if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste && m.input.kind == inputNone {
			var cmds []tea.Cmd
			for _, r := range msg.Runes {
				cmds = append(cmds, m.key(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}}))
			}
			return m, tea.Batch(cmds...)
		}
		return m, m.key(msg)
	}
	return m, nil
}

func (m *Model) items(msg itemsMsg) tea.Cmd {
	if msg.err != nil {
		if m.ctx.Err() != nil {
			return tea.Quit
		}
		m.stopped = msg.err
		m.noteErr("monitor stopped", msg.err)
		return nil
	}
	m.status = m.ctl.Status()
	m.tracker.SetImageProblems(m.ctl.ImageProblems())
	for _, it := range msg.items {
		switch it.Kind {
		case monitor.ItemData:
			m.log.addRaw(it.Data)
		case monitor.ItemEvent:
			m.log.addEvent(it.Event)
		case monitor.ItemNote:
			m.log.addNote(it.Time, it.Note)
		}
		m.tracker.Observe(it, m.status)
	}
	return m.wait(m.cfg.FrameInterval)
}

func (m *Model) key(k tea.KeyMsg) tea.Cmd {
	if m.input.kind != inputNone {
		return m.inputKey(k)
	}
	km := m.keys
	if m.escape {
		// tio's Ctrl-T: this key is the board's, whatever it means here.
		m.escape = false
		b := keyBytes(k)
		if len(b) == 0 {
			m.note("Ctrl-T: %s has no byte to send", k.String())
			return nil
		}
		return m.send(b, fmt.Sprintf("%q", b))
	}
	if key.Matches(k, km.Escape) {
		m.escape = true
		return nil
	}
	if key.Matches(k, km.Quit) {
		m.interrupted = k.Type == tea.KeyCtrlC
		return tea.Quit
	}
	if m.screen != screenLog {
		switch {
		case key.Matches(k, km.Back), key.Matches(k, km.Help) && m.screen == screenHelp,
			key.Matches(k, km.Diagnosis) && m.screen == screenDiag, key.Matches(k, km.Crash) && m.screen == screenCrash:
			m.screen, m.scroll = screenLog, 0
		case key.Matches(k, km.Up):
			m.scroll = max(0, m.scroll-1)
		case key.Matches(k, km.Down):
			m.scroll++
		case key.Matches(k, km.PgUp):
			m.scroll = max(0, m.scroll-(m.h-2))
		case key.Matches(k, km.PgDown):
			m.scroll += m.h - 2
		}
		return nil
	}
	switch {
	case key.Matches(k, km.Help):
		m.screen = screenHelp
	case key.Matches(k, km.Diagnosis):
		m.screen = screenDiag
	case key.Matches(k, km.Crash):
		m.screen = screenCrash
	case key.Matches(k, km.Back):
		switch {
		case m.log.query != "":
			m.log.query = ""
		case m.log.hex:
			m.log.hex = false
		default:
			m.hideDiag = !m.hideDiag
		}
	case key.Matches(k, km.Reset):
		return m.act("reset", func(ctx context.Context) error { return m.ctl.Reset(ctx, false) })
	case key.Matches(k, km.Download):
		return m.act("reset into download mode", func(ctx context.Context) error { return m.ctl.Reset(ctx, true) })
	case key.Matches(k, km.Baud):
		next := m.nextBaud()
		return m.act("baud", func(ctx context.Context) error { return m.ctl.SetBaud(ctx, next) })
	case key.Matches(k, km.Pause):
		if m.log.follow {
			m.log.pause()
		} else {
			m.log.follow = true
		}
	case key.Matches(k, km.Up):
		m.log.move(-1)
	case key.Matches(k, km.Down):
		m.log.move(1)
	case key.Matches(k, km.PgUp):
		m.log.move(-(m.h - 4))
	case key.Matches(k, km.PgDown):
		m.log.move(m.h - 4)
	case key.Matches(k, km.Top):
		m.log.home()
	case key.Matches(k, km.Bottom):
		m.log.follow = true
	case key.Matches(k, km.Search):
		m.input = newInput(inputSearch, inputPrompts[inputSearch], m.w)
	case key.Matches(k, km.Next):
		if !m.log.search(1) && m.log.query != "" {
			m.note("no more matches for %q", m.log.query)
		}
	case key.Matches(k, km.Prev):
		if !m.log.search(-1) && m.log.query != "" {
			m.note("no earlier match for %q", m.log.query)
		}
	case key.Matches(k, km.Filter):
		m.log.setFilter((m.log.filter + 1) % len(filters))
	case key.Matches(k, km.Expand):
		m.log.toggleExpand()
	case key.Matches(k, km.Annotate):
		m.log.annotate = !m.log.annotate
	case key.Matches(k, km.Hex):
		m.log.hex = !m.log.hex
	case key.Matches(k, km.Send):
		m.input = newInput(inputSend, "send to board (enter sends + "+eols[m.eol].name+", esc cancels): ", m.w)
	case key.Matches(k, km.SendHex):
		m.input = newInput(inputHex, inputPrompts[inputHex], m.w)
	case key.Matches(k, km.SendFile):
		m.input = newInput(inputFile, inputPrompts[inputFile], m.w)
	case key.Matches(k, km.Regex):
		m.input = newInput(inputRegex, inputPrompts[inputRegex], m.w)
	case key.Matches(k, km.Timestamps):
		m.log.stamps = !m.log.stamps
	case key.Matches(k, km.EOL):
		m.eol = (m.eol + 1) % len(eols)
		m.note("sent lines end with %s", eols[m.eol].name)
	case key.Matches(k, km.Echo):
		m.echo = !m.echo
		m.note("local echo %s", onOff(m.echo))
	case key.Matches(k, km.DTR):
		m.dtr = !m.dtr
		dtr, rts := m.dtr, m.rts
		return m.act("DTR", func(ctx context.Context) error { return m.ctl.SetLines(ctx, dtr, rts) })
	case key.Matches(k, km.RTS):
		m.rts = !m.rts
		dtr, rts := m.dtr, m.rts
		return m.act("RTS", func(ctx context.Context) error { return m.ctl.SetLines(ctx, dtr, rts) })
	case key.Matches(k, km.Copy):
		text, ok := m.log.selectedText()
		if !ok {
			m.note("nothing to copy")
			return nil
		}
		if err := m.copyText(text); err != nil {
			m.noteErr("copy", err)
		} else {
			m.note("copied %d bytes to the clipboard (OSC 52; the terminal must allow it)", len(text))
		}
	case key.Matches(k, km.Flash):
		return m.startFlash()
	case key.Matches(k, km.Save):
		path, err := m.ctl.SaveLog(m.cfg.Now())
		if err != nil {
			m.noteErr("save", err)
		} else {
			m.note("log saved to %s", path)
		}
	}
	return nil
}

func (m *Model) inputKey(k tea.KeyMsg) tea.Cmd {
	submit, cancel, cmd := m.input.update(k)
	if cancel {
		m.input = inputModel{}
		return nil
	}
	if !submit {
		return cmd
	}
	kind, text := m.input.kind, m.input.ti.Value()
	m.input = inputModel{}
	switch kind {
	case inputSearch:
		m.log.query = text
		if text != "" && !m.log.search(-1) {
			m.note("no match for %q", text)
		}
	case inputSend:
		return m.send([]byte(text+eols[m.eol].seq), fmt.Sprintf("%q", text+eols[m.eol].seq))
	case inputHex:
		b, err := parseHexBytes(text)
		if err != nil {
			m.noteErr("send hex", err)
			return nil
		}
		return m.send(b, fmt.Sprintf("% x", b))
	case inputFile:
		b, err := readSendFile(text)
		if err != nil {
			m.noteErr("send file", err)
			return nil
		}
		return m.send(b, fmt.Sprintf("%s (%d bytes)", text, len(b)))
	case inputRegex:
		if err := m.log.setRegex(text); err != nil {
			m.noteErr("regex filter", err)
		}
	}
	return nil
}

// send writes b to the board, echoing it as a note when local echo is on.
func (m *Model) send(b []byte, shown string) tea.Cmd {
	if m.echo {
		m.note("sent: %s", shown)
	}
	return m.act("send", func(ctx context.Context) error { return m.ctl.Send(ctx, b) })
}

func (m *Model) nextBaud() int {
	cur := m.status.Baud
	for i, b := range m.cfg.Bauds {
		if b == cur {
			return m.cfg.Bauds[(i+1)%len(m.cfg.Bauds)]
		}
	}
	return m.cfg.Bauds[0]
}

// act runs a request off the UI goroutine; errors come back as notes.
func (m *Model) act(what string, f func(ctx context.Context) error) tea.Cmd {
	ctx := m.ctx
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		return actionMsg{what: what, err: f(ctx)}
	}
}

func (m *Model) startFlash() tea.Cmd {
	if m.flash.active {
		return nil
	}
	label := m.ctl.FlashLabel()
	if label == "" {
		m.note("no image configured for the flash key: start the monitor with --image FW.bin")
		return nil
	}
	prog := make(chan flashProgressMsg, 1)
	m.flash = flashModel{active: true, label: label, progress: prog, finished: make(chan struct{})}
	ctl, ctx := m.ctl, m.ctx
	run := func() tea.Msg {
		s, err := ctl.Flash(ctx, func(done, total int) {
			// Keep only the newest value: the UI shows a bar, not a log.
			select {
			case <-prog:
			default:
			}
			prog <- flashProgressMsg{done, total}
		})
		return flashDoneMsg{summary: s, err: err}
	}
	return tea.Batch(run, m.waitProgress())
}

func (m *Model) waitProgress() tea.Cmd {
	if !m.flash.active {
		return nil
	}
	prog, fin := m.flash.progress, m.flash.finished
	return func() tea.Msg {
		select {
		case p := <-prog:
			return p
		case <-fin:
			return nil
		}
	}
}

// View renders the current screen at the terminal's size.
func (m *Model) View() string {
	m.Frames++
	w, h := max(m.w, 20), max(m.h, 5)
	var rows []string
	switch m.screen {
	case screenHelp:
		rows = m.fullScreen(m.helpRows(w), w, h)
	case screenDiag:
		rows = m.fullScreen(diagScreen(w, m.tracker.Problems()), w, h)
	case screenCrash:
		rows = m.fullScreen(crashScreen(w, m.tracker.State().Crash), w, h)
	default:
		rows = m.logScreen(w, h)
	}
	for i, r := range rows {
		rows[i] = ansi.Truncate(r, w, "")
	}
	return strings.Join(rows, "\n")
}

func (m *Model) logScreen(w, h int) []string {
	now := m.cfg.Now()
	mode := ""
	if !m.log.follow {
		mode = "PAUSED"
		// The host time of the selected line (the raw log has every one).
		if c := m.log.cursor; c >= m.log.first && c < m.log.end() {
			if at := m.log.at(c).at; !at.IsZero() {
				mode += " " + at.Format("15:04:05.000")
			}
		}
	}
	if m.log.filter != 0 {
		mode = strings.TrimSpace(mode + " filter:" + filters[m.log.filter].name)
	}
	if m.log.hex {
		mode = strings.TrimSpace(mode + " HEX")
	}
	top := statusBar(w, m.status, m.tracker.State(), now, mode)
	var bottom []string
	if m.flash.active {
		bottom = []string{
			stBold.Render(ansi.Truncate("Flashing "+m.flash.label, w, "…")),
			progressBar(w, m.flash.done, m.flash.total),
		}
	} else if !m.hideDiag {
		bottom = diagPanel(w, max(3, (h-2)/3), m.tracker.Problems())
	}
	logH := h - 2 - len(bottom)
	rows := []string{top}
	rows = append(rows, m.log.view(w, logH)...)
	rows = append(rows, bottom...)
	return append(rows, m.footer(w))
}

func (m *Model) footer(w int) string {
	if m.input.kind != inputNone {
		return m.input.ti.View()
	}
	if m.escape {
		return stBold.Render("Ctrl-T: the next key goes to the board")
	}
	if m.stopped != nil {
		return stErr.Render(ansi.Truncate("monitor stopped: "+m.stopped.Error()+"  (q quits)", w, "…"))
	}
	// The short help line is bubbles' help over the same bindings as the
	// help screen, so the two cannot disagree.
	km := m.keys
	b := func(k key.Binding, desc string) key.Binding { k.SetHelp(k.Help().Key, desc); return k }
	short := []key.Binding{b(km.Help, "help"), b(km.Reset, "reset"), b(km.Download, "download"), b(km.Baud, "baud"),
		b(km.Flash, "flash"), b(km.Search, "search"), b(km.Send, "send"), b(km.Escape, "key to board"), b(km.Diagnosis, "diagnosis"), b(km.Quit, "quit")}
	if m.tracker.State().Crash != nil {
		short = append([]key.Binding{b(km.Crash, "CRASH VIEW")}, short[:1]...)
		short = append(short, b(km.Reset, "reset"), b(km.Flash, "flash"), b(km.Search, "search"), b(km.Diagnosis, "diagnosis"), b(km.Quit, "quit"))
	}
	h := help.New()
	h.Width = w
	h.ShortSeparator = " "
	return stDim.Render(ansi.Truncate(h.ShortHelpView(short), w, "…"))
}

func (m *Model) fullScreen(content []string, w, h int) []string {
	body := h - 1
	if m.scroll > max(0, len(content)-body) {
		m.scroll = max(0, len(content)-body)
	}
	end := min(len(content), m.scroll+body)
	rows := append([]string{}, content[m.scroll:end]...)
	rows = pad(rows, body)
	more := ""
	if end < len(content) {
		more = "  ↓ more (j/pgdn)"
	}
	return append(rows, stDim.Render("esc: back"+more))
}

func (m *Model) helpRows(w int) []string {
	rows := []string{stBold.Render(m.cfg.Title + " — keys"), ""}
	col := func(groups [][]key.Binding) []string {
		var out []string
		for i, g := range groups {
			if i > 0 {
				out = append(out, "")
			}
			for _, b := range g {
				hp := b.Help()
				out = append(out, fmt.Sprintf("  %-6s %s", hp.Key, hp.Desc))
			}
		}
		return out
	}
	gs := m.keys.helpGroups()
	left, right := col(gs[:2]), col(gs[2:])
	half := w / 2
	for i := 0; i < max(len(left), len(right)); i++ {
		l, r := "", ""
		if i < len(left) {
			l = left[i]
		}
		if i < len(right) {
			r = right[i]
		}
		l = ansi.Truncate(l, half, "…")
		rows = append(rows, l+strings.Repeat(" ", half-ansi.StringWidth(l))+r)
	}
	rows = append(rows, "")
	if l := m.ctl.FlashLabel(); l != "" {
		rows = append(rows, ansi.Truncate("  f writes: "+l, w, "…"))
	} else {
		rows = append(rows, "  f: no image configured (start with --image FW.bin)")
	}
	return rows
}
