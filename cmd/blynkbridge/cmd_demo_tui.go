package main

import (
	"context"
	"log/slog"

	"github.com/urfave/cli/v2"

	"github.com/blynkbridge/blynkbridge/decode"
	"github.com/blynkbridge/blynkbridge/demo"
	"github.com/blynkbridge/blynkbridge/monitor"
	"github.com/blynkbridge/blynkbridge/tui"
)

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
	return runEngine(c.Context, eng, func(ctx context.Context) error {
		go func() { _ = d.PowerOn(ctx, eng) }()
		return tui.Run(ctx, con, tui.Config{Title: "blynkbridge demo", Intro: d.Intro()})
	})
}
