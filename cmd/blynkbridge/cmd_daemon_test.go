//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/daemon"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/internal/testkit"
	"github.com/blynkbridge/blynkbridge/monitor"
	"github.com/blynkbridge/blynkbridge/relay"
	"github.com/blynkbridge/blynkbridge/serialio"
	"github.com/blynkbridge/blynkbridge/sim"
	"github.com/blynkbridge/blynkbridge/sim/blynkfw"
)

func init() {
	jsonRuns["daemon"] = func(t *testing.T) string {
		_, path := simOnPTY(t, sim.Options{Flash: sim.FactoryImage()}, "")
		sock := daemonSocket(t)
		r := startCLI(t, "daemon", "--json", "-p", "d1="+path, "--socket", sock, "--log-dir", t.TempDir())
		r.waitFor(10*time.Second, func() bool { return strings.Contains(r.stdout(), "daemon ready") })
		r.stop()
		return r.stdout()
	}
	jsonRuns["status"] = func(t *testing.T) string {
		b, path := simOnPTY(t, sim.Options{Flash: sim.FactoryImage()}, "")
		startTestDaemon(t, daemon.Config{Boards: []daemon.BoardConfig{simBoardConfig("d1", path, 115200, b)}})
		out, _ := runOK(t, "status", "--json")
		return out
	}
}

// daemonSocket is a short socket path (sun_path has 108 bytes) that
// commands of this test find through BLYNKBRIDGE_DAEMON_SOCKET.
func daemonSocket(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "bbd")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "d.sock")
	t.Setenv("BLYNKBRIDGE_DAEMON_SOCKET", sock)
	return sock
}

// simBoardConfig is a daemon board for a sim on a pty whose DTR/RTS reach
// the sim's reset circuit (a pty has no modem lines): what the flasher's
// reset needs. The daemon runs in-process for that reason; every client is
// the real CLI.
func simBoardConfig(name, path string, baud int, b *sim.Board) daemon.BoardConfig {
	return daemon.BoardConfig{Name: name, Port: path, Baud: baud, Open: func(ctx context.Context) (serialio.Port, error) {
		p, err := serialio.Open(ctx, path, baud)
		if err != nil {
			return nil, err
		}
		return monitor.WithLines(p, b.SetLines), nil
	}}
}

// startTestDaemon runs a daemon until the test ends; commands find it.
func startTestDaemon(t *testing.T, cfg daemon.Config) (*daemon.Client, *testkit.SyncBuffer, string) {
	t.Helper()
	cfg.Socket = daemonSocket(t)
	cfg.LogDir = t.TempDir()
	cfg.Poll = 100 * time.Millisecond
	logs := &testkit.SyncBuffer{}
	cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
	d, err := daemon.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("daemon did not stop")
		}
		assertNoSecret(t, "daemon log", logs.String(), testToken)
	})
	var cl *daemon.Client
	if !eventually(5*time.Second, func() bool { cl, err = daemon.Connect(context.Background(), cfg.Socket); return err == nil }) {
		t.Fatalf("daemon never answered: %v", err)
	}
	return cl, logs, cfg.LogDir
}

