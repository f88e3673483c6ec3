package main

import (
	"encoding/json"

	"github.com/urfave/cli/v2"

	"github.com/blynkbridge/blynkbridge/flash"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

func init() {
	register(&cli.Command{
		Name: "info",
		// No "help" subcommand: urfave/cli adds one at the first run, after
		// which the command looks like a parent (profile wiring skips those).
		HideHelpCommand: true,
		Usage:           "show the ESP8266's chip type, MAC, crystal and flash ID/size (like esptool chip_id + flash_id)",
		Flags:           boardFlags(),
		Action:          runInfo,
	})
}

// infoJSON is the --json output of info (schema v1, see README).
type infoJSON struct {
	V    int    `json:"v"`
	Port string `json:"port"`
	Baud int    `json:"baud"`
	*flash.ChipInfo
}

func runInfo(c *cli.Context) error {
	if c.NArg() != 0 {
		return bberr.New(bberr.Usage, "usage: blynkbridge info [-p PORT] [-b BAUD] [--json]", "info takes no arguments")
	}
	s, err := flashConnect(c, flash.Options{})
	if err != nil {
		return err
	}
	defer s.Close()
	info, err := s.F.Info(c.Context)
	if err != nil {
		return err
	}
	if err := s.F.Finish(c.Context); err != nil {
		return err
	}
	out := c.App.Writer
	if c.Bool("json") {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(infoJSON{V: 1, Port: s.Port.Name(), Baud: s.Port.Baud(), ChipInfo: info})
	}
	info.WriteText(out, s.Port.Name(), s.Port.Baud())
	return nil
}
