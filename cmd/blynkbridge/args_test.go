package main

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

func testApp() *cli.App {
	return &cli.App{
		Flags: []cli.Flag{&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}}},
		Commands: []*cli.Command{
			{Name: "flash", Flags: []cli.Flag{
				&cli.StringFlag{Name: "offset"},
				&cli.StringFlag{Name: "port", Aliases: []string{"p"}},
				&cli.BoolFlag{Name: "json"},
			}},
			{Name: "cert", Subcommands: []*cli.Command{
				{Name: "check", Flags: []cli.Flag{&cli.BoolFlag{Name: "json"}}},
			}},
		},
	}
}

func TestNormalizeArgs(t *testing.T) {
	cases := []struct{ in, want string }{
		{"bb flash fw.bin --offset 0x10000", "bb flash --offset 0x10000 fw.bin"},
		{"bb flash fw.bin --offset=0x10000", "bb flash --offset=0x10000 fw.bin"},
		{"bb -v flash fw.bin --json -p /dev/x", "bb -v flash --json -p /dev/x fw.bin"},
		{"bb flash --json fw.bin", "bb flash --json fw.bin"},
		{"bb flash fw.bin -- --offset", "bb flash -- fw.bin --offset"},
		{"bb flash - --json", "bb flash --json -"},
		{"bb cert check AA:BB --json", "bb cert check --json AA:BB"},
		{"bb unknown a --b", "bb unknown a --b"},
		{"bb flash a.bin --json=false", "bb flash --json=false a.bin"},
	}
	for _, c := range cases {
		got := normalizeArgs(testApp(), strings.Fields(c.in))
		if !reflect.DeepEqual(got, strings.Fields(c.want)) {
			t.Errorf("%s\n got  %q\n want %q", c.in, got, strings.Fields(c.want))
		}
	}
}

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
				want = append(want, "POS")
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
