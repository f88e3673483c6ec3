// Command flash benchmarks the flasher against the simulated board with its
// timing model on. By default it compares, side by side over a pty, our
// stub, our ROM mode and esptool-js on a 1 MiB sketch-like image from the
// same start baud, plus a re-flash after a token change (compare.go; needs
// `npm install` in bench/flash/esptooljs for the esptool-js row). With -rom
// it prints the ROM loader's table: a random 1 MiB image at several baud
// rates against the wire limit and the stop-and-wait bound, plus a --base
// reflash with one changed sector. It is a separate program so
// `go test ./...` never runs it:
//
//	go run ./bench/flash -runs 2               # the comparison (from the repository root)
//	go run ./bench/flash -rom                  # ROM table, in-process port
//	go run ./bench/flash -rom -pty             # ROM table through a real pseudo-terminal
//	go run ./bench/flash -rom -bauds 921600 -size 262144
package main

import (
	"compress/zlib"
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/blynkbridge/blynkbridge/flash"
	"github.com/blynkbridge/blynkbridge/flash/rom"
	"github.com/blynkbridge/blynkbridge/serialio"
	"github.com/blynkbridge/blynkbridge/sim"
)

// The bound uses the sim's own flash timing (sim.SectorEraseTime,
// sim.PageProgramTime), so it follows the model if that changes.
const replyWireBytes = 12 // C0 + 8 header + 2 status + C0 (reference 13)

func main() {
	bauds := flag.String("bauds", "115200,460800,921600", "comma-separated baud rates")
	size := flag.Int("size", 1<<20, "image size in bytes")
	usePTY := flag.Bool("pty", false, "go through a real pty and serialio.Open instead of the in-process port")
	runs := flag.Int("runs", 1, "repeat each baud this many times and keep the fastest")
	trace := flag.String("trace", "", "write the packet trace of the runs to this file")
	romTable := flag.Bool("rom", false, "the ROM loader's table against its stop-and-wait bound (the pre-stub benchmark) instead of the comparison")
	start := flag.Int("start-baud", 115200, "comparison: the rate every flasher connects at")
	fbaud := flag.Int("flash-baud", 921600, "comparison: the rate the stubs switch to")
	flag.Parse()
	if *trace != "" {
		f, err := os.Create(*trace)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench/flash:", err)
			os.Exit(1)
		}
		defer f.Close()
		traceOut = f
	}
	if !*romTable {
		if err := compare(*size, max(*runs, 1), *start, *fbaud); err != nil {
			fmt.Fprintln(os.Stderr, "bench/flash:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*bauds, *size, max(*runs, 1), *usePTY); err != nil {
		fmt.Fprintln(os.Stderr, "bench/flash:", err)
		os.Exit(1)
	}
}

var traceOut io.Writer

// turnaround reads the flasher's --trace lines and adds up the host's own
// time per block: from a FLASH_DATA reply arriving to the next FLASH_DATA
// request leaving. That is the only idle wire time the host adds, so it is
// the figure that stays meaningful when the sim's pacing or machine load
// move the totals.
type turnaround struct {
	tee      io.Writer
	buf      []byte
	lastRecv float64
	have     bool
	sum      float64
	n        int
}

func (t *turnaround) Write(p []byte) (int, error) {
	if t.tee != nil {
		t.tee.Write(p)
	}
	t.buf = append(t.buf, p...)
	for {
		i := strings.IndexByte(string(t.buf), '\n')
		if i < 0 {
			break
		}
		f := strings.Fields(string(t.buf[:i]))
		t.buf = t.buf[i+1:]
		if len(f) < 3 {
			continue
		}
		if f[2] != "FLASH_DATA" {
			// A FLASH_BEGIN (its erase) between blocks is not host time.
			t.have = false
			continue
		}
		ts, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			continue
		}
		switch f[1] {
		case "<-":
			t.lastRecv, t.have = ts, true
		case "->":
			if t.have {
				t.sum += ts - t.lastRecv
				t.n++
				t.have = false
			}
		}
	}
	return len(p), nil
}

// loadAvg is /proc/loadavg's first three fields, or "n/a".
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "n/a"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "n/a"
	}
	return strings.Join(f[:3], " ")
}

