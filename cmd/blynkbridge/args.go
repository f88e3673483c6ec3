package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// normalizeArgs moves flags that follow positional arguments in front of
// them, per command, so `flash fw.bin --offset 0x10000` means what the user
// typed. urfave/cli v2 stops parsing flags at the first positional argument
// and would silently treat "--offset" and "0x10000" as more files (upstream
// issues #976, #1177) - here that could flash a sketch over the bootloader.
//
// It walks the command path (global flags, command, subcommands), then
// rewrites the leaf command's arguments: known bool flags take no value,
// other flags take the next argument unless written --x=y, and everything
// after "--" stays positional. Unknown flags are left for cli to reject.
func normalizeArgs(app *cli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	out := []string{args[0]}
	rest := args[1:]
	// Global flags before the command name.
	flags := app.Flags
	cmds := app.Commands
	for len(rest) > 0 {
		a := rest[0]
		if a == "--" {
			return append(out, rest...)
		}
		if isFlag(a) {
			out = append(out, a)
			rest = rest[1:]
			if takesValue(flags, a) && len(rest) > 0 {
				out = append(out, rest[0])
				rest = rest[1:]
			}
			continue
		}
		cmd := findCommand(cmds, a)
		if cmd == nil {
			return append(out, rest...)
		}
		out = append(out, a)
		rest = rest[1:]
		if hasRealSubcommands(cmd) {
			// Flags of a parent command come before the subcommand name.
			flags, cmds = cmd.Flags, cmd.Subcommands
			continue
		}
		return append(out, reorder(cmd.Flags, rest)...)
	}
	return out
}

func reorder(flags []cli.Flag, args []string) []string {
	var fl, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			return join(fl, pos)
		}
		if !isFlag(a) {
			pos = append(pos, a)
			continue
		}
		fl = append(fl, a)
		if takesValue(flags, a) && i+1 < len(args) {
			i++
			fl = append(fl, args[i])
		}
	}
	return join(fl, pos)
}

func join(fl, pos []string) []string {
	out := append([]string{}, fl...)
	for _, p := range pos {
		if isFlag(p) || p == "--" {
			// A positional that looks like a flag must stay positional.
			out = append(out, "--")
			break
		}
	}
	return append(out, pos...)
}

// isFlag: "-x", "--xy", "--x=y"; a lone "-" (stdin) is positional.
func isFlag(a string) bool { return len(a) > 1 && a[0] == '-' && a != "--" }

func takesValue(flags []cli.Flag, a string) bool {
	name := strings.TrimLeft(a, "-")
	if strings.Contains(name, "=") {
		return false
	}
	if name == "help" || name == "h" {
		return false
	}
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				_, isBool := f.(*cli.BoolFlag)
				return !isBool
			}
		}
	}
	return false
}

// hasRealSubcommands: urfave/cli adds a "help" subcommand to every command
// the first time it runs, which must not turn a leaf into a parent on the
// next run in the same process (tests).
func hasRealSubcommands(c *cli.Command) bool {
	for _, s := range c.Subcommands {
		if s.Name != "help" {
			return true
		}
	}
	return false
}

func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}
