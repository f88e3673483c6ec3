package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/blynkbridge/blynkbridge/daemon"
	"github.com/blynkbridge/blynkbridge/firmware"
	"github.com/blynkbridge/blynkbridge/flash"
	"github.com/blynkbridge/blynkbridge/flash/session"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/internal/cliargs"
	"github.com/blynkbridge/blynkbridge/internal/jsonout"
	"github.com/blynkbridge/blynkbridge/internal/progress"
	"github.com/blynkbridge/blynkbridge/internal/safeio"
)

func init() {
	register(&cli.Command{
		Name: "flash",
		// No "help" subcommand: urfave/cli adds one at the first run, after
		// which the command looks like a parent (profile wiring skips those).
		HideHelpCommand: true,
		Usage:           "write firmware images (.bin or .elf) to an ESP8266, through our flasher stub (compressed, MD5-checked) or its ROM loader",
		ArgsUsage:       "FILE | ADDRESS FILE [ADDRESS FILE ...]",
		Description: `Resets the board into its serial loader (DTR/RTS, as esptool), uploads
blynkbridge's flasher stub into its RAM and writes FILE at --offset (or each
FILE at its ADDRESS, as esptool's write_flash takes them) deflate-compressed in
16 KiB blocks at --baud-flash, skipping 4 KiB sectors whose MD5 shows they
already hold the image, then checks the result by MD5 and resets the board into
the new firmware. Without the stub (--no-stub, or when it does not start) the
ROM loader takes 1 KiB blocks at --baud. --base OLD.bin writes only the sectors
that differ from OLD.bin. An interrupted write says which range was written;
rerun with --resume to continue it.

--server, --token/--token-file, --fingerprint/--fingerprint-from, --tls and
--wifi-ssid/--wifi-pass-file first patch the sketch's blynkbridge config block
(validated exactly as "image patch" does; FILE itself is not changed) and
re-seal the image; an image whose seals do not verify is never written.
--config-only then writes only the sectors the patch changed: the board must
hold --base (default: FILE as it is).`,
		Flags: append(boardFlags(
			&cli.StringFlag{Name: "offset", Value: "0x0", Usage: "flash address to write FILE at (one FILE; pairs carry their ADDRESS)"},
			&cli.BoolFlag{Name: "write-all", Usage: "write every sector, even those whose MD5 shows they already hold the image"},
			&cli.BoolFlag{Name: "no-verify", Usage: "skip the MD5 check after writing (stub only)"},
			&cli.StringFlag{Name: "base", Usage: "image known to be on the board at --offset: write only changed sectors"},
			&cli.BoolFlag{Name: "resume", Usage: "continue an interrupted write of the same FILE at the same --offset"},
			&cli.BoolFlag{Name: "plain", Usage: "progress as plain lines even on a terminal"},
		), flashPatchFlags()...),
		Action: runFlash,
	})
}

// flashConnFlags are the flags the board commands share (esptool's names).
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

// flashOpen opens the port (or borrows it from a running daemon that owns
// the board, daemon.LendPort) and builds a Flasher from the shared flags;
// secrets (the image's token and WiFi password) are masked in --trace.
func flashOpen(c *cli.Context, opts flash.Options, secrets ...string) (*session.Session, error) {
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
	opts.NoStub = c.Bool("no-stub")
	opts.FlashBaud = c.Int("baud-flash")
	var closers []io.Closer
	if p := c.String("trace"); p != "" {
		// Never overwrite a file (the project's rule); a trace is cheap
		// to name anew. 0600 and masked: it is made to be shared, but
		// until then it is the user's.
		tf, err := safeio.Create(c.Context, p, 0o600, false)
		if err != nil {
			return nil, err
		}
		closers = append(closers, tf)
		opts.Trace = tf
		if !c.Bool("unredacted") {
			opts.Trace = flash.MaskedTrace(tf, secrets...)
		} else if len(secrets) > 0 {
			fmt.Fprintf(c.App.ErrWriter, "warning: --unredacted: the trace %s holds the auth token and WiFi password; do not attach it to a bug report\n", p)
		}
	}
	port, viaDaemon, err := daemon.LendPort(c.Context, c.String("port"), c.Int("baud"), &opts)
	if err != nil {
		for _, cl := range closers {
			cl.Close()
		}
		return nil, err
	}
	if viaDaemon {
		return session.OnPort(port, opts, closers...)
	}
	return session.Open(c.Context, c.String("port"), c.Int("baud"), opts, closers...)
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
	SentBytes      int                      `json:"sent_bytes"`
	FullFlashBytes int                      `json:"full_flash_bytes"`
	SentFraction   float64                  `json:"sent_fraction"`
	Patch          *firmware.FlashPatchJSON `json:"patch,omitempty"`
}

