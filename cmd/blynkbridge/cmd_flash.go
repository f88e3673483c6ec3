package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
	"github.com/blynkbridge/blynkbridge/internal/safeio"
	"github.com/blynkbridge/blynkbridge/serialio"
)

func init() {
	register(&cli.Command{
		Name: "flash",
		// No "help" subcommand: urfave/cli adds one at the first run, after
		// which the command looks like a parent (profile wiring skips those).
		HideHelpCommand: true,
		Usage:           "write a firmware image (.bin or .elf) to an ESP8266 through its ROM loader",
		ArgsUsage:       "FILE",
		Description: `Resets the board into its serial loader (DTR/RTS, as esptool), writes FILE at
--offset in 1 KiB blocks with per-block checksums and retries, then resets it
into the new firmware. --base OLD.bin writes only the 4 KiB sectors that differ
from the image already on the board. An interrupted write says which range was
written; rerun with --resume to continue it.

--server, --token/--token-file, --fingerprint/--fingerprint-from, --tls and
--wifi-ssid/--wifi-pass-file first patch the sketch's blynkbridge config block
(validated exactly as "image patch" does; FILE itself is not changed) and
re-seal the image; an image whose seals do not verify is never written.
--config-only then writes only the sectors the patch changed: the board must
hold --base (default: FILE as it is).`,
		Flags: append(append(flashConnFlags(),
			&cli.StringFlag{Name: "offset", Value: "0x0", Usage: "flash address to write FILE at"},
			&cli.StringFlag{Name: "after", Value: "hard-reset", Usage: "hard-reset, soft-reset or no-reset after writing"},
			&cli.StringFlag{Name: "base", Usage: "image known to be on the board at --offset: write only changed sectors"},
			&cli.BoolFlag{Name: "resume", Usage: "continue an interrupted write of the same FILE at the same --offset"},
			&cli.BoolFlag{Name: "json", Usage: "print the result as JSON"},
			&cli.BoolFlag{Name: "plain", Usage: "progress as plain lines even on a terminal"},
		), flashPatchFlags()...),
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
		&cli.StringFlag{Name: "trace", Usage: "write every packet to this new file (for bug reports; the token and WiFi password are masked)"},
		&cli.BoolFlag{Name: "unredacted", Usage: "keep the token and WiFi password in --trace"},
		&cli.BoolFlag{Name: "no-stub", Usage: "talk only to the ESP8266 ROM loader: no compression, MD5 check, read, erase or baud change"},
		&cli.IntFlag{Name: "baud-flash", Usage: "rate for the flasher stub once it runs (default: the fastest the USB bridge chip takes, 921600 when unknown; lower rates are tried on errors)"},
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

// flashOpen opens the port and builds a Flasher from the shared flags;
// secrets (the image's token and WiFi password) are masked in --trace.
func flashOpen(c *cli.Context, opts flash.Options, secrets ...string) (*flashSession, error) {
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
		// to name anew. 0600 and masked: it is made to be shared, but
		// until then it is the user's.
		tf, err := safeio.Create(c.Context, p, 0o600, false)
		if err != nil {
			return nil, err
		}
		s.trace = tf
		opts.Trace = tf
		if !c.Bool("unredacted") {
			opts.Trace = flash.MaskedTrace(tf, secrets...)
		} else if len(secrets) > 0 {
			fmt.Fprintf(c.App.ErrWriter, "warning: --unredacted: the trace %s holds the auth token and WiFi password; do not attach it to a bug report\n", p)
		}
	}
	opts.NoStub = c.Bool("no-stub")
	opts.FlashBaud = c.Int("baud-flash")
	// A running daemon that owns the board lends it (daemon_hooks.go).
	port, viaDaemon, err := daemonLendPort(c.Context, c.String("port"), s.baud, &opts)
	if !viaDaemon && err == nil {
		var pi serialio.PortInfo
		if pi, err = serialio.Resolve(c.String("port")); err == nil {
			if opts.FlashBaud == 0 {
				opts.FlashBaud = max(flash.MaxFlashBaud(pi.Chip), s.baud)
			}
			port, err = serialio.Open(c.Context, pi.Path, s.baud)
		}
	}
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
	// SentBytes is result.bytes (FLASH_DATA payload actually sent);
	// FullFlashBytes what writing all of FILE sends; SentFraction the ratio
	// (1 for a full flash, small for --base / --config-only).
	SentBytes      int             `json:"sent_bytes"`
	FullFlashBytes int             `json:"full_flash_bytes"`
	SentFraction   float64         `json:"sent_fraction"`
	Patch          *flashPatchJSON `json:"patch,omitempty"`
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
	out := c.App.Writer
	asJSON := c.Bool("json")
	// Patch (and refuse bad values) before touching the board.
	patch, err := flashPatch(c, file, image, base, offset)
	if err != nil {
		return err
	}
	if patch != nil {
		image, base = patch.image, patch.base
		if !asJSON {
			patch.print(out, file)
		}
	}
	stateDir, err := flash.DefaultStateDir()
	if err != nil {
		slog.Warn("no user cache directory: --resume will not be possible", "err", err)
		stateDir = ""
	}
	bar := newFlashProgress(out, asJSON, c.Bool("plain"))
	s, err := flashOpen(c, flash.Options{After: after, StateDir: stateDir, Progress: bar.update}, append(firmware.Secrets(image), firmware.Secrets(base)...)...)
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
		if base != nil {
			fmt.Fprintf(out, "Writing the sectors of %d bytes at 0x%x that differ from the base image...\n", len(image), offset)
		} else {
			fmt.Fprintf(out, "Writing %d bytes at 0x%x...\n", len(image), offset)
		}
	}
	res, err := s.f.Write(c.Context, image, flash.WriteOptions{Offset: offset, Base: base, Resume: c.Bool("resume")})
	bar.finish()
	if err != nil {
		// Interrupted (any signal) or stopped part-way: the ranges and the
		// command that continues go out on every channel, JSON included.
		return flashStopped(c, s.port.Name(), file, err)
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
	full := res.FullBytes
	frac := 0.0
	if full > 0 {
		frac = float64(res.Bytes) / float64(full)
	}
	if asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false) // a redacted token reads "<token …45, 32 chars>"
		j := flashJSON{V: 1, Port: s.port.Name(), File: file, Result: res, Seconds: secs, BytesPerSecond: rate, WireLimitPct: wirePct,
			SentBytes: res.Bytes, FullFlashBytes: full, SentFraction: frac}
		if patch != nil {
			j.Patch = patch.json()
		}
		return enc.Encode(j)
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
	sent := ""
	if base != nil {
		// What --base / --config-only saved: the summary says it.
		sent = fmt.Sprintf("; sent %d bytes, %s of a full flash (%d bytes)", res.Bytes, flashPercent(frac), full)
	}
	fmt.Fprintf(out, "Wrote %d bytes in %.1f s (%.1f KiB/s, %.0f%% of the wire limit)%s\n", res.Planned, secs, rate/1024, wirePct, sent)
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
	// A regular file of at most 16 MiB: never blocks, so no context.
	b, err := safeio.ReadFile(context.Background(), path, safeio.Image)
	if err != nil {
		return nil, -1, err
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

// flashPatchFlags are image patch's value flags, with the same names and
// the same validation (imageSettings), plus what only flashing needs.
// --token has no EnvVars of its own: when profiles are wired, the profile
// binding reads $BLYNKBRIDGE_TOKEN for every command alike.
func flashPatchFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "server", Usage: "patch the config block: Blynk server `HOST:PORT`"},
		&cli.StringFlag{Name: "token", Usage: "patch the auth `TOKEN` (32 characters; prefer --token-file: a flag lands in shell history)"},
		&cli.StringFlag{Name: "token-file", Usage: "patch the auth token read from `FILE`"},
		&cli.StringFlag{Name: "fingerprint", Usage: "patch: pin this SHA-1 or SHA-256 certificate `FINGERPRINT`"},
		&cli.StringFlag{Name: "fingerprint-from", Usage: "patch: pin the SHA-1 of the certificate the server at `HOST:PORT` presents"},
		&cli.StringFlag{Name: "tls", Usage: "patch the TLS `MODE`: none, sha1, sha256 or ca"},
		&cli.StringFlag{Name: "wifi-ssid", Usage: "patch the WiFi `SSID` (sketches that read it from the block)"},
		&cli.StringFlag{Name: "wifi-pass-file", Usage: "patch the WiFi password read from `FILE`"},
		&cli.BoolFlag{Name: "config-only", Usage: "write only the sectors the patch changed; the board must hold --base (default: FILE as it is)"},
		&cli.BoolFlag{Name: "no-patch", Usage: "flash FILE unchanged even when a profile or the environment supplies a server or token"},
	}
}

