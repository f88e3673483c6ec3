package tui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/relay"
)

func TestRelayView(t *testing.T) {
	const tok = "Zq7xK2pLm9Tn4Rb8Vw1Yc6Hd3Gf5Js0A"
	feed := NewRelayFeed()
	at := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	login := blynk.Login(blynk.CmdHWLogin, blynk.NewToken(tok))
	feed.Tap(relay.TapEvent{Time: at, Board: "uno", Dir: relay.Up, Action: relay.Forwarded, Text: login.String()})
	feed.Tap(relay.TapEvent{Time: at, Board: "uno", Dir: relay.Down, Action: relay.Forwarded, Text: blynk.Response(1, 200).String()})
	_, _ = feed.Write([]byte("level=INFO msg=\"board logged in\"\nlevel=WARN msg=par"))
	_, _ = feed.Write([]byte("tial\n"))
	stats := []relay.Stats{{Board: "uno", State: relay.StateOnline, Server: "127.0.0.1:9443", FramesUp: 3, BytesUp: 60,
		LoginsOK: 1, BoardLogins: 1, LastPingRTTms: 1.5, Dropped: 3, DroppedBy: map[string]int64{relay.DropBufferFull: 2, relay.DropShutdown: 1}, Resent: 4},
		{Board: "nano", State: relay.StateAuthFailed, LastError: "refused the board's auth token", LastErrorAt: at}}
	m := NewRelayModel(func() []relay.Stats { return stats }, feed)
	m.now = func() time.Time { return at }
	m.Init()
	m.Update(tea.WindowSizeMsg{Width: 140, Height: 30})
	v := m.View()
	for _, want := range []string{"uno", "online", "auth-failed", "3/60", "1.5ms", "HW_LOGIN", "server→board",
		"RESPONSE id=1 status=200", "board logged in", "msg=partial", "refused the board's auth token",
		"not delivered: buffer-full=2 shutdown=1; sent again after a lost connection: 4"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, tok[:12]) {
		t.Error("token on screen")
	}
	if _, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")}); cmd == nil {
		t.Error("q does not quit")
	} else if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Error("q does not quit")
	}
	// A small window still renders (clipped), no panic.
	m.Update(tea.WindowSizeMsg{Width: 20, Height: 5})
	if v := m.View(); v == "" {
		t.Error("empty view")
	}
}
