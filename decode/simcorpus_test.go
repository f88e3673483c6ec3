package decode

// The simulated-board corpus: testdata/logs/sim-*.log are byte-exact captures
// of what a serial monitor receives from the in-process simulated D1 mini
// (package sim, timing off) running the Blynk firmware (sim/blynkfw) against
// the test server (blynk/blynktest). They are generated once with
//
//	go test ./decode -run SimCorpus -gen-sim
//
// and committed; their goldens come from the ordinary corpus machinery
// (go test ./decode -run Corpus -update) like the hand-written logs. The
// normal test never runs a board: it decodes the committed captures and
// checks that each shows what it was made to show (event kinds, Blynk
// message ids, diagnosis problem ids), so a regenerated capture that lost
// its point fails here rather than silently changing a golden.

import (
	"bytes"
	"context"
	"flag"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/blynk/blynktest"
	"github.com/blynkbridge/blynkbridge/certs"
	"github.com/blynkbridge/blynkbridge/serialio"
	"github.com/blynkbridge/blynkbridge/sim"
	"github.com/blynkbridge/blynkbridge/sim/blynkfw"
)

var genSim = flag.Bool("gen-sim", false, "run the simulated board and rewrite testdata/logs/sim-*.log (then run -run Corpus -update for their goldens)")

// simCase is one capture: how to make it and what its decoding must show.
type simCase struct {
	name string // testdata/logs/<name>.log
	gen  func(t *testing.T) []byte

	kinds    []Kind            // event kinds that must appear
	noKinds  []Kind            // event kinds that must not appear
	msgs     []string          // Fields["msg"] values that must appear (any event)
	fields   map[string]string // "kind.field" -> value some event of that kind must carry
	problems []string          // diagnosis ids that must be raised
	absent   []string          // diagnosis ids that must NOT be raised
	token    bool              // the raw log carries corpusToken (and the output must not)
}

