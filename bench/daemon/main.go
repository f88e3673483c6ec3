// Command daemon benchmarks `blynkbridge daemon` with many boards: N
// simulated D1 minis on real pseudo-terminals (UART timing model on) print
// realistic chatter (Blynk and Wi-Fi log lines, a status dump every few
// seconds; -flood boards print at the full 115200-baud line rate) for a
// while; one daemon process owns them all. It reports the daemon's memory
// (VmRSS and Pss from /proc, sampled every second), its CPU time, and per
// board whether every byte the sketch printed reached the raw log (the log
// is read back, timestamps stripped, and compared by length and SHA-256),
// plus the daemon's own bytes_in = bytes_logged counters.
//
// The daemon runs in a child process (this program re-executed), so its
// figures are its own and not the simulated boards'. It is a separate
// program so `go test ./...` never runs it:
//
//	go run ./bench/daemon                    # 32 boards for 60 s, 1 flooding
//	go run ./bench/daemon -boards 8 -duration 10s
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"hash"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/blynkbridge/blynkbridge/daemon"
	"github.com/blynkbridge/blynkbridge/monitor"
	"github.com/blynkbridge/blynkbridge/sim"
	"github.com/blynkbridge/blynkbridge/sim/blynkfw"
)

const marker = "<<<bench starts>>>\r\n"

func main() {
	if os.Getenv("BENCH_DAEMON_CHILD") == "1" {
		child()
		return
	}
	boards := flag.Int("boards", 32, "simulated boards")
	flood := flag.Int("flood", 1, "of which print at the full line rate (115200 baud, ~11.5 KB/s)")
	duration := flag.Duration("duration", 60*time.Second, "how long the boards print")
	flag.Parse()
	if err := run(*boards, *flood, *duration); err != nil {
		fmt.Fprintln(os.Stderr, "bench/daemon:", err)
		os.Exit(1)
	}
}

// child is the daemon process: boards from the arguments (NAME=PATH).
func child() {
	var bcs []daemon.BoardConfig
	for _, a := range os.Args[1:] {
		name, path, _ := strings.Cut(a, "=")
		bcs = append(bcs, daemon.BoardConfig{Name: name, Port: path})
	}
	d, err := daemon.New(daemon.Config{Socket: os.Getenv("BENCH_SOCKET"), LogDir: os.Getenv("BENCH_LOGDIR"), Boards: bcs,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := d.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if p := os.Getenv("BENCH_HEAPPROFILE"); p != "" {
		if f, err := os.Create(p); err == nil {
			_ = pprof.WriteHeapProfile(f)
			f.Close()
		}
	}
}

// chatter is one board's sketch: log lines at a realistic pace (or the
// full line rate), hashing what it writes after the marker.
type chatter struct {
	id       int
	flood    bool
	duration time.Duration
	mu       sync.Mutex
	sum      hash.Hash
	n        int64
	done     chan struct{}
}

func (c *chatter) Run(ctx context.Context, dev sim.Device) error {
	dev.Begin(115200)
	if _, err := dev.Write([]byte(marker)); err != nil {
		return err
	}
	start := time.Now()
	var buf bytes.Buffer
	for i := 0; time.Since(start) < c.duration; i++ {
		buf.Reset()
		ms := time.Since(start).Milliseconds()
		switch {
		case c.flood:
			for buf.Len() < 1100 {
				fmt.Fprintf(&buf, "[%d] flood %d: %s\r\n", ms, i, strings.Repeat("x", 40))
			}
		case i%50 == 0: // a status dump every ~5 s
			fmt.Fprintf(&buf, "[%d] heap: %d, uptime %d s\r\n", ms, 30000-i%700, ms/1000)
			for k := 0; k < 12; k++ {
				fmt.Fprintf(&buf, "  V%d = %d\r\n", k, (i*k)%1024)
			}
		case i%7 == 0:
			fmt.Fprintf(&buf, "[%d] Connecting to blynk.cloud:443\r\n[%d] Ready (ping: %dms).\r\n", ms, ms+40, 20+i%30)
		default:
			fmt.Fprintf(&buf, "[%d] board %02d: temp=%d.%d C, rssi=-%d dBm\r\n", ms, c.id, 20+i%8, i%10, 40+i%30)
		}
		if _, err := dev.Write(buf.Bytes()); err != nil {
			return err
		}
		c.mu.Lock()
		c.sum.Write(buf.Bytes())
		c.n += int64(buf.Len())
		c.mu.Unlock()
		if c.flood {
			continue // the UART model paces it at the line rate
		}
		if err := dev.Sleep(ctx, 100*time.Millisecond); err != nil {
			return err
		}
	}
	close(c.done)
	<-ctx.Done()
	return nil
}

func procKB(pid int, file, key string) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/%s", pid, file))
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), key); ok {
			kb, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return kb
		}
	}
	return -1
}

