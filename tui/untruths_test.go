package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/decode"
	"github.com/blynkbridge/blynkbridge/monitor"
)

// The blynk filter shows the library's lines, not the sketch's own prints
// in the same "[ms] text" format.
func TestBlynkFilterSkipsSketchLines(t *testing.T) {
	evs := decode.New(decode.Options{}).Feed([]byte("[1000] tick 1\r\n[1200] Connecting to blynk.lan:9443\r\n[1300] Ready (ping: 12ms).\r\n"))
	var shown []string
	for i := range evs {
		if blynkOnly(&evs[i]) {
			shown = append(shown, strings.TrimSpace(evs[i].Raw))
		}
	}
	if len(shown) != 2 || strings.Contains(strings.Join(shown, "|"), "tick") {
		t.Fatalf("blynk filter shows %q", shown)
	}
}

// After a crash the board restarts at once; the bar still says it crashed.
func TestStatusBarShowsRecentCrash(t *testing.T) {
	now := time.Now()
	crash := decode.Event{Kind: decode.KindCrash, HostTime: now.Add(-5 * time.Second)}
	st := monitor.State{Board: monitor.BoardRunning, Crash: &crash, BootedAt: now.Add(-4 * time.Second)}
	bar := statusBar(200, monitor.Status{Port: "/dev/ttyUSB0", Baud: 115200}, st, now, "")
	if !strings.Contains(bar, "running, crashed 0:05 ago") {
		t.Fatalf("bar %q", bar)
	}
	bar = statusBar(200, monitor.Status{Port: "/dev/ttyUSB0", Baud: 115200}, st, now.Add(CrashShownFor), "")
	if strings.Contains(bar, "crashed") {
		t.Fatalf("crash shown too long: %q", bar)
	}
}

// The hex view never shows a login's token (binary frame or text dump).
func TestHexViewMasksTokens(t *testing.T) {
	const tok = "Zq7xK2pLm9Tn4Rb8Vw1Yc6Hd3Gf5Js0A"
	l := newLogView(100)
	l.addRaw([]byte("[1] hello\r\n"))
	l.addRaw(append([]byte{0x1D, 0, 1, 0, byte(len(tok))}, tok...))
	l.addRaw([]byte("\r\n[2] <[02|00|01|00|20]" + tok + "\r\n"))
	v := strings.Join(l.hexView(100, 20), "\n")
	if strings.Contains(v, tok[:4]) || strings.Contains(v, "5a 71 37 78") {
		t.Fatalf("token in the hex view:\n%s", v)
	}
	if !strings.Contains(v, "|[1] hello") {
		t.Fatalf("hex view lost the text:\n%s", v)
	}
}