func simCases() []simCase {
	return []simCase{
		{
			name:  "sim-boot-poweron",
			gen:   genBootPowerOn,
			kinds: []Kind{KindROMBanner, KindROMLine, KindEboot, KindBlynkLogo, KindBlynkBanner, KindBlynk},
			msgs:  []string{"connect-host", "cert-ok", "ready"},
			fields: map[string]string{
				"rom-banner.rst_cause":      "1",
				"rom-banner.boot_mode_name": "flash",
			},
			absent: []string{"wrong-baud", "crash", "cert-mismatch"},
		},
		{
			name:   "sim-boot-blank-flash",
			gen:    genBootBlank,
			kinds:  []Kind{KindROMBanner, KindROMLine},
			fields: map[string]string{"rom-loader.msg": "ets-main"},
		},
		{
			name:     "sim-download-mode",
			gen:      genDownloadMode,
			kinds:    []Kind{KindROMBanner},
			fields:   map[string]string{"rom-banner.boot_mode_name": "uart-download", "rom-banner.rst_cause": "2"},
			problems: []string{"download-mode"},
		},
		{
			name:   "sim-wrong-baud",
			gen:    genWrongBaud,
			kinds:  []Kind{KindGarbage, KindBlynkBanner, KindBlynk},
			msgs:   []string{"ready"},
			absent: []string{"wrong-baud"}, // a burst at reset is normal; the sketch is readable
		},
		{
			name:     "sim-crash-exception",
			gen:      genCrash(sim.RestartException, 115200),
			kinds:    []Kind{KindCrash, KindGarbage, KindBlynk},
			fields:   map[string]string{"crash.type": "exception", "crash.exception": "28", "crash.ctx": "cont", "baud-garbage.after_crash": "Exception (28) LoadProhibited"},
			problems: []string{"crash"},
		},
		{
			name:     "sim-crash-soft-wdt",
			gen:      genCrash(sim.RestartSoftWDT, 115200),
			kinds:    []Kind{KindCrash, KindGarbage, KindBlynk},
			fields:   map[string]string{"crash.type": "soft-wdt", "crash.exception": "4", "baud-garbage.after_crash": "Soft WDT reset"},
			problems: []string{"crash"},
		},
		{
			name:     "sim-crash-abort",
			gen:      genCrash(sim.RestartAbort, 115200),
			kinds:    []Kind{KindCrash, KindGarbage, KindBlynk},
			fields:   map[string]string{"crash.type": "abort", "baud-garbage.after_crash": "Abort called"},
			problems: []string{"crash"},
		},
		{
			// At 115200 a hardware watchdog shows only as a reboot burst.
			name:  "sim-crash-hw-wdt",
			gen:   genCrash(sim.RestartHardWDT, 115200),
			kinds: []Kind{KindGarbage, KindBlynk},
			msgs:  []string{"ready"},
		},
		{
			// At 74880 its banner says so: rst cause 4 and "wdt reset".
			name:   "sim-crash-hw-wdt-74880",
			gen:    genCrash(sim.RestartHardWDT, sim.ROMBaud),
			kinds:  []Kind{KindROMBanner, KindROMLine, KindEboot},
			fields: map[string]string{"rom-banner.rst_cause": "4", "rom-loader.msg": "wdt-reset"},
		},
		{
			name:     "sim-blynk-invisible-fp",
			gen:      genBlynk(blynkInvisible),
			kinds:    []Kind{KindBlynkBanner, KindBlynk},
			msgs:     []string{"connect-host", "cert-mismatch", "login-timeout"},
			problems: []string{"cert-mismatch"},
			absent:   []string{"axtls-ip-no-domain", "login-timeout"},
		},
		{
			name:     "sim-blynk-ip-address",
			gen:      genBlynk(blynkByIP),
			kinds:    []Kind{KindBlynkBanner, KindBlynk},
			msgs:     []string{"connect-ip", "cert-mismatch", "login-timeout"},
			problems: []string{"axtls-ip-no-domain"},
			absent:   []string{"cert-mismatch", "login-timeout"},
		},
		{
			name:   "sim-blynk-ready",
			gen:    genBlynk(blynkClean),
			kinds:  []Kind{KindBlynkLogo, KindBlynkBanner, KindBlynk},
			msgs:   []string{"connect-host", "cert-ok", "ready"},
			absent: []string{"cert-mismatch", "login-timeout", "invalid-token"},
		},
		{
			name:     "sim-blynk-invalid-token",
			gen:      genBlynk(blynkInvalidToken),
			kinds:    []Kind{KindBlynk},
			msgs:     []string{"cert-ok", "invalid-token"},
			problems: []string{"invalid-token"},
		},
		{
			name:     "sim-blynk-heartbeat-timeout",
			gen:      genBlynk(blynkHeartbeat),
			kinds:    []Kind{KindBlynk},
			msgs:     []string{"ready", "heartbeat-timeout"},
			problems: []string{"heartbeat-timeout"},
		},
		{
			name:  "sim-blynk-debug",
			gen:   genBlynk(blynkDebug),
			kinds: []Kind{KindBlynk, KindBlynkFrame},
			msgs:  []string{"ready"},
			fields: map[string]string{
				"blynk-frame.cmd_name": "LOGIN",
				"blynk-frame.body":     "<auth token redacted>",
				"blynk-frame.status":   "200",
			},
			token: true,
		},
		{
			name:     "sim-blynk-bearssl",
			gen:      genBlynk(blynkBearSSL),
			kinds:    []Kind{KindBlynkBanner, KindBlynk},
			msgs:     []string{"ssl-error"},
			problems: []string{"tls-not-trusted"},
		},
		{
			// Binary frames are the protocol, not baud garbage: no reset.
			name:    "sim-usb-stream",
			gen:     genUSBStream(false),
			kinds:   []Kind{KindBlynkFrame},
			noKinds: []Kind{KindGarbage, KindNoise, KindText, KindReboot},
			fields:  map[string]string{"blynk-frame.binary": "true", "blynk-frame.frames": "5"},
			token:   true,
		},
		{
			name:    "sim-usb-stream-print",
			gen:     genUSBStream(true),
			kinds:   []Kind{KindBlynkLogo, KindBlynkBanner, KindBlynk, KindBlynkFrame},
			noKinds: []Kind{KindGarbage, KindNoise, KindText, KindReboot},
			msgs:    []string{"connect-stream", "ready"},
			fields:  map[string]string{"blynk-frame.binary": "true"},
			token:   true,
		},
	}
}

