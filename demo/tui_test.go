package demo

import (
	"bytes"
	"context"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/blynkbridge/blynkbridge/decode"
	"github.com/blynkbridge/blynkbridge/monitor"
	"github.com/blynkbridge/blynkbridge/tui"
)

// The demo as a user plays it in the TUI: the failure and the diagnosis
// naming U+200E appear, ONE key (f) patches and flashes the fix, and the
// board reaches Ready - all over the real pty, through the TUI's model.
func TestDemoInTUIOneKeyFix(t *testing.T) {
	d, err := Start(Options{WiFiJoin: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	eng := monitor.New(monitor.Options{Open: d.Open, Decoder: decode.New(decode.Options{}), Reconnect: true})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	runErr := make(chan error, 1)
	go func() { runErr <- eng.Run(ctx) }()
	go func() { _ = d.PowerOn(ctx, eng) }()

	con := NewConsole(d, eng)
	tm := teatest.NewTestModel(t, tui.New(ctx, con, tui.Config{Title: "blynkbridge demo", Intro: d.Intro()}),
		teatest.WithInitialTermSize(80, 24))
	wait := func(what string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(what)) },
			teatest.WithDuration(20*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	}
	wait("U+200E LEFT-TO-RIGHT MARK") // the diagnosis panel, shown once the failure is on screen
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("f")})
	// (WaitFor consumes the output it reads, so one condition per frame.)
	wait("the board is online")
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	cancel()
	if err := <-runErr; err != nil {
		t.Fatal(err)
	}
	fm := tm.FinalModel(t).(*tui.Model)
	if v := fm.View(); !bytes.Contains([]byte(v), []byte("Ready (ping: ")) {
		t.Fatalf("final screen lacks Ready:\n%s", v)
	}
	if got := d.Board.FlashContents(); !bytes.Equal(got[:len(d.Image())], d.Image()) {
		t.Fatal("the board's flash does not hold the fixed image")
	}
}
