package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/blynk/blynktest"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/relay"
	"github.com/blynkbridge/blynkbridge/sim"
	"github.com/blynkbridge/blynkbridge/sim/blynkfw"
	"github.com/blynkbridge/blynkbridge/tui"
)

type relayLab struct {
	server *blynktest.Server
	caFile string
	link   string
	board  *sim.Board
}

func newRelayLab(t *testing.T, accept string, debug bool) *relayLab {
	t.Helper()
	issued := testServerCert(t)
	s := startBlynkServer(t, &issued.TLS, accept)
	cfg := blynkfw.Config{Kind: blynkfw.USBStream, Token: blynk.NewToken(testToken), WriteEvery: 100 * time.Millisecond,
		Heartbeat: 1, TimeoutMS: 1000, Debug: debug, PrintOnSerial: debug}
	b, link := simOnPTY(t, sim.Options{Flash: blynkfw.BootImage(), Firmware: blynkfw.Chooser(cfg, t.Logf)}, "uno")
	return &relayLab{server: s, caFile: caFileOf(t, issued.TLS), link: link, board: b}
}

// runRelayCLI runs `blynkbridge relay ...` through run() until stopWhen
// says so (or 15 s), then cancels it like Ctrl-C. Its stdout and stderr
// must not hold any piece of testToken (cliRun.stop).
func runRelayCLI(t *testing.T, args []string, stopWhen func() bool) (bberr.Code, string, string) {
	t.Helper()
	r := startCLI(t, args...)
	r.waitFor(15*time.Second, stopWhen)
	code := r.stop()
	return code, r.stdout(), r.stderr()
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
	lab := newRelayLab(t, testToken, false)
	code, out, errOut := runRelayCLI(t, []string{"-v", "relay", "-p", lab.link, "--server", lab.server.Addr(),
		"--ca", lab.caFile, "--json", "--log-frames", "--stats-every", "200ms"}, seenPing(lab.server))
	if code != bberr.OK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	var sawLogin, sawStats bool
	var lastStats string
	for _, m := range v1Records(t, out) {
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
	lab2 := newRelayLab(t, testToken, true)
	code, out, errOut = runRelayCLI(t, []string{"-v", "relay", "--port", lab2.link, "--server", lab2.server.Addr(),
		"--ca", lab2.caFile, "--plain", "--log-frames"}, seenPing(lab2.server))
	if code != bberr.OK || !strings.Contains(out, "board logged in") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}

	// Refused token, --fail-fast: exit 12, message and hint, no token.
	lab3 := newRelayLab(t, "ffffffffffffffffffffffffffffffff", false)
	code, out, errOut = runRelayCLI(t, []string{"relay", "-p", lab3.link, "-s", lab3.server.Addr(), "--cert", lab3.caFile,
		"--fail-fast", "--log-frames"}, func() bool { return false })
	if code != bberr.Auth || !strings.Contains(errOut, "INVALID_TOKEN") || !strings.Contains(errOut, "hint:") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}

	// The terminal view and the tap, driven by the library directly.
	lab4 := newRelayLab(t, testToken, true)
	feed := tui.NewRelayFeed()
	var tapMu sync.Mutex
	var tapped []relay.TapEvent
	r, err := relay.New(relay.Options{
		Boards: []relay.Board{{Name: "uno", Open: relay.OpenPath(lab4.link, 9600)}},
		Server: lab4.server.Addr(), CA: readFile(t, lab4.caFile), LogFrames: true,
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
	eventually(10*time.Second, seenPing(lab4.server))
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
	assertNoSecret(t, "tap", all.String(), testToken)
	assertNoSecret(t, "terminal view", screen, testToken)
	sb, _ := json.Marshal(r.Stats())
	assertNoSecret(t, "stats JSON", string(sb)+fmt.Sprintf("%+v", r.Stats()), testToken)
}

func TestRelayFlags(t *testing.T) {
	_, link := simOnPTY(t, sim.Options{Flash: blynkfw.BootImage(), PowerOff: true}, "uno")
	dir := filepath.Dir(link)
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
		_, errOut, code := runCLI(t, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.msg) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, errOut, tc.code, tc.msg)
		}
	}
}

// blynk-ser.sh style: -c port, -s host, -p server port, -t TCP.
func TestRelayBlynkSerAliases(t *testing.T) {
	s := startBlynkServer(t, nil, testToken)
	cfg := blynkfw.Config{Kind: blynkfw.USBStream, Token: blynk.NewToken(testToken)}
	_, link := simOnPTY(t, sim.Options{Flash: blynkfw.BootImage(), Firmware: blynkfw.Chooser(cfg, t.Logf)}, "uno")
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
	lab := newRelayLab(t, testToken, false)
	useProfiles(t, fmt.Sprintf("[profiles.desk]\nport = %q\nserver = %q\nca = %q\nmonitor_baud = 9600\n[profiles.desk.relay]\nlog-frames = true\n",
		lab.link, lab.server.Addr(), lab.caFile))
	code, out, errOut := runRelayCLI(t, []string{"relay", "--profile", "desk", "--json"}, seenPing(lab.server))
	if code != bberr.OK || !strings.Contains(out, `"msg":"board logged in"`) || !strings.Contains(out, `"msg":"frame"`) {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}

// A --ca that is empty or not PEM is refused (never "system CAs"); a wrong
// pin or an untrusted server ends the relay at start with exit 8 and a
// hint, before the board's port is used.
func TestRelayRefusesBadTrustAtStart(t *testing.T) {
	_, link := simOnPTY(t, sim.Options{Flash: blynkfw.BootImage(), PowerOff: true}, "uno")
	iss := testServerCert(t)
	addr := serveTLS(t, iss.TLS)
	empty := writeTemp(t, "empty.pem", nil)
	der := writeTemp(t, "ca.der", iss.TLS.Certificate[0])
	for _, tc := range []struct {
		args []string
		code bberr.Code
		msg  string
	}{
		{[]string{"relay", "-p", link, "--server", addr, "--ca", empty}, bberr.BadInput, "--ca is empty"},
		{[]string{"relay", "-p", link, "--server", addr, "--ca", der}, bberr.BadInput, "--ca holds no PEM certificate"},
		{[]string{"relay", "-p", link, "--server", addr, "--fingerprint", "AA BB CC DD EE FF 00 11 22 33 44 55 66 77 88 99 AA BB CC DD"}, bberr.Network, "does not match --fingerprint"},
		{[]string{"relay", "-p", link, "--server", addr}, bberr.Network, "certificate not trusted"},
	} {
		start := time.Now()
		_, errOut, code := runCLI(t, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.msg) || !strings.Contains(errOut, "hint:") {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q with a hint", tc.args[5:], code, errOut, tc.code, tc.msg)
		}
		// The check is bounded by relay.StartCheckTimeout (3 s); the time
		// is logged, not asserted (no wall-clock asserts in unit tests).
		t.Logf("%v: exit %d after %s", tc.args[5:], code, time.Since(start).Round(time.Millisecond))
	}
}
