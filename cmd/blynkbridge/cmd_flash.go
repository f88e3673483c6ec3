package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/blynkbridge/blynkbridge/firmware"
	"github.com/blynkbridge/blynkbridge/flash"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/serialio"
)

func init() {
	register(&cli.Command{
		Name:      "flash",
		Usage:     "write a firmware image (.bin or .elf) to an ESP8266 through its ROM loader",
		ArgsUsage: "FILE",
		Description: `Resets the board into its serial loader (DTR/RTS, as esptool), writes FILE at
--offset in 1 KiB blocks with per-block checksums and retries, then resets it
into the new firmware. --base OLD.bin writes only the 4 KiB sectors that differ
from the image already on the board. An interrupted write says which range was
written; rerun with --resume to continue it.`,
		Flags: append(flashConnFlags(),
			&cli.StringFlag{Name: "offset", Value: "0x0", Usage: "flash address to write FILE at"},
			&cli.StringFlag{Name: "after", Value: "hard-reset", Usage: "hard-reset, soft-reset or no-reset after writing"},
			&cli.StringFlag{Name: "base", Usage: "image known to be on the board at --offset: write only changed sectors"},
			&cli.BoolFlag{Name: "resume", Usage: "continue an interrupted write of the same FILE at the same --offset"},
			&cli.BoolFlag{Name: "json", Usage: "print the result as JSON"},
			&cli.BoolFlag{Name: "plain", Usage: "progress as plain lines even on a terminal"},
		),
		Action: runFlash,
	})
}

// flashConnFlags are the flags flash and info share (esptool's names).
func flashConnFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "port", Aliases: []string{"p"}, Value: "auto", EnvVars: []string{"BLYNKBRIDGE_PORT", "ESPTOOL_PORT"}, Usage: "serial port, or auto"},
		&cli.IntFlag{Name: "baud", Aliases: []string{"b"}, Value: 460800, EnvVars: []string{"BLYNKBRIDGE_BAUD", "ESPTOOL_BAUD"}, Usage: "line rate for the loader (falls back to 460800 and 115200 when blocks keep failing)"},
		&cli.StringFlag{Name: "before", Value: "default-reset", Usage: "default-reset or no-reset"},
		&cli.StringFlag{Name: "connect-seq", Usage: `custom DTR/RTS reset sequence, e.g. "D0|R1|W100|D1|R0|W50|D0" (W in ms)`},
		&cli.StringFlag{Name: "trace", Usage: "write every packet to this file (for bug reports)"},
	}
}

// flashSession is an open port with a Flasher on it.
type flashSession struct {
	port  serialio.Port
	f     *flash.Flasher
	trace *os.File
	baud  int
}

func (s *flashSession) close() {
	if s.port != nil {
		s.port.Close()
	}
	if s.trace != nil {
		s.trace.Close()
	}
}

// flashOpen opens the port and builds a Flasher from the shared flags.
func flashOpen(c *cli.Context, opts flash.Options) (*flashSession, error) {
	before, err := flash.ParseBefore(c.String("before"))
	if err != nil {
		return nil, bberr.Wrap(err, bberr.Usage, "use --before default-reset or --before no-reset", "bad --before")
	}
	opts.Before = before
	opts.ResetSequence = c.String("connect-seq")
	if opts.ResetSequence != "" {
		if _, err := flash.ParseResetSequence(opts.ResetSequence); err != nil {
			return nil, bberr.Wrap(err, bberr.Usage, `write steps such as "D0|R1|W100|D1|R0|W50|D0"`, "bad --connect-seq")
		}
	}
	opts.Logger = slog.Default()
	s := &flashSession{baud: c.Int("baud")}
	if s.baud <= 0 {
		return nil, bberr.New(bberr.Usage, "use a rate such as 115200, 460800 or 921600", "bad --baud %d", s.baud)
	}
	if p := c.String("trace"); p != "" {
		// Never overwrite a file (the project's rule); a trace is cheap
		// to name anew.
		tf, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			return nil, bberr.Wrap(err, bberr.Usage, "give --trace a new file name, or delete the old trace", "trace file %s already exists", p)
		}
		if err != nil {
			return nil, bberr.Wrap(err, bberr.Permission, "choose a writable path for --trace", "cannot create the trace file")
		}
		s.trace = tf
		opts.Trace = tf
	}
	path, err := flashResolvePort(c.String("port"))
	if err != nil {
		s.close()
		return nil, err
	}
	port, err := serialio.Open(c.Context, path, s.baud)
	if err != nil {
		s.close()
		return nil, err
	}
	s.port = port
	s.f, err = flash.New(port, opts)
	if err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// flashParseOffset accepts hex with 0x (0x10000) or decimal; a leading zero
