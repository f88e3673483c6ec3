package main

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/blynkbridge/blynkbridge/flash"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/internal/jsonout"
	"github.com/blynkbridge/blynkbridge/internal/progress"
	"github.com/blynkbridge/blynkbridge/internal/safeio"
)

func init() {
	register(&cli.Command{
		Name:            "read",
		Aliases:         []string{"read-flash"},
		HideHelpCommand: true,
		Usage:           "back up the flash (all of it, or ADDRESS SIZE) to FILE, MD5-checked (esptool read_flash)",
		ArgsUsage:       "[ADDRESS SIZE] FILE",
		Description: `Reads the flash through blynkbridge's flasher stub into FILE: the whole chip,
or SIZE bytes from ADDRESS (SIZE may be ALL: up to the end of the flash). The
stub sends the MD5 of what it read, checked against the data. FILE is written
0600 (the flash holds the Blynk token and WiFi password) and never
overwritten without --force.`,
		Flags: boardFlags(
			&cli.BoolFlag{Name: "force", Usage: "overwrite FILE"},
			&cli.BoolFlag{Name: "plain", Usage: "progress as plain lines even on a terminal"},
		),
		Action: runRead,
	})
}

// readJSON is the --json output of read (schema v1).
type readJSON struct {
	V     int         `json:"v"`
	Port  string      `json:"port"`
	File  string      `json:"file"`
	Range flash.Range `json:"range"`
	Bytes int         `json:"bytes"`
	MD5   string      `json:"md5"`
}

func runRead(c *cli.Context) error {
	args := c.Args().Slice()
	const usage = "usage: blynkbridge read [flags] [ADDRESS SIZE] FILE"
	if len(args) != 1 && len(args) != 3 {
		return bberr.New(bberr.Usage, usage, "read takes FILE, or ADDRESS SIZE FILE; got %d arguments", len(args))
	}
	file := args[len(args)-1]
	var addr, size uint32
	all := len(args) == 1
	if !all {
		var err error
		if addr, err = flash.ParseAddress("address", args[0]); err != nil {
			return err
		}
		if args[1] == "ALL" || args[1] == "all" {
			size = 0
		} else if size, err = flash.ParseAddress("size", args[1]); err != nil {
			return err
		}
	}
	if err := safeio.CheckWritable(file, c.Bool("force")); err != nil {
		return err
	}
	out := c.App.Writer
	bar := progress.New(out, "Reading", c.Bool("json"), c.Bool("plain"))
	s, err := flashConnect(c, flash.Options{})
	if err != nil {
		return err
	}
	defer s.Close()
	r := flash.Range{Start: addr, End: addr + size}
	if all || size == 0 {
		r.End = s.F.FlashSize()
	}
	data, err := s.F.Read(c.Context, r, bar.Update)
	bar.Finish()
	if err != nil {
		return err
	}
	if err := safeio.WriteFile(file, data, 0o600, c.Bool("force")); err != nil {
		return err
	}
	if err := s.F.Finish(c.Context); err != nil {
		return err
	}
	sum := md5.Sum(data)
	if c.Bool("json") {
		return jsonout.Write(out, readJSON{V: 1, Port: s.Port.Name(), File: file, Range: r, Bytes: len(data), MD5: hex.EncodeToString(sum[:])})
	}
	fmt.Fprintf(out, "Read %s (%d bytes) into %s, MD5 %x checked.\n", r, len(data), file, sum)
	return nil
}
