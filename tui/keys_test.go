package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/blynkbridge/blynkbridge/decode"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/monitor"
)

// manyLines is a controller whose script is n numbered sketch lines.
func manyLines(n int) *fakeCtl {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "[%d] line %d\r\n", i, i)
	}
	d := decode.New(decode.Options{Now: func() time.Time { return t0 }})
	var items []monitor.Item
	for _, e := range d.Feed([]byte(b.String())) {
		items = append(items, monitor.Item{Kind: monitor.ItemEvent, Time: t0, Event: e})
	}
	return &fakeCtl{script: items, status: monitor.Status{Port: "/dev/pts/1", Baud: 115200, Connected: true}}
}

// A burst of 50 key presses read in one go (a held key, SSH) reaches the
// program through its real input reader as one message: all 50 move the
// cursor, and the q after them quits.
func TestBurstOf50KeysAllTakeEffect(t *testing.T) {
	// What 50 separate presses do, key by key.
	want := New(context.Background(), manyLines(300), Config{Now: func() time.Time { return t0 }})
	want.Update(itemsMsg{items: manyLines(300).script})
	for range 50 {
		want.Update(press("k"))
	}
	if want.log.follow || want.log.cursor >= want.log.lastVisible()-40 {
		t.Fatalf("50 single presses did not move the cursor: cursor %d, last %d", want.log.cursor, want.log.lastVisible())
	}

	ctl := manyLines(300)
	m := New(context.Background(), ctl, Config{Now: func() time.Time { return t0 }})
	in := &stagedInput{parts: []string{strings.Repeat("k", 50), "q"}}
	p := tea.NewProgram(m, tea.WithInput(in), tea.WithOutput(io.Discard), tea.WithoutSignalHandler())
	done := make(chan error, 1)
	go func() { _, err := p.Run(); done <- err }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		p.Kill()
		t.Fatal("program did not quit after the burst")
	}
	if m.log.cursor != want.log.cursor {
		t.Fatalf("after a burst of 50 k: cursor %d, after 50 single presses %d", m.log.cursor, want.log.cursor)
	}
}

// stagedInput hands out each part in one Read, 300 ms apart (the lines
// are loaded first; the burst is one read, as from a terminal), then
// blocks.
type stagedInput struct{ parts []string }

func (s *stagedInput) Read(p []byte) (int, error) {
	time.Sleep(300 * time.Millisecond)
	if len(s.parts) == 0 {
		select {}
	}
	n := copy(p, s.parts[0])
	s.parts = s.parts[1:]
	return n, nil
}

// The coalesced message itself (what bubbletea v1 makes of "kkkk...").
func TestCoalescedRunesAreSeparateKeys(t *testing.T) {
	ctl := manyLines(200)
	m := newDirect(t, ctl)
	_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(strings.Repeat("k", 50))})
	run(m, cmd)
	one := newDirect(t, manyLines(200))
	for range 50 {
		one.Update(press("k"))
	}
	if m.log.cursor != one.log.cursor || m.log.follow {
		t.Fatalf("burst cursor %d, singles %d", m.log.cursor, one.log.cursor)
	}
}

// Ctrl-C in the TUI is an interruption (exit 130); q is a normal exit.
func TestCtrlCExits130(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want error
	}{{"\x03", ErrInterrupted}, {"q", nil}} {
		err := Run(context.Background(), manyLines(5), Config{}, tea.WithInput(strings.NewReader(tc.in)), tea.WithOutput(io.Discard))
		if !errors.Is(err, tc.want) && err != tc.want {
			t.Fatalf("%q: Run returned %v, want %v", tc.in, err, tc.want)
		}
		if tc.want != nil && bberr.CodeOf(err) != bberr.Interrupted {
			t.Fatalf("Ctrl-C: code %d, want %d", bberr.CodeOf(err), bberr.Interrupted)
		}
	}
}

// Ctrl-T sends the next key to the board, whatever it means here.
func TestEscapeKeySendsNextKey(t *testing.T) {
	ctl := manyLines(3)
	m := newDirect(t, ctl)
	for _, k := range []tea.KeyMsg{{Type: tea.KeyCtrlT}, press("q"), {Type: tea.KeyCtrlT}, {Type: tea.KeyCtrlC}, {Type: tea.KeyCtrlT}, {Type: tea.KeyCtrlT}} {
		_, cmd := m.Update(k)
		if cmd != nil {
			msg := cmd()
			if _, quit := msg.(tea.QuitMsg); quit {
				t.Fatalf("%v after Ctrl-T quit the monitor", k)
			}
			m.Update(msg)
		}
	}
	if got := fmt.Sprintf("%q", ctl.sent); got != `["q" "\x03" "\x14"]` {
		t.Fatalf("sent %s", got)
	}
}

