package main

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/blynkbridge/blynkbridge/flash"
	"github.com/blynkbridge/blynkbridge/serialio"
	"github.com/blynkbridge/blynkbridge/sim"
)

// compare is issue 18's side-by-side: one 1 MiB image that compresses like
// a real Arduino sketch (sim.SketchImage: zlib level 9 ratio ~0.60), each
// flasher on a fresh simulated board with timing on, over a real pty,
// from the same start baud:
//
//   - blynkbridge with its stub: connect, upload the stub, CHANGE_BAUDRATE
//     to flashBaud, MD5 sector skip, deflate, MD5 verify;
//   - blynkbridge --no-stub: the ROM loader at the start baud;
//   - esptool-js (npm, its own ESP8266 stub, deflate, MD5 check), driven
//     over the same kind of pty by esptooljs/flash.mjs, same flash baud;
//
// then a re-flash after a token change (one sector differs) at 460800.
// Every result is checked: the board's flash MD5 against the image's.
func compare(size, runs, startBaud, flashBaud int) error {
	img := sim.SketchImage(size, 1)
	dir, err := os.MkdirTemp("", "benchflash")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	imgFile := filepath.Join(dir, "sketch.bin")
	if err := os.WriteFile(imgFile, img, 0o600); err != nil {
		return err
	}
	zratio := float64(len(deflated(img))) / float64(len(img))
	fmt.Printf("flash comparison: %d KiB image made by sim.SketchImage (zlib -9 ratio %.3f), at 0x0, sim timing on, pty\n", size>>10, zratio)
	fmt.Printf("start baud %d, stub flash baud %d, %d run(s) each; load average at start: %s\n\n", startBaud, flashBaud, runs, loadAvg())
	fmt.Printf("%-34s %8s %8s %8s  %s\n", "flasher", "run", "time s", "vs ROM", "checked")

	type row struct {
		name string
		fn   func() (time.Duration, error)
	}
	var romBest time.Duration
	rows := []row{
		{"blynkbridge --no-stub (ROM)", func() (time.Duration, error) { return ours(img, startBaud, 0, true) }},
		{fmt.Sprintf("blynkbridge stub (-> %d)", flashBaud), func() (time.Duration, error) { return ours(img, startBaud, flashBaud, false) }},
		{fmt.Sprintf("esptool-js 0.7.0 stub (-> %d)", flashBaud), func() (time.Duration, error) { return esptoolJS(img, imgFile, startBaud, flashBaud) }},
	}
	for _, r := range rows {
		for i := 1; i <= runs; i++ {
			d, err := r.fn()
			if err != nil {
				fmt.Printf("%-34s %8d %8s %8s  %v\n", r.name, i, "-", "-", err)
				continue
			}
			if r.name == rows[0].name && (romBest == 0 || d < romBest) {
				romBest = d
			}
			vs := "-"
			if romBest > 0 {
				vs = fmt.Sprintf("%.2fx", romBest.Seconds()/d.Seconds())
			}
			fmt.Printf("%-34s %8d %8.2f %8s  flash MD5 = image MD5\n", r.name, i, d.Seconds(), vs)
		}
	}
	fmt.Println()
	for i := 1; i <= runs; i++ {
		d, n, err := tokenChange(img, 460800)
		if err != nil {
			fmt.Printf("token change re-flash at 460800: %v\n", err)
			continue
		}
		fmt.Printf("token change re-flash at 460800, run %d: %.3f s (connect + stub upload + MD5 skip + %d sector(s) written + MD5 verify)\n", i, d.Seconds(), n)
	}
	fmt.Printf("\nload average at end: %s (the timing model sleeps; a loaded machine wakes it late)\n", loadAvg())
	fmt.Println("time = from opening the port (board waiting in its loader) to the flash verified; process")
	fmt.Println("start-up is excluded for both (esptool-js measures itself from its connect).")
	return nil
}

