package main

import (
	"context"
	"log/slog"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/blynkbridge/blynkbridge/decode"
	"github.com/blynkbridge/blynkbridge/demo"
	"github.com/blynkbridge/blynkbridge/monitor"
	"github.com/blynkbridge/blynkbridge/tui"
)

func init() {
	register(&cli.Command{
		Name:  "demo",
		Usage: "play the forum story on a simulated board: fail, diagnose, fix, flash, Ready",
		Description: `Starts a simulated WeMos D1 mini on a pseudo-terminal, a local Blynk server
over TLS with a fresh certificate (DNS name localhost only), and the monitor on
the pty. The board runs a Blynk 0.4.x SSL sketch configured with
IPAddress(127,0,0,1) and a fingerprint pasted with an invisible U+200E in
front, so it prints "Certificate doesn't match" and "Login timeout". The
diagnosis names U+200E and the IP-address problem; the fix (press f in the
TUI, automatic with --plain) patches the clean fingerprint and the host name
into the firmware's config block, flashes only the changed sectors through
the monitor, and the board reboots to "Ready (ping: Nms).".

Needs nothing installed: everything is simulated in-process.
BLYNKBRIDGE_SIM_TIMING=off delivers bytes instantly (tests).`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "plain", Usage: "no TUI: annotated lines, fix applied automatically, exit 0 when the board is ready"},
			&cli.DurationFlag{Name: "timeout", Value: demo.DefaultTimeout, Usage: "--plain: give up after `D`"},
			&cli.StringFlag{Name: "link", Usage: "also create a symlink at `PATH` to the board's pty"},
		},
		Action: runDemo,
	})
}

// demoOptions reads the environment: the sim's timing model is on (it is
// a show) unless BLYNKBRIDGE_SIM_TIMING=off, which tests set.
func demoOptions(c *cli.Context) demo.Options {
	o := demo.Options{Timing: true, Link: c.String("link")}
	if v := strings.ToLower(os.Getenv("BLYNKBRIDGE_SIM_TIMING")); v == "off" || v == "0" || v == "false" {
		o.Timing = false
		o.WiFiJoin = -1
	}
	return o
}

func runDemo(c *cli.Context) error {
	opts := demoOptions(c)
	if c.Bool("plain") || !stdoutIsTerminal(c) {
		opts.Logger = slog.Default() // -v shows the sim's and the server's logs
		return demo.RunPlain(c.Context, c.App.Writer, opts, c.Duration("timeout"))
	}
	return runDemoTUI(c, opts)
}

// runDemoTUI is `demo` on a terminal: the same board, server and firmware
// as --plain, with the monitor's TUI on the pty; the f key applies the fix.
func runDemoTUI(c *cli.Context, opts demo.Options) error {
	// Log lines on stderr would tear the alternate screen: keep them out.
	opts.Logger = slog.New(slog.DiscardHandler)
	d, err := demo.Start(opts)
	if err != nil {
		return err
	}
	defer d.Close()
	eng := monitor.New(monitor.Options{Open: d.Open, Decoder: decode.New(decode.Options{}), Reconnect: true})
	con := demo.NewConsole(d, eng)
	return tui.RunEngine(c.Context, eng, func(ctx context.Context) error {
		go func() { _ = d.PowerOn(ctx, eng) }()
		return tui.Run(ctx, con, tui.Config{Title: "blynkbridge demo", Intro: d.Intro()})
	})
}
