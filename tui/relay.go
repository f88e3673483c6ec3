package tui

// The relay view: `blynkbridge relay` on a terminal. A separate small root
// model (the monitor's Model has no relay state to plug into): per-board
// state and counters, a live list of decoded frames (tokens redacted by the
// codec before they get here) and the latest log lines. It only renders what
// the relay publishes; q or Ctrl-C quits, which the command turns into a
// clean stop of the relay.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/blynkbridge/blynkbridge/relay"
)

// relayKeep is how many frame and log lines the feed keeps.
const relayKeep = 500

// RelayFeed collects what the relay publishes for the view: frames from its
// tap and log lines from a slog text handler writing to it. Safe for
// concurrent use; the view reads it on each tick, so a flood of frames costs
// one redraw per tick.
type RelayFeed struct {
	mu     sync.Mutex
	frames []string
	logs   []string
	part   []byte
}

// NewRelayFeed returns an empty feed.
func NewRelayFeed() *RelayFeed { return &RelayFeed{} }

// Tap is a relay.Options.Tap.
func (f *RelayFeed) Tap(e relay.TapEvent) {
	arrow := "board→server"
	if e.Dir == relay.Down {
		arrow = "server→board"
	}
	line := fmt.Sprintf("%s %-10s %s %-9s %s", e.Time.Format("15:04:05.000"), e.Board, arrow, e.Action, e.Text)
	if e.Note != "" {
		line += "  (" + e.Note + ")"
	}
	f.mu.Lock()
	f.frames = keepLast(append(f.frames, line), relayKeep)
	f.mu.Unlock()
}

// Write takes log lines (a slog text handler writes one line per call).
func (f *RelayFeed) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.part = append(f.part, p...)
	for {
		i := strings.IndexByte(string(f.part), '\n')
		if i < 0 {
			break
		}
		f.logs = keepLast(append(f.logs, string(f.part[:i])), relayKeep)
		f.part = f.part[i+1:]
	}
	return len(p), nil
}

// Lines returns copies of the frame and log lines kept.
func (f *RelayFeed) Lines() (frames, logs []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.frames...), append([]string(nil), f.logs...)
}

func keepLast(s []string, n int) []string {
	if len(s) > n {
		return append(s[:0], s[len(s)-n:]...)
	}
	return s
}

// RelayModel is the bubbletea model of the relay view.
type RelayModel struct {
	stats  func() []relay.Stats
	feed   *RelayFeed
	every  time.Duration
	now    func() time.Time
	st     []relay.Stats
	frames []string
	logs   []string
	w, h   int
}

type relayTick struct{}

// NewRelayModel shows stats (called on every tick) and feed.
func NewRelayModel(stats func() []relay.Stats, feed *RelayFeed) *RelayModel {
	return &RelayModel{stats: stats, feed: feed, every: 250 * time.Millisecond, now: time.Now, w: 120, h: 30}
}

// RunRelay runs the view until q, Ctrl-C or ctx ends.
func RunRelay(ctx context.Context, m *RelayModel, opts ...tea.ProgramOption) error {
	// No bubbletea signal handler: SIGINT/SIGTERM already cancel ctx
	// (cmd/blynkbridge), and bubbletea's handler, sending InterruptMsg to
	// a loop that ctx has just stopped, blocks its shutdown for ever.
	opts = append([]tea.ProgramOption{tea.WithAltScreen(), tea.WithContext(ctx), tea.WithoutSignalHandler()}, opts...)
	_, err := tea.NewProgram(m, opts...).Run()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil
	}
	return err
}

// Init loads the first snapshot and starts the clock.
func (m *RelayModel) Init() tea.Cmd {
	m.refresh()
	return m.tick()
}

func (m *RelayModel) tick() tea.Cmd {
	return tea.Tick(m.every, func(time.Time) tea.Msg { return relayTick{} })
}

func (m *RelayModel) refresh() {
	m.st = m.stats()
	m.frames, m.logs = m.feed.Lines()
}

// Update handles the clock, the window size and the quit keys.
func (m *RelayModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case relayTick:
		m.refresh()
		return m, m.tick()
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
	case tea.KeyMsg:
		switch msg.String() {
		case "q", "ctrl+c", "esc":
			return m, tea.Quit
		}
	}
	return m, nil
}

