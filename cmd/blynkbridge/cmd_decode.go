package main

import (
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/blynkbridge/blynkbridge/daemon"
	"github.com/blynkbridge/blynkbridge/decode"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/internal/safeio"
)

func init() {
	register(&cli.Command{
		Name:      "decode",
		Usage:     "explain a serial log: boot ROM, crashes (symbolized with --elf), Blynk, Wi-Fi and TLS lines, and diagnose",
		ArgsUsage: "[FILE|-]",
		// No implicit "help" subcommand: urfave/cli adds one during a run,
		// and args.go would then read FILE as a subcommand name on the
		// next run in the same process (tests).
		HideHelpCommand: true,
		Description: "Reads a saved serial log (or stdin with -) and prints every line with what it means,\n" +
			"then the problems the sequence of lines shows and the command that checks or fixes each.\n" +
			"Logs are read as people paste them: forum quote markers, indentation, host timestamps of any\n" +
			"monitor (and the monitor's own --log format), UTF-16 files (Notepad, PowerShell), bare-CR line\n" +
			"ends; what was found is said first. Auth tokens and Wi-Fi passwords are masked (--unredacted).\n" +
			"With --elf, crash dumps are decoded to function, file:line and inlining (pure Go, no toolchain).\n" +
			"Example: blynkbridge decode monitor.log --elf build/sketch.ino.elf",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "elf", Usage: "the firmware's ELF, to decode crash addresses (Arduino: Sketch > Export compiled binary; PlatformIO: .pio/build/<env>/firmware.elf)"},
			&cli.BoolFlag{Name: "json", Usage: "print one JSON event per line (schema v1), then a diagnosis record"},
			&cli.BoolFlag{Name: "no-diagnosis", Usage: "do not print the diagnosis at the end"},
			&cli.BoolFlag{Name: "unredacted", Usage: "print auth tokens and Wi-Fi passwords as the log has them (masked with * by default); warns"},
		},
		Action: runDecode,
	})
}

func runDecode(c *cli.Context) error {
	if c.NArg() > 1 {
		return bberr.New(bberr.Usage, "give one log file, or - for stdin", "decode takes one FILE, got %d arguments: %q", c.NArg(), c.Args().Slice())
	}
	name := c.Args().First()
	var in io.Reader
	// decode BOARD reads a running daemon's raw log of that board
	// (daemon.DecodeInput); a file of that name wins.
	fromDaemon, viaDaemon, err := daemon.DecodeInput(c.Context, name)
	if err != nil {
		return err
	}
	switch {
	case viaDaemon:
		defer fromDaemon.Close()
		in = fromDaemon
	case name == "" || name == "-":
		if name == "" {
			if fi, err := os.Stdin.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
				return bberr.New(bberr.Usage, "blynkbridge decode LOG.txt [--elf FW.elf], or pipe a log into: blynkbridge decode -", "no log given")
			}
		}
		in = os.Stdin
		name = "stdin"
	default:
		f, err := safeio.Open(c.Context, name)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	var sym *decode.Symbolizer
	if p := c.String("elf"); p != "" {
		s, err := decode.LoadELF(c.Context, p)
		if err != nil {
			return err
		}
		sym = s
	}
	errw := c.App.ErrWriter
	if c.Bool("unredacted") {
		fmt.Fprintln(errw, "warning: --unredacted: auth tokens and Wi-Fi passwords in the log are printed as they are; do not paste this output anywhere public")
	}
	res, err := decode.Run(c.Context, in, c.App.Writer, decode.RunOptions{
		ELF: sym, JSON: c.Bool("json"), NoDiagnosis: c.Bool("no-diagnosis"), Unredacted: c.Bool("unredacted")})
	if err != nil {
		if _, ok := err.(*bberr.Error); ok || c.Context.Err() != nil {
			return err
		}
		return bberr.Wrap(err, bberr.Failure, "", "writing output")
	}
	// Loud, on stderr, so it is seen even when stdout goes to a file.
	if res.Crashes > 0 && sym == nil {
		fmt.Fprintf(errw, "warning: %d crash dump(s) found but no --elf given: code addresses were NOT decoded.\n"+
			"         re-run: blynkbridge decode %s --elf SKETCH.ino.elf\n", res.Crashes, name)
	}
	if res.Mismatched > 0 {
		fmt.Fprintf(errw, "warning: %s does not match %d crash dump(s): their addresses lie outside its code; use the ELF of the sketch that crashed\n", sym.Path, res.Mismatched)
	}
	return nil
}