func boardStatus(t *testing.T, cl *daemon.Client, name string) daemon.BoardStatus {
	t.Helper()
	bs, err := cl.Boards(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bs {
		if b.Name == name {
			return b
		}
	}
	t.Fatalf("no board %s in %+v", name, bs)
	return daemon.BoardStatus{}
}

// rawLines are the "raw" texts of a monitor --json run's event records.
func rawLines(t *testing.T, out string) []string {
	var lines []string
	for _, m := range v1Records(t, out) {
		if raw, ok := m["raw"].(string); ok && m["kind"] != "monitor-note" {
			lines = append(lines, raw)
		}
	}
	return lines
}

// The end-to-end test: a daemon with two simulated boards on
// ptys (a Wi-Fi sketch, and a USB-stream board relayed to `blynkbridge
// server`); two `monitor --json` clients attached to board 1 see the same
// events; `flash` through the daemon completes while board 2's relay keeps
// its session; the journal shows the flash.
func TestDaemonEndToEnd(t *testing.T) {
	clearEnv(t)
	srv := startCLI(t, "server", "--no-tls", "--listen", "127.0.0.1:0", "--token", testToken)
	addr := srv.waitMatch(regexp.MustCompile(`listening on (127\.0\.0\.1:\d+)`))[1]

	wifi := blynkfw.Config{Kind: blynkfw.WiFiTCP, Token: blynk.NewToken(testToken), Host: "127.0.0.1", Port: atoi(t, addr[strings.LastIndexByte(addr, ':')+1:]),
		WriteEvery: 200 * time.Millisecond, Debug: true, WiFiJoin: -1}
	b1, p1 := simOnPTY(t, sim.Options{Flash: blynkfw.BootImage(), Firmware: blynkfw.Chooser(wifi, t.Logf)}, "")
	usb := blynkfw.Config{Kind: blynkfw.USBStream, Token: blynk.NewToken(testToken), WriteEvery: 100 * time.Millisecond, Heartbeat: 1, TimeoutMS: 1000}
	b2, p2 := simOnPTY(t, sim.Options{Flash: blynkfw.BootImage(), Firmware: blynkfw.Chooser(usb, t.Logf)}, "")

	board2 := simBoardConfig("uno", p2, 9600, b2)
	board2.Relay = &relay.Options{Server: addr, TLS: relay.TLSOff}
	cl, logs, logDir := startTestDaemon(t, daemon.Config{Boards: []daemon.BoardConfig{simBoardConfig("d1", p1, 115200, b1), board2}})

	if !eventually(15*time.Second, func() bool {
		s := boardStatus(t, cl, "uno")
		return s.Relay != nil && s.Relay.State == relay.StateOnline && s.Relay.FramesUp > 3
	}) {
		t.Fatalf("relay never online: %+v\n%s", boardStatus(t, cl, "uno"), logs.String())
	}
	before := boardStatus(t, cl, "uno").Relay

	// One after the other: run() sets urfave/cli's globals, and the race
	// detector wants the second start ordered after the first (its output).
	m1 := startCLI(t, "monitor", "-p", "d1", "--json")
	m1.waitMatch(regexp.MustCompile(`open at 115200 baud`))
	m2 := startCLI(t, "monitor", "-p", "d1", "--json")
	for _, m := range []*cliRun{m1, m2} {
		if !m.waitFor(15*time.Second, func() bool { return strings.Count(m.stdout(), `"raw":`) > 12 }) {
			t.Fatalf("monitor saw too little:\n%s\nstderr:\n%s", m.stdout(), m.stderr())
		}
	}
	if s := boardStatus(t, cl, "d1"); s.Attached != 2 {
		t.Errorf("attached = %d, want 2", s.Attached)
	}
	m1.stop()
	m2.stop()
	a, b := rawLines(t, m1.stdout()), rawLines(t, m2.stdout())
	// m2 attached a little later: from its second line on (its first may
	// start mid-line) both saw the same records.
	if len(b) < 4 {
		t.Fatalf("second monitor saw %d records", len(b))
	}
	anchor := -1
	for i, l := range a {
		if l == b[1] && i+1 < len(a) && a[i+1] == b[2] {
			anchor = i
			break
		}
	}
	if anchor < 0 {
		t.Fatalf("monitors disagree:\nfirst:\n%s\nsecond:\n%s", strings.Join(a, ""), strings.Join(b, ""))
	}
	n := min(len(a)-anchor, len(b)-1) - 1 // the last record may be cut by Ctrl-C
	for i := 0; i < n; i++ {
		if a[anchor+i] != b[1+i] {
			t.Fatalf("record %d differs: %q vs %q", i, a[anchor+i], b[1+i])
		}
	}
	if n < 3 {
		t.Fatalf("only %d common records", n)
	}

	// flash through the daemon: no new flag; the daemon lends the port.
	img := testV1Image(16 << 10)
	out, errOut := runOK(t, "flash", writeTemp(t, "fw.bin", img), "-p", "d1", "-b", "115200", "--offset", "0x300000", "--json")
	var res struct {
		V    int    `json:"v"`
		Port string `json:"port"`
	}
	decodeJSON(t, out, &res)
	if !bytes.Equal(b1.FlashContents()[0x300000:0x300000+len(img)], img) {
		t.Fatalf("board flash differs\n%s\n%s", out, errOut)
	}
	jr := filepath.Join(logDir, "d1", "journal.jsonl")
	if !eventually(10*time.Second, func() bool {
		j, _ := os.ReadFile(jr)
		return strings.Contains(string(j), `port lent to flash (pid `) && strings.Contains(string(j), "done; monitoring again") &&
			strings.Contains(string(j), `"kind":"rom-banner"`)
	}) {
		j, _ := os.ReadFile(jr)
		t.Fatalf("journal lacks the flash:\n%s", j)
	}
	if !eventually(10*time.Second, func() bool { return boardStatus(t, cl, "d1").State != daemon.StateFlashing }) {
		t.Fatal("board 1 still flashing")
	}

	// Board 2's relay kept its one session and went on carrying frames.
	after := boardStatus(t, cl, "uno").Relay
	if after.State != relay.StateOnline || after.Connects != before.Connects || after.FramesUp <= before.FramesUp {
		t.Fatalf("relay before %+v\nafter %+v", before, after)
	}
	// No token anywhere the daemon wrote.
	for _, f := range []string{"d1/journal.jsonl", "d1/raw.log", "uno/journal.jsonl", "uno/raw.log"} {
		assertNoSecret(t, f, string(readFile(t, filepath.Join(logDir, f))), testToken)
	}
	st, _ := runOK(t, "status")
	assertContains(t, "status", st, "d1", "uno", "online up ")
	if code := srv.stop(); code != bberr.Interrupted {
		t.Logf("server exit %d", code)
	}
}

func atoi(t *testing.T, s string) int {
	var n int
	if _, err := fmt.Sscanf(s, "%d", &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// decode NAME, ports and status read the daemon's view; with one board,
// monitor's default --port auto attaches to it; without a daemon, status
// says so with a hint.
func TestDaemonViewCommands(t *testing.T) {
	clearEnv(t)
	b, path := simOnPTY(t, sim.Options{Flash: sim.FactoryImage()}, "")
	cl, _, _ := startTestDaemon(t, daemon.Config{Boards: []daemon.BoardConfig{simBoardConfig("d1", path, 115200, b)}})
	if !eventually(10*time.Second, func() bool { return boardStatus(t, cl, "d1").State == daemon.StateRunning }) {
		t.Fatal("board never running")
	}
	m := startCLI(t, "monitor", "--plain")
	m.waitMatch(regexp.MustCompile(`(?m)^-- daemon:d1 open at 115200 baud$`))
	m.waitMatch(regexp.MustCompile(`\] tick \d+`))
	m.stop()

	out, _ := runOK(t, "status")
	assertContains(t, "status", out, "BOARD  STATE", "d1     running", path)
	out, _ = runOK(t, "decode", "d1", "--no-diagnosis")
	assertContains(t, "decode d1", out, "tick")
	out, _ = runOK(t, "ports")
	assertContains(t, "ports", out, "daemon (", "d1  "+path+"  running")

	t.Setenv("BLYNKBRIDGE_DAEMON_SOCKET", filepath.Join(t.TempDir(), "none.sock"))
	_, errOut, code := runCLI(t, "status")
	if code != bberr.NoResponse || !strings.Contains(errOut, "no blynkbridge daemon is running") || !strings.Contains(errOut, "hint: start one") {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
}

func TestDaemonUsageErrors(t *testing.T) {
	clearEnv(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"daemon", "-p", "/dev/x", "--rfc2217", "0.0.0.0:4000"}, "listens beyond this machine"},
		{[]string{"daemon", "-p", "a=/dev/x", "-p", "a=/dev/y"}, `two boards named "a"`},
		{[]string{"daemon", "-p", "a=/dev/x", "--relay", "b"}, `--relay "b": no such board`},
		{[]string{"daemon", "--rfc2217-allow", "not-a-net"}, "bad --rfc2217-allow"},
		{[]string{"daemon", "-p", "bad name=/dev/x"}, "bad board name"},
	} {
		_, errOut, code := runCLI(t, c.args...)
		if code != bberr.Usage || !strings.Contains(errOut, c.want) || !strings.Contains(errOut, "hint:") {
			t.Errorf("%q: exit %d\n%s", c.args, code, errOut)
		}
	}
}

// The daemon's relay flags are the relay command's: same names, same
// defaults (parseRelayFlags reads both).
func TestDaemonRelayFlagsMatchRelay(t *testing.T) {
	var relayCmd, daemonCmd *cli.Command
	for _, c := range commands {
		switch c.Name {
		case "relay":
			relayCmd = c
		case "daemon":
			daemonCmd = c
		}
	}
	for _, name := range []string{"server", "ca", "fingerprint", "insecure", "no-tls", "reconnect-first", "reconnect-max", "local-ping-window", "buffer", "max-body"} {
		rf, df := findFlag(relayCmd.Flags, name), findFlag(daemonCmd.Flags, name)
		if rf == nil || df == nil {
			t.Errorf("--%s: relay has %v, daemon has %v", name, rf != nil, df != nil)
			continue
		}
		if a, b := fmt.Sprint(rf.(cli.DocGenerationFlag).GetValue()), fmt.Sprint(df.(cli.DocGenerationFlag).GetValue()); a != b {
			t.Errorf("--%s default: relay %q, daemon %q", name, a, b)
		}
	}
	// And a daemon with --relay starts.
	clearEnv(t)
	r := startCLI(t, "daemon", "-p", "uno=/dev/null-nothing", "--relay", "uno", "--server", "127.0.0.1:9", "--no-tls",
		"--socket", daemonSocket(t), "--log-dir", t.TempDir())
	r.waitMatch(regexp.MustCompile(`daemon ready`))
	r.stop()
}

// --all-profiles: each profile naming a board is one, named after it.
func TestDaemonAllProfiles(t *testing.T) {
	clearEnv(t)
	_, p1 := simOnPTY(t, sim.Options{Flash: sim.FactoryImage()}, "")
	useProfiles(t, "default = \"desk\"\n[profiles.desk]\nport = \""+p1+"\"\n[profiles.uno]\nport = \"/dev/nothing-here\"\nserver = \"127.0.0.1:9\"\ntls = \"none\"\n[profiles.uno.relay]\nbuffer = 64\n[profiles.srv]\nserver = \"blynk.cloud\"\n")
	sock := daemonSocket(t)
	r := startCLI(t, "daemon", "--all-profiles", "--socket", sock, "--log-dir", t.TempDir())
	r.waitMatch(regexp.MustCompile(`daemon ready`))
	var st string
	if !eventually(10*time.Second, func() bool {
		st, _, _ = runCLI(t, "status")
		return strings.Contains(st, "desk   running")
	}) {
		t.Fatalf("status:\n%s\ndaemon:\n%s", st, r.stdout())
	}
	assertContains(t, "status", st, "uno    absent")
	assertContains(t, "daemon log", r.stdout(), "board=uno port=/dev/nothing-here", "relay=\"127.0.0.1:9 (none)\"")
	r.stop()
}
