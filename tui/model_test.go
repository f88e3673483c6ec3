package tui

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/blynkbridge/blynkbridge/decode"
	"github.com/blynkbridge/blynkbridge/monitor"
)

func newDirect(t *testing.T, ctl *fakeCtl) *Model {
	t.Helper()
	m := New(context.Background(), ctl, Config{Now: func() time.Time { return t0 }})
	m.Update(itemsMsg{items: ctl.script})
	ctl.script = nil
	return m
}

// run executes a command and feeds its message back, as the program would.
func run(m *Model, cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	if msg := cmd(); msg != nil {
		if b, ok := msg.(tea.BatchMsg); ok {
			for _, c := range b {
				run(m, c)
			}
			return
		}
		_, next := m.Update(msg)
		_ = next
	}
}

// Keys turn into requests on the controller, nothing else.
func TestKeysBecomeRequests(t *testing.T) {
	ctl := forumCtl(t)
	m := newDirect(t, ctl)
	for _, k := range []string{"r", "d", "b"} {
		_, cmd := m.Update(press(k))
		run(m, cmd)
	}
	_, _ = m.Update(press("s"))
	for _, r := range "hello" {
		m.Update(press(string(r)))
	}
	_, cmd := m.Update(press("enter"))
	run(m, cmd)
	if len(ctl.resets) != 2 || ctl.resets[0] || !ctl.resets[1] {
		t.Fatalf("resets %v", ctl.resets)
	}
	if len(ctl.bauds) != 1 || ctl.bauds[0] != 74880 {
		t.Fatalf("bauds %v (115200 cycles to 74880)", ctl.bauds)
	}
	if len(ctl.sent) != 1 || string(ctl.sent[0]) != "hello\n" {
		t.Fatalf("sent %q", ctl.sent)
	}
	m.Update(press("w"))
	if !strings.Contains(m.View(), "log saved to blynkbridge-20261128-100000.log") {
		t.Fatal("no save note on screen")
	}
}

// The flash key runs the controller's flash with a progress bar, then
// notes the summary and re-reads the image problems.
func TestFlashKeyProgressAndDone(t *testing.T) {
	ctl := forumCtl(t)
	ctl.flashAt = [2]int{1024, 4096}
	m := newDirect(t, ctl)
	_, cmd := m.Update(press("f"))
	batch := cmd().(tea.BatchMsg)
	done := make(chan tea.Msg, 1)
	go func() { done <- batch[0]() }() // the flash itself
	m.Update(batch[1]())               // first progress
	if v := m.View(); !strings.Contains(v, "Flashing fw.bin") || !strings.Contains(v, " 25%") {
		t.Fatalf("no progress bar:\n%s", v)
	}
	ctl.problems = nil // the flash fixed the image
	close(ctl.release)
	m.Update(<-done)
	v := m.View()
	if strings.Contains(v, "Flashing") || !strings.Contains(v, "» flashed") {
		t.Fatalf("after the flash:\n%s", v)
	}
	if strings.Contains(v, "U+200E") {
		t.Fatal("image problem still listed after the flash")
	}
}

// Every size from tiny to wide renders exactly the terminal's rows, none
// wider than its columns, on every screen.
func TestResizesCleanly(t *testing.T) {
	m := newDirect(t, forumCtl(t))
	for _, sz := range [][2]int{{80, 24}, {120, 40}, {40, 10}, {20, 5}, {200, 60}, {80, 24}} {
		m.Update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		for _, k := range []string{"", "?", "esc", "D", "esc", "c", "esc", "x", "x", "k", "G"} {
			if k != "" {
				m.Update(press(k))
			}
			v := m.View()
			rows := strings.Split(v, "\n")
			if len(rows) != sz[1] {
				t.Fatalf("%dx%d after %q: %d rows", sz[0], sz[1], k, len(rows))
			}
			for i, r := range rows {
				if w := ansi.StringWidth(r); w > sz[0] {
					t.Fatalf("%dx%d after %q: row %d is %d wide: %q", sz[0], sz[1], k, i, w, r)
				}
			}
		}
	}
}

// Pause, scroll, search, filter and hex view act on the log child.
func TestLogViewControls(t *testing.T) {
	m := newDirect(t, forumCtl(t))
	m.Update(press("/"))
	for _, r := range "certificate" {
		m.Update(press(string(r)))
	}
	m.Update(press("enter"))
	if m.log.follow || !strings.Contains(m.log.at(m.log.cursor).text, "Certificate doesn't match") {
		t.Fatalf("search did not select the match: follow=%v", m.log.follow)
	}
	if !strings.Contains(m.View(), "PAUSED") {
		t.Fatal("status bar does not say PAUSED")
	}
	m.Update(press("enter")) // expand the selected event's explanation
	if !strings.Contains(m.View(), "axTLS verify() needs BOTH") {
		t.Fatalf("explanation not expanded:\n%s", m.View())
	}
	m.Update(press("G"))
	for i := 0; i < 2; i++ {
		m.Update(press("t")) // all -> problems -> blynk
	}
	v := m.View()
	if !strings.Contains(v, "filter:blynk") || strings.Contains(v, "load 0x4010f000") || !strings.Contains(v, "Login timeout") {
		t.Fatalf("blynk filter:\n%s", v)
	}
	m.Update(press("x"))
	if v := m.View(); !strings.Contains(v, "000001f0  33 33 5d 20 4c 6f 67 69") {
		t.Fatalf("hex view:\n%s", v)
	}
}

// The frame cap: after a batch the next Wait waits out FrameInterval, so a
// board that never stops printing cannot make the model re-render more
// often. With an interval of an hour, one batch means one Wait.
func TestWaitIsPacedByFrameInterval(t *testing.T) {
	ctl := &floodCtl{}
	m := New(context.Background(), ctl, Config{FrameInterval: time.Hour})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	waitScreen(t, tm, "flood line")
	time.Sleep(100 * time.Millisecond)
	if n := ctl.waits.Load(); n != 1 {
		t.Fatalf("%d Waits, want 1 (the next waits out the frame interval)", n)
	}
	_ = tm.Quit()
}

type floodCtl struct {
	fakeCtl
	waits atomic.Int64
}

func (f *floodCtl) Wait(ctx context.Context) ([]monitor.Item, error) {
	f.waits.Add(1)
	ev := decode.Event{Kind: decode.KindText, Raw: "flood line\r\n", DeviceMillis: -1}
	return []monitor.Item{{Kind: monitor.ItemEvent, Event: ev}}, nil
}

// The history is bounded: old lines go in chunks, a paused cursor stays on
// a line that still exists.
func TestLogViewBounded(t *testing.T) {
	l := newLogView(100)
	for i := 0; i < 50; i++ {
		l.addNote(t0, "early")
	}
	l.pause()
	l.home()
	for i := 0; i < 1000; i++ {
		l.addEvent(decode.Event{Kind: decode.KindText, Raw: "line\r\n", DeviceMillis: -1})
	}
	if len(l.lines) > 100 || l.end() != 1050 {
		t.Fatalf("%d lines held, end %d", len(l.lines), l.end())
	}
	if l.cursor < l.first || l.top < l.first {
		t.Fatalf("cursor %d / top %d before the first held line %d", l.cursor, l.top, l.first)
	}
	if rows := l.view(80, 10); len(rows) != 10 || !strings.Contains(rows[0], "line") {
		t.Fatalf("rows %q", rows)
	}
}
