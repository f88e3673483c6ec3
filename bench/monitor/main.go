// Command monitor benchmarks the monitor under a flood: the simulated board
// prints mixed log text (Blynk lines, Wi-Fi lines, binary noise) at a fixed
// rate through a real pseudo-terminal; the monitor engine reads it with the
// decoder on and feeds the TUI's root model running in a bubbletea program
// (rendering to nowhere). It reports whether every byte arrived (count and
// SHA-256), the resident set size sampled every second (it must stay flat:
// the ring and the TUI's history are bounded), CPU time used (getrusage,
// whole process: the simulated board's side too) and the frames rendered
// (capped at ~30/s however fast the input). It is a separate program so
// `go test ./...` never runs it:
//
//	go run ./bench/monitor                       # 2 MB/s for 30 s
//	go run ./bench/monitor -duration 10s -rate 4000000
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"hash"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/blynkbridge/blynkbridge/decode"
	"github.com/blynkbridge/blynkbridge/internal/procstat"
	"github.com/blynkbridge/blynkbridge/monitor"
	"github.com/blynkbridge/blynkbridge/serialio"
	"github.com/blynkbridge/blynkbridge/sim"
	"github.com/blynkbridge/blynkbridge/sim/blynkfw"
	"github.com/blynkbridge/blynkbridge/tui"
)

const marker = "<<<flood starts>>>\r\n"

func main() {
	duration := flag.Duration("duration", 30*time.Second, "how long the board floods")
	rate := flag.Int("rate", 2_000_000, "bytes per second the board prints")
	prof := flag.String("cpuprofile", "", "write a CPU profile to `FILE`")
	withLog := flag.Bool("log", true, "also write --log (durable raw log: one write per chunk, token masking, no rotation)")
	flag.Parse()
	if *prof != "" {
		f, err := os.Create(*prof)
		if err == nil {
			_ = pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
	}
	if err := run(*duration, *rate, *withLog); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "bench/monitor:", err)
		os.Exit(1)
	}
}

// sender is the flooding sketch: it hashes what it writes.
type sender struct {
	rate     int
	duration time.Duration
	mu       sync.Mutex
	sum      hash.Hash
	n        int64
	done     chan struct{}
}

func (s *sender) Run(ctx context.Context, dev sim.Device) error {
	dev.Begin(115200)
	if _, err := dev.Write([]byte(marker)); err != nil {
		return err
	}
	gen := newGen()
	const tick = 10 * time.Millisecond
	per := s.rate / int(time.Second/tick)
	start := time.Now()
	next := start
	for time.Since(start) < s.duration {
		p := gen.next(per)
		if _, err := dev.Write(p); err != nil {
			return err
		}
		s.mu.Lock()
		s.sum.Write(p)
		s.n += int64(len(p))
		s.mu.Unlock()
		next = next.Add(tick)
		if d := time.Until(next); d > 0 {
			if err := dev.Sleep(ctx, d); err != nil {
				return err
			}
		}
	}
	close(s.done)
	<-ctx.Done()
	return nil
}

// gen makes mixed log text.
type gen struct {
	rng *rand.Rand
	i   int
	buf bytes.Buffer
}

func newGen() *gen { return &gen{rng: rand.New(rand.NewSource(1))} }

func (g *gen) next(n int) []byte {
	for g.buf.Len() < n {
		g.i++
		switch g.i % 5 {
		case 0:
			fmt.Fprintf(&g.buf, "[%d] Connecting to blynk.example.com:9443\r\n", g.i)
		case 1:
			fmt.Fprintf(&g.buf, "[%d] Ready (ping: %dms).\r\n", g.i, g.i%97)
		case 2:
			fmt.Fprintf(&g.buf, "wifi evt: %d\r\n", g.i%8)
		case 3:
			fmt.Fprintf(&g.buf, "[%d] Certificate doesn't match\r\n", g.i)
		default:
			noise := make([]byte, 16+g.rng.Intn(48))
			g.rng.Read(noise)
			g.buf.Write(noise)
			g.buf.WriteString("\r\n")
		}
	}
	out := make([]byte, n)
	g.buf.Read(out)
	return out
}

// counter wraps the TUI's controller to hash what reaches the consumer.
type counter struct {
	tui.Controller
	mu      sync.Mutex
	pending []byte // until the marker is seen
	started bool
	sum     hash.Hash
	n       int64
	total   int64
	waits   int64
}

func (c *counter) Wait(ctx context.Context) ([]monitor.Item, error) {
	items, err := c.Controller.Wait(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waits++
	for _, it := range items {
		if it.Kind != monitor.ItemData {
			continue
		}
		c.total += int64(len(it.Data))
		if c.started {
			c.sum.Write(it.Data)
			c.n += int64(len(it.Data))
			continue
		}
		c.pending = append(c.pending, it.Data...)
		if i := bytes.Index(c.pending, []byte(marker)); i >= 0 {
			rest := c.pending[i+len(marker):]
			c.sum.Write(rest)
			c.n += int64(len(rest))
			c.started, c.pending = true, nil
		}
	}
	return items, err
}

func rssKB() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(v), "%d", &kb)
			return kb
		}
	}
	return -1
}

func cpu() time.Duration { return procstat.CPUTime() }

