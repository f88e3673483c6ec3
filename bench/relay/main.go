// Command relay benchmarks `blynkbridge relay` against socat doing the same
// job (the engine blynk-ser.sh runs), side by side in one run: the sim's USB
// stream board (Arduino Uno, BlynkSimpleStream) behind a real pty, the
// carrier under test, and the blynktest server over TLS on loopback.
//
//   - latency: the server sends a `vr` and the board answers with a `vw`
//     of the same id; the round trip server -> carrier -> pty -> board ->
//     pty -> carrier -> server is timed (p50, p99). A third carrier, a bare
//     in-process copy loop (pty <-> TLS, no framing), is the floor: what the
//     sim, pty and TLS cost with no carrier logic at all.
//   - board-initiated latency: a board sketch sends PING and times the
//     server's RESPONSE as the board sees it (the direction a sketch's
//     heartbeat depends on).
//   - throughput: a burst of pipelined `vr` requests, answered frames/s.
//   - scale: 64 boards through one relay process, against 64 socat
//     processes: RSS (VmRSS/VmHWM from /proc/PID/status), PSS (shared
//     pages split between processes, smaps_rollup) and CPU time (per
//     thread schedstat) over a steady-state window, also per board.
//
// The relay runs as a child process (this program re-executed with -child)
// so its RSS and CPU are its own, as socat's are. It is a separate program so
// `go test ./...` never runs it:
//
//	go run ./bench/relay                      # timing model off (default)
//	go run ./bench/relay -timing -n 200       # 9600-baud UART timing on
//	go run ./bench/relay -boards 64 -window 10s
package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/blynk/blynktest"
	"github.com/blynkbridge/blynkbridge/certs"
	"github.com/blynkbridge/blynkbridge/relay"
	"github.com/blynkbridge/blynkbridge/serialio"
	"github.com/blynkbridge/blynkbridge/sim"
	"github.com/blynkbridge/blynkbridge/sim/blynkfw"
)

const token = "Bench0token0for0the0relay0bench0"

var (
	nLat    = flag.Int("n", 2000, "latency round trips per carrier")
	nBurst  = flag.Int("burst", 2000, "pipelined requests in the throughput burst")
	timing  = flag.Bool("timing", false, "sim UART timing model on (9600 baud): realistic, but the serial line dominates")
	nBoards = flag.Int("boards", 64, "boards for the scale test (0 = skip)")
	window  = flag.Duration("window", 10*time.Second, "steady-state window for the scale test")
	baud    = flag.Int("baud", 9600, "serial rate (sketch and carriers)")

	child       = flag.Bool("child", false, "internal: run the relay for -ports")
	childPorts  = flag.String("ports", "", "internal: comma-separated board ports")
	childServer = flag.String("server", "", "internal: server address")
	childCA     = flag.String("ca", "", "internal: CA file")
	cpuProfile  = flag.String("relay-cpuprofile", "", "write the relay child's CPU profile here (scale test)")
)