// TestSimCorpus checks every sim-*.log against its table entry; with
// -gen-sim it first makes the captures.
func TestSimCorpus(t *testing.T) {
	cases := simCases()
	if *genSim {
		for _, c := range cases {
			t.Run("gen/"+c.name, func(t *testing.T) {
				data := c.gen(t)
				if len(data) == 0 {
					t.Fatal("empty capture")
				}
				if err := os.WriteFile(filepath.Join("testdata", "logs", c.name+".log"), data, 0o644); err != nil {
					t.Fatal(err)
				}
			})
		}
		if t.Failed() {
			return
		}
	}
	// The table and the directory agree: no capture without a check, no
	// check without a capture.
	onDisk, _ := filepath.Glob("testdata/logs/sim-*.log")
	var want []string
	for _, c := range cases {
		want = append(want, filepath.Join("testdata", "logs", c.name+".log"))
	}
	sort.Strings(onDisk)
	sort.Strings(want)
	if !slices.Equal(onDisk, want) {
		t.Fatalf("sim logs on disk %v, table %v", onDisk, want)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkSimLog(t, c) })
	}
}

func checkSimLog(t *testing.T, c simCase) {
	path := filepath.Join("testdata", "logs", c.name+".log")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	golden, err := os.ReadFile(strings.TrimSuffix(path, ".log") + ".golden")
	if err != nil {
		t.Errorf("no golden for %s: run go test ./decode -run Corpus -update", path)
	}
	if bytes.Contains(golden, []byte(corpusToken)) {
		t.Errorf("the auth token appears in the golden file")
	}
	evs := decodeAll(t, data, 0, nil)
	g := NewDiagnoser()
	g.Feed(evs...)
	probs := g.Problems()
	out := render(evs, probs)

	if c.token {
		if !bytes.Contains(data, []byte(corpusToken)) {
			t.Errorf("the capture was meant to carry the auth token (to prove redaction) but does not")
		}
	}
	if strings.Contains(out, corpusToken) {
		t.Errorf("the auth token appears in the decoded output")
	}
	kinds := map[Kind]bool{}
	msgs := map[string]bool{}
	fields := map[string]bool{}
	for _, e := range evs {
		kinds[e.Kind] = true
		for k, v := range e.Fields {
			fields[string(e.Kind)+"."+k+"="+v] = true
			if k == "msg" {
				msgs[v] = true
			}
		}
	}
	for _, k := range c.kinds {
		if !kinds[k] {
			t.Errorf("no %q event", k)
		}
	}
	for _, k := range c.noKinds {
		if kinds[k] {
			t.Errorf("a %q event, which this log must not produce", k)
		}
	}
	for _, m := range c.msgs {
		if !msgs[m] {
			t.Errorf("no event with msg=%s", m)
		}
	}
	for kf, v := range c.fields {
		if !fields[kf+"="+v] {
			t.Errorf("no event with %s=%s", kf, v)
		}
	}
	ids := map[string]Problem{}
	for _, p := range probs {
		ids[p.ID] = p
	}
	for _, id := range c.problems {
		if _, ok := ids[id]; !ok {
			t.Errorf("diagnosis lacks %q (has %v)", id, keys(ids))
		}
	}
	for _, id := range c.absent {
		if _, ok := ids[id]; ok {
			t.Errorf("diagnosis raises %q, which this log does not show", id)
		}
	}
	if t.Failed() {
		t.Logf("decoded:\n%s", out)
	}
}

