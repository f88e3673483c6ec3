package main

import (
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/sim"
	"github.com/blynkbridge/blynkbridge/sim/blynkfw"
)

func init() {
	register(&cli.Command{
		Name:  "sim",
		Usage: "run a simulated WeMos D1 mini (ESP8266) on a pseudo-terminal",
		Description: `Creates a pseudo-terminal that behaves like a D1 mini's USB port: the ROM
boot banner at 74880 baud, the serial loader (esptool protocol, erase-size bug
included), the sketch's output at --baud, real UART timing, and what a wrong
baud rate really looks like. Open the printed pty (or --link) with any serial
tool. Runs until Ctrl-C.

A pty has no DTR/RTS lines, so reset the board from here: send SIGUSR1 (RST
button), or type into this terminal: r reset, d reset into the loader,
c crash (exception), w soft WDT, g garbage, u unplug/replug, q quit.`,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "link", Usage: "also create a stable symlink at `PATH` pointing to the pty"},
			&cli.StringFlag{Name: "flash", Usage: "keep the 4 MiB flash in `FILE` across runs (raw image; created erased if missing)"},
			&cli.StringFlag{Name: "boot", Value: "run", Usage: "GPIO0 strap at power-on: run (boot from flash) or download (serial loader)"},
			&cli.BoolFlag{Name: "blank", Usage: "start with erased flash instead of the factory demo sketch (when --flash FILE is new or not given)"},
			&cli.BoolFlag{Name: "no-timing", Usage: "deliver bytes instantly (no UART/flash timing model)"},
			&cli.IntFlag{Name: "baud", Value: 115200, Usage: "the demo sketch's Serial.begin rate"},
			&cli.StringFlag{Name: "power-on", Value: "open", Usage: "when to power the board: open (first time a host opens the pty, so it sees the banner) or start"},
			&cli.DurationFlag{Name: "crash-every", Usage: "make the sketch crash every `D` (e.g. 30s)"},
			&cli.StringFlag{Name: "crash-kind", Value: "exception", Usage: "crash type: exception, soft-wdt, hard-wdt, abort or restart"},
			&cli.DurationFlag{Name: "garbage-every", Usage: "send a burst of random bytes every `D`"},
			&cli.IntFlag{Name: "garbage-bytes", Value: 32, Usage: "bytes per garbage burst"},
			&cli.DurationFlag{Name: "unplug-every", Usage: "unplug the board every `D` (replugged after --unplug-for)"},
			&cli.DurationFlag{Name: "unplug-for", Value: time.Second, Usage: "how long an unplug lasts"},
		}, simFirmwareFlags()...),
		Action: runSim,
	})
}