// flashPatched is what flashPatch decided: the image to write, the base
// the flasher skips unchanged sectors against, and what to report.
type flashPatched struct {
	image, base []byte
	offset      uint32
	sectors     []int // 4 KiB sectors (image-relative) that differ from what the board holds
	total       int   // 4 KiB sectors of the image
	config      *firmware.ConfigInfo
	patched     bool // false: FILE came patched (image patch) and --config-only checked it against --base
	configOnly  bool
	baseName    string // for the text report
	basePath    string // for --json: the file the board is said to hold
}

// flashPatchJSON is the "patch" object of flash --json (schema v1). The
// token in config is redacted by its type.
type flashPatchJSON struct {
	Patched        bool                 `json:"patched"` // FILE patched now (false: FILE came patched, --config-only)
	ConfigOnly     bool                 `json:"config_only"`
	Base           string               `json:"base,omitempty"`
	ChangedSectors []int                `json:"changed_sectors"` // image-relative 4 KiB sector indices
	ImageSectors   int                  `json:"image_sectors"`
	Config         *firmware.ConfigInfo `json:"config"`
}

func (p *flashPatched) json() *flashPatchJSON {
	j := &flashPatchJSON{Patched: p.patched, ConfigOnly: p.configOnly, ChangedSectors: p.sectors, ImageSectors: p.total, Config: p.config}
	if p.configOnly {
		j.Base = p.basePath
	}
	if j.ChangedSectors == nil {
		j.ChangedSectors = []int{}
	}
	return j
}

