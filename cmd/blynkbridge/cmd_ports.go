package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

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
			&cli.BoolFlag{Name: "json", Usage: "print a JSON array (schema in README, \"Ports\")"},
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
			shown, hidden := ports, 0
			if !c.Bool("all") {
				shown = nil
				for _, p := range ports {
					if p.USB {
						shown = append(shown, p)
					}
				}
				hidden = len(ports) - len(shown)
			}
			if c.Bool("json") {
				return printPortsJSON(c.App.Writer, shown)
			}
			printPortsTable(c.App.Writer, shown, hidden)
			return nil
		},
	})
}

// printPortsJSON always prints an array, "[]" when there are no ports, so
// scripts can pipe it to jq without a special case.
func printPortsJSON(w io.Writer, ports []serialio.PortInfo) error {
	if ports == nil {
		ports = []serialio.PortInfo{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(ports)
}

func printPortsTable(w io.Writer, ports []serialio.PortInfo, hidden int) {
	if hidden > 0 {
		defer fmt.Fprintf(w, "(%d non-USB port(s) not shown: --all lists them)\n", hidden)
	}
	if len(ports) == 0 {
		fmt.Fprintln(w, "no USB serial ports found")
		fmt.Fprintln(w, "plug a board in with a data USB cable, or start a simulated one: blynkbridge sim --link /tmp/d1 (then --port /tmp/d1)")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, " \tPORT\tBOARD\tVID:PID\tSERIAL\tIDENTITY\tBY-ID")
	likely, notes := 0, map[string]bool{}
	for _, p := range ports {
		mark := " "
		if p.Likely {
			mark = "*"
			likely++
		}
		ids := "-"
		if p.VID != "" {
			ids = p.VID + ":" + p.PID
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", mark, p.Path, portsDash(p.Board), ids, portsDash(p.Serial), portsDash(p.Identity.String()), portsDash(p.ByID))
		if p.Details != "" {
			notes[p.Details] = true
		}
	}
	tw.Flush()
	switch likely {
	case 0:
		fmt.Fprintln(w, "no likely board: pass --port PATH to choose one")
	case 1:
		fmt.Fprintln(w, "* likely board: --port auto (the default) will use it")
	default:
		fmt.Fprintf(w, "* likely boards: %d, so --port auto will ask you to choose with --port\n", likely)
	}
	for n := range notes {
		fmt.Fprintln(w, "note:", n)
	}
}

func portsDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