func main() {
	flag.Parse()
	if *child {
		if err := runChild(); err != nil {
			fmt.Fprintln(os.Stderr, "bench/relay child:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench/relay:", err)
		os.Exit(1)
	}
}

// runChild is the relay under test, in its own process.
func runChild() error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	ca, err := os.ReadFile(*childCA)
	if err != nil {
		return err
	}
	var boards []relay.Board
	for _, p := range strings.Split(*childPorts, ",") {
		boards = append(boards, relay.Board{Name: filepath.Base(p), Open: relay.OpenPath(p, *baud)})
	}
	r, err := relay.New(relay.Options{Boards: boards, Server: *childServer, CA: ca,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		return err
	}
	return r.Run(ctx)
}

type lab struct {
	dir    string
	cert   *certs.Issued
	caFile string
}

func run() error {
	if _, err := exec.LookPath("socat"); err != nil {
		return errors.New("socat not found: apt-get install -y socat")
	}
	dir, err := os.MkdirTemp("", "bench-relay")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cert, err := blynktest.NewCert([]string{"localhost"}, []net.IP{net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return err
	}
	ca := cert.TLS.Certificate[len(cert.TLS.Certificate)-1]
	l := &lab{dir: dir, cert: cert, caFile: filepath.Join(dir, "ca.pem")}
	if err := os.WriteFile(l.caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca}), 0o600); err != nil {
		return err
	}
	mode := "timing model OFF (bytes cross the pty at once; the carrier's own cost is what differs)"
	if *timing {
		mode = fmt.Sprintf("timing model ON at %d baud (serial time dominates)", *baud)
	}
	fmt.Printf("bench/relay: sim USB stream board (BlynkSimpleStream 0.4.10) over a real pty, blynktest over TLS on 127.0.0.1\n")
	fmt.Printf("sim: %s; %d round trips, burst of %d\n\n", mode, *nLat, *nBurst)
	fmt.Printf("server-initiated round trips (server vr -> board vw):\n")
	fmt.Printf("%-10s %10s %10s %10s %10s %14s\n", "carrier", "p50", "p90", "p99", "max", "burst frames/s")
	sets, err := l.sideBySide([]string{"direct", "relay", "socat"})
	if err != nil {
		return err
	}
	var rows [][]float64
	for _, st := range sets {
		res := &st.res
		rows = append(rows, []float64{ms(res.p(50)), ms(res.p(99))})
		fmt.Printf("%-10s %10s %10s %10s %10s %14.0f\n", st.kind, fmtD(res.p(50)), fmtD(res.p(90)), fmtD(res.p(99)), fmtD(res.max()), res.rate)
	}
	fmt.Printf("\nrelay/socat: p50 %.2fx, p99 %.2fx (below 1 = relay faster)\n", rows[1][0]/rows[2][0], rows[1][1]/rows[2][1])
	fmt.Printf("added over the bare copy loop: relay p50 +%.3f ms, socat p50 +%.3f ms\n", rows[1][0]-rows[0][0], rows[2][0]-rows[0][0])
	fmt.Printf("\nboard-initiated round trips (board PING -> server RESPONSE, timed on the board):\n")
	fmt.Printf("%-10s %10s %10s %10s %10s\n", "carrier", "p50", "p90", "p99", "max")
	pings, err := l.boardInitiated([]string{"direct", "relay", "socat"}, *nLat)
	if err != nil {
		return fmt.Errorf("board-initiated: %w", err)
	}
	var prow [][]float64
	for _, p := range pings {
		r := &result{rtts: p.rtts}
		prow = append(prow, []float64{ms(r.p(50)), ms(r.p(99))})
		fmt.Printf("%-10s %10s %10s %10s %10s\n", p.kind, fmtD(r.p(50)), fmtD(r.p(90)), fmtD(r.p(99)), fmtD(r.max()))
	}
	fmt.Printf("relay/socat: p50 %.2fx, p99 %.2fx\n", prow[1][0]/prow[2][0], prow[1][1]/prow[2][1])
	if *nBoards > 0 {
		fmt.Println()
		if err := l.scale(*nBoards); err != nil {
			return fmt.Errorf("scale: %w", err)
		}
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
func fmtD(d time.Duration) string {
	return strconv.FormatFloat(ms(d), 'f', 3, 64) + "ms"
}

type result struct {
	rtts []time.Duration
	rate float64
}

func (r *result) p(q int) time.Duration {
	s := slices.Clone(r.rtts)
	slices.Sort(s)
	i := (len(s)*q + 99) / 100
	return s[min(max(i-1, 0), len(s)-1)]
}

func (r *result) max() time.Duration { return slices.Max(r.rtts) }

// arrivals records when the server received each frame id.
type arrivals struct {
	mu   sync.Mutex
	seen map[uint16]time.Time
	cond chan struct{}
}

func newArrivals() *arrivals {
	return &arrivals{seen: map[uint16]time.Time{}, cond: make(chan struct{}, 1)}
}

func (a *arrivals) record(r blynktest.Record) {
	if r.Event != blynktest.EventFrame || r.Dir != blynktest.In || r.Frame.Cmd != blynk.CmdHardware {
		return
	}
	a.mu.Lock()
	a.seen[r.Frame.ID] = r.Time
	a.mu.Unlock()
	select {
	case a.cond <- struct{}{}:
	default:
	}
}

func (a *arrivals) wait(id uint16, d time.Duration) (time.Time, bool) {
	deadline := time.Now().Add(d)
	for {
		a.mu.Lock()
		t, ok := a.seen[id]
		a.mu.Unlock()
		if ok {
			return t, true
		}
		left := time.Until(deadline)
		if left <= 0 {
			return time.Time{}, false
		}
		select {
		case <-a.cond:
		case <-time.After(min(left, 5*time.Millisecond)):
		}
	}
}

func (a *arrivals) count(from, to uint16) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for id := range a.seen {
		if id >= from && id < to {
			n++
		}
	}
	return n
}

func (l *lab) server(rec func(blynktest.Record)) (*blynktest.Server, error) {
	return blynktest.Start(blynktest.Options{TLS: &l.cert.TLS, Tokens: []blynk.Token{blynk.NewToken(token)},
		OnRecord: rec, MaxRecords: 100, IdleTimeout: time.Hour})
}

func (l *lab) board(name string, writeEvery time.Duration) (*sim.Board, string, error) {
	cfg := blynkfw.Config{Kind: blynkfw.USBStream, Token: blynk.NewToken(token), WriteEvery: writeEvery, Baud: *baud}
	b, err := sim.New(sim.Options{Flash: blynkfw.BootImage(), Timing: *timing, PowerOff: true,
		Firmware: blynkfw.Chooser(cfg, func(string, ...any) {})})
	if err != nil {
		return nil, "", err
	}
	link := filepath.Join(l.dir, name)
	if _, err := b.AttachPTY(link); err != nil {
		b.Close()
		return nil, "", err
	}
	return b, link, nil
}

// carrier starts one carrier for the given board links; stop ends it.
type carrier struct {
	procs []*exec.Cmd
	stop  func()
}

func (l *lab) start(kind string, links []string, addr string) (*carrier, error) {
	switch kind {
	case "relay":
		self, err := os.Executable()
		if err != nil {
			return nil, err
		}
		args := []string{"-child", "-ports", strings.Join(links, ","), "-server", addr, "-ca", l.caFile, "-baud", strconv.Itoa(*baud)}
		if *cpuProfile != "" && len(links) > 1 {
			args = append(args, "-relay-cpuprofile", *cpuProfile)
		}
		cmd := exec.Command(self, args...)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		return &carrier{procs: []*exec.Cmd{cmd}, stop: func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() }}, nil
	case "socat":
		// What blynk-ser.sh runs (FILE:... openssl-connect:...,cafile=,nodelay),
		// with the CA that issued the server's certificate.
		c := &carrier{}
		for _, link := range links {
			pts, _ := filepath.EvalSymlinks(link)
			cmd := exec.Command("socat", "-d",
				"FILE:"+pts+",raw,echo=0,clocal=1,cs8,nonblock=1,b"+strconv.Itoa(*baud),
				"OPENSSL-CONNECT:"+addr+",cafile="+l.caFile+",commonname=localhost,nodelay")
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				c.stopAll()
				return nil, err
			}
			c.procs = append(c.procs, cmd)
		}
		c.stop = c.stopAll
		return c, nil
	case "direct":
		// The floor: copy bytes both ways, no framing, no logic.
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for _, link := range links {
			p, err := serialio.Open(ctx, link, *baud)
			if err != nil {
				cancel()
				return nil, err
			}
			roots := certs.Pool(mustCerts(l.caFile))
			conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: roots, ServerName: "127.0.0.1"})
			if err != nil {
				p.Close()
				cancel()
				return nil, err
			}
			_ = p.SetReadTimeout(serialio.NoTimeout)
			wg.Add(2)
			go func() { defer wg.Done(); _, _ = io.Copy(conn, p) }()
			go func() { defer wg.Done(); _, _ = io.Copy(p, conn) }()
			context.AfterFunc(ctx, func() { p.Close(); conn.Close() })
		}
		return &carrier{stop: func() { cancel(); wg.Wait() }}, nil
	}
	return nil, fmt.Errorf("unknown carrier %s", kind)
}

