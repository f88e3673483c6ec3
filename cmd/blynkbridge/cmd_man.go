package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

func init() {
	register(&cli.Command{
		Name:  "man",
		Usage: "print the man page (roff), generated from the command definitions",
		Description: "View: blynkbridge man | man -l -\n" +
			"Install: blynkbridge man | sudo tee /usr/local/share/man/man1/blynkbridge.1 >/dev/null",
		Action: func(c *cli.Context) error {
			page, err := c.App.ToManWithSection(1)
			if err != nil {
				return bberr.Wrap(err, bberr.Failure, "", "generating the man page")
			}
			_, err = fmt.Fprint(c.App.Writer, page)
			return err
		},
	})
}
