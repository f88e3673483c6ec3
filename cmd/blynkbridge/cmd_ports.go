package main

import (
	"github.com/urfave/cli/v2"

	"github.com/blynkbridge/blynkbridge/daemon"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/serialio"
)

func init() {
	register(&cli.Command{
		Name:  "ports",
		Usage: "list serial ports with their USB bridge chip and a board guess",
		Description: "Lists USB serial ports (--all: every serial port) and marks likely boards with '*': `--port auto` (the default\n" +
			"everywhere) picks the likely board when there is exactly one. The IDENTITY column\n" +
			"survives unplugging and replugging and can be passed as --port.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: `print {"v": 1, "ports": [...]} (schema in docs/ports.md)`},
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "also list non-USB ports (ttyS*, ttyAMA*, Bluetooth)"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return bberr.New(bberr.Usage, "run `blynkbridge ports` with no arguments", "ports takes no arguments, got %q", c.Args().First())
			}
			ports, err := serialio.List()
			if err != nil && len(ports) == 0 {
				return bberr.Wrap(err, bberr.Failure, "pass the port with --port if you know it", "cannot list serial ports")
			}
			l := serialio.Select(ports, c.Bool("all"))
			if c.Bool("json") {
				return l.WriteJSON(c.App.Writer)
			}
			l.WriteTable(c.App.Writer)
			daemon.WritePortsNote(c.Context, c.App.Writer)
			return nil
		},
	})
}
