package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/blynkbridge/blynkbridge/daemon"
	"github.com/blynkbridge/blynkbridge/decode"
	"github.com/blynkbridge/blynkbridge/flash"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/monitor"
	"github.com/blynkbridge/blynkbridge/serialio"
	"github.com/blynkbridge/blynkbridge/tui"
)

func init() {
	register(&cli.Command{
		Name:      "monitor",
		Usage:     "watch the board's serial output, decoded and explained (TUI on a terminal)",
		ArgsUsage: " ",
		Description: `Opens the board's port and shows everything it prints, with decoded events
marked inline (boot ROM, crashes, Blynk, Wi-Fi, TLS), a status bar, and a
diagnosis panel listing current problems with the command that fixes each.
Keys (press ? in the TUI): r reset, d download mode, b baud, 1/2 DTR/RTS,
space pause, / search, t filter, | regex filter, T timestamps, x hex,
y copy line, s send (E line ending, L local echo), H send hex, U send file,
Ctrl-T then a key: send that key to the board (q, Ctrl-C...), f flash
--image, w save, q quit (Ctrl-C: exit 130).

Reset buttons drive the D1 mini's DTR/RTS auto-reset circuit; right after a
reset the monitor reads at 74880 baud so the boot ROM's banner is readable.
When the board is unplugged it waits for the same board (by USB identity) and
carries on, marking the gap. Nothing read is dropped: --log keeps every byte
with host timestamps, written as it arrives (fsync'd on unplug and exit,
rotated by --log-max, mode 0600, login tokens masked).

When stdout is not a terminal, or with --plain, it prints annotated lines
(the text form of "blynkbridge decode"); --json prints one event per line
(decode's schema, "v": 1). Both end with the diagnosis on Ctrl-C.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "port", Aliases: []string{"p"}, Value: "auto", EnvVars: []string{"BLYNKBRIDGE_PORT", "ESPTOOL_PORT"}, Usage: "serial port, usb:VID:PID[:SERIAL], or auto"},
			&cli.IntFlag{Name: "baud", Aliases: []string{"b"}, Value: 115200, EnvVars: []string{"BLYNKBRIDGE_MONITOR_BAUD"}, Usage: "the sketch's Serial.begin rate"},
			&cli.StringFlag{Name: "elf", Usage: "the running sketch's `ELF`, to decode crash addresses to functions and lines"},
			&cli.StringFlag{Name: "image", Usage: "firmware `FILE` the f key flashes (and checks for fingerprint/IP problems)"},
			&cli.StringFlag{Name: "offset", Usage: "flash offset for --image (default: 0x0 for a full Arduino image, 0x1000 for a sketch-only image)"},
			&cli.StringFlag{Name: "log", Usage: "append every byte with host timestamps to `FILE` (no colour codes; written as it arrives, mode 0600, login tokens masked)"},
			&cli.Int64Flag{Name: "log-max", Value: monitor.DefaultLogMax, Usage: "rotate --log when it reaches this many `BYTES` (FILE.1, FILE.2, ...; 0 = never)"},
			&cli.IntFlag{Name: "log-keep", Value: monitor.DefaultLogKeep, Usage: "rotated --log files to keep"},
			&cli.BoolFlag{Name: "unredacted", Usage: "keep Blynk auth tokens in --log (masked by default; warns)"},
			&cli.BoolFlag{Name: "plain", Usage: "annotated lines instead of the TUI"},
			&cli.BoolFlag{Name: "json", Usage: "one JSON event per line (decode's v1 schema)"},
			&cli.BoolFlag{Name: "no-reconnect", Usage: "exit when the board is unplugged instead of waiting for it"},
			&cli.IntFlag{Name: "databits", Value: 8, Usage: "data bits (5-8)"},
			&cli.StringFlag{Name: "parity", Value: "none", Usage: "parity: none, even, odd, mark, space"},
			&cli.IntFlag{Name: "stopbits", Value: 1, Usage: "stop bits (1 or 2)"},
			&cli.StringFlag{Name: "flow", Value: "none", Usage: "flow control: none, rtscts, xonxoff (Linux)"},
			&cli.StringFlag{Name: "eol", Value: "LF", Usage: "TUI: line ending of sent text: LF, CRLF, CR or none (E cycles)"},
			&cli.BoolFlag{Name: "echo", Usage: "TUI: show sent text in the log (local echo; L toggles)"},
			&cli.BoolFlag{Name: "timestamps", Usage: "TUI: show each line's host time (T toggles)"},
			&cli.IntFlag{Name: "scrollback", Value: 20000, Usage: "TUI: lines kept on screen for scrolling and search (the raw ring keeps 4 MiB; --log keeps everything)"},
		},
		Action: runMonitor,
	})
}

func stdoutIsTerminal(c *cli.Context) bool {
	f, ok := c.App.Writer.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func runMonitor(c *cli.Context) error {
	if c.NArg() > 0 {
		return bberr.New(bberr.Usage, "give the port with -p/--port", "monitor takes no arguments (got %q)", c.Args().First())
	}
	if c.Int("baud") <= 0 {
		return bberr.New(bberr.Usage, "use a rate such as 115200 or 74880", "bad --baud %d", c.Int("baud"))
	}
	dopts := decode.Options{}
	if p := c.String("elf"); p != "" {
		sym, err := decode.OpenELF(p)
		if err != nil {
			return err
		}
		dopts.ELF = sym
	}
	con := &monitor.Console{}
	if p := c.String("image"); p != "" {
		img, off, err := monitor.LoadImage(p, c.String("offset"))
		if err != nil {
			return err
		}
		con.Image, con.ImageName, con.Offset = img, filepath.Base(p), off
		if dir, err := flash.DefaultStateDir(); err == nil {
			con.StateDir = dir
		}
	}
	fr := serialio.Framing{DataBits: c.Int("databits"), Parity: c.String("parity"), StopBits: c.Int("stopbits"), Flow: c.String("flow")}
	if err := fr.Check(); err != nil {
		return err
	}
	switch c.String("eol") {
	case "LF", "CRLF", "CR", "none", "lf", "crlf", "cr":
	default:
		return bberr.New(bberr.Usage, "use --eol LF, CRLF, CR or none", "bad --eol %q", c.String("eol"))
	}
	if c.Int("scrollback") < 100 {
		return bberr.New(bberr.Usage, "keep at least 100 lines (default 20000)", "bad --scrollback %d", c.Int("scrollback"))
	}
	// A running daemon that owns the board: attach to it; else open the port.
	open, viaDaemon, err := daemon.MonitorOpener(c.Context, c.String("port"), c.Int("baud"))
	if viaDaemon && err == nil && !fr.IsDefault() {
		return bberr.New(bberr.Usage, "the daemon owns this board's port: drop --databits/--parity/--stopbits/--flow", "a line format other than 8N1 cannot be set through the daemon")
	}
	if !viaDaemon && err == nil {
		open, err = monitor.OpenPort(c.Context, c.String("port"), c.Int("baud"), fr)
	}
	if err != nil {
		return err
	}
	opts := monitor.Options{Open: open, Baud: c.Int("baud"), Decoder: decode.New(dopts), Reconnect: !c.Bool("no-reconnect")}
	if p := c.String("log"); p != "" {
		if c.Int64("log-max") < 0 || c.Int("log-keep") < 0 {
			return bberr.New(bberr.Usage, "use --log-max 0 (never rotate) or a size in bytes, --log-keep 0 or more", "bad --log-max/--log-keep")
		}
		f, err := monitor.OpenLogFile(p, c.Int64("log-max"), c.Int("log-keep"))
		if err != nil {
			return err
		}
		defer f.Close()
		opts.RawLog = f
		if c.Bool("unredacted") {
			opts.Unredacted = true
			fmt.Fprintf(c.App.ErrWriter, "warning: --unredacted writes Blynk auth tokens into %s; do not share that file\n", p)
		}
	}
	eng := monitor.New(opts)
	con.Engine = eng
	tuiMode := !c.Bool("plain") && !c.Bool("json") && stdoutIsTerminal(c)
	return tui.RunEngine(c.Context, eng, func(ctx context.Context) error {
		if tuiMode {
			return tui.Run(ctx, con, tui.Config{Title: "blynkbridge monitor", EOL: c.String("eol"), Echo: c.Bool("echo"),
				Timestamps: c.Bool("timestamps"), MaxLines: c.Int("scrollback")})
		}
		return monitor.PrintItems(ctx, c.App.Writer, eng, c.Bool("json"), con.ImageProblems())
	})
}
