package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/blynkbridge/blynkbridge/internal/manpage"
)

func init() {
	register(&cli.Command{
		Name:  "man",
		Usage: "print the man page (roff), generated from the command definitions",
		Description: "View: blynkbridge man | man -l -\n" +
			"Install: blynkbridge man | gzip -9n | sudo tee /usr/local/share/man/man1/blynkbridge.1.gz >/dev/null",
		Action: func(c *cli.Context) error {
			_, err := fmt.Fprint(c.App.Writer, manpage.Render(c.App, version))
			return err
		},
	})
}
