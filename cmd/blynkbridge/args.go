package main

import (
	"github.com/urfave/cli/v2"

	"github.com/blynkbridge/blynkbridge/internal/cliargs"
)

// The command line's shape (esptool and tio habits, flags after
// positionals, did-you-mean) is internal/cliargs; these names stay for the
// command files and tests that use them.

// normalizeArgs is cliargs.Normalize without the usage error (the fake
// apps of the profile tests have no unknown commands).
func normalizeArgs(app *cli.App, args []string) []string {
	out, err := cliargs.Normalize(app, args)
	if err != nil {
		return args
	}
	return out
}

func hasRealSubcommands(c *cli.Command) bool { return cliargs.HasRealSubcommands(c) }

func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}