func run(bauds string, size, runs int, usePTY bool) error {
	img := make([]byte, size)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range img {
		img[i] = byte(r.Uint32())
	}
	changed := append([]byte(nil), img...)
	changed[size/2+123] ^= 0xFF
	transport := "in-process port"
	if usePTY {
		transport = "pty"
	}
	fmt.Printf("flash benchmark: %d KiB random image at 0x0, sim timing on, %s, best of %d\n", size>>10, transport, runs)
	fmt.Printf("load average at start: %s\n\n", loadAvg())
	fmt.Printf("%8s %9s %10s %9s %9s %8s %8s %12s %9s | %9s %8s\n", "baud", "time s", "bytes/s", "wire lim", "bound s", "of wire", "of bound", "host µs/blk", "host eff", "--base s", "of full")
	for _, s := range strings.Split(bauds, ",") {
		baud, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("bad baud %q", s)
		}
		var full, base time.Duration
		ta := &turnaround{}
		for i := 0; i < runs; i++ {
			ta.tee = traceOut
			f, b, err := one(img, changed, baud, usePTY, ta)
			if err != nil {
				return fmt.Errorf("%d baud: %w", baud, err)
			}
			if full == 0 || f < full {
				full = f
			}
			if base == 0 || b < base {
				base = b
			}
		}
		bound := boundFor(img, 0, baud)
		rate := float64(size) / full.Seconds()
		wire := float64(baud) / 10
		host := 0.0
		if ta.n > 0 {
			host = ta.sum / float64(ta.n)
		}
		blocks := float64((size + rom.FlashBlockSize - 1) / rom.FlashBlockSize)
		eff := bound.Seconds() / (bound.Seconds() + blocks*host)
		fmt.Printf("%8d %9.2f %10.0f %9.0f %9.2f %7.1f%% %7.1f%% %12.0f %8.2f%% | %9.3f %7.2f%%\n",
			baud, full.Seconds(), rate, wire, bound.Seconds(), 100*rate/wire, 100*bound.Seconds()/full.Seconds(), host*1e6, 100*eff,
			base.Seconds(), 100*base.Seconds()/full.Seconds())
	}
	fmt.Printf("\nload average at end: %s (the timing model sleeps; a loaded machine wakes it late)\n", loadAvg())
	fmt.Println("bound = request frames (SLIP-escaped) + 12-byte replies at the baud, plus the sim's")
	fmt.Printf("erase (sim.ROMEraseTime: %v/sector, %v per 64 KiB block where the ROM uses block erases) and program\n", sim.SectorEraseTime, sim.BlockEraseTime)
	fmt.Printf("(%v/page) time; connect/sync time is excluded.\n", sim.PageProgramTime)
	fmt.Println("host µs/blk = mean time from a FLASH_DATA reply to the next request (the host's share);")
	fmt.Println("host eff = bound / (bound + blocks x host µs/blk): the flasher's own efficiency, which")
	fmt.Println("machine load does not move. The sim never delivers a byte before its wire time, so")
	fmt.Println("\"of bound\" is at most 100 %; below it is the sim's late wake-ups plus the host's share.")
	return nil
}

// boundFor is the time the ROM loader's stop-and-wait protocol needs at
// best for img at off: every byte of every frame on the wire, each reply,
// the erase FLASH_BEGIN triggers and the page programming of every block.
func boundFor(img []byte, off uint32, baud int) time.Duration {
	n := uint32(len(img))
	tx, rx := 0, 0
	begin := rom.Request{Op: rom.OpFlashBegin, Data: rom.Words(flash.EraseSize(off, n), (n+0x3FF)/0x400, 0x400, off)}
	tx += len(rom.Encode(begin.Marshal()))
	rx += replyWireBytes
	pages := 0
	for lo := uint32(0); lo < n; lo += rom.FlashBlockSize {
		blk := make([]byte, rom.FlashBlockSize)
		for i := range blk {
			blk[i] = 0xFF
		}
		copy(blk, img[lo:min(lo+rom.FlashBlockSize, n)])
		req := rom.Request{Op: rom.OpFlashData, Checksum: rom.Checksum(blk), Data: rom.DataBlock(lo/rom.FlashBlockSize, blk)}
		tx += len(rom.Encode(req.Marshal()))
		rx += replyWireBytes
		pages += rom.FlashBlockSize / 256
	}
	wire := time.Duration(int64(tx+rx) * 10 * int64(time.Second) / int64(baud))
	// The ROM erases with 64 KiB block erases where it can (sim.ROMEraseTime).
	return wire + sim.ROMEraseTime(off, flash.EraseSize(off, n)) + time.Duration(pages)*sim.PageProgramTime
}

// one flashes img fully, then changed with --base img, on a fresh board.
func one(img, changed []byte, baud int, usePTY bool, trace io.Writer) (full, base time.Duration, err error) {
	b, err := sim.New(sim.Options{Timing: true, Boot: sim.BootDownload})
	if err != nil {
		return 0, 0, err
	}
	defer b.Close()
	ctx := context.Background()
	var p serialio.Port
	if usePTY {
		path, err := b.AttachPTY("")
		if err != nil {
			return 0, 0, err
		}
		if p, err = serialio.Open(ctx, path, baud); err != nil {
			return 0, 0, err
		}
	} else {
		p = b.HostPort()
		if err := p.SetBaud(baud); err != nil {
			return 0, 0, err
		}
	}
	defer p.Close()
	f, err := flash.New(p, flash.Options{Before: flash.NoReset, After: flash.StayInLoader, Trace: trace, NoStub: true})
	if err != nil {
		return 0, 0, err
	}
	if err := f.Connect(ctx); err != nil {
		return 0, 0, err
	}
	res, err := f.Write(ctx, img, flash.WriteOptions{})
	if err != nil {
		return 0, 0, err
	}
	full = res.Duration
	res, err = f.Write(ctx, changed, flash.WriteOptions{Base: img})
	if err != nil {
		return 0, 0, err
	}
	got := b.FlashContents()
	for i := range changed {
		if got[i] != changed[i] {
			return 0, 0, fmt.Errorf("flash differs at 0x%x after the --base reflash", i)
		}
	}
	return full, res.Duration, nil
}

func zlibWriter(w io.Writer) (*zlib.Writer, error) {
	return zlib.NewWriterLevel(w, zlib.BestCompression)
}