// does not mean octal, as it does not in esptool.
func flashParseOffset(s string) (uint32, error) {
	s = strings.TrimSpace(s)
	base := 10
	if t, ok := strings.CutPrefix(strings.ToLower(s), "0x"); ok {
		s, base = t, 16
	}
	v, err := strconv.ParseUint(s, base, 32)
	if err != nil {
		return 0, bberr.Wrap(err, bberr.Usage, "write the offset as hex (0x10000) or decimal", "bad --offset %q", s)
	}
	return uint32(v), nil
}

// flashJSON is the --json output of flash (schema v1, see README).
type flashJSON struct {
	V              int           `json:"v"`
	Port           string        `json:"port"`
	File           string        `json:"file"`
	Result         *flash.Result `json:"result"`
	Seconds        float64       `json:"seconds"`
	BytesPerSecond float64       `json:"bytes_per_second"`
	WireLimitPct   float64       `json:"wire_limit_pct"`
}

func runFlash(c *cli.Context) error {
	if c.NArg() != 1 {
		return bberr.New(bberr.Usage, "usage: blynkbridge flash [flags] FILE", "flash needs exactly one FILE, got %d", c.NArg())
	}
	file := c.Args().First()
	image, elfOffset, err := loadFlashImage(file)
	if err != nil {
		return err
	}
	offset, err := flashParseOffset(c.String("offset"))
	if err != nil {
		return err
	}
	if elfOffset >= 0 {
		if !c.IsSet("offset") {
			offset = uint32(elfOffset)
		} else if offset != uint32(elfOffset) {
			slog.Warn("the image converted from the ELF belongs at another offset", "converted_for", fmt.Sprintf("0x%x", elfOffset), "offset", fmt.Sprintf("0x%x", offset))
		}
	}
	after, err := flash.ParseAfter(c.String("after"))
	if err != nil {
		return bberr.Wrap(err, bberr.Usage, "use --after hard-reset, soft-reset or no-reset", "bad --after")
	}
	var base []byte
	if p := c.String("base"); p != "" {
		if base, _, err = loadFlashImage(p); err != nil {
			return err
		}
	}
	stateDir, err := flash.DefaultStateDir()
	if err != nil {
		slog.Warn("no user cache directory: --resume will not be possible", "err", err)
		stateDir = ""
	}
	out := c.App.Writer
	asJSON := c.Bool("json")
	bar := newFlashProgress(out, asJSON, c.Bool("plain"))
	s, err := flashOpen(c, flash.Options{After: after, StateDir: stateDir, Progress: bar.update})
	if err != nil {
		return err
	}
	defer s.close()
	if !asJSON {
		fmt.Fprintf(out, "Connecting to %s at %d baud...\n", s.port.Name(), s.baud)
	}
	if err := s.f.Connect(c.Context); err != nil {
		return err
	}
	if !asJSON {
		fmt.Fprintf(out, "Writing %d bytes at 0x%x...\n", len(image), offset)
	}
	res, err := s.f.Write(c.Context, image, flash.WriteOptions{Offset: offset, Base: base, Resume: c.Bool("resume")})
	bar.finish()
	if err != nil {
		return err
	}
	if err := s.f.Finish(c.Context); err != nil {
		return err
	}
	secs := res.Duration.Seconds()
	rate := 0.0
	if secs > 0 {
		rate = float64(res.Planned) / secs
	}
	wirePct := 100 * rate / (float64(res.Baud) / 10)
	if asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(flashJSON{V: 1, Port: s.port.Name(), File: file, Result: res, Seconds: secs, BytesPerSecond: rate, WireLimitPct: wirePct})
	}
	if res.ResumedFrom != nil {
		fmt.Fprintf(out, "Resumed the interrupted write at 0x%x.\n", *res.ResumedFrom)
	}
	if res.SectorsSkipped > 0 {
		fmt.Fprintf(out, "Skipped %d unchanged sectors, wrote %d.\n", res.SectorsSkipped, res.SectorsWritten)
	}
	if len(res.Fallbacks) > 0 {
		fmt.Fprintf(out, "Fell back to %d baud after write errors.\n", res.Baud)
	}
	fmt.Fprintf(out, "Wrote %d bytes in %.1f s (%.1f KiB/s, %.0f%% of the wire limit)\n", res.Planned, secs, rate/1024, wirePct)
	switch after {
	case flash.HardReset, flash.SoftReset:
		fmt.Fprintln(out, "Board reset into the new firmware.")
	default:
		fmt.Fprintln(out, "Board left in the loader (--after no-reset).")
	}
	return nil
}

