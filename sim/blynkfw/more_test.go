package blynkfw

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/blynk/blynktest"
	"github.com/blynkbridge/blynkbridge/certs"
	"github.com/blynkbridge/blynkbridge/sim"
)

// BearSSL (library 1.x): the invisible character makes setFingerprint reject
// the string, nothing is trusted, every attempt is `SSL error: 62`; the clean
// fingerprint works even by IPAddress, since BearSSL's fingerprint mode
// checks no name.
func TestWiFiSSLBearSSL(t *testing.T) {
	s := tlsServer(t)
	cfg := wifiCfg(s, "localhost", "\u200E"+s.Fingerprint())
	cfg.Lib = "1.3.2"
	_, p := board(t, cfg)
	out := expect(t, p, 5*time.Second, "/___/ v1.3.2 on ESP8266\r\n\r\n #StandWithUkraine    https://bit.ly/swua\r\n\r\n\r\n",
		"] Current time: ", "] Connecting to localhost:", "] SSL error: 62\r\n")
	if strings.Contains(out, "Login timeout") || strings.Contains(out, "Certificate") {
		t.Fatalf("axTLS lines in BearSSL mode:\n%s", out)
	}
	cfg = wifiCfg(s, "127.0.0.1", s.Fingerprint())
	cfg.Lib, cfg.ByIP = "1.3.2", true
	_, p2 := board(t, cfg)
	expect(t, p2, 5*time.Second, "] Connecting to 127.0.0.1\r\n", "] Ready (ping: ")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if _, err := s.WaitFrame(ctx, blynktest.In, func(f blynk.Frame) bool { return f.Cmd == blynk.CmdHWLogin && f.ID == 1 }); err != nil {
		t.Fatalf("1.x logs in with HW_LOGIN: %v", err)
	}
}

func TestWiFiSSLInvalidTokenAndDebugDump(t *testing.T) {
	s := tlsServer(t)
	cfg := wifiCfg(s, "localhost", s.Fingerprint())
	cfg.Token = blynk.NewToken("ffffffffffffffffffffffffffffffff")
	cfg.Debug = true
	_, p := board(t, cfg)
	out := expect(t, p, 5*time.Second, "] Free RAM: ",
		"<[02|00|01|00] ffffffffffffffffffffffffffffffff\r\n", "] >[00|00|01|00|09]\r\n", "] Invalid auth token\r\n")
	if strings.Contains(out, "Ready") {
		t.Fatal(out)
	}
}

func TestWiFiSSLHeartbeatTimeoutAndPing(t *testing.T) {
	s := tlsServer(t)
	cfg := wifiCfg(s, "localhost", s.Fingerprint())
	cfg.Heartbeat, cfg.TimeoutMS, cfg.WriteEvery = 1, 200, -1
	_, p := board(t, cfg)
	expect(t, p, 5*time.Second, "Ready (ping: ")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// Idle for h-beat: the board pings, and the server answers.
	if _, err := s.WaitFrame(ctx, blynktest.Out, func(f blynk.Frame) bool { return f.Cmd == blynk.CmdResponse && f.ID > 2 }); err != nil {
		t.Fatalf("no ping answered: %v", err)
	}
	s.Stall(true)
	expect(t, p, 5*time.Second, "] Heartbeat timeout\r\n")
	// The reconnect follows 5 s after the last login (hard-coded pacing);
	// the wifi tests above cover connecting, so this test stops here.
}

func TestWiFiSSLServerCommandsAndCrash(t *testing.T) {
	s := tlsServer(t)
	cfg := wifiCfg(s, "localhost", s.Fingerprint())
	cfg.WriteEvery = -1
	_, p := board(t, cfg)
	expect(t, p, 5*time.Second, "Ready (ping: ")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Send(blynk.NewFrame(blynk.CmdHardware, 0x8A70, blynk.VirtualRead(5))); err != nil {
		t.Fatal(err)
	}
	if _, err := s.WaitFrame(ctx, blynktest.In, func(f blynk.Frame) bool { return f.ID == 0x8A70 }); err != nil {
		t.Fatalf("vr not answered with the request id: %v", err)
	}
	if err := s.SendHardware("vw", "7", "1"); err != nil {
		t.Fatal(err)
	}
	expect(t, p, 3*time.Second, "] No handler for writing to pin 7\r\n")
	if err := s.Send(blynk.NewFrame(blynk.CmdRedirect, 0, blynk.Body("localhost", "1"))); err != nil {
		t.Fatal(err)
	}
	expect(t, p, 3*time.Second, "] Redirecting to localhost:1\r\n", "] Connecting to localhost:1\r\n")
	// A crash on demand through the sketch's crash pin: the board's core
	// prints the postmortem and reboots.
	b2, p2 := board(t, wifiCfg(s, "localhost", s.Fingerprint()))
	expect(t, p2, 5*time.Second, "Ready (ping: ")
	if err := s.SendHardware("vw", "99", "exception"); err != nil {
		t.Fatal(err)
	}
	expect(t, p2, 5*time.Second, "Exception (", "Connecting to blynkbridge-lab")
	if b2.State() == sim.Off {
		t.Fatal("board off after crash")
	}
}

// The fingerprint parsers agree with certs' independent model of them.
func FuzzFingerprintParsers(f *testing.F) {
	f.Add("FD C0 7D 8D 47 97 F7 E3 07 05 D3 4E E3 BB 8E 3D C0 EA BE 1C")
	f.Add("\u200EFD:C0:7D:8D:47:97:F7:E3:07:05:D3:4E:E3:BB:8E:3D:C0:EA:BE:1C")
	f.Add("FDC07D8D4797F7E30705D34EE3BB8E3DC0EABE1C  trailing")
	f.Add(" FD C0")
	f.Fuzz(func(t *testing.T, s string) {
		_, _, ok := axtlsParse(s)
		if want := certs.AxTLSParse(s).OK; ok != want {
			t.Fatalf("axTLS %q: %v, certs says %v", s, ok, want)
		}
		_, _, ok = bearsslParse(s)
		if want := certs.BearSSLParse(s).OK; ok != want {
			t.Fatalf("BearSSL %q: %v, certs says %v", s, ok, want)
		}
	})
}
