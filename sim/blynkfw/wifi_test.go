package blynkfw

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/blynk/blynktest"
)

func wifiCfg(s *blynktest.Server, host, fp string) Config {
	return Config{Kind: WiFiSSL, Token: blynk.NewToken(testToken), Host: host, Port: s.Port(),
		Fingerprint: fp, TimeoutMS: 400, WiFiJoin: -1}
}

// The forum story, first half: a fingerprint pasted with a leading U+200E.
func TestWiFiSSLInvisibleFingerprint(t *testing.T) {
	s := tlsServer(t)
	b := board(t, wifiCfg(s, "localhost", "\u200E"+s.Fingerprint()))
	out := expect(t, b.HostPort(), 5*time.Second,
		"Connecting to blynkbridge-lab\r\n", "Connected to WiFi\r\n", "IP: 192.168.0.42\r\n",
		"        /___/ v0.4.10 on Arduino\n\r\n",
		"] Connecting to localhost:", "] Certificate doesn't match\r\n", "] Login timeout\r\n")
	if strings.Contains(out, "Ready") {
		t.Fatalf("logged in with a broken fingerprint:\n%s", out)
	}
	t.Logf("board output:\n%s", out)
	// The TLS connection was real: the server saw it, but never a login.
	for _, f := range s.Frames(blynktest.In) {
		if f.Cmd.IsLogin() {
			t.Fatalf("login sent after a failed verify: %v", f)
		}
	}
}

func TestWiFiSSLCleanFingerprintHostName(t *testing.T) {
	s := tlsServer(t)
	b := board(t, wifiCfg(s, "localhost", s.Fingerprint()))
	out := expect(t, b.HostPort(), 5*time.Second, "] Connecting to localhost:", "] Certificate OK\r\n", "ms).\r\n")
	if !regexp.MustCompile(`\[\d+\] Ready \(ping: \d+ms\)\.\r\n`).MatchString(out) {
		t.Fatalf("no Ready line:\n%s", out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	login, err := s.WaitFrame(ctx, blynktest.In, func(f blynk.Frame) bool { return f.Cmd.IsLogin() })
	if err != nil || login.Cmd != blynk.CmdLogin || login.ID != 1 {
		t.Fatalf("login %v %v", login, err)
	}
	info, err := s.WaitFrame(ctx, blynktest.In, func(f blynk.Frame) bool { return f.Cmd == blynk.CmdInternal })
	if err != nil || info.ID != 2 {
		t.Fatalf("info %v %v", info, err)
	}
	kv, _ := blynk.ParseKV(info.Body)
	if v, _ := blynk.Lookup(kv, "ver"); v != "0.4.10" {
		t.Errorf("info packet %v", kv)
	}
	if _, err := s.WaitFrame(ctx, blynktest.In, func(f blynk.Frame) bool { return f.Cmd == blynk.CmdHardware }); err != nil {
		t.Fatalf("no virtual write: %v", err)
	}
}

func TestWiFiSSLIPAddressForm(t *testing.T) {
	s := tlsServer(t)
	cfg := wifiCfg(s, "127.0.0.1", s.Fingerprint())
	cfg.ByIP = true
	b := board(t, cfg)
	out := expect(t, b.HostPort(), 5*time.Second, "] Connecting to 127.0.0.1\r\n", "] Certificate doesn't match\r\n", "] Login timeout\r\n")
	if strings.Contains(out, "Ready") {
		t.Fatalf("IPAddress form passed the name check:\n%s", out)
	}
}