func (p *flashPatched) print(w io.Writer, file string) {
	secs := make([]string, len(p.sectors))
	for i, n := range p.sectors {
		secs[i] = fmt.Sprintf("0x%X", p.offset+uint32(n*firmware.SectorSize))
	}
	if p.patched {
		fmt.Fprintf(w, "Patched %s in memory (the file is unchanged)", file)
	} else {
		fmt.Fprintf(w, "%s differs from %s only in its config block and seals", file, p.baseName)
	}
	if cf := p.config; cf != nil {
		fmt.Fprintf(w, ": config block at 0x%X, generation %d\n", p.offset+uint32(cf.Offset), cf.Generation)
		fmt.Fprintf(w, "  Server: %s:%d  Token: %s\n", cf.Host, cf.Port, cf.Token)
		fmt.Fprintf(w, "  TLS: %s %s\n", cf.TLS, cf.Fingerprint)
		if cf.SSID != "" {
			fmt.Fprintf(w, "  WiFi: %q (password %s)\n", cf.SSID, map[bool]string{true: "set", false: "empty"}[cf.PasswordSet])
		}
	} else {
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "  Seals verified; changed 4 KiB sectors: %d of %d (%s)\n", len(p.sectors), p.total, strings.Join(secs, " "))
	if p.configOnly {
		fmt.Fprintf(w, "  --config-only: writing only those; the board must hold %s\n", p.baseName)
	}
}

