package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
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
	findings := doctor.Run(s)
	worst := doctor.Worst(findings)
	w := c.App.Writer
	if c.Bool("json") {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(struct {
			V        int              `json:"v"`
			OK       bool             `json:"ok"`
			Findings []doctor.Finding `json:"findings"`
		}{1, worst != doctor.Fail, findings}); err != nil {
			return err
		}
	} else {
		label := map[doctor.Status]string{doctor.OK: "ok", doctor.Info: "info", doctor.Warn: "WARN", doctor.Fail: "FAIL"}
		for _, f := range findings {
			fmt.Fprintf(w, "%-4s  %-13s %s\n", label[f.Status], f.ID, f.Summary)
			if f.Detail != "" {
				fmt.Fprintf(w, "      %-13s %s\n", "", f.Detail)
			}
			if f.Fix != "" && f.Status != doctor.OK {
				fmt.Fprintf(w, "      %-13s fix: %s\n", "", f.Fix)
			}
		}
	}
	if worst == doctor.Fail {
		var ids []string
		for _, f := range findings {
			if f.Status == doctor.Fail {
				ids = append(ids, f.ID)
			}
		}
		return bberr.New(bberr.CheckFailed, "follow the fix: lines above, then run blynkbridge doctor again",
			"doctor found %d problem(s): %s", len(ids), strings.Join(ids, ", "))
	}
	return nil
}