func deflated(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := zlibWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// board is a fresh simulated D1 mini in its loader, with timing on, on a pty.
func board() (*sim.Board, string, error) {
	b, err := sim.New(sim.Options{Timing: true, Boot: sim.BootDownload})
	if err != nil {
		return nil, "", err
	}
	path, err := b.AttachPTY("")
	if err != nil {
		b.Close()
		return nil, "", err
	}
	return b, path, nil
}

func checkFlash(b *sim.Board, img []byte) error {
	got := md5.Sum(b.FlashContents()[:len(img)])
	if got != md5.Sum(img) {
		return fmt.Errorf("the board's flash MD5 %x is not the image's %x", got, md5.Sum(img))
	}
	return nil
}

// ours flashes img with blynkbridge's flash package: the stub switching to
// flashBaud, or the ROM loader (noStub).
func ours(img []byte, startBaud, flashBaud int, noStub bool) (time.Duration, error) {
	b, path, err := board()
	if err != nil {
		return 0, err
	}
	defer b.Close()
	ctx := context.Background()
	start := time.Now()
	p, err := serialio.Open(ctx, path, startBaud)
	if err != nil {
		return 0, err
	}
	defer p.Close()
	f, err := flash.New(p, flash.Options{Before: flash.NoReset, After: flash.StayInLoader, NoStub: noStub, FlashBaud: flashBaud, Trace: traceOut})
	if err != nil {
		return 0, err
	}
	if err := f.Connect(ctx); err != nil {
		return 0, err
	}
	res, err := f.Write(ctx, img, flash.WriteOptions{})
	if err != nil {
		return 0, err
	}
	d := time.Since(start)
	if !noStub && !res.Verified {
		return 0, fmt.Errorf("the stub write was not verified")
	}
	return d, checkFlash(b, img)
}

// esptoolJS runs esptooljs/flash.mjs against a fresh board.
func esptoolJS(img []byte, imgFile string, startBaud, flashBaud int) (time.Duration, error) {
	script, err := filepath.Abs(filepath.Join("bench", "flash", "esptooljs", "flash.mjs"))
	if err != nil {
		return 0, err
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(script), "node_modules", "esptool-js")); err != nil {
		return 0, fmt.Errorf("esptool-js not installed: run npm install in bench/flash/esptooljs (run the bench from the repository root)")
	}
	b, path, err := board()
	if err != nil {
		return 0, err
	}
	defer b.Close()
	ctx, cancel := context.WithTimeout(context.Background(), ejsTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", script, path, imgFile, "0", fmt.Sprint(startBaud), fmt.Sprint(flashBaud))
	cmd.Env = append(os.Environ(), "EJS_DEBUG=1") // its log on stderr, shown when it fails
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("esptool-js: %v; its last words: %s", err, lastLines(stderr.String(), 4))
	}
	var r struct {
		Total float64 `json:"total_s"`
	}
	if err := json.Unmarshal(lastLineBytes(out), &r); err != nil {
		return 0, fmt.Errorf("esptool-js printed %q: %v", out, err)
	}
	return time.Duration(r.Total * float64(time.Second)), checkFlash(b, img)
}

// tokenChange flashes img, then img with a new token (one sector differs),
// both through the stub at baud (no baud switch), and times the second
// run from opening the port. It returns the sectors written.
func tokenChange(img []byte, baud int) (time.Duration, int, error) {
	b, path, err := board()
	if err != nil {
		return 0, 0, err
	}
	defer b.Close()
	ctx := context.Background()
	write := func(im []byte) (*flash.Result, error) {
		p, err := serialio.Open(ctx, path, baud)
		if err != nil {
			return nil, err
		}
		defer p.Close()
		f, err := flash.New(p, flash.Options{Before: flash.NoReset, After: flash.StayInLoader})
		if err != nil {
			return nil, err
		}
		if err := f.Connect(ctx); err != nil {
			return nil, err
		}
		return f.Write(ctx, im, flash.WriteOptions{})
	}
	if _, err := write(img); err != nil {
		return 0, 0, err
	}
	changed := append([]byte(nil), img...)
	copy(changed[len(img)/2+0x123:], "0123456789abcdef0123456789abcdef") // a new 32-character token
	start := time.Now()
	res, err := write(changed)
	if err != nil {
		return 0, 0, err
	}
	d := time.Since(start)
	if !res.Verified {
		return 0, 0, fmt.Errorf("not verified")
	}
	return d, res.SectorsWritten, checkFlash(b, changed)
}

func lastLineBytes(b []byte) []byte {
	b = bytes.TrimSpace(b)
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		return b[i+1:]
	}
	return b
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], " | ")
}

// ejsTimeout bounds one esptool-js run (a hung run reports its last log lines).
var ejsTimeout = 5 * time.Minute

func init() {
	if d, err := time.ParseDuration(os.Getenv("BENCH_EJS_TIMEOUT")); err == nil {
		ejsTimeout = d
	}
}
