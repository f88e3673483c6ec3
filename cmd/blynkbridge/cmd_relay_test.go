package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/blynk/blynktest"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/relay"
	"github.com/blynkbridge/blynkbridge/sim"
	"github.com/blynkbridge/blynkbridge/sim/blynkfw"
	"github.com/blynkbridge/blynkbridge/tui"
)

// A token with no run of characters that timestamps or counters could
// produce by chance.
const relaySecret = "Zq7xK2pLm9Tn4Rb8Vw1Yc6Hd3Gf5Js0A"

type relayLab struct {
	server *blynktest.Server
	caFile string
	link   string
	board  *sim.Board
}

func newRelayLab(t *testing.T, accept string, debug bool) *relayLab {
	t.Helper()
	issued, err := blynktest.NewCert([]string{"localhost"}, []net.IP{net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	s, err := blynktest.Start(blynktest.Options{TLS: &issued.TLS, Tokens: []blynk.Token{blynk.NewToken(accept)}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ca := issued.TLS.Certificate[len(issued.TLS.Certificate)-1]
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca}), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := blynkfw.Config{Kind: blynkfw.USBStream, Token: blynk.NewToken(relaySecret), WriteEvery: 100 * time.Millisecond,
		Heartbeat: 1, TimeoutMS: 1000, Debug: debug, PrintOnSerial: debug}
	b, err := sim.New(sim.Options{Flash: blynkfw.BootImage(), Firmware: blynkfw.Chooser(cfg, t.Logf)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	link := filepath.Join(t.TempDir(), "uno")
	if _, err := b.AttachPTY(link); err != nil {
		t.Fatal(err)
	}
	return &relayLab{server: s, caFile: caFile, link: link, board: b}
}

// runRelayCLI runs `blynkbridge relay ...` through run() until stopWhen
// says so (or 15 s), then cancels it like Ctrl-C.
func runRelayCLI(t *testing.T, args []string, stopWhen func() bool) (bberr.Code, string, string) {
	t.Helper()
	var out, errb relaySyncBuf
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan bberr.Code, 1)
	go func() { done <- run(ctx, append([]string{"blynkbridge"}, args...), &out, &errb) }()
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case code := <-done:
			return code, out.String(), errb.String()
		default:
		}
		if stopWhen() || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	select {
	case code := <-done:
		return code, out.String(), errb.String()
	case <-time.After(5 * time.Second):
		t.Fatal("relay did not stop after cancel")
		return 0, "", ""
	}
}

type relaySyncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *relaySyncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *relaySyncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// assertNoSecret fails if any 10-character piece of the token shows up.
func assertNoSecret(t *testing.T, what, text string) {
	t.Helper()
	for i := 0; i+10 <= len(relaySecret); i++ {
		if strings.Contains(text, relaySecret[i:i+10]) {
			t.Fatalf("%s contains part of the token (%q)", what, relaySecret[i:i+10])
		}
	}
}

func seenPing(s *blynktest.Server) func() bool {
	return func() bool {
		for _, f := range s.Frames(blynktest.In) {
			if f.Cmd == blynk.CmdPing {
				return true
			}
		}
		return false
	}
}

// Every output of relay runs - JSON and text logs with every frame logged at
// debug, the counters, stderr, an invalid-token refusal, the live table and
// the frame tap - is scanned for the token.
func TestRelayOutputsNeverShowToken(t *testing.T) {
	// JSON, every frame, debug level.
	lab := newRelayLab(t, relaySecret, false)
	code, out, errOut := runRelayCLI(t, []string{"-v", "relay", "-p", lab.link, "--server", lab.server.Addr(),
		"--ca", lab.caFile, "--json", "--log-frames", "--stats-every", "200ms"}, seenPing(lab.server))
	if code != bberr.OK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	assertNoSecret(t, "JSON stdout", out)
	assertNoSecret(t, "stderr", errOut)
	var sawLogin, sawStats bool
	var lastStats string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not JSON: %q", line)
		}
		if m["v"] != float64(1) {
			t.Errorf("line without v=1: %s", line)
		}
		if f, _ := m["frame"].(string); strings.HasPrefix(f, "HW_LOGIN") || strings.HasPrefix(f, "LOGIN") {
			sawLogin = true
		}
		if m["msg"] == "stats" {
			sawStats = true
			b, _ := json.Marshal(m["boards"])
			lastStats = string(b)
		}
	}
	if !strings.Contains(lastStats, `"logins_ok":1`) || !strings.Contains(lastStats, `"state":"stopped"`) {
		t.Errorf("final stats: %s", lastStats)
	}
	if !sawLogin || !sawStats {
		t.Errorf("login frame logged %v, stats logged %v:\n%s", sawLogin, sawStats, out)
	}

	// Text logs, BLYNK_DEBUG + BLYNK_PRINT on the protocol UART (the
	// board's own dump lines carry the token: the relay must skip them
	// without echoing them).
	lab2 := newRelayLab(t, relaySecret, true)
	code, out, errOut = runRelayCLI(t, []string{"-v", "relay", "--port", lab2.link, "--server", lab2.server.Addr(),
		"--ca", lab2.caFile, "--plain", "--log-frames"}, seenPing(lab2.server))
	if code != bberr.OK || !strings.Contains(out, "board logged in") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	assertNoSecret(t, "text stdout", out)
	assertNoSecret(t, "stderr", errOut)

	// Refused token, --fail-fast: exit 12, message and hint, no token.
	lab3 := newRelayLab(t, "ffffffffffffffffffffffffffffffff", false)
	code, out, errOut = runRelayCLI(t, []string{"relay", "-p", lab3.link, "-s", lab3.server.Addr(), "--cert", lab3.caFile,
		"--fail-fast", "--log-frames"}, func() bool { return false })
	if code != bberr.Auth || !strings.Contains(errOut, "INVALID_TOKEN") || !strings.Contains(errOut, "hint:") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	assertNoSecret(t, "refusal stdout", out)
	assertNoSecret(t, "refusal stderr", errOut)

	// The terminal view and the tap, driven by the library directly.
	lab4 := newRelayLab(t, relaySecret, true)
	feed := tui.NewRelayFeed()
	var tapMu sync.Mutex
	var tapped []relay.TapEvent
	r, err := relay.New(relay.Options{
		Boards: []relay.Board{{Name: "uno", Open: relay.OpenPath(lab4.link, 9600)}},
		Server: lab4.server.Addr(), CA: mustRead(t, lab4.caFile), LogFrames: true,
		Logger: slog.New(slog.NewTextHandler(feed, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Tap: func(e relay.TapEvent) {
			feed.Tap(e)
			tapMu.Lock()
			tapped = append(tapped, e)
			tapMu.Unlock()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	for end := time.Now().Add(10 * time.Second); !seenPing(lab4.server)() && time.Now().Before(end); {
		time.Sleep(20 * time.Millisecond)
	}
	view := tui.NewRelayModel(r.Stats, feed)
	view.Init()
	screen := view.View()
	cancel()
	<-done
	frames, logs := feed.Lines()
	screen += strings.Join(frames, "\n") + strings.Join(logs, "\n")
	tapMu.Lock()
	var all strings.Builder
	var login bool
	for _, e := range tapped {
		b, _ := json.Marshal(e)
		fmt.Fprintf(&all, "%s\n%v\n%+v\n%#v\n%s\n", b, e, e, e, e.Frame.Marshal())
		login = login || e.Frame.Cmd.IsLogin()
	}
	tapMu.Unlock()
	if !login || !strings.Contains(screen, "board→server forwarded") || !strings.Contains(screen, "online") {
		t.Errorf("login not tapped/shown; screen:\n%s", screen)
	}
	assertNoSecret(t, "tap", all.String())
	assertNoSecret(t, "terminal view", screen)
	sb, _ := json.Marshal(r.Stats())
	assertNoSecret(t, "stats JSON", string(sb)+fmt.Sprintf("%+v", r.Stats()))
}

func mustRead(t *testing.T, f string) []byte {
	b, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRelayFlags(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "uno")
	b, err := sim.New(sim.Options{Flash: blynkfw.BootImage(), PowerOff: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	if _, err := b.AttachPTY(link); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code bberr.Code
		msg  string
	}{
		{[]string{"relay", "-c", link, "-p", "/dev/ttyUSB0"}, bberr.Usage, "with -c, -p is the server port"},
		{[]string{"relay", "-p", link, "--insecure", "--no-tls"}, bberr.Usage, "conflicting TLS options"},
		{[]string{"relay", "-p", link, "--fingerprint", "\u200eAA BB CC DD EE FF 00 11 22 33 44 55 66 77 88 99 AA BB CC DD"}, bberr.CheckFailed, "U+200E"},
		{[]string{"relay", "-p", link, "-t", "UDP"}, bberr.Usage, "-t/--to"},
		{[]string{"relay", "-p", filepath.Join(dir, "missing"), "--server", "127.0.0.1:1"}, bberr.PortNotFound, "not found"},
		{[]string{"relay", "-c", link, "-s", "127.0.0.1:9443", "-p", "8442"}, bberr.Usage, "disagree"},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), append([]string{"blynkbridge"}, tc.args...), &out, &errb)
		if code != tc.code || !strings.Contains(errb.String(), tc.msg) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, errb.String(), tc.code, tc.msg)
		}
	}
}

// blynk-ser.sh style: -c port, -s host, -p server port, -t TCP.
func TestRelayBlynkSerAliases(t *testing.T) {
	s, err := blynktest.Start(blynktest.Options{Tokens: []blynk.Token{blynk.NewToken(relaySecret)}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	cfg := blynkfw.Config{Kind: blynkfw.USBStream, Token: blynk.NewToken(relaySecret)}
	b, err := sim.New(sim.Options{Flash: blynkfw.BootImage(), Firmware: blynkfw.Chooser(cfg, t.Logf)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	link := filepath.Join(t.TempDir(), "uno")
	if _, err := b.AttachPTY(link); err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(s.Addr())
	logged := func() bool {
		for _, r := range s.Records() {
			if r.Event == blynktest.EventLogin && r.Detail == "ok" {
				return true
			}
		}
		return false
	}
	code, out, errOut := runRelayCLI(t, []string{"relay", "-c", link, "-b", "9600", "-s", host, "-p", port, "-t", "TCP"}, logged)
	if code != bberr.OK || !logged() {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "plain TCP") {
		t.Errorf("no plain-TCP warning:\n%s", out)
	}
}

// The shipped systemd unit runs `blynkbridge relay --profile %i`: every
// setting comes from the profile (port, server, CA, relay options).
func TestRelayFromProfile(t *testing.T) {
	lab := newRelayLab(t, relaySecret, false)
	cfg := filepath.Join(t.TempDir(), "profiles.toml")
	toml := fmt.Sprintf("[profiles.desk]\nport = %q\nserver = %q\nca = %q\nmonitor_baud = 9600\n[profiles.desk.relay]\nlog-frames = true\n",
		lab.link, lab.server.Addr(), lab.caFile)
	if err := os.WriteFile(cfg, []byte(toml), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("BLYNKBRIDGE_CONFIG", cfg)
	// main wires profiles into every command; do it for relay alone here
	// and undo it, so other tests see the commands as they were.
	for _, c := range commands {
		if c.Name == "relay" && !wired[c] {
			flags, before, subs := append([]cli.Flag{}, c.Flags...), c.Before, c.Subcommands
			// An earlier run in this process gave relay urfave's "help"
			// subcommand, which wireProfile takes for real subcommands.
			c.Subcommands = nil
			wireProfile(c)
			c.Subcommands = subs
			t.Cleanup(func() { c.Flags, c.Before = flags, before; delete(wired, c) })
		}
	}
	code, out, errOut := runRelayCLI(t, []string{"relay", "--profile", "desk", "--json"}, seenPing(lab.server))
	if code != bberr.OK || !strings.Contains(out, `"msg":"board logged in"`) || !strings.Contains(out, `"msg":"frame"`) {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	assertNoSecret(t, "profile run", out+errOut)
}
