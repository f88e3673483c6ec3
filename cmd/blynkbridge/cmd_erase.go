package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/blynkbridge/blynkbridge/flash"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/internal/jsonout"
)

func init() {
	register(&cli.Command{
		Name:            "erase",
		Aliases:         []string{"erase-flash"},
		HideHelpCommand: true,
		Usage:           "erase the whole flash, or SIZE bytes from ADDRESS (esptool erase_flash, erase_region)",
		ArgsUsage:       "[ADDRESS SIZE]",
		Description: `Without arguments erases the whole flash chip (the sketch, its filesystem,
WiFi credentials and the SDK's RF calibration: the next sketch starts clean).
With ADDRESS SIZE erases that region; both must be multiples of 4 KiB (0x1000).
The flasher stub erases 64 KiB blocks where aligned; with --no-stub the ROM
loader can erase a region only (and not an odd number of sectors inside one
64 KiB block, which its erase bug would overshoot).`,
		Flags:  boardFlags(),
		Action: runErase,
	})
}

// eraseJSON is the --json output of erase (schema v1).
type eraseJSON struct {
	V     int          `json:"v"`
	Port  string       `json:"port"`
	All   bool         `json:"all"`
	Range *flash.Range `json:"range,omitempty"`
}

func runErase(c *cli.Context) error {
	args := c.Args().Slice()
	if len(args) != 0 && len(args) != 2 {
		return bberr.New(bberr.Usage, "usage: blynkbridge erase [flags] [ADDRESS SIZE]", "erase takes nothing (whole chip) or ADDRESS SIZE; got %d arguments", len(args))
	}
	var r *flash.Range
	if len(args) == 2 {
		addr, err := flash.ParseAddress("address", args[0])
		if err != nil {
			return err
		}
		size, err := flash.ParseAddress("size", args[1])
		if err != nil {
			return err
		}
		r = &flash.Range{Start: addr, End: addr + size}
		if err := flash.CheckEraseRange(*r); err != nil {
			return err
		}
	}
	s, err := flashConnect(c, flash.Options{})
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.F.Erase(c.Context, r); err != nil {
		return err
	}
	if err := s.F.Finish(c.Context); err != nil {
		return err
	}
	out := c.App.Writer
	if c.Bool("json") {
		return jsonout.Write(out, eraseJSON{V: 1, Port: s.Port.Name(), All: r == nil, Range: r})
	}
	if r == nil {
		fmt.Fprintln(out, "Erased the whole flash.")
	} else {
		fmt.Fprintf(out, "Erased %s.\n", *r)
	}
	return nil
}