// Sending: line endings, local echo, hex bytes.
func TestSendOptions(t *testing.T) {
	ctl := manyLines(3)
	m := newDirect(t, ctl)
	typeLine := func(k, text string) {
		m.Update(press(k))
		for _, r := range text {
			m.Update(press(string(r)))
		}
		_, cmd := m.Update(press("enter"))
		run(m, cmd)
	}
	typeLine("s", "a")
	m.Update(press("E")) // CRLF
	typeLine("s", "b")
	m.Update(press("E")) // CR
	m.Update(press("E")) // none
	m.Update(press("L")) // echo on
	typeLine("s", "c")
	typeLine("H", "1d 00 01")
	if got := fmt.Sprintf("%q", ctl.sent); got != `["a\n" "b\r\n" "c" "\x1d\x00\x01"]` {
		t.Fatalf("sent %s", got)
	}
	if text, _ := m.log.selectedText(); !strings.Contains(text, "sent: 1d 00 01") {
		t.Fatalf("no local echo: %q", text)
	}
}

// DTR and RTS toggle by hand, one request each with both levels.
func TestDTRRTSToggles(t *testing.T) {
	ctl := manyLines(3)
	m := newDirect(t, ctl)
	for _, k := range []string{"1", "2", "1"} {
		_, cmd := m.Update(press(k))
		run(m, cmd)
	}
	if got := fmt.Sprint(ctl.lines); got != "[[true false] [true true] [false true]]" {
		t.Fatalf("lines %s", got)
	}
}

// Search finds words of the explanations; the regex filter hides the rest;
// y copies the whole selected line; T shows timestamps.
func TestSearchRegexCopyTimestamps(t *testing.T) {
	ctl := forumCtl(t)
	m := newDirect(t, ctl)
	// "certificate" is in explanations of the forum log's TLS lines.
	m.log.query = "fingerprint"
	if !m.log.search(-1) {
		t.Fatal("search over explanations found nothing")
	}
	if !m.log.at(m.log.cursor).matches(func(s string) bool { return strings.Contains(strings.ToLower(s), "fingerprint") }) {
		t.Fatal("cursor not on a match")
	}
	if err := m.log.setRegex("Connecting"); err != nil {
		t.Fatal(err)
	}
	shown := 0
	for i := m.log.first; i < m.log.end(); i++ {
		if m.log.visible(i) && !m.log.at(i).note {
			shown++
			if !m.log.at(i).matches(func(s string) bool { return strings.Contains(s, "Connecting") }) {
				t.Fatalf("regex filter shows %q", m.log.at(i).printable())
			}
		}
	}
	if shown == 0 {
		t.Fatal("regex filter shows nothing")
	}
	if err := m.log.setRegex("(("); err == nil {
		t.Fatal("bad regex accepted")
	}
	_ = m.log.setRegex("")
	var copied string
	m.copyText = func(s string) error { copied = s; return nil }
	m.log.follow = true
	m.Update(press("y"))
	if copied == "" || strings.Contains(copied, "…") {
		t.Fatalf("copied %q", copied)
	}
	m.Update(press("T"))
	if v := m.View(); !strings.Contains(v, "10:00:00.000 ") {
		t.Fatalf("no timestamps in view:\n%s", v)
	}
}

// The send line is a real text input: the cursor moves, a paste lands as
// typed, and a burst of keys in it is text, not commands.
func TestSendLineEditing(t *testing.T) {
	ctl := manyLines(3)
	m := newDirect(t, ctl)
	m.Update(press("s"))
	for _, k := range []tea.KeyMsg{press("helo"), {Type: tea.KeyLeft}, press("l"), {Type: tea.KeyEnd},
		{Type: tea.KeyRunes, Runes: []rune(" world"), Paste: true}} {
		m.Update(k)
	}
	if v := m.View(); !strings.Contains(v, "hello world") {
		t.Fatalf("input shows:\n%s", v)
	}
	_, cmd := m.Update(press("enter"))
	run(m, cmd)
	if got := fmt.Sprintf("%q", ctl.sent); got != `["hello world\n"]` {
		t.Fatalf("sent %s", got)
	}
}
