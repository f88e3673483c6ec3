package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/internal/shellcomp"
)

func init() {
	var desc []string
	for _, sh := range shellcomp.Shells() {
		desc = append(desc, fmt.Sprintf("%-11s %s", sh+":", shellcomp.Install[sh]))
	}
	register(&cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script (" + strings.Join(shellcomp.Shells(), ", ") + ")",
		ArgsUsage: strings.Join(shellcomp.Shells(), "|"),
		Description: strings.Join(desc, "\n") + "\n" +
			"Completes commands, flags, profile names (--profile) and serial ports (-p/--port).\n" +
			"Completing never runs a command (after a bare -- only file names are offered).",
		BashComplete: func(c *cli.Context) {
			for _, s := range shellcomp.Shells() {
				fmt.Fprintln(c.App.Writer, s)
			}
		},
		Action: func(c *cli.Context) error {
			s, err := shellcomp.Script(c.Args().First())
			if err != nil || c.NArg() != 1 {
				return bberr.New(bberr.Usage, "expected one shell name: "+strings.Join(shellcomp.Shells(), ", "),
					"usage: blynkbridge completion %s", strings.Join(shellcomp.Shells(), "|"))
			}
			_, err = fmt.Fprint(c.App.Writer, s)
			return err
		},
	})
}
