package main

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/internal/cliargs"
)

// Every registered command must accept its flags after positional arguments.
// For each leaf command and each of its flags, the normalised form of
// "cmd POS --flag [v]" must put the flag (and its value) before POS.
func TestEveryCommandTakesTrailingFlags(t *testing.T) {
	app := newApp(&bytes.Buffer{}, &bytes.Buffer{})
	var walk func(path []string, cs []*cli.Command)
	n := 0
	walk = func(path []string, cs []*cli.Command) {
		for _, c := range cs {
			p := append(append([]string{}, path...), c.Name)
			if hasRealSubcommands(c) {
				walk(p, c.Subcommands)
				continue
			}
			for _, f := range c.Flags {
				name := "--" + f.Names()[0]
				_, isBool := f.(*cli.BoolFlag)
				in := append(append([]string{"bb"}, p...), "POS", name)
				want := append(append([]string{"bb"}, p...), name)
				if !isBool {
					in = append(in, "VAL")
					want = append(want, "VAL")
				}
				if p[0] == "monitor" && f.Names()[0] != "port" {
					want = append(want, "--port=POS") // tio: monitor PORT
				} else {
					want = append(want, "POS")
				}
				got := normalizeArgs(app, in)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%v: got %q want %q", in, got, want)
				}
				n++
			}
		}
	}
	walk(nil, app.Commands)
	t.Logf("checked %d command flags", n)
}

func TestExitCodesAndUsageError(t *testing.T) {
	out, _ := runOK(t, "version")
	if !strings.Contains(out, "blynkbridge") {
		t.Fatal(out)
	}
	if _, errOut, code := runCLI(t, "version", "--nope"); code != bberr.Usage {
		t.Fatalf("unknown flag: code %d (%s)", code, errOut)
	}
}

// Helpers for the tests: the command line's shape is internal/cliargs.

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
