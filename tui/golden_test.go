package tui

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/blynkbridge/blynkbridge/decode"
	"github.com/blynkbridge/blynkbridge/monitor"
)

// The golden tests drive the root model through teatest at 80x24 (the
// smallest terminal the monitor promises to work in), with the colour
// profile forced to Ascii and a fixed clock, and compare the final screen
// with testdata/<Test>.golden (go test ./tui -update rewrites them).

func forumCtl(t *testing.T) *fakeCtl {
	img := []decode.Problem{{
		ID: "image-fingerprint-invisible-char", Severity: decode.SevError,
		Title:       "the fingerprint in the image has an invisible U+200E LEFT-TO-RIGHT MARK at the start of it (file offset 0x13B3, UTF-8 E2 80 8E)",
		Explanation: "The TLS library meets E2 80 8E where it expects a hex digit.",
		Fix:         `blynkbridge image patch FW.bin -o fixed.bin --fingerprint "3F EB AC 6D 31 23 60 3D 69 18 B3 C8 10 67 6E BF A7 73 7F 54"`,
	}}
	return &fakeCtl{
		script:   scriptFrom(t, "testdata/forum.log", nil),
		status:   monitor.Status{Port: "/dev/pts/7", Baud: 115200, Connected: true, Rate: 1536},
		label:    "fw.bin (5168 bytes) at 0x0",
		problems: img,
		release:  make(chan struct{}),
	}
}

func newTest(t *testing.T, ctl Controller) (*teatest.TestModel, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	m := New(ctx, ctl, Config{Now: func() time.Time { return t0.Add(83 * time.Second) }, FrameInterval: time.Millisecond,
		Intro: []string{"monitoring /dev/pts/7 at 115200 baud"}})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	return tm, cancel
}

func waitScreen(t *testing.T, tm *teatest.TestModel, want string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(want)) },
		teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
}

func finalView(t *testing.T, tm *teatest.TestModel) string {
	t.Helper()
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
	v := fm.View()
	for i, l := range strings.Split(v, "\n") {
		if w := len([]rune(l)); w > 80 {
			t.Errorf("row %d is %d columns: %q", i, w, l)
		}
	}
	if n := strings.Count(v, "\n") + 1; n != 24 {
		t.Errorf("screen has %d rows, want 24", n)
	}
	return v
}

func press(s string) tea.KeyMsg {
	switch s {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
}

// Log with decoded events marked inline, the status bar and the compact
// diagnosis panel.
func TestGoldenLogWithEvents(t *testing.T) {
	tm, _ := newTest(t, forumCtl(t))
	waitScreen(t, tm, "Login timeout")
	teatest.RequireEqualOutput(t, []byte(finalView(t, tm)))
}

// The full diagnosis: the log's problems and the image's, each with its fix.
func TestGoldenDiagnosis(t *testing.T) {
	tm, _ := newTest(t, forumCtl(t))
	waitScreen(t, tm, "Login timeout")
	tm.Send(press("D"))
	waitScreen(t, tm, "esc: back")
	teatest.RequireEqualOutput(t, []byte(finalView(t, tm)))
}

func TestGoldenHelp(t *testing.T) {
	tm, _ := newTest(t, forumCtl(t))
	tm.Send(press("?"))
	waitScreen(t, tm, "keys")
	teatest.RequireEqualOutput(t, []byte(finalView(t, tm)))
}

// Crash view: the fixture's Exception 28 decoded against its ELF.
func TestGoldenCrash(t *testing.T) {
	sym, err := decode.OpenELF("../decode/testdata/elf/fw.elf")
	if err != nil {
		t.Fatal(err)
	}
	ctl := forumCtl(t)
	ctl.script = scriptFrom(t, "../decode/testdata/elf/crash.log", sym)
	ctl.problems = nil
	tm, _ := newTest(t, ctl)
	waitScreen(t, tm, "crashed")
	tm.Send(press("c"))
	waitScreen(t, tm, "Decoded stack")
	teatest.RequireEqualOutput(t, []byte(finalView(t, tm)))
}

// Flash progress: the bar while the controller's flash is at 2048/5168.
func TestGoldenFlashProgress(t *testing.T) {
	ctl := forumCtl(t)
	ctl.flashAt = [2]int{2048, 5168}
	tm, _ := newTest(t, ctl)
	waitScreen(t, tm, "Login timeout")
	tm.Send(press("f"))
	waitScreen(t, tm, "2.0/5.0 KiB")
	v := finalView(t, tm)
	close(ctl.release)
	teatest.RequireEqualOutput(t, []byte(v))
}