func runSim(c *cli.Context) error {
	var boot sim.BootMode
	switch c.String("boot") {
	case "run":
		boot = sim.BootRun
	case "download":
		boot = sim.BootDownload
	default:
		return bberr.New(bberr.Usage, "use --boot run or --boot download", "bad --boot %q", c.String("boot"))
	}
	powerOnOpen := false
	switch c.String("power-on") {
	case "open":
		powerOnOpen = true
	case "start":
	default:
		return bberr.New(bberr.Usage, "use --power-on open or --power-on start", "bad --power-on %q", c.String("power-on"))
	}
	kind, err := sim.ParseRestartReason(c.String("crash-kind"))
	if err != nil {
		return bberr.Wrap(err, bberr.Usage, "use --crash-kind exception, soft-wdt, hard-wdt, abort or restart", "bad --crash-kind")
	}
	if c.Int("baud") <= 0 {
		return bberr.New(bberr.Usage, "use a positive rate such as 115200", "bad --baud %d", c.Int("baud"))
	}
	fw, err := simFirmwareFromFlags(c)
	if err != nil {
		return err
	}
	var initial []byte
	if !c.Bool("blank") {
		// A new D1 mini comes with a sketch on it; with --firmware, a boot
		// image the Blynk firmware runs from.
		if initial = simFirmwareFlash(c); initial == nil {
			initial = sim.FactoryImage()
		}
	}
	b, err := sim.New(sim.Options{
		Flash:     initial,
		FlashFile: c.String("flash"),
		Boot:      boot,
		Timing:    !c.Bool("no-timing"),
		Firmware:  fw,
		Logger:    slog.Default(),
		AppBaud:   c.Int("baud"),
		PowerOff:  true,
	})
	if err != nil {
		return err
	}
	defer b.Close()
	out := c.App.Writer
	path, err := b.AttachPTY(c.String("link"))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "pty: %s\n", path)
	if l := c.String("link"); l != "" {
		fmt.Fprintf(out, "link: %s -> %s\n", l, path)
	}
	mac := b.MAC()
	fmt.Fprintf(out, "board: ESP8266EX, 26 MHz, 4 MiB flash, MAC %02x:%02x:%02x:%02x:%02x:%02x, boot %s, sketch at %d baud, ROM at %d baud\n",
		mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], boot, simSketchBaud(c), sim.ROMBaud)

	ctx := c.Context
	if opened := b.WaitHostOpen(); powerOnOpen && opened != nil {
		fmt.Fprintln(out, "waiting for a host to open the port (the board powers on then)...")
		select {
		case <-opened:
			// Let the opener finish setting its line rate (stty, an
			// esptool-style open) before the banner goes out.
			sim.Sleep(ctx, 100*time.Millisecond)
		case <-ctx.Done():
			return nil
		}
	}
	b.PowerOn()
	fmt.Fprintln(out, "powered on; Ctrl-C to stop")
	// A pty has no DTR/RTS, so a flasher cannot reset this board into its
	// loader: say how to do it by hand, as one would hold FLASH and press RST.
	fmt.Fprintf(out, "to flash over the pty: press d here, or kill -USR2 %d (reset into the loader); r or kill -USR1 %d resets into the sketch\n", os.Getpid(), os.Getpid())

	usr1, usr2 := make(chan os.Signal, 1), make(chan os.Signal, 1)
	notifyResetSignal(usr1, usr2)
	defer signal.Stop(usr1)
	defer signal.Stop(usr2)
	keys := make(chan string, 4)
	if f, ok := c.App.Reader.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		go sim.ReadKeys(f, keys)
	}
	tick := func(d time.Duration) <-chan time.Time {
		if d <= 0 {
			return nil
		}
		return time.NewTicker(d).C
	}
	crashC, garbageC, unplugC := tick(c.Duration("crash-every")), tick(c.Duration("garbage-every")), tick(c.Duration("unplug-every"))
	unplug := func() {
		b.Unplug()
		fmt.Fprintln(out, "unplugged")
		sim.Sleep(ctx, c.Duration("unplug-for"))
		if err := b.Replug(); err != nil {
			fmt.Fprintf(out, "replug failed: %v\n", err)
			return
		}
		fmt.Fprintf(out, "replugged: pty %s\n", b.PTYPath())
	}
	crash := func(kind sim.RestartReason) {
		if err := b.Crash(kind); err != nil {
			fmt.Fprintf(out, "%v\n", err)
		}
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-usr1:
			b.PressReset()
		case <-usr2:
			b.ResetIntoLoader(ctx, boot)
		case <-crashC:
			if b.Crash(kind) == nil {
				fmt.Fprintf(out, "crash: %s\n", kind)
			}
		case <-garbageC:
			b.Garbage(c.Int("garbage-bytes"))
		case <-unplugC:
			unplug()
		case k := <-keys:
			switch k {
			case "r":
				b.PressReset()
			case "d":
				b.ResetIntoLoader(ctx, boot)
			case "c":
				crash(sim.RestartException)
			case "w":
				crash(sim.RestartSoftWDT)
			case "g":
				b.Garbage(c.Int("garbage-bytes"))
			case "u":
				unplug()
			case "q":
				return nil
			case "":
			default:
				fmt.Fprintln(out, "keys: r reset, d reset into loader, c crash, w soft WDT, g garbage, u unplug/replug, q quit")
			}
		}
	}
}

// simSketchBaud is the rate the sketch really runs at: --baud if given,
// else the --firmware kind's own default (usb-stream: 9600), else the demo
// sketch's 115200.
func simSketchBaud(c *cli.Context) int {
	if c.IsSet("baud") || !c.IsSet("firmware") {
		return c.Int("baud")
	}
	k, err := blynkfw.ParseKind(c.String("firmware"))
	if err != nil {
		return c.Int("baud")
	}
	return blynkfw.DefaultBaud(k)
}
