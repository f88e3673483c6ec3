package main

import (
	"github.com/urfave/cli/v2"

	"github.com/blynkbridge/blynkbridge/internal/valid"
)

// validated makes wireValidation idempotent (newApp runs once per run()
// call over shared command definitions).
var validated = map[*cli.Command]bool{}

// wireValidation checks, before every command runs (and after its profile
// filled unset flags), each of its flags that is set against the one table
// in internal/valid: a baud rate, port, host, size or duration out of range
// is exit 2 with the same message in every command.
func wireValidation(cmds []*cli.Command) {
	for _, c := range cmds {
		if validated[c] {
			continue
		}
		validated[c] = true
		wireValidation(c.Subcommands)
		before := c.Before
		c.Before = func(ctx *cli.Context) error {
			if before != nil {
				if err := before(ctx); err != nil {
					return err
				}
			}
			return checkFlags(ctx)
		}
	}
}

func checkFlags(c *cli.Context) error {
	if c.Command == nil {
		return nil
	}
	for _, f := range c.Command.Flags {
		name := f.Names()[0]
		if _, ok := valid.RuleOf(name); !ok || !c.IsSet(name) {
			continue
		}
		if err := valid.Check(name, c.Value(name)); err != nil {
			return err
		}
	}
	return nil
}
