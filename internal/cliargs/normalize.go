package cliargs

import (
	"errors"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// CompletionFlag is urfave/cli's hidden request for completions: the shell
// scripts append it to the words typed so far.
const CompletionFlag = "--generate-bash-completion"

// ErrNothingToComplete is returned for a completion request after a bare
// "--". urfave/cli would take the request for a positional argument there
// and run the command (`flash -- <Tab>` would flash); the caller prints
// nothing and exits 0 instead.
var ErrNothingToComplete = errors.New("nothing to complete after --")

// esptoolCommands maps esptool's command names (v4 underscores; v5 dashes
// are folded to underscores before the lookup) to ours, first existing
// target wins.
var esptoolCommands = map[string][]string{
	"write_flash":  {"flash"},
	"read_flash":   {"read", "read-flash"},
	"erase_flash":  {"erase", "erase-flash"},
	"erase_region": {"erase", "erase-flash"},
	"verify_flash": {"verify", "verify-flash"},
	"chip_id":      {"info"},
	"flash_id":     {"info"},
	"read_mac":     {"info"},
}

// EsptoolCommands lists the esptool command names Normalize accepts, with
// the blynkbridge command each maps to in app ("" when that command does not
// exist yet), for the docs and the tests.
func EsptoolCommands(app *cli.App) map[string]string {
	out := map[string]string{}
	for k, targets := range esptoolCommands {
		out[k] = ""
		for _, t := range targets {
			if find(app.Commands, t) != nil {
				out[k] = t
				break
			}
		}
	}
	return out
}

// portArgCommands take the port as their only positional argument, as tio
// does (`tio /dev/ttyUSB0`, `blynkbridge monitor /dev/ttyUSB0`).
var portArgCommands = map[string]bool{"monitor": true}

// imageHeaderFlags are esptool write_flash options that rewrite the image
// header. Where the command has no such flag, "keep" (and "detect" for the
// size) mean what blynkbridge always does: write the header as it is.
var imageHeaderFlags = map[string]bool{"flash-mode": true, "flash-freq": true, "flash-size": true}

// usbResetSeq is esptool's USB-JTAG-Serial reset (--before usb_reset) as a
// DTR/RTS sequence: on an ESP8266 behind a USB bridge esptool drives the
// same lines in this order, which the auto-reset circuit turns into
// "reset with GPIO0 low".
const usbResetSeq = "R0|D0|W100|D1|R0|W100|R1|D0|R1|W100|D0|R0"

// Normalize rewrites args (args[0] is the program name) into the form
// urfave/cli parses, or returns a usage error (*bberr.Error, exit 2) for
// an unknown command or an unsupported --chip. Unknown flags are left for
// urfave/cli to reject (see UnknownFlagError for the suggestion).
//
// urfave/cli v2 stops parsing flags at the first positional argument and
// would treat "--offset" "0x10000" in `flash fw.bin --offset 0x10000` as two
// more files (upstream issues #976, #1177) - here that could flash a sketch
// over the bootloader - so flags after positionals are moved in front of
// them, and everything after "--" stays positional.
func Normalize(app *cli.App, args []string) ([]string, error) {
	if n := len(args); n > 1 && args[n-1] == CompletionFlag {
		for _, a := range args[1 : n-1] {
			if a == "--" {
				return nil, ErrNothingToComplete
			}
		}
		// urfave/cli completes the last word: leave the order alone.
		return args, nil
	}
	if len(args) < 2 {
		return args, nil
	}
	global := []string{args[0]}
	var carry []string // esptool-style options before the command
	rest := args[1:]
	flags, cmds := app.Flags, app.Commands
	top := true
	for len(rest) > 0 {
		a := rest[0]
		if a == "--" {
			return append(append(global, carry...), rest...), nil
		}
		if isFlag(a) {
			name, val, hasVal := splitFlag(a)
			rest = rest[1:]
			switch {
			case has(flags, name):
				global = append(global, a)
				if takesValue(flags, name) && !hasVal && len(rest) > 0 {
					global = append(global, rest[0])
					rest = rest[1:]
				}
			case top && (name == "chip" || name == "c"):
				// esptool's -c/--chip comes before the command only.
				if !hasVal && len(rest) > 0 {
					val, rest = rest[0], rest[1:]
				}
				if err := checkChip(val); err != nil {
					return nil, err
				}
			default:
				// -p PORT -b BAUD before the command, as esptool takes
				// them: they belong to the command.
				carry = append(carry, a)
				if takesValue(leafFlags(cmds), name) && !hasVal && len(rest) > 0 {
					carry = append(carry, rest[0])
					rest = rest[1:]
				}
			}
			continue
		}
		cmd, err := resolve(cmds, a, top)
		if err != nil {
			return nil, err
		}
		if cmd == nil { // help, or a parent command's own argument
			return append(append(global, carry...), rest...), nil
		}
		global = append(global, cmd.Name)
		rest = rest[1:]
		top = false
		if hasRealSubcommands(cmd) && !(cmd.Action != nil && firstPositionalIsNotSub(cmd, rest)) {
			// Flags of a parent command come before the subcommand name.
			flags, cmds = cmd.Flags, cmd.Subcommands
			continue
		}
		leaf, lift, err := rewriteLeaf(cmd, append(carry, rest...))
		if err != nil {
			return nil, err
		}
		out := append([]string{global[0]}, lift...)
		out = append(out, global[1:]...)
		return append(out, leaf...), nil
	}
	return append(global, carry...), nil
}

// resolve finds the command named a (or the command an esptool name maps
// to), or returns a usage error with the closest name.
func resolve(cmds []*cli.Command, a string, top bool) (*cli.Command, error) {
	if c := find(cmds, a); c != nil {
		return c, nil
	}
	if a == "help" || a == "h" {
		return nil, nil
	}
	var names []string
	for _, c := range cmds {
		if !c.Hidden && c.Name != "help" {
			names = append(names, c.Name)
		}
	}
	if top {
		key := strings.ReplaceAll(strings.ToLower(a), "-", "_")
		if targets, ok := esptoolCommands[key]; ok {
			for _, t := range targets {
				if c := find(cmds, t); c != nil {
					return c, nil
				}
			}
			return nil, bberr.New(bberr.Usage, "blynkbridge has no counterpart to this esptool command yet: run esptool.py "+key+" for it, or see blynkbridge --help",
				"%q is an esptool command blynkbridge does not have yet", a)
		}
		for k := range esptoolCommands {
			names = append(names, k)
		}
	}
	if s := Suggest(a, names); s != "" {
		return nil, bberr.New(bberr.Usage, fmt.Sprintf("did you mean %q? (blynkbridge --help lists the commands)", s), "unknown command %q", a)
	}
	return nil, bberr.New(bberr.Usage, "blynkbridge --help lists the commands", "unknown command %q", a)
}

// firstPositionalIsNotSub: a parent command with its own Action (none today)
// gets its non-subcommand arguments as a leaf would.
func firstPositionalIsNotSub(cmd *cli.Command, rest []string) bool {
	for _, a := range rest {
		if !isFlag(a) {
			return find(cmd.Subcommands, a) == nil
		}
	}
	return true
}

// rewriteLeaf puts the leaf command's flags (esptool spellings mapped to
// ours) before its positional arguments. lift holds -v/--verbose, which is
// the program's flag and moves in front of the command.
func rewriteLeaf(cmd *cli.Command, toks []string) (out, lift []string, err error) {
	flags := cmd.Flags
	var fl, pos []string
	portGiven := false
	for i := 0; i < len(toks); i++ {
		a := toks[i]
		if a == "--" {
			pos = append(pos, toks[i+1:]...)
			break
		}
		if !isFlag(a) {
			pos = append(pos, a)
			continue
		}
		name, val, hasVal := splitFlag(a)
		eq := hasVal // written --x=y: keep that form
		dash := a[:len(a)-len(strings.TrimLeft(a, "-"))]
		next := func() (string, bool) {
			if hasVal {
				return val, true
			}
			if i+1 < len(toks) {
				i++
				return toks[i], true
			}
			return "", false
		}
		if !has(flags, name) {
			switch {
			case name == "v" || name == "verbose":
				lift = append(lift, a)
				continue
			case name == "chip":
				v, _ := next()
				if err := checkChip(v); err != nil {
					return nil, nil, err
				}
				continue
			case strings.Contains(name, "_") && has(flags, strings.ReplaceAll(name, "_", "-")):
				name = strings.ReplaceAll(name, "_", "-") // --flash_mode
			case strings.Contains(name, "_") && imageHeaderFlags[strings.ReplaceAll(name, "_", "-")],
				imageHeaderFlags[name]:
				v, _ := next()
				if v == "keep" || (v == "detect" && strings.HasSuffix(name, "size")) {
					continue
				}
				return nil, nil, bberr.New(bberr.Usage,
					"blynkbridge writes the image's header as it is: set it when building the image (blynkbridge image build --flash-mode ...), or use keep",
					"%s %s: %s does not rewrite the image header", a, v, cmd.Name)
			case dash == "-" && len(name) > 1 && !hasVal && takesValue(flags, name[:1]):
				// -b115200, -p/dev/ttyUSB0: a value attached to a short flag.
				name, val, hasVal = name[:1], name[1:], true
			}
		}
		if !takesValue(flags, name) {
			if hasVal {
				fl = append(fl, dash+name+"="+val)
			} else {
				fl = append(fl, dash+name)
			}
			continue
		}
		v, ok := next()
		if !ok {
			fl = append(fl, dash+name) // urfave/cli reports the missing value
			continue
		}
		switch canonical(flags, name) {
		case "port":
			portGiven = true
		case "after":
			if fold(v) == "no-reset-stay" { // esptool: stay in the loader
				v = "no-reset"
			}
		case "before":
			switch fold(v) {
			case "usb-reset":
				if has(flags, "connect-seq") {
					fl = append(fl, "--connect-seq", usbResetSeq)
					continue
				}
				v = "default-reset"
			case "no-reset-no-sync": // the ROM loader always wants a sync
				v = "no-reset"
			}
		}
		if eq {
			fl = append(fl, dash+name+"="+v)
		} else {
			fl = append(fl, dash+name, v)
		}
	}
	if portArgCommands[cmd.Name] && !portGiven && len(pos) > 0 && has(flags, "port") {
		fl = append(fl, "--port="+pos[0])
		pos = pos[1:]
	}
	return join(fl, pos), lift, nil
}

// checkChip accepts esptool's --chip for the one chip blynkbridge knows.
func checkChip(v string) error {
	switch strings.ToLower(v) {
	case "esp8266", "auto":
		return nil
	}
	return bberr.New(bberr.Usage, "blynkbridge talks to the ESP8266 only: use --chip esp8266 (or leave it out); for other chips use esptool",
		"--chip %q is not supported", v)
}

func fold(v string) string { return strings.ReplaceAll(strings.ToLower(v), "_", "-") }

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

// splitFlag: "--x=y" -> x, y, true; "-x" -> x, "", false.
func splitFlag(a string) (name, val string, hasVal bool) {
	return strings.Cut(strings.TrimLeft(a, "-"), "=")
}

func lookup(flags []cli.Flag, name string) cli.Flag {
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				return f
			}
		}
	}
	return nil
}

