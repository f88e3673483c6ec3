package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/blynkbridge/blynkbridge/decode"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
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
			"With --elf, crash dumps are decoded to function, file:line and inlining (pure Go, no toolchain).\n" +
			"Example: blynkbridge decode monitor.log --elf build/sketch.ino.elf",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "elf", Usage: "the firmware's ELF, to decode crash addresses (Arduino: Sketch > Export compiled binary; PlatformIO: .pio/build/<env>/firmware.elf)"},
			&cli.BoolFlag{Name: "json", Usage: "print one JSON event per line (schema v1), then a diagnosis record"},
			&cli.BoolFlag{Name: "no-diagnosis", Usage: "do not print the diagnosis at the end"},
		},
		Action: runDecode,
	})
}

// decodeIdle is how long input may pause before a partial line is shown:
// a live pipe (`cat /dev/ttyUSB0 | blynkbridge decode -`) must not hold a
// prompt or a crash dump back waiting for a newline.
const decodeIdle = 200 * time.Millisecond

func runDecode(c *cli.Context) error {
	if c.NArg() > 1 {
		return bberr.New(bberr.Usage, "give one log file, or - for stdin", "decode takes one FILE, got %d arguments: %q", c.NArg(), c.Args().Slice())
	}
	name := c.Args().First()
	var in io.Reader
	// decode BOARD reads a running daemon's raw log of that board
	// (daemon_hooks.go); a file of that name wins.
	fromDaemon, viaDaemon, err := daemonDecodeInput(c.Context, name)
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
		f, err := os.Open(name)
		if err != nil {
			code := bberr.BadInput
			if errors.Is(err, os.ErrPermission) {
				code = bberr.Permission
			}
			return bberr.Wrap(err, code, "check the path of the saved serial log", "cannot open log")
		}
		defer f.Close()
		in = f
	}
	var sym *decode.Symbolizer
	if p := c.String("elf"); p != "" {
		s, err := decode.OpenELF(p)
		if err != nil {
			return err
		}
		sym = s
	}
	out := c.App.Writer
	errw := c.App.ErrWriter
	asJSON := c.Bool("json")
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)

	ann := &decode.Annotator{W: out}
	d := decode.New(decode.Options{ELF: sym})
	g := decode.NewDiagnoser()
	crashes, mismatched := 0, 0
	emit := func(evs []decode.Event) error {
		for _, e := range evs {
			g.Feed(e)
			if e.Kind == decode.KindCrash {
				crashes++
				if e.Fields["elf"] == "mismatch" {
					mismatched++
				}
			}
			var err error
			if asJSON {
				err = enc.Encode(e)
			} else {
				err = ann.Write(e)
			}
			if err != nil {
				return bberr.Wrap(err, bberr.Failure, "", "writing output")
			}
		}
		return nil
	}

	type chunk struct {
		b   []byte
		err error
	}
	ch := make(chan chunk, 4)
	go func() {
		for {
			buf := make([]byte, 32*1024)
			n, err := in.Read(buf)
			if n > 0 || err != nil {
				ch <- chunk{buf[:n], err}
			}
			if err != nil {
				return
			}
		}
	}()
	idle := time.NewTimer(decodeIdle)
	defer idle.Stop()
loop:
	for {
		select {
		case <-c.Context.Done():
			_ = emit(d.Flush())
			return c.Context.Err()
		case <-idle.C:
			if err := emit(d.Flush()); err != nil {
				return err
			}
		case k := <-ch:
			if err := emit(d.Feed(k.b)); err != nil {
				return err
			}
			if k.err != nil {
				if k.err != io.EOF {
					return bberr.Wrap(k.err, bberr.BadInput, "", "reading %s", name)
				}
				break loop
			}
			idle.Reset(decodeIdle)
		}
	}
	if err := emit(d.Flush()); err != nil {
		return err
	}
	// Loud, on stderr, so it is seen even when stdout goes to a file.
	if crashes > 0 && sym == nil {
		fmt.Fprintf(errw, "warning: %d crash dump(s) found but no --elf given: code addresses were NOT decoded.\n"+
			"         re-run: blynkbridge decode %s --elf SKETCH.ino.elf\n", crashes, name)
	}
	if mismatched > 0 {
		fmt.Fprintf(errw, "warning: %s does not match %d crash dump(s): their addresses lie outside its code; use the ELF of the sketch that crashed\n", sym.Path, mismatched)
	}
	if c.Bool("no-diagnosis") {
		return nil
	}
	if asJSON {
		if err := enc.Encode(decode.NewDiagnosisRecord(g.Problems())); err != nil {
			return bberr.Wrap(err, bberr.Failure, "", "writing output")
		}
		return nil
	}
	fmt.Fprintln(out)
	return decode.WriteProblems(out, g.Problems())
}