func keys(m map[string]Problem) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// The U+200E story: the library's log cannot tell an invisible character
// from a stale fingerprint, so the diagnosis must offer the U+200E check
// (cert check) among its causes; the IPAddress log must name the
// no-domain problem with its own fix.
func TestSimCorpusTLSDiagnosis(t *testing.T) {
	diag := func(name string) map[string]Problem {
		data, err := os.ReadFile(filepath.Join("testdata", "logs", name+".log"))
		if err != nil {
			t.Fatal(err)
		}
		g := NewDiagnoser()
		g.Feed(decodeAll(t, data, 0, nil)...)
		m := map[string]Problem{}
		for _, p := range g.Problems() {
			m[p.ID] = p
		}
		return m
	}
	inv := diag("sim-blynk-invisible-fp")
	p, ok := inv["cert-mismatch"]
	if !ok {
		t.Fatalf("U+200E log: no cert-mismatch problem: %v", keys(inv))
	}
	if !strings.Contains(strings.Join(p.More, "\n"), "U+200E") || !strings.Contains(strings.Join(p.More, "\n"), "cert check") {
		t.Errorf("U+200E log: the invisible-character cause and `cert check` are not offered: %q", p.More)
	}
	if !strings.Contains(p.Fix, "cert fingerprint localhost:") {
		t.Errorf("U+200E log: fix %q does not name the server the board connected to", p.Fix)
	}
	ip := diag("sim-blynk-ip-address")
	q, ok := ip["axtls-ip-no-domain"]
	if !ok {
		t.Fatalf("IPAddress log: no axtls-ip-no-domain problem: %v", keys(ip))
	}
	if !strings.Contains(q.Fix, "--ip 127.0.0.1") {
		t.Errorf("IPAddress log: fix %q does not use the IP", q.Fix)
	}
}

// ---- generation (only with -gen-sim) ----

var (
	simCertOnce sync.Once
	simCert     *certs.Issued
	simCertErr  error
)

