package main

import (
	"github.com/urfave/cli/v2"

	"github.com/blynkbridge/blynkbridge/internal/doctor"
)

// doctorSystem is the system doctor inspects; tests replace it.
var doctorSystem = doctor.Real

func init() {
	register(&cli.Command{
		Name:  "doctor",
		Usage: "check this machine for what stops boards from working (permissions, brltty, ModemManager, busy ports, drivers) and say how to fix it",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print findings as JSON"},
			&cli.StringSliceFlag{Name: "port", Aliases: []string{"p"}, Usage: "check this `PORT` (repeatable; default: every /dev/ttyUSB*, /dev/ttyACM*)"},
			&cli.StringFlag{Name: "config", Usage: "profiles `FILE` to check"},
		},
		Action: doctorAction,
	})
}

func doctorAction(c *cli.Context) error {
	s := doctorSystem()
	if ports := c.StringSlice("port"); len(ports) > 0 {
		s.Ports = ports
	}
	if p := lineageString(c, "config"); p != "" {
		s.ConfigPath = p
	}
	r := doctor.Report{Findings: doctor.Run(s)}
	if c.Bool("json") {
		if err := r.WriteJSON(c.App.Writer); err != nil {
			return err
		}
	} else {
		r.WriteText(c.App.Writer)
	}
	return r.Err()
}