func run(duration time.Duration, rate int, withLog bool) error {
	s := &sender{rate: rate, duration: duration, sum: sha256.New(), done: make(chan struct{})}
	b, err := sim.New(sim.Options{Flash: blynkfw.BootImage(), Firmware: func([]byte) sim.Firmware { return s }, PowerOff: true})
	if err != nil {
		return err
	}
	defer b.Close()
	dir, err := os.MkdirTemp("", "bench-monitor")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	link := filepath.Join(dir, "d1")
	if _, err := b.AttachPTY(link); err != nil {
		return err
	}
	opts := monitor.Options{
		Open:    func(ctx context.Context) (serialio.Port, error) { return serialio.Open(ctx, link, 115200) },
		Decoder: decode.New(decode.Options{}),
	}
	var logFile *monitor.LogFile
	if withLog {
		if logFile, err = monitor.OpenLogFile(filepath.Join(dir, "board.log"), 0, 0); err != nil {
			return err
		}
		defer logFile.Close()
		opts.RawLog = logFile
	}
	eng := monitor.New(opts)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runErr := make(chan error, 1)
	go func() { runErr <- eng.Run(ctx) }()
	ctl := &counter{Controller: &monitor.Console{Engine: eng}, sum: sha256.New()}
	model := tui.New(ctx, ctl, tui.Config{Title: "bench"})
	prog := tea.NewProgram(model, tea.WithContext(ctx), tea.WithInput(nil), tea.WithOutput(io.Discard), tea.WithFPS(30))
	progDone := make(chan error, 1)
	go func() { _, err := prog.Run(); progDone <- err }()
	prog.Send(tea.WindowSizeMsg{Width: 80, Height: 24})

	for !eng.Status().Connected {
		time.Sleep(10 * time.Millisecond)
	}
	b.PowerOn()
	fmt.Printf("flooding %d bytes/s of mixed log for %s through %s (decoder + TUI model on)\n", rate, duration, link)
	cpu0, t0 := cpu(), time.Now()
	var rss []int64
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	sent := func() int64 { s.mu.Lock(); defer s.mu.Unlock(); return s.n }
	recv := func() int64 { ctl.mu.Lock(); defer ctl.mu.Unlock(); return ctl.n }
wait:
	for {
		select {
		case <-tick.C:
			rss = append(rss, rssKB())
		case <-s.done:
			break wait
		case err := <-runErr:
			return fmt.Errorf("engine stopped: %v", err)
		}
	}
	sendWall := time.Since(t0)
	// Let the tail drain (bounded).
	deadline := time.Now().Add(10 * time.Second)
	for recv() < sent() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	wall := time.Since(t0)
	used := cpu() - cpu0
	prog.Quit()
	<-progDone
	frames := model.Frames // the program has ended: no race
	cancel()

	ctl.mu.Lock()
	gotSum, gotN, waits := ctl.sum.Sum(nil), ctl.n, ctl.waits
	ctl.mu.Unlock()
	s.mu.Lock()
	wantSum, wantN := s.sum.Sum(nil), s.n
	s.mu.Unlock()
	ok := gotN == wantN && bytes.Equal(gotSum, wantSum)
	fmt.Printf("sent      %d bytes  sha256 %x\n", wantN, wantSum[:8])
	fmt.Printf("received  %d bytes  sha256 %x  => %s\n", gotN, gotSum[:8], map[bool]string{true: "identical", false: "DIFFERENT"}[ok])
	fmt.Printf("rate      board sent %.2f MB/s for %s; the last byte reached the TUI %s after the board's last write\n",
		float64(wantN)/sendWall.Seconds()/1e6, sendWall.Round(time.Millisecond), (wall - sendWall).Round(time.Millisecond))
	if len(rss) > 0 {
		lo, hi := rss[0], rss[0]
		for _, v := range rss {
			lo, hi = min(lo, v), max(hi, v)
		}
		half := rss[len(rss)/2:]
		fmt.Printf("RSS       samples (MiB): %s\n", mib(rss))
		fmt.Printf("RSS       min %.1f MiB, max %.1f MiB, second half spread %.1f MiB\n", float64(lo)/1024, float64(hi)/1024, float64(spread(half))/1024)
	}
	fmt.Printf("CPU       %.2f cores (%.1f s user+sys over %.1f s wall; whole process incl. the simulated board)\n",
		used.Seconds()/wall.Seconds(), used.Seconds(), wall.Seconds())
	fmt.Printf("frames    %d View calls = %.1f/s (cap 30/s); %d Waits = %.1f batches/s\n",
		frames, float64(frames)/wall.Seconds(), waits, float64(waits)/wall.Seconds())
	if logFile != nil {
		if fi, err := os.Stat(logFile.Path); err == nil {
			fmt.Printf("--log     %d bytes on disk (the %d received plus a timestamp per line), written as received\n", fi.Size(), gotN)
			if fi.Size() < gotN {
				return fmt.Errorf("--log holds fewer bytes than received")
			}
		}
	}
	if !ok {
		return fmt.Errorf("bytes lost or changed")
	}
	return nil
}

func mib(v []int64) string {
	var parts []string
	for _, x := range v {
		parts = append(parts, fmt.Sprintf("%.0f", float64(x)/1024))
	}
	return strings.Join(parts, " ")
}

func spread(v []int64) int64 {
	if len(v) == 0 {
		return 0
	}
	lo, hi := v[0], v[0]
	for _, x := range v {
		lo, hi = min(lo, x), max(hi, x)
	}
	return hi - lo
}