var (
	rlHead  = lipgloss.NewStyle().Bold(true)
	rlOK    = lipgloss.NewStyle().Foreground(lipgloss.Color("10"))
	rlWarn  = lipgloss.NewStyle().Foreground(lipgloss.Color("11"))
	rlErr   = lipgloss.NewStyle().Foreground(lipgloss.Color("9"))
	rlDim   = lipgloss.NewStyle().Faint(true)
	rlTitle = lipgloss.NewStyle().Reverse(true)
)

func stateStyle(s relay.State) lipgloss.Style {
	switch s {
	case relay.StateOnline:
		return rlOK
	case relay.StateAuthFailed:
		return rlErr
	case relay.StateIdle, relay.StateStopped:
		return rlDim
	}
	return rlWarn
}

// View renders the boards table, then as many recent frames and log lines
// as fit.
func (m *RelayModel) View() string {
	var out []string
	title := fmt.Sprintf(" blynkbridge relay  %s   q: quit ", m.now().Format("15:04:05"))
	out = append(out, rlTitle.Render(clip(title, m.w)), "")
	cols := []string{"BOARD", "STATE", "SERVER", "UP fr/B", "DOWN fr/B", "LOGINS", "RECONN", "PING", "SKIPPED", "DROPPED", "BUF"}
	rows := [][]string{}
	for _, s := range m.st {
		ping := "-"
		if s.LastPingRTTms > 0 {
			ping = fmt.Sprintf("%.1fms", s.LastPingRTTms)
		}
		rows = append(rows, []string{s.Board, string(s.State), s.Server,
			fmt.Sprintf("%d/%d", s.FramesUp, s.BytesUp), fmt.Sprintf("%d/%d", s.FramesDown, s.BytesDown),
			fmt.Sprintf("%d/%d", s.LoginsOK, s.BoardLogins), fmt.Sprint(s.Reconnects), ping,
			fmt.Sprint(s.SkippedBytes), fmt.Sprint(s.Dropped), fmt.Sprint(s.Buffered)})
	}
	width := make([]int, len(cols))
	for i, c := range cols {
		width[i] = len(c)
		for _, r := range rows {
			width[i] = max(width[i], len([]rune(r[i])))
		}
	}
	line := func(cells []string, style func(i int, s string) string) string {
		var b strings.Builder
		for i, c := range cells {
			pad := c + strings.Repeat(" ", width[i]-len([]rune(c)))
			b.WriteString(style(i, pad))
			b.WriteString("  ")
		}
		return b.String()
	}
	out = append(out, rlHead.Render(clip(line(cols, func(_ int, s string) string { return s }), m.w)))
	for j, r := range rows {
		st := m.st[j].State
		out = append(out, line(r, func(i int, s string) string {
			if i == 1 {
				return stateStyle(st).Render(s)
			}
			return s
		}))
	}
	for _, s := range m.st {
		if s.Dropped > 0 || s.Resent > 0 {
			out = append(out, rlWarn.Render(clip(fmt.Sprintf("%s: not delivered: %s; sent again after a lost connection: %d",
				s.Board, relay.DropCauses(s.DroppedBy), s.Resent), m.w)))
		}
		if s.LastError != "" {
			out = append(out, rlErr.Render(clip(fmt.Sprintf("%s: %s  %s", s.Board, s.LastErrorAt.Format("15:04:05"), s.LastError), m.w)))
		}
	}
	// What is left of the screen: two thirds frames, one third log.
	left := m.h - len(out) - 4
	nLogs := max(left/3, 2)
	nFrames := max(left-nLogs, 3)
	out = append(out, "", rlHead.Render("frames"))
	for _, f := range tail(m.frames, nFrames) {
		out = append(out, clip(f, m.w))
	}
	out = append(out, "", rlHead.Render("log"))
	for _, l := range tail(m.logs, nLogs) {
		out = append(out, rlDim.Render(clip(l, m.w)))
	}
	return strings.Join(out, "\n")
}

func tail(s []string, n int) []string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func clip(s string, w int) string {
	r := []rune(s)
	if w > 1 && len(r) > w {
		return string(r[:w-1]) + "…"
	}
	return s
}