// cpuOf is the child's user+system CPU time (/proc/PID/stat, clock ticks
// of 10 ms on Linux).
func cpuOf(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// fromRawLog rebuilds what the board printed after the marker from the
// raw log: each line's "[timestamp] " prefix removed, host notes dropped.
func fromRawLog(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []byte
	started := false
	for _, line := range bytes.SplitAfter(b, []byte("\n")) {
		if len(line) < len(monitor.TimeLayout)+3 || line[0] != '[' {
			continue
		}
		body := line[len(monitor.TimeLayout)+3:]
		if bytes.HasPrefix(body, []byte("-- ")) {
			continue
		}
		if !started {
			if i := bytes.Index(body, []byte(marker)); i >= 0 {
				started = true
				out = append(out, body[i+len(marker):]...)
			}
			continue
		}
		out = append(out, body...)
	}
	return out, nil
}

func run(n, flood int, duration time.Duration) error {
	dir, err := os.MkdirTemp("", "bench-daemon")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var boards []*sim.Board
	var sketches []*chatter
	args := []string{}
	for i := range n {
		c := &chatter{id: i, flood: i < flood, duration: duration, sum: sha256.New(), done: make(chan struct{})}
		b, err := sim.New(sim.Options{Flash: blynkfw.BootImage(), Timing: true, PowerOff: true,
			Firmware: func([]byte) sim.Firmware { return c }})
		if err != nil {
			return err
		}
		defer b.Close()
		link := filepath.Join(dir, fmt.Sprintf("b%02d", i))
		if _, err := b.AttachPTY(link); err != nil {
			return err
		}
		boards, sketches = append(boards, b), append(sketches, c)
		args = append(args, fmt.Sprintf("b%02d=%s", i, link))
	}
	sock := filepath.Join(dir, "d.sock")
	logDir := filepath.Join(dir, "logs")
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "BENCH_DAEMON_CHILD=1", "BENCH_SOCKET="+sock, "BENCH_LOGDIR="+logDir)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() }()
	pid := cmd.Process.Pid
	ctx := context.Background()
	var cl *daemon.Client
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if cl, err = daemon.Connect(ctx, sock); err == nil {
			break
		}
		if time.Now().After(end) {
			return fmt.Errorf("daemon did not start: %v", err)
		}
	}
	// Wait until the daemon has every port open, then power the boards.
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		bs, _ := cl.Boards(ctx)
		open := 0
		for _, b := range bs {
			if b.Connected {
				open++
			}
		}
		if open == n {
			break
		}
		if time.Now().After(end) {
			return fmt.Errorf("daemon opened %d of %d boards", open, n)
		}
	}
	for _, b := range boards {
		b.PowerOn()
	}
	fmt.Printf("%d boards (%d at the full line rate) printing for %s, one daemon (pid %d)\n", n, flood, duration, pid)
	cpu0, t0 := cpuOf(pid), time.Now()
	var rss, pss []int64
	tick := time.NewTicker(time.Second)
	for _, c := range sketches {
	wait:
		for {
			select {
			case <-c.done:
				break wait
			case <-tick.C:
				rss = append(rss, procKB(pid, "status", "VmRSS:"))
				pss = append(pss, procKB(pid, "smaps_rollup", "Pss:"))
			}
		}
	}
	tick.Stop()
	// Let the last bytes cross the UARTs and reach the files (fsync each second).
	time.Sleep(3 * time.Second)
	cpu, wall := cpuOf(pid)-cpu0, time.Since(t0)
	bs, err := cl.Boards(ctx)
	if err != nil {
		return err
	}
	sort.Slice(bs, func(i, j int) bool { return bs[i].Name < bs[j].Name })
	var sent, got, counted int64
	complete, countersEqual := 0, 0
	worst := 100.0
	for i, c := range sketches {
		c.mu.Lock()
		want, wantSum := c.n, c.sum.Sum(nil)
		c.mu.Unlock()
		data, err := fromRawLog(filepath.Join(logDir, bs[i].Name, "raw.log"))
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		sent += want
		got += int64(len(data))
		counted += bs[i].BytesIn
		if int64(len(data)) == want && bytes.Equal(sum[:], wantSum) {
			complete++
		} else {
			fmt.Printf("  %s: printed %d bytes, raw log has %d (hash %s)\n", bs[i].Name, want, len(data), map[bool]string{true: "equal", false: "differs"}[bytes.Equal(sum[:], wantSum)])
		}
		if bs[i].BytesIn == bs[i].BytesLog {
			countersEqual++
		}
		if want > 0 {
			worst = min(worst, 100*float64(len(data))/float64(want))
		}
	}
	maxOf := func(v []int64) int64 {
		m := int64(0)
		for _, x := range v {
			m = max(m, x)
		}
		return m
	}
	fmt.Printf("capture: %d of %d boards complete (raw log == what the sketch printed, byte for byte); worst board %.2f%%\n", complete, n, worst)
	fmt.Printf("         %d bytes printed after the marker, %d in the raw logs; daemon read %d in all (banners included); bytes_in == bytes_logged on %d of %d boards\n",
		sent, got, counted, countersEqual, n)
	var chatty int64
	for _, c := range sketches[flood:] {
		chatty += c.n
	}
	fmt.Printf("rate:    %.1f KB/s in total; %.0f B/s per chatty board, %.0f B/s per flooding board\n", float64(sent)/duration.Seconds()/1000,
		float64(chatty)/float64(max(n-flood, 1))/duration.Seconds(), float64(sent-chatty)/float64(max(flood, 1))/duration.Seconds())
	fmt.Printf("daemon:  CPU %.2f s over %.1f s = %.1f%% of one core; VmRSS max %d KiB, last %d KiB; Pss max %d KiB, last %d KiB\n",
		cpu.Seconds(), wall.Seconds(), 100*cpu.Seconds()/wall.Seconds(), maxOf(rss), rss[len(rss)-1], maxOf(pss), pss[len(pss)-1])
	if complete != n {
		return fmt.Errorf("%d boards incomplete", n-complete)
	}
	return nil
}