// flashPatch applies the patch flags to image (nil, nil when there is
// nothing to patch). Everything is validated here, before the port is
// opened: a bad value never costs a reset. The patched image is verified
// once more right before it is handed back: an image whose seals do not
// verify is never written.
func flashPatch(c *cli.Context, file string, image, base []byte, offset uint32) (*flashPatched, error) {
	configOnly := c.Bool("config-only")
	if c.Bool("no-patch") {
		if configOnly {
			return nil, bberr.New(bberr.Usage, "drop one of them (--base alone writes only the changed sectors of an unpatched FILE)", "--no-patch and --config-only both given")
		}
		return nil, nil
	}
	s, err := imageSettings(c)
	if err != nil {
		return nil, err
	}
	if s.Host == nil && s.Token == nil && s.Fingerprint == nil && s.TLS == nil && s.SSID == nil && s.Password == nil {
		if !configOnly {
			return nil, nil
		}
		return flashCheckPrepatched(c, file, image, base, offset)
	}
	p, err := firmware.PatchDetail(image, s)
	if errors.Is(err, firmware.ErrNoConfig) && !configOnly && !patchFlagsTyped(c) {
		// The values came from a profile or the environment, set up for
		// the relay and the monitor: a sketch without the block is flashed
		// as it is (refusing would break plain flashing for such users).
		slog.Warn("the image has no blynkbridge config block: flashing it unchanged; the server and token from the profile or environment are not written into it",
			"file", filepath.Base(file))
		return nil, nil
	}
	if errors.Is(err, firmware.ErrNoConfig) {
		return nil, &bberr.Error{Code: bberr.BadInput, Err: err,
			Msg:  fmt.Sprintf("cannot patch %s: it has no blynkbridge config block, so the sketch would not read --server/--token/--fingerprint", filepath.Base(file)),
			Hint: "flash it without the patch flags (--no-patch if a profile or the environment supplies them), rebuild the sketch with firmware/arduino/blynkbridge_config.h, or change a literal with blynkbridge image patch --replace OLD=NEW"}
	}
	if err != nil {
		return nil, err
	}
	if err := firmware.Verify(p.Image); err != nil {
		return nil, err
	}
	res := &flashPatched{image: p.Image, base: base, offset: offset, sectors: p.Sectors, total: flashSectors(p.Image), patched: true, configOnly: configOnly}
	if info, err := firmware.Inspect(p.Image); err == nil {
		res.config = info.Config
	}
	if configOnly {
		res.baseName, res.basePath = c.String("base"), c.String("base")
		if base == nil {
			res.base, res.baseName, res.basePath = image, filepath.Base(file)+" (unpatched)", file
		} else if extra := sectorsOutside(firmware.DiffSectors(base, image), p.Sectors); len(extra) > 0 {
			// The board would end up with FILE's config sectors on top of
			// another build: a mix whose seals do not verify.
			return nil, bberr.New(bberr.Usage, "drop --config-only to write the whole patched image (--base still skips unchanged sectors)",
				"--config-only: %s differs from --base %s outside the sectors the patch changes (%s)", filepath.Base(file), c.String("base"), sectorList(offset, extra))
		} else {
			res.sectors = firmware.DiffSectors(base, p.Image)
		}
	}
	return res, nil
}

