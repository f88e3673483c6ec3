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

// wifiCfg is a WiFi SSL sketch for s. BLYNK_TIMEOUT_MS is 1 s: a failed
// verify prints "Login timeout" only if run() gets a turn between
// TIMEOUT_MS after the verify and the end of connect()'s 3 x TIMEOUT_MS
// window (after it, Blynk.begin's next connect() drops the socket silently
// and the next attempt is 5 s later), and on a loaded machine a TLS
// handshake alone took 2.5 s: 400 ms left no window at all.
// loginTimeoutWait bounds a wait for "Login timeout" after a failed
// verify: normally about 1 s, but it covers one lost attempt (see wifiCfg)
// plus the library's 5 s reconnect pacing, so a slow machine is not a
// failure.
const loginTimeoutWait = 13 * time.Second

func wifiCfg(s *blynktest.Server, host, fp string) Config {
	return Config{Kind: WiFiSSL, Token: blynk.NewToken(testToken), Host: host, Port: s.Port(),
		Fingerprint: fp, TimeoutMS: 1000, WiFiJoin: -1}
}

// The forum story, first half: a fingerprint pasted with a leading U+200E.
func TestWiFiSSLInvisibleFingerprint(t *testing.T) {
	s := tlsServer(t)
	_, p := board(t, wifiCfg(s, "localhost", "\u200E"+s.Fingerprint()))
	out := expect(t, p, loginTimeoutWait,
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
	_, p := board(t, wifiCfg(s, "localhost", s.Fingerprint()))
	out := expect(t, p, 5*time.Second, "] Connecting to localhost:", "] Certificate OK\r\n", "ms).\r\n")
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
	_, p := board(t, cfg)
	out := expect(t, p, loginTimeoutWait, "] Connecting to 127.0.0.1\r\n", "] Certificate doesn't match\r\n", "] Login timeout\r\n")
	if strings.Contains(out, "Ready") {
		t.Fatalf("IPAddress form passed the name check:\n%s", out)
	}
}