// flashImages loads the files of flash and verify: FILE at --offset (or
// where its ELF belongs), or each ADDRESS FILE pair.
func flashImages(c *cli.Context, cmd string) ([]flash.Image, error) {
	segs, single, err := flash.ParseSegments(cmd, c.Args().Slice())
	if err != nil {
		return nil, err
	}
	offset, err := flash.ParseAddress("--offset", c.String("offset"))
	if err != nil {
		return nil, err
	}
	if !single && c.IsSet("offset") {
		return nil, bberr.New(bberr.Usage, "drop --offset: each FILE follows its ADDRESS", "--offset given with ADDRESS FILE pairs")
	}
	var ims []flash.Image
	for _, sg := range segs {
		data, elfOffset, err := firmware.LoadFlashFile(c.Context, sg.File)
		if err != nil {
			return nil, err
		}
		if single {
			sg.Offset = offset
			if elfOffset >= 0 && !c.IsSet("offset") {
				sg.Offset = uint32(elfOffset)
			} else if elfOffset >= 0 && offset != uint32(elfOffset) {
				slog.Warn("the image converted from the ELF belongs at another offset", "converted_for", fmt.Sprintf("0x%x", elfOffset), "offset", fmt.Sprintf("0x%x", offset))
			}
		}
		ims = append(ims, flash.Image{Name: sg.File, Offset: sg.Offset, Data: data})
	}
	return ims, nil
}