// flashCheckPrepatched handles `flash OUT --base IN --config-only` (what
// image patch suggests): OUT must be IN with only its config block and
// seals rewritten, and both must verify.
func flashCheckPrepatched(c *cli.Context, file string, image, base []byte, offset uint32) (*flashPatched, error) {
	if base == nil {
		return nil, bberr.New(bberr.Usage, "give the values to patch (--server, --token, --fingerprint ...), or --base ORIGINAL.bin when FILE came from blynkbridge image patch",
			"--config-only: nothing to patch and no --base")
	}
	baseName := c.String("base")
	for _, x := range []struct {
		name string
		data []byte
	}{{filepath.Base(file), image}, {baseName, base}} {
		if err := firmware.Verify(x.data); err != nil {
			return nil, &bberr.Error{Code: bberr.CodeOf(err), Msg: fmt.Sprintf("--config-only: %s does not verify: %v", x.name, err),
				Hint: "--config-only writes only images whose seals verify; rebuild the file or flash without --config-only", Err: err}
		}
	}
	cf, err := firmware.FindConfig(image)
	if err != nil {
		return nil, err
	}
	cb, err := firmware.FindConfig(base)
	if err != nil {
		return nil, fmt.Errorf("--base %s: %w", baseName, err)
	}
	if cf.Offset != cb.Offset || cf.Length != cb.Length {
		return nil, bberr.New(bberr.Usage, "drop --config-only: FILE is another build of the sketch",
			"--config-only: the config block is at 0x%X in %s but at 0x%X in --base", cf.Offset, filepath.Base(file), cb.Offset)
	}
	// Byte by byte, not by sector: a sector holding a seal or the block
	// usually holds code too, and code must not change under --config-only.
	allowed := append(sealRanges(image), sealRanges(base)...)
	var extra []int
	for i := range max(len(image), len(base)) {
		if i < len(image) && i < len(base) && image[i] == base[i] || inRanges(i, allowed) {
			continue
		}
		if s := i / firmware.SectorSize; len(extra) == 0 || extra[len(extra)-1] != s {
			extra = append(extra, s)
		}
	}
	if len(extra) > 0 {
		return nil, bberr.New(bberr.Usage, "drop --config-only to write every changed sector (--base still skips the unchanged ones)",
			"--config-only: %s differs from --base outside its config block and seals (%s): it is not only a config change", filepath.Base(file), sectorList(offset, extra))
	}
	diff := firmware.DiffSectors(base, image)
	res := &flashPatched{image: image, base: base, offset: offset, sectors: diff, total: flashSectors(image), configOnly: true, baseName: baseName, basePath: baseName}
	if info, err := firmware.Inspect(image); err == nil {
		res.config = info.Config
	}
	return res, nil
}

// patchFlagNames are the flags that ask flash to patch the image.
var patchFlagNames = map[string]bool{"server": true, "token": true, "token-file": true, "fingerprint": true,
	"fingerprint-from": true, "tls": true, "wifi-ssid": true, "wifi-pass-file": true}

// patchFlagsTyped reports whether a patch flag was typed on the command
// line, as opposed to filled in from a profile or the environment (which
// urfave/cli cannot tell apart once the profile is applied): the app-level
// context's arguments are the command line after the global flags.
func patchFlagsTyped(c *cli.Context) bool {
	for _, x := range c.Lineage()[1:] {
		for _, a := range contextArgs(x) {
			if a == "--" {
				break
			}
			if !strings.HasPrefix(a, "-") {
				continue
			}
			name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
			if patchFlagNames[name] {
				return true
			}
		}
	}
	return false
}

// contextArgs is x.Args() for contexts that parsed arguments: the
// outermost one, wrapping the Go context, has no App and no flag set (its
// Args would dereference nil).
func contextArgs(x *cli.Context) []string {
	if x == nil || x.App == nil {
		return nil
	}
	return x.Args().Slice()
}

// sealRanges lists the byte ranges [start, end) holding the config block
// and every seal a patch rewrites: XOR checksums, appended SHA-256s, v2
// CRCs, the Arduino CRC words.
func sealRanges(data []byte) [][2]int {
	in, err := firmware.Inspect(data)
	if err != nil {
		return nil
	}
	var out [][2]int
	add := func(off, n int) { out = append(out, [2]int{off, off + n}) }
	for _, im := range in.Images {
		add(im.Checksum.Offset, 1)
		if im.SHA256 != nil {
			add(im.SHA256.Offset, 32)
		}
		if im.V2CRC != nil {
			add(im.Offset+im.Length-4, 4)
		}
	}
	if in.ArduinoCRC != nil {
		add(firmware.CRCLenOffset, 8)
	}
	if in.Config != nil {
		add(in.Config.Offset, in.Config.Length)
	}
	return out
}