// tlsServer starts a blynktest TLS server on loopback for "localhost" and
// 127.0.0.1 accepting tokens.
func simTLSServer(t *testing.T, tokens ...string) *blynktest.Server {
	t.Helper()
	simCertOnce.Do(func() {
		simCert, simCertErr = blynktest.NewCert([]string{"localhost"}, []net.IP{net.IPv4(127, 0, 0, 1)})
	})
	if simCertErr != nil {
		t.Fatal(simCertErr)
	}
	var toks []blynk.Token
	for _, s := range tokens {
		toks = append(toks, blynk.NewToken(s))
	}
	s, err := blynktest.Start(blynktest.Options{TLS: &simCert.TLS, Tokens: toks})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// gate holds the first sketch start until the capture side is ready (its
// port opened or switched to the sketch's baud), like a sketch whose setup()
// waits: without it, timing off, the sketch's first bytes would race the
// host's baud change. Later boots (after a crash) are not held.
type gate struct {
	once    sync.Once
	started chan struct{}
	release chan struct{}
}

func newGate() *gate { return &gate{started: make(chan struct{}), release: make(chan struct{})} }

func (g *gate) wrap(choose func([]byte) sim.Firmware) func([]byte) sim.Firmware {
	return func(flash []byte) sim.Firmware {
		fw := choose(flash)
		if fw == nil {
			return nil
		}
		return sim.FirmwareFunc(func(ctx context.Context, dev sim.Device) error {
			first := false
			g.once.Do(func() { first = true })
			if first {
				close(g.started)
				select {
				case <-g.release:
				case <-ctx.Done():
					return nil
				}
			}
			return fw.Run(ctx, dev)
		})
	}
}

// wait blocks until the sketch is about to start.
func (g *gate) wait(t *testing.T) {
	t.Helper()
	select {
	case <-g.started:
	case <-time.After(5 * time.Second):
		t.Fatal("the sketch never started")
	}
}

func (g *gate) open() { close(g.release) }

func newSimBoard(t *testing.T, opts sim.Options) *sim.Board {
	t.Helper()
	opts.PowerOff = true
	b, err := sim.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// capture reads p until done(got) holds, or fails after d.
func capture(t *testing.T, p serialio.Port, got *[]byte, d time.Duration, done func([]byte) bool) {
	t.Helper()
	_ = p.SetReadTimeout(20 * time.Millisecond)
	buf := make([]byte, 4096)
	deadline := time.Now().Add(d)
	for !done(*got) {
		if time.Now().After(deadline) {
			t.Fatalf("capture did not complete within %v; got:\n%q", d, *got)
		}
		n, err := p.Read(buf)
		*got = append(*got, buf[:n]...)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
	}
}

// seen reports whether s occurs at least n times.
func seen(s string, n int) func([]byte) bool {
	return func(b []byte) bool { return bytes.Count(b, []byte(s)) >= n }
}

// settle collects what still arrives during d (the rest of a burst).
func settle(p serialio.Port, got *[]byte, d time.Duration) {
	_ = p.SetReadTimeout(10 * time.Millisecond)
	buf := make([]byte, 4096)
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		n, err := p.Read(buf)
		*got = append(*got, buf[:n]...)
		if err != nil {
			return
		}
	}
}

func wifiConfig(s *blynktest.Server, host, fp string) blynkfw.Config {
	return blynkfw.Config{Kind: blynkfw.WiFiSSL, Token: blynk.NewToken(corpusToken), Host: host, Port: s.Port(),
		Fingerprint: fp, TimeoutMS: 400, WiFiJoin: -1, WriteEvery: -1}
}

func chooser(t *testing.T, cfg blynkfw.Config) func([]byte) sim.Firmware {
	return blynkfw.Chooser(cfg, t.Logf)
}

// Power-on from the Arduino-layout factory image: the monitor is at 74880
// for the ROM, loader and eboot lines, and switches to 115200 when the
// sketch starts (as a user does with two monitor sessions; the gate makes
// the switch land exactly between them).
func genBootPowerOn(t *testing.T) []byte {
	s := simTLSServer(t, corpusToken)
	g := newGate()
	b := newSimBoard(t, sim.Options{Flash: sim.FactoryImage(), Firmware: g.wrap(chooser(t, wifiConfig(s, "localhost", s.Fingerprint())))})
	p := b.HostPort()
	_ = p.SetBaud(sim.ROMBaud)
	b.PowerOn()
	g.wait(t)
	var got []byte
	settle(p, &got, 50*time.Millisecond) // the boot text is already queued
	if !bytes.Contains(got, []byte("~ld\r\n")) {
		t.Fatalf("no eboot lines before the sketch: %q", got)
	}
	_ = p.SetBaud(115200)
	g.open()
	capture(t, p, &got, 10*time.Second, seen("Ready (ping", 1))
	return got
}

// Blank flash: the ROM finds no image and halts after "ets_main.c".
func genBootBlank(t *testing.T) []byte {
	b := newSimBoard(t, sim.Options{})
	p := b.HostPort()
	_ = p.SetBaud(sim.ROMBaud)
	b.PowerOn()
	var got []byte
	capture(t, p, &got, 5*time.Second, seen("ets_main.c", 1))
	settle(p, &got, 100*time.Millisecond)
	return got
}

// Download mode twice: powered on with the FLASH button held (rst cause 1),
// then esptool's classic reset sequence on DTR/RTS (rst cause 2).
func genDownloadMode(t *testing.T) []byte {
	b := newSimBoard(t, sim.Options{Flash: sim.FactoryImage(), Boot: sim.BootDownload})
	p := b.HostPort()
	_ = p.SetBaud(sim.ROMBaud)
	b.PowerOn()
	var got []byte
	capture(t, p, &got, 5*time.Second, seen("boot mode:(1,", 1))
	settle(p, &got, 50*time.Millisecond)
	b.PressFlashButton(false)
	// esptool ClassicReset: DTR off RTS on (EN low), wait, DTR on RTS off
	// (EN high, GPIO0 low), wait, release.
	_ = p.SetLines(false, true)
	time.Sleep(100 * time.Millisecond)
	_ = p.SetLines(true, false)
	time.Sleep(50 * time.Millisecond)
	_ = p.SetLines(false, false)
	capture(t, p, &got, 5*time.Second, seen("boot mode:(1,", 2))
	settle(p, &got, 50*time.Millisecond)
	return got
}

// A monitor at 115200 from power-on: the ROM's 74880 text is garbage, the
// sketch is readable.
func genWrongBaud(t *testing.T) []byte {
	s := simTLSServer(t, corpusToken)
	b := newSimBoard(t, sim.Options{Flash: sim.FactoryImage(), Firmware: chooser(t, wifiConfig(s, "localhost", s.Fingerprint()))})
	p := b.HostPort()
	b.PowerOn()
	var got []byte
	capture(t, p, &got, 10*time.Second, seen("Ready (ping", 1))
	return got
}

// A crash in a connected Blynk sketch and the reboot after it, seen by a
// monitor at baud opened when the sketch first started.
func genCrash(kind sim.RestartReason, baud int) func(t *testing.T) []byte {
	return func(t *testing.T) []byte {
		s := simTLSServer(t, corpusToken)
		g := newGate()
		b := newSimBoard(t, sim.Options{Flash: sim.FactoryImage(), Firmware: g.wrap(chooser(t, wifiConfig(s, "localhost", s.Fingerprint())))})
		b.PowerOn()
		g.wait(t)
		p := b.HostPort()
		_ = p.SetBaud(baud)
		g.open()
		var got []byte
		if baud == 115200 {
			capture(t, p, &got, 10*time.Second, seen("Ready (ping", 1))
		} else {
			// At 74880 the sketch is unreadable: wait for the server's login.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			_, err := s.WaitLogin(ctx)
			cancel()
			if err != nil {
				t.Fatal(err)
			}
			settle(p, &got, 100*time.Millisecond)
		}
		if err := b.Crash(kind); err != nil {
			t.Fatal(err)
		}
		if baud == 115200 {
			capture(t, p, &got, 10*time.Second, seen("Ready (ping", 2))
		} else {
			capture(t, p, &got, 10*time.Second, seen("~ld\r\n", 1))
			settle(p, &got, 300*time.Millisecond)
		}
		return got
	}
}

type blynkScenario int

const (
	blynkClean blynkScenario = iota
	blynkInvisible
	blynkByIP
	blynkInvalidToken
	blynkHeartbeat
	blynkDebug
	blynkBearSSL
)

// genBlynk runs the wifi-ssl sketch against the TLS test server on
// loopback, the monitor at 115200 opened as the sketch starts.
func genBlynk(sc blynkScenario) func(t *testing.T) []byte {
	return func(t *testing.T) []byte {
		tokens := []string{corpusToken}
		if sc == blynkInvalidToken {
			tokens = []string{"Other0token0the0server0accepts00"}
		}
		s := simTLSServer(t, tokens...)
		cfg := wifiConfig(s, "localhost", s.Fingerprint())
		until := seen("Ready (ping", 1)
		switch sc {
		case blynkInvisible:
			cfg.Fingerprint = "\u200E" + s.Fingerprint()
			until = seen("Login timeout", 1)
		case blynkByIP:
			cfg.Host, cfg.ByIP = "127.0.0.1", true
			until = seen("Login timeout", 1)
		case blynkInvalidToken:
			until = seen("Invalid auth token", 1)
		case blynkHeartbeat:
			cfg.Heartbeat, cfg.TimeoutMS = 1, 200
			until = seen("Heartbeat timeout", 1)
		case blynkDebug:
			cfg.Debug = true
			cfg.WriteEvery = 300 * time.Millisecond
			until = func(b []byte) bool { return seen("Ready (ping", 1)(b) && seen("vw", 2)(b) }
		case blynkBearSSL:
			cfg.Lib = "1.3.2"
			cfg.Fingerprint = staleFingerprint(s.Fingerprint())
			until = seen("SSL error", 1)
		}
		g := newGate()
		b := newSimBoard(t, sim.Options{Flash: sim.FactoryImage(), Firmware: g.wrap(chooser(t, cfg))})
		b.PowerOn()
		g.wait(t)
		p := b.HostPort()
		g.open()
		var got []byte
		if sc == blynkHeartbeat {
			capture(t, p, &got, 10*time.Second, seen("Ready (ping", 1))
			// Let one ping round trip happen, then the server goes silent.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_, err := s.WaitFrame(ctx, blynktest.Out, func(f blynk.Frame) bool { return f.Cmd == blynk.CmdResponse && f.ID > 2 })
			cancel()
			if err != nil {
				t.Fatal(err)
			}
			s.Stall(true)
		}
		capture(t, p, &got, 15*time.Second, until)
		settle(p, &got, 50*time.Millisecond)
		return got
	}
}

// staleFingerprint changes the last hex digit: the same form, another
// certificate (what a renewed server certificate looks like to the sketch).
func staleFingerprint(fp string) string {
	r := []byte(fp)
	last := len(r) - 1
	if r[last] == '0' {
		r[last] = '1'
	} else {
		r[last] = '0'
	}
	return string(r)
}

// The Uno on BlynkSimpleStream: the protocol itself is on the serial line.
// A relay joins the host port (9600) to a plain-TCP test server and tees
// what the board sends into the capture; print puts BLYNK_PRINT on the same
// UART (the classic mistake: text between the frames).
func genUSBStream(print bool) func(t *testing.T) []byte {
	return func(t *testing.T) []byte {
		s, err := blynktest.Start(blynktest.Options{Tokens: []blynk.Token{blynk.NewToken(corpusToken)}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		cfg := blynkfw.Config{Kind: blynkfw.USBStream, Token: blynk.NewToken(corpusToken), WriteEvery: 200 * time.Millisecond, PrintOnSerial: print}
		g := newGate()
		b := newSimBoard(t, sim.Options{Flash: sim.FactoryImage(), Firmware: g.wrap(chooser(t, cfg))})
		b.PowerOn()
		g.wait(t)
		p := b.HostPort()
		_ = p.SetBaud(9600)
		conn, err := net.Dial("tcp", s.Addr())
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		var got []byte
		done := make(chan struct{})
		go func() { _, _ = io.Copy(p, conn) }()
		go func() {
			defer close(done)
			buf := make([]byte, 4096)
			_ = p.SetReadTimeout(20 * time.Millisecond)
			for {
				n, err := p.Read(buf)
				if n > 0 {
					mu.Lock()
					got = append(got, buf[:n]...)
					mu.Unlock()
					if _, werr := conn.Write(buf[:n]); werr != nil {
						return
					}
				}
				if err != nil {
					return
				}
			}
		}()
		g.open()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if r, err := s.WaitLogin(ctx); err != nil || r.Detail != "ok" {
			t.Fatalf("login: %v %v", r, err)
		}
		if _, err := s.WaitFrame(ctx, blynktest.In, func(f blynk.Frame) bool { return f.Cmd == blynk.CmdHardware && f.ID >= 5 }); err != nil {
			t.Fatalf("virtual writes: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
		conn.Close()
		p.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		if len(got) == 0 {
			return nil
		}
		return append([]byte(nil), got...)
	}
}

// A raw HW_LOGIN (library 0.6+) on the serial line, alone, after ROM
// garbage and split by chunking: the token never reaches an event.
func TestSimCorpusBinaryLoginRedacted(t *testing.T) {
	login := blynk.Login(blynk.CmdHWLogin, blynk.NewToken(corpusToken)).Marshal()
	rom, err := os.ReadFile(filepath.Join("testdata", "logs", "sim-wrong-baud.log"))
	if err != nil {
		t.Fatal(err)
	}
	garbage, _, _ := bytes.Cut(rom, []byte("[0]"))
	for i, in := range [][]byte{
		login,
		append(append([]byte(nil), login...), "\r\n"...),
		// An ESP8266 on BlynkSimpleStream: the ROM's garbage runs into the
		// login; one event (a reset), the token masked all the same.
		append(append([]byte(nil), garbage...), login...),
	} {
		for _, n := range []int{0, 1, 7} {
			evs := decodeAll(t, in, n, nil)
			checkConservation(t, in, evs)
			if out := render(evs, nil); strings.Contains(out, corpusToken) {
				t.Fatalf("token in the output (chunk %d):\n%s", n, out)
			}
			if i < 2 && evs[len(evs)-1].Kind != KindBlynkFrame {
				t.Errorf("chunk %d: the login is a %s event, not a blynk-frame", n, evs[len(evs)-1].Kind)
			}
		}
	}
}