// loadFlashImage reads a .bin, or converts an ELF; for an ELF it also
// returns the offset the result belongs at (else -1).
func loadFlashImage(path string) ([]byte, int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		code := bberr.BadInput
		if os.IsPermission(err) {
			code = bberr.Permission
		}
		return nil, -1, bberr.Wrap(err, code, "check the file name", "cannot read %s", filepath.Base(path))
	}
	if len(b) == 0 {
		return nil, -1, bberr.New(bberr.BadInput, "give a non-empty firmware image", "%s is empty", path)
	}
	if firmware.IsELF(b) {
		img, off, err := flashImageFromELF(path, b)
		return img, int64(off), err
	}
	return b, -1, flashCheckImage(filepath.Base(path), b)
}

// flashProgress shows flash progress: a \r bar on a terminal, a line per 10%
// otherwise, nothing with --json.
type flashProgress struct {
	w        io.Writer
	tty      bool
	off      bool
	lastPct  int
	started  time.Time
	lastDraw time.Time
	drew     bool
}

func newFlashProgress(w io.Writer, asJSON, plain bool) *flashProgress {
	tty := false
	if f, ok := w.(*os.File); ok && !plain {
		tty = term.IsTerminal(int(f.Fd()))
	}
	return &flashProgress{w: w, tty: tty, off: asJSON, lastPct: -1}
}

func (p *flashProgress) update(done, total int) {
	if p.off || total <= 0 {
		return
	}
	now := time.Now()
	if p.started.IsZero() {
		p.started = now
	}
	pct := done * 100 / total
	if p.tty {
		if done < total && now.Sub(p.lastDraw) < 100*time.Millisecond {
			return
		}
		p.lastDraw = now
		const width = 30
		n := done * width / total
		rate := 0.0
		if el := now.Sub(p.started).Seconds(); el > 0 {
			rate = float64(done) / el / 1024
		}
		fmt.Fprintf(p.w, "\r[%s%s] %3d%% %d/%d bytes %.1f KiB/s ", strings.Repeat("#", n), strings.Repeat(".", width-n), pct, done, total, rate)
		p.drew = true
		return
	}
	if pct/10 != p.lastPct/10 || (done == total && p.lastPct != 100) {
		p.lastPct = pct
		fmt.Fprintf(p.w, "Writing at %d%% (%d of %d bytes)\n", pct, done, total)
	}
}

func (p *flashProgress) finish() {
	if p.tty && p.drew {
		fmt.Fprintln(p.w)
	}
}

// flashResolvePort turns --port (a path, "auto", usb:VID:PID ...) into a
// device path through serialio's discovery.
func flashResolvePort(spec string) (string, error) {
	pi, err := serialio.Resolve(spec)
	if err != nil {
		return "", err
	}
	return pi.Path, nil
}

// flashImageFromELF converts an ELF as Arduino's elf2bin does (firmware
// package) and says where the result belongs.
func flashImageFromELF(path string, data []byte) ([]byte, uint32, error) {
	b, err := firmware.FromELF(data, firmware.BuildOptions{})
	if err != nil {
		return nil, 0, bberr.Wrap(err, bberr.BadInput, "give the sketch's .elf from the Arduino build folder, or a .bin", "cannot convert %s", filepath.Base(path))
	}
	return b.Image, uint32(b.FlashOffset), nil
}

// flashCheckImage looks at what is about to be flashed: an ESP32 image is
// refused, a broken ESP8266 image is flashed with a warning (esptool does
// not check at all; data files such as a filesystem are not images).
func flashCheckImage(name string, image []byte) error {
	if len(image) == 0 || (image[0] != firmware.MagicV1 && image[0] != 0xEA) {
		return nil
	}
	im, err := firmware.ParseImage(image)
	if err != nil {
		slog.Warn("the file starts like an ESP8266 image but does not parse; flashing it anyway", "file", name, "err", err)
		return nil
	}
	if im.ESP32 != nil {
		return bberr.New(bberr.BadInput, "build the sketch for an ESP8266 board (e.g. LOLIN(WeMos) D1 mini)", "%s is an ESP32-family image, not an ESP8266 image", name)
	}
	if err := firmware.Verify(image); err != nil {
		slog.Warn("image check failed; flashing it anyway (see blynkbridge image info)", "file", name, "err", err)
	}
	return nil
}