func inRanges(i int, rs [][2]int) bool {
	for _, r := range rs {
		if i >= r[0] && i < r[1] {
			return true
		}
	}
	return false
}

// sectorsOutside returns the sectors of a not in allowed.
func sectorsOutside(a, allowed []int) []int {
	ok := map[int]bool{}
	for _, s := range allowed {
		ok[s] = true
	}
	var out []int
	for _, s := range a {
		if !ok[s] {
			out = append(out, s)
		}
	}
	return out
}

// sectorList renders sectors as flash addresses, at most 8 of them.
func sectorList(offset uint32, secs []int) string {
	var parts []string
	for i, s := range secs {
		if i == 8 {
			parts = append(parts, fmt.Sprintf("and %d more", len(secs)-i))
			break
		}
		parts = append(parts, fmt.Sprintf("0x%X", offset+uint32(s*firmware.SectorSize)))
	}
	return "sectors " + strings.Join(parts, " ")
}

func flashSectors(image []byte) int {
	return (len(image) + firmware.SectorSize - 1) / firmware.SectorSize
}

// flashPercent prints a fraction as a percentage with one decimal, so a
// config-only write (a few tenths of a percent) does not read as 0%.
func flashPercent(f float64) string {
	return strconv.FormatFloat(100*f, 'f', 1, 64) + "%"
}

// flashStopped reports a write that stopped part-way: with --json one
// record with the written and unwritten ranges and the command that
// continues, then the error (printed by main with the same ranges and
// hint), whatever stopped it (Ctrl-C, SIGTERM, SIGHUP, an unplug).
func flashStopped(c *cli.Context, port, file string, err error) error {
	var pe *flash.PartialError
	if !errors.As(err, &pe) {
		return err
	}
	resume := flashResumeCommand(c)
	if c.Bool("json") {
		w, nw := pe.Written(), pe.NotWritten()
		rec := map[string]any{"v": 1, "port": port, "file": file, "stopped": true,
			"interrupted": bberr.CodeOf(err) == bberr.Interrupted, "error": err.Error(),
			"written": []uint32{w.Start, w.End}, "not_written": []uint32{nw.Start, nw.End}, "resume": resume}
		enc := json.NewEncoder(c.App.Writer)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(rec)
	}
	var be *bberr.Error
	if errors.As(err, &be) && strings.Contains(be.Hint, "--resume") {
		return &bberr.Error{Code: be.Code, Msg: be.Msg, Hint: "continue with: " + resume, Err: be.Err}
	}
	return err
}

// flashResumeCommand is the command line that continues the write: the
// user's own words plus --resume, any secret on it masked.
func flashResumeCommand(c *cli.Context) string {
	args, _ := c.App.Metadata[cmdLineKey].([]string)
	if len(args) == 0 {
		return "blynkbridge flash ... --resume"
	}
	parts := []string{"blynkbridge"}
	hide := false
	for _, a := range args[1:] {
		switch {
		case hide:
			a, hide = "'***'", false
		case a == "--token":
			hide = true
		case strings.HasPrefix(a, "--token="):
			a = "--token='***'"
		}
		parts = append(parts, shellWord(a))
	}
	if !flagOnCommandLine(c, "resume") {
		parts = append(parts, "--resume")
	}
	return strings.Join(parts, " ")
}

// shellWord quotes a for a POSIX shell when it needs it.
func shellWord(a string) string {
	if a != "" && strings.IndexFunc(a, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-=:,+@%", r))
	}) < 0 || strings.HasPrefix(a, "'") {
		return a
	}
	return "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
}
