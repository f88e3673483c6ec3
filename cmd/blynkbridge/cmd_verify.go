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
		Name:            "verify",
		Aliases:         []string{"verify-flash"},
		HideHelpCommand: true,
		Usage:           "check by MD5 that the flash holds FILE (esptool verify_flash)",
		ArgsUsage:       "FILE | ADDRESS FILE [ADDRESS FILE ...]",
		Description: `Compares the flash with FILE at --offset (or each FILE at its ADDRESS) by MD5,
computed on the board by the flasher stub, and names the 4 KiB sectors that
differ. Exits 0 when everything matches, 10 (check failed) when not.`,
		Flags: boardFlags(
			&cli.StringFlag{Name: "offset", Value: "0x0", Usage: "flash address FILE should be at (one FILE)"},
		),
		Action: runVerify,
	})
}

// verifyJSON is the --json output of verify (schema v1).
type verifyJSON struct {
	V     int              `json:"v"`
	Port  string           `json:"port"`
	Match bool             `json:"match"`
	Files []verifyFileJSON `json:"files"`
}

type verifyFileJSON struct {
	File string `json:"file"`
	*flash.VerifyResult
}

func runVerify(c *cli.Context) error {
	ims, err := flashImages(c, "verify")
	if err != nil {
		return err
	}
	s, err := flashConnect(c, flash.Options{})
	if err != nil {
		return err
	}
	defer s.Close()
	results, err := s.F.VerifyAll(c.Context, ims)
	if err != nil {
		return err
	}
	if err := s.F.Finish(c.Context); err != nil {
		return err
	}
	out := c.App.Writer
	j := verifyJSON{V: 1, Port: s.Port.Name(), Match: true}
	for i, r := range results {
		j.Match = j.Match && r.Match
		j.Files = append(j.Files, verifyFileJSON{File: ims[i].Name, VerifyResult: r})
		if c.Bool("json") {
			continue
		}
		if r.Match {
			fmt.Fprintf(out, "%s: flash %s matches (MD5 %s).\n", ims[i].Name, r.Target, r.MD5)
			continue
		}
		fmt.Fprintf(out, "%s: flash %s DIFFERS in %d sector(s):", ims[i].Name, r.Target, len(r.BadSectors))
		for k, b := range r.BadSectors {
			if k == 16 {
				fmt.Fprintf(out, " and %d more", len(r.BadSectors)-k)
				break
			}
			fmt.Fprintf(out, " 0x%x", b.Start)
		}
		fmt.Fprintln(out)
	}
	if c.Bool("json") {
		if err := jsonout.Write(out, j); err != nil {
			return err
		}
	}
	if !j.Match {
		return bberr.New(bberr.CheckFailed, "write it with blynkbridge flash (the same FILE and ADDRESS)", "the flash does not hold what was given")
	}
	return nil
}