func (c *carrier) stopAll() {
	for _, p := range c.procs {
		_ = p.Process.Signal(syscall.SIGTERM)
	}
	for _, p := range c.procs {
		_ = p.Wait()
	}
}

func mustCerts(f string) []*x509.Certificate {
	b, _ := os.ReadFile(f)
	list, _ := certs.ReadCertificates(b)
	return list
}

// setup is one carrier with its own board and server, ready for requests.
type setup struct {
	kind  string
	arr   *arrivals
	srv   *blynktest.Server
	board *sim.Board
	c     *carrier
	res   result
	rates []float64
}

func (st *setup) close() {
	if st.c != nil {
		st.c.stop()
	}
	if st.board != nil {
		st.board.Close()
	}
	if st.srv != nil {
		st.srv.Close()
	}
}

func (l *lab) prepare(kind string) (*setup, error) {
	st := &setup{kind: kind, arr: newArrivals()}
	var err error
	if st.srv, err = l.server(st.arr.record); err != nil {
		return st, err
	}
	b, link, err := l.board("uno-"+kind, -1)
	if err != nil {
		return st, err
	}
	st.board = b
	if kind == "direct" {
		b.PowerOn() // the copy loop opens the pty itself below
	}
	if st.c, err = l.start(kind, []string{link}, st.srv.Addr()); err != nil {
		return st, err
	}
	if kind != "direct" {
		time.Sleep(300 * time.Millisecond) // let the carrier open the pty and connect
		b.PowerOn()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if r, err := st.srv.WaitLogin(ctx); err != nil || r.Detail != "ok" {
		return st, fmt.Errorf("board login through %s: %v %v", kind, r.Detail, err)
	}
	if _, err := st.srv.WaitFrame(ctx, blynktest.In, func(f blynk.Frame) bool { return f.Cmd == blynk.CmdInternal }); err != nil {
		return st, err
	}
	return st, nil
}

// roundTrip sends one vr and waits for the board's vw with the same id.
func (st *setup) roundTrip(id uint16) (time.Duration, error) {
	t0 := time.Now()
	if err := st.srv.Send(blynk.Frame{Cmd: blynk.CmdHardware, ID: id, Body: blynk.VirtualRead(5)}); err != nil {
		return 0, err
	}
	t1, ok := st.arr.wait(id, 5*time.Second)
	if !ok {
		return 0, fmt.Errorf("%s: no answer to request %#x", st.kind, id)
	}
	return t1.Sub(t0), nil
}

// burst sends n pipelined requests from id base and returns answers/s.
func (st *setup) burst(base uint16, n int) (float64, error) {
	t0 := time.Now()
	for i := 0; i < n; i++ {
		if err := st.srv.Send(blynk.Frame{Cmd: blynk.CmdHardware, ID: base + uint16(i), Body: blynk.VirtualRead(5)}); err != nil {
			return 0, err
		}
	}
	last, ok := st.arr.wait(base+uint16(n-1), 60*time.Second)
	if !ok {
		return 0, fmt.Errorf("%s burst: %d of %d answered", st.kind, st.arr.count(base, base+uint16(n)), n)
	}
	for end := time.Now().Add(2 * time.Second); st.arr.count(base, base+uint16(n)) < n && time.Now().Before(end); {
		time.Sleep(5 * time.Millisecond)
	}
	got := st.arr.count(base, base+uint16(n))
	if got < n {
		fmt.Printf("  (%s: %d of %d burst answers arrived)\n", st.kind, got, n)
	}
	return float64(got) / last.Sub(t0).Seconds(), nil
}

// sideBySide prepares every carrier, then interleaves their round trips
// (A, B, C, A, B, C, ...) so that every carrier sees the same machine load
// - the host is shared, and load moves between sequential runs - and runs
// the bursts in alternation too, keeping the median rate.
func (l *lab) sideBySide(kinds []string) ([]*setup, error) {
	var sets []*setup
	defer func() {
		for _, st := range sets {
			st.close()
		}
	}()
	for _, k := range kinds {
		st, err := l.prepare(k)
		sets = append(sets, st)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
	}
	time.Sleep(100 * time.Millisecond)
	id := uint16(0x1000)
	for i := 0; i < *nLat+50; i++ {
		id++
		for _, st := range sets {
			d, err := st.roundTrip(id)
			if err != nil {
				return nil, err
			}
			if i >= 50 { // warm-up
				st.res.rtts = append(st.res.rtts, d)
			}
		}
	}
	for round := 0; round < 3; round++ {
		base := uint16(0x4000 + round*0x3000)
		for _, st := range sets {
			r, err := st.burst(base, *nBurst)
			if err != nil {
				return nil, err
			}
			st.rates = append(st.rates, r)
		}
	}
	for _, st := range sets {
		slices.Sort(st.rates)
		st.res.rate = st.rates[len(st.rates)/2]
	}
	out := sets
	sets = nil
	for _, st := range out {
		st.close()
	}
	return out, nil
}

// scale runs n boards through one relay process, then through n socat
// processes, and reports memory and CPU.
func (l *lab) scale(n int) error {
	fmt.Printf("scale: %d boards, each writing V5 every 1 s, heartbeat 10 s; steady window %v\n", n, *window)
	fmt.Printf("%-22s %10s %10s %10s %14s %16s %10s\n", "carrier", "RSS MiB", "peak MiB", "PSS MiB", "CPU ms/window", "CPU µs/board/s", "logins")
	for _, kind := range []string{"relay", "socat"} {
		var mu sync.Mutex
		logins := 0
		srv, err := l.server(func(r blynktest.Record) {
			if r.Event == blynktest.EventLogin && r.Detail == "ok" {
				mu.Lock()
				logins++
				mu.Unlock()
			}
		})
		if err != nil {
			return err
		}
		var boards []*sim.Board
		var links []string
		for i := 0; i < n; i++ {
			b, link, err := l.board(fmt.Sprintf("%s-%02d", kind, i), time.Second)
			if err != nil {
				return err
			}
			boards = append(boards, b)
			links = append(links, link)
		}
		c, err := l.start(kind, links, srv.Addr())
		if err != nil {
			return err
		}
		time.Sleep(500 * time.Millisecond)
		for _, b := range boards {
			b.PowerOn()
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			mu.Lock()
			k := logins
			mu.Unlock()
			if k >= n || time.Now().After(deadline) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		time.Sleep(time.Second)
		cpu0 := cpuOf(c.procs)
		time.Sleep(*window)
		cpu1 := cpuOf(c.procs)
		rss, hwm := memOf(c.procs)
		pss := pssOf(c.procs)
		mu.Lock()
		k := logins
		mu.Unlock()
		label := kind + " (1 process)"
		if kind == "socat" {
			label = fmt.Sprintf("socat (%d processes)", len(c.procs))
		}
		cpu := cpu1 - cpu0
		perBoard := float64(cpu.Microseconds()) / float64(n) / window.Seconds()
		fmt.Printf("%-22s %10.1f %10.1f %10.1f %14.1f %16.1f %7d/%d\n", label, float64(rss)/1024, float64(hwm)/1024, float64(pss)/1024,
			float64(cpu.Microseconds())/1000, perBoard, k, n)
		c.stop()
		for _, b := range boards {
			b.Close()
		}
		srv.Close()
	}
	return nil
}

// memOf sums VmRSS and VmHWM (kB) over the processes.
func memOf(ps []*exec.Cmd) (rss, hwm int64) {
	for _, p := range ps {
		f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.Process.Pid))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fs := strings.Fields(sc.Text())
			if len(fs) < 2 {
				continue
			}
			v, _ := strconv.ParseInt(fs[1], 10, 64)
			switch fs[0] {
			case "VmRSS:":
				rss += v
			case "VmHWM:":
				hwm += v
			}
		}
		f.Close()
	}
	return rss, hwm
}

// cpuOf sums the CPU time of the processes' threads from schedstat
// (nanoseconds; utime+stime in /proc/PID/stat count 10 ms ticks, which a
// socat moving one frame a second never reaches).
func cpuOf(ps []*exec.Cmd) time.Duration {
	var ns int64
	for _, p := range ps {
		// Per thread: the process-level file covers the main thread only,
		// and Go runs its work on others.
		tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", p.Process.Pid))
		for _, t := range tasks {
			b, err := os.ReadFile(t)
			if err != nil {
				continue
			}
			if fs := strings.Fields(string(b)); len(fs) > 0 {
				v, _ := strconv.ParseInt(fs[0], 10, 64)
				ns += v
			}
		}
	}
	return time.Duration(ns)
}

// pssOf sums the proportional set size (kB) from /proc/PID/smaps_rollup:
// shared library pages are split between the processes that map them, so
// 64 socats are not charged 64 times for libssl.
func pssOf(ps []*exec.Cmd) int64 {
	var kb int64
	for _, p := range ps {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", p.Process.Pid))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if fs := strings.Fields(line); len(fs) >= 2 && fs[0] == "Pss:" {
				v, _ := strconv.ParseInt(fs[1], 10, 64)
				kb += v
			}
		}
	}
	return kb
}
