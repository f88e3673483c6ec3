package daemon

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/blynk/blynktest"
	"github.com/blynkbridge/blynkbridge/relay"
	"github.com/blynkbridge/blynkbridge/sim"
	"github.com/blynkbridge/blynkbridge/sim/blynkfw"
)

// A relayed board lent to a flasher: the relay pauses (the board is the
// flasher's) and carries frames again once the loan ends, and the raw log
// holds no token although the board's login crossed it.
func TestRelayPausesDuringLoan(t *testing.T) {
	srv, err := blynktest.Start(blynktest.Options{Tokens: []blynk.Token{blynk.NewToken(testTok)}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	fw := blynkfw.Config{Kind: blynkfw.USBStream, Token: blynk.NewToken(testTok), WriteEvery: 100 * time.Millisecond, Heartbeat: 1, TimeoutMS: 1000}
	b, path := simBoard(t, sim.Options{Flash: blynkfw.BootImage(), Firmware: blynkfw.Chooser(fw, t.Logf)})
	bc := simConfig("uno", path, b)
	bc.Baud = 9600
	bc.Relay = &relay.Options{Server: srv.Addr(), TLS: relay.TLSOff}
	d, c, logs := startDaemon(t, Config{Boards: []BoardConfig{bc}})
	relayStats := func() relay.Stats {
		bs, _ := c.Boards(context.Background())
		if len(bs) == 0 || bs[0].Relay == nil {
			return relay.Stats{}
		}
		return *bs[0].Relay
	}
	if !eventually(15*time.Second, func() bool { s := relayStats(); return s.State == relay.StateOnline && s.FramesUp > 3 }) {
		t.Fatalf("relay never online: %+v\n%s", relayStats(), logs.String())
	}
	p, err := c.Lend(context.Background(), "uno", "flash", 9600, false)
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, c, "uno", StateFlashing)
	time.Sleep(300 * time.Millisecond)
	during := relayStats()
	time.Sleep(700 * time.Millisecond)
	if s := relayStats(); s.FramesUp != during.FramesUp {
		t.Errorf("frames went up while the board was lent: %d -> %d", during.FramesUp, s.FramesUp)
	}
	p.Close()
	if !eventually(15*time.Second, func() bool { s := relayStats(); return s.State == relay.StateOnline && s.FramesUp > during.FramesUp+3 }) {
		t.Fatalf("relay did not resume: %+v\n%s", relayStats(), logs.String())
	}
	raw := fileHas(t, d.cfg.LogDir+"/uno/raw.log", "-- port lent to flash")
	for i := 0; i+8 <= len(testTok); i++ {
		if strings.Contains(raw, testTok[i:i+8]) {
			t.Fatalf("raw log holds part of the token")
		}
	}
}
