package daemon

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/profiles"
	"github.com/blynkbridge/blynkbridge/relay"
)

func TestBoardFromProfile(t *testing.T) {
	tokFile := filepath.Join(t.TempDir(), "tok")
	os.WriteFile(tokFile, []byte(testTok+"\n"), 0o600)
	cases := []struct {
		p        profiles.Profile
		port     string
		baud     int
		relayTo  string
		tls      relay.TLSMode
		secret   string
		hasBoard bool
	}{
		{p: profiles.Profile{Name: "a", Port: "/dev/ttyUSB0"}, port: "/dev/ttyUSB0", baud: 115200, hasBoard: true},
		{p: profiles.Profile{Name: "b", ByID: "usb-1a86-port0", MonitorBaud: 74880}, port: "/dev/serial/by-id/usb-1a86-port0", baud: 74880, hasBoard: true},
		{p: profiles.Profile{Name: "c", USBSerial: "0123", Token: blynk.NewToken(testTok)}, port: "serial:0123", baud: 115200, secret: testTok, hasBoard: true},
		{p: profiles.Profile{Name: "d", VIDPID: "2341:0043", Server: "blynk.lan", TLS: "none", TokenFile: tokFile, Relay: map[string]any{"buffer": 64}},
			port: "usb:2341:0043", baud: 115200, relayTo: "blynk.lan:80", tls: relay.TLSOff, secret: testTok, hasBoard: true},
		{p: profiles.Profile{Name: "e", Port: "/dev/x", Server: "blynk.lan:9443", Relay: map[string]any{"x": 1}}, port: "/dev/x", baud: 115200, relayTo: "blynk.lan:9443", tls: relay.TLSVerify, hasBoard: true},
		{p: profiles.Profile{Name: "f", Server: "blynk.cloud"}},
	}
	bc, _, err := BoardFromProfile(&profiles.Profile{Name: "g", Port: "/dev/x", Server: "h:1",
		Relay: map[string]any{"reconnect-max": "30s", "buffer": int64(64), "fail-fast": true, "json": true}}, 9600)
	if err != nil || bc.Relay.ReconnectMax != 30*time.Second || bc.Relay.BufferFrames != 64 || !bc.Relay.FailFast {
		t.Fatalf("relay settings: %v %+v", err, bc.Relay)
	}
	if _, _, err := BoardFromProfile(&profiles.Profile{Name: "h", Port: "/dev/x", Server: "h:1", Relay: map[string]any{"buffer": "lots"}}, 9600); err == nil {
		t.Fatal("bad buffer accepted")
	}
	for _, c := range cases {
		bc, ok, err := BoardFromProfile(&c.p, 115200)
		if err != nil || ok != c.hasBoard {
			t.Fatalf("%s: ok %v err %v", c.p.Name, ok, err)
		}
		if !ok {
			continue
		}
		if bc.Name != c.p.Name || bc.Port != c.port || bc.Baud != c.baud {
			t.Errorf("%s: %+v", c.p.Name, bc)
		}
		if (c.secret != "") != (len(bc.Secrets) == 1) || (c.secret != "" && bc.Secrets[0] != c.secret) {
			t.Errorf("%s: secrets %d", c.p.Name, len(bc.Secrets))
		}
		if (c.relayTo != "") != (bc.Relay != nil) || (bc.Relay != nil && (bc.Relay.Server != c.relayTo || bc.Relay.TLS != c.tls)) {
			t.Errorf("%s: relay %+v", c.p.Name, bc.Relay)
		}
	}
}