// flashConnect is flashOpen with --after, and Connect.
func flashConnect(c *cli.Context, opts flash.Options, secrets ...string) (*session.Session, error) {
	after, err := flash.ParseAfter(c.String("after"))
	if err != nil {
		return nil, bberr.Wrap(err, bberr.Usage, "use --after hard-reset, soft-reset or no-reset", "bad --after")
	}
	opts.After = after
	s, err := flashOpen(c, opts, secrets...)
	if err != nil {
		return nil, err
	}
	if err := s.F.Connect(c.Context); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// boardFlags are the flags of the board commands: the connection, --after
// and --json, then extra.
func boardFlags(extra ...cli.Flag) []cli.Flag {
	return append(append(flashConnFlags(),
		&cli.StringFlag{Name: "after", Value: "hard-reset", Usage: "hard-reset, soft-reset or no-reset afterwards"},
		&cli.BoolFlag{Name: "json", Usage: "print the result as JSON"},
	), extra...)
}

// flashFilesJSON is flash --json for several ADDRESS FILE pairs.
type flashFilesJSON struct {
	V     int         `json:"v"`
	Port  string      `json:"port"`
	Files []flashJSON `json:"files"`
}

func runFlash(c *cli.Context) error {
	ims, err := flashImages(c, "flash")
	if err != nil {
		return err
	}
	if err := flash.CheckOverlap(ims); err != nil {
		return err
	}
	file := ims[0].Name
	if p := c.String("base"); p != "" {
		if ims[0].Base, _, err = firmware.LoadFlashFile(c.Context, p); err != nil {
			return err
		}
	}
	out := c.App.Writer
	asJSON := c.Bool("json")
	// Patch (and refuse bad values) before touching the board. The patch
	// flags, --base and --config-only apply to the first FILE.
	in := firmware.FlashPatchInput{File: file, Image: ims[0].Data, Base: ims[0].Base, BaseName: c.String("base"), Offset: ims[0].Offset,
		ConfigOnly: c.Bool("config-only"), NoPatch: c.Bool("no-patch"), Typed: patchFlagsTyped(c)}
	if !in.NoPatch {
		if in.Settings, err = imageSettings(c); err != nil {
			return err
		}
	}
	patch, err := firmware.PlanFlashPatch(in)
	if err != nil {
		return err
	}
	if patch != nil {
		ims[0].Data, ims[0].Base = patch.Image, patch.Base
		if !asJSON {
			patch.Report(out, file)
		}
	}
	stateDir, err := flash.DefaultStateDir()
	if err != nil {
		slog.Warn("no user cache directory: --resume will not be possible", "err", err)
		stateDir = ""
	}
	bar := progress.New(out, "Writing", asJSON, c.Bool("plain"))
	if !asJSON {
		fmt.Fprintf(out, "Connecting to %s at %d baud...\n", c.String("port"), c.Int("baud"))
	}
	var secrets []string
	for _, im := range ims {
		secrets = append(append(secrets, firmware.Secrets(im.Data)...), firmware.Secrets(im.Base)...)
	}
	s, err := flashConnect(c, flash.Options{StateDir: stateDir, Progress: bar.Update}, secrets...)
	if err != nil {
		return err
	}
	defer s.Close()
	if !asJSON {
		mode := "the ROM loader"
		if s.F.Stub() {
			mode = fmt.Sprintf("the flasher stub at %d baud", s.F.Baud())
		}
		for _, im := range ims {
			if im.Base != nil {
				fmt.Fprintf(out, "Writing the sectors of %d bytes at 0x%x that differ from the base image, through %s...\n", len(im.Data), im.Offset, mode)
			} else {
				fmt.Fprintf(out, "Writing %d bytes at 0x%x through %s...\n", len(im.Data), im.Offset, mode)
			}
		}
	}
	results, err := s.F.WriteAll(c.Context, ims, flash.WriteOptions{Resume: c.Bool("resume"), NoSkip: c.Bool("write-all"), NoVerify: c.Bool("no-verify")})
	bar.Finish()
	if err != nil {
		// Interrupted (any signal) or stopped part-way: the ranges and the
		// command that continues go out on every channel, JSON included.
		return flashStopped(c, s.Port.Name(), ims[len(results)].Name, err)
	}
	if err := s.F.Finish(c.Context); err != nil {
		return err
	}
	var files []flashJSON
	for i, res := range results {
		secs := res.Duration.Seconds()
		rate := 0.0
		if secs > 0 {
			rate = float64(res.Planned) / secs
		}
		wirePct := 100 * rate / (float64(res.Baud) / 10)
		frac := 0.0
		if res.FullBytes > 0 {
			frac = float64(res.Bytes) / float64(res.FullBytes)
		}
		if asJSON {
			j := flashJSON{V: 1, Port: s.Port.Name(), File: ims[i].Name, Result: res, Seconds: secs, BytesPerSecond: rate, WireLimitPct: wirePct,
				SentBytes: res.Bytes, FullFlashBytes: res.FullBytes, SentFraction: frac}
			if patch != nil && i == 0 {
				j.Patch = patch.JSON()
			}
			files = append(files, j)
			continue
		}
		if res.ResumedFrom != nil {
			fmt.Fprintf(out, "Resumed the interrupted write at 0x%x.\n", *res.ResumedFrom)
		}
		if res.SectorsSkipped > 0 {
			how := ""
			if res.Stub && ims[i].Base == nil {
				how = " (their MD5 matched the flash)"
			}
			fmt.Fprintf(out, "Skipped %d unchanged sectors%s, wrote %d.\n", res.SectorsSkipped, how, res.SectorsWritten)
		}
		if len(res.Fallbacks) > 0 {
			fmt.Fprintf(out, "Fell back to %d baud after write errors.\n", res.Baud)
		}
		sent := ""
		if ims[i].Base != nil || res.SectorsSkipped > 0 || res.Stub {
			// What compression, --base and the MD5 skip saved: the summary says it.
			sent = fmt.Sprintf("; sent %d bytes, %s%% of a full flash (%d bytes)", res.Bytes, strconv.FormatFloat(100*frac, 'f', 1, 64), res.FullBytes)
		}
		fmt.Fprintf(out, "Wrote %d bytes in %.1f s (%.1f KiB/s, %.0f%% of the wire limit)%s\n", res.Planned, secs, rate/1024, wirePct, sent)
		if res.Verified {
			fmt.Fprintf(out, "Verified 0x%x-0x%x by MD5.\n", res.Target.Start, res.Target.End-1)
		}
	}
	if asJSON {
		if len(files) == 1 {
			return jsonout.Write(out, files[0])
		}
		// ADDRESS FILE pairs: one envelope, one entry per file.
		return jsonout.Write(out, flashFilesJSON{V: 1, Port: s.Port.Name(), Files: files})
	}
	switch s.F.After() {
	case flash.HardReset, flash.SoftReset:
		fmt.Fprintln(out, "Board reset into the new firmware.")
	default:
		fmt.Fprintln(out, "Board left in the loader (--after no-reset).")
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
		parts = append(parts, cliargs.ShellWord(a))
	}
	if !flagOnCommandLine(c, "resume") {
		parts = append(parts, "--resume")
	}
	return strings.Join(parts, " ")
}