func has(flags []cli.Flag, name string) bool { return lookup(flags, name) != nil }

func canonical(flags []cli.Flag, name string) string {
	if f := lookup(flags, name); f != nil {
		return f.Names()[0]
	}
	return name
}

// takesValue: every known flag but a bool one takes a value.
func takesValue(flags []cli.Flag, name string) bool {
	if name == "help" || name == "h" {
		return false
	}
	f := lookup(flags, name)
	if f == nil {
		return false
	}
	_, isBool := f.(*cli.BoolFlag)
	return !isBool
}

// leafFlags is every flag of every command under cmds, to tell whether an
// option given before the command takes a value.
func leafFlags(cmds []*cli.Command) []cli.Flag {
	var out []cli.Flag
	for _, c := range cmds {
		out = append(out, c.Flags...)
		out = append(out, leafFlags(c.Subcommands)...)
	}
	return out
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

// HasRealSubcommands is hasRealSubcommands for the command wiring.
func HasRealSubcommands(c *cli.Command) bool { return hasRealSubcommands(c) }

func find(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}

// UnknownFlagError turns urfave/cli's "flag provided but not defined: -x"
// into a usage error with the closest flag of the command (flags) as hint.
func UnknownFlagError(err error, flags []cli.Flag) error {
	hint := "run with --help to see the flags"
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		name = strings.TrimLeft(name, "-")
		var names []string
		for _, f := range flags {
			for _, n := range f.Names() {
				if len(n) > 1 {
					names = append(names, n)
				}
			}
		}
		if s := Suggest(name, names); s != "" {
			hint = fmt.Sprintf("did you mean --%s? (run with --help to see the flags)", s)
		}
	}
	return &bberr.Error{Code: bberr.Usage, Msg: msg, Hint: hint, Err: err}
}
