package manpage

import (
	"fmt"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/profiles"
)

// Sections are the page's sections, in order (a test checks each).
var Sections = []string{"NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "OPTIONS", "EXIT STATUS", "ENVIRONMENT", "FILES", "EXAMPLES", "SEE ALSO"}

// Render returns the page for app; version goes in the footer.
func Render(app *cli.App, version string) string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	// No hyphenation: flag names and paths must be findable with / in man.
	w(".TH BLYNKBRIDGE 1 \"\" \"blynkbridge %s\" \"User Commands\"\n.nh\n", esc(version))
	w(".SH NAME\nblynkbridge \\- %s\n", esc(app.Usage))
	w(".SH SYNOPSIS\n.B blynkbridge\n[\\fB\\-v\\fR] [\\fB\\-\\-profile\\fR \\fINAME\\fR] [\\fB\\-\\-config\\fR \\fIFILE\\fR] \\fICOMMAND\\fR [\\fIFLAGS\\fR] [\\fIARGS\\fR]\n")
	w(".br\n.B blynkbridge\n[\\fB\\-p\\fR \\fIPORT\\fR] [\\fB\\-b\\fR \\fIBAUD\\fR] [\\fB\\-\\-chip esp8266\\fR] \\fBwrite_flash\\fR|\\fBchip_id\\fR|\\fBflash_id\\fR|\\fBread_mac\\fR ... (esptool's forms)\n")
	w(".SH DESCRIPTION\n%s\n", esc("One program for ESP8266 and USB-only boards running Blynk: it flashes firmware with the server, token and TLS fingerprint patched in, watches the board's serial output and explains it, relays USB boards to a Blynk server over verified TLS, checks certificate fingerprints, and does all of it on a simulated board."))
	w(".PP\n%s\n", esc("Flags may follow positional arguments; -- ends the flags. Flags as esptool names them where they overlap (-p/--port, -b/--baud, --before, --after), and esptool's habits work: connection flags before the command, attached values (-b115200), --chip esp8266, underscore spellings (--flash_mode), esptool command names. monitor takes the port as its argument, as tio does. Commands that report take --json: one object, or one record per line for streams, each with \"v\": 1."))
	w(".SH COMMANDS\n")
	cmds := append([]*cli.Command{}, app.Commands...)
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].Name < cmds[j].Name })
	for _, c := range cmds {
		if c.Hidden || c.Name == "help" {
			continue
		}
		command(&b, c, "", app.Flags)
	}
	w(".SH OPTIONS\nThese come before or after the command.\n")
	flags(&b, app.Flags, nil)
	w(".SH \"EXIT STATUS\"\n")
	for _, e := range bberr.Table {
		w(".TP\n.B %d\n%s (\\fI%s\\fR)\n", e.Code, esc(e.Meaning), esc(e.Name))
	}
	w(".SH ENVIRONMENT\nSettings come from a flag, then the environment, then the profile, then the built-in default; a flag on the command line silences the profile's conflicting values.\n")
	for _, e := range environment() {
		w(".TP\n.B %s\n%s\n", e[0], esc(e[1]))
	}
	w(".SH FILES\n")
	for _, f := range files {
		w(".TP\n.I %s\n%s\n", esc(f[0]), esc(f[1]))
	}
	w(".SH EXAMPLES\n")
	for _, ex := range examples {
		w(".TP\n.B %s\n%s\n", esc(ex[0]), esc(ex[1]))
	}
	w(".SH \"SEE ALSO\"\n.BR esptool (1),\n.BR tio (1),\n.BR udev (7),\n.BR systemd.service (5)\n.PP\nhttps://github.com/blynkbridge/blynkbridge\n")
	return b.String()
}

func command(b *strings.Builder, c *cli.Command, parent string, global []cli.Flag) {
	name := strings.TrimSpace(parent + " " + c.Name)
	subs := false
	for _, s := range c.Subcommands {
		if s.Name != "help" && !s.Hidden {
			subs = true
			command(b, s, name, global)
		}
	}
	if subs {
		return
	}
	fmt.Fprintf(b, ".SS \"%s", esc(name))
	if c.ArgsUsage != "" && strings.TrimSpace(c.ArgsUsage) != "" {
		fmt.Fprintf(b, " %s", esc(c.ArgsUsage))
	}
	fmt.Fprintf(b, "\"\n%s\n", esc(c.Usage))
	if len(c.Aliases) > 0 {
		fmt.Fprintf(b, ".br\nAlso: %s.\n", esc(strings.Join(c.Aliases, ", ")))
	}
	flags(b, c.Flags, global)
}

// flags lists fs, leaving out the help flag and any flag that is one of
// the global ones (--profile, --config) copied onto the command.
func flags(b *strings.Builder, fs, global []cli.Flag) {
	seen := map[string]bool{}
	for _, f := range fs {
		names := f.Names()
		if seen[names[0]] || names[0] == "help" || isGlobal(f, global) {
			continue
		}
		seen[names[0]] = true
		var parts []string
		for _, n := range names {
			d := "\\-\\-"
			if len(n) == 1 {
				d = "\\-"
			}
			parts = append(parts, "\\fB"+d+esc(n)+"\\fR")
		}
		arg, usage := "", ""
		if dg, ok := f.(cli.DocGenerationFlag); ok {
			usage = dg.GetUsage()
			if dg.TakesValue() {
				arg = " \\fI" + esc(valueName(usage)) + "\\fR"
			}
			if v := dg.GetDefaultText(); v != "" && dg.TakesValue() {
				usage += " (default " + v + ")"
			} else if v := dg.GetValue(); v != "" && v != "false" && v != "0" && v != "0s" && dg.TakesValue() {
				usage += " (default " + v + ")"
			}
		}
		usage = strings.ReplaceAll(usage, "`", "")
		fmt.Fprintf(b, ".TP\n%s%s\n%s\n", strings.Join(parts, ", "), arg, esc(usage))
	}
}

func isGlobal(f cli.Flag, global []cli.Flag) bool {
	u, ok := f.(cli.DocGenerationFlag)
	for _, g := range global {
		gu, gok := g.(cli.DocGenerationFlag)
		if ok && gok && g.Names()[0] == f.Names()[0] && gu.GetUsage() == u.GetUsage() {
			return true
		}
	}
	return false
}

// valueName: the back-quoted word of a usage string (urfave/cli's
// convention), else "VALUE".
func valueName(usage string) string {
	if i := strings.IndexByte(usage, '`'); i >= 0 {
		if j := strings.IndexByte(usage[i+1:], '`'); j > 0 {
			return usage[i+1 : i+1+j]
		}
	}
	return "VALUE"
}

// environment lists every variable the commands read, from the profile
// bindings of the commands that use them.
func environment() [][2]string {
	uses := map[string]map[string][]string{} // env -> flag -> commands
	keys := map[string]string{}
	for _, cmd := range []string{"flash", "monitor"} {
		for _, bd := range profiles.Bindings(cmd) {
			for _, e := range bd.Env {
				if uses[e] == nil {
					uses[e] = map[string][]string{}
				}
				uses[e][bd.Flag] = append(uses[e][bd.Flag], cmd)
				keys[e] = bd.Key
			}
		}
	}
	seen := map[string]string{}
	for e, flags := range uses {
		var parts []string
		for f, cmds := range flags {
			p := "--" + f
			if len(cmds) == 1 {
				if cmds[0] == "flash" {
					p += " of flash"
				} else {
					p += " of the other commands"
				}
			}
			parts = append(parts, p)
		}
		sort.Strings(parts)
		seen[e] = "the value of " + strings.Join(parts, ", ") + " wherever a command takes it and the command line does not set it (profile key: " + keys[e] + ")"
	}
	seen[profiles.EnvConfig] = "the profiles file (instead of the default under FILES)"
	seen[profiles.EnvProfile] = "the profile to use when --profile is not given"
	seen["BLYNKBRIDGE_DAEMON_SOCKET"] = "the daemon's control socket: where blynkbridge daemon listens and where the other commands look for it"
	seen["BLYNKBRIDGE_NO_DAEMON"] = "1: commands ignore a running daemon and open the port themselves"
	names := make([]string, 0, len(seen))
	for k := range seen {
		names = append(names, k)
	}
	sort.Strings(names)
	out := make([][2]string, len(names))
	for i, k := range names {
		out[i] = [2]string{k, seen[k]}
	}
	return out
}

// files: each path as it is on the reader's system (os.UserConfigDir and
// os.UserCacheDir on each platform; the package's paths on Debian).
var files = [][2]string{
	{"~/.config/blynkbridge/profiles.toml", "the profiles (profile add/list/show/rm/use) on Linux; $XDG_CONFIG_HOME/blynkbridge/profiles.toml when XDG_CONFIG_HOME is set; ~/Library/Application Support/blynkbridge/profiles.toml on macOS; %AppData%\\blynkbridge\\profiles.toml on Windows. $BLYNKBRIDGE_CONFIG or --config overrides it."},
	{"~/.cache/blynkbridge/", "what flash --resume needs to continue an interrupted write ($XDG_CACHE_HOME/blynkbridge on Linux when set; ~/Library/Caches/blynkbridge on macOS; %LocalAppData%\\blynkbridge on Windows)."},
	{"/usr/lib/udev/rules.d/99-blynkbridge.rules", "the .deb's udev rule: USB serial bridges (CH340, CH9102, CP210x, FTDI) readable by the dialout group, stable /dev/blynkbridge-* links, and kept away from ModemManager."},
	{"/usr/lib/systemd/system/blynkbridge-relay@.service", "the .deb's unit for the USB relay: systemctl enable --now blynkbridge-relay@NAME runs relay --profile NAME."},
	{"/etc/blynkbridge/profiles.toml", "the profiles file the relay unit reads (root-only, 0600; passed to the service as a systemd credential)."},
	{"/usr/lib/systemd/system/blynkbridge.service", "the .deb's unit for the daemon (blynkbridge daemon $BLYNKBRIDGE_DAEMON_ARGS from /etc/default/blynkbridge); logs in /var/lib/blynkbridge/boards."},
	{"$XDG_RUNTIME_DIR/blynkbridge/daemon.sock, /run/blynkbridge/daemon.sock", "the daemon's control socket (0600), where monitor, flash, status, decode and ports look for a running daemon; $BLYNKBRIDGE_DAEMON_SOCKET overrides it."},
	{"~/.local/state/blynkbridge/boards/", "the daemon's per-board raw.log and journal.jsonl ($XDG_STATE_HOME/blynkbridge/boards when set; --log-dir overrides it)."},
	{"/usr/share/doc/blynkbridge/copyright", "the licence (MIT)."},
}

var examples = [][2]string{
	{"blynkbridge ports", "which USB serial ports, which bridge chip, which board"},
	{"blynkbridge monitor /dev/ttyUSB0 --elf firmware.elf --log board.log", "watch a board, crash addresses decoded, every byte kept"},
	{"blynkbridge flash firmware.bin --server blynk.lan:9443 --token-file token.txt --fingerprint-from blynk.lan:9443", "patch the server, token and pin into the image and flash it"},
	{"blynkbridge -p /dev/ttyUSB0 -b 460800 write_flash 0x0 firmware.bin", "esptool's form of the same write"},
	{"blynkbridge relay -p /dev/ttyACM0 --server blynk.lan:9443", "carry a USB-only board's Blynk traffic over verified TLS"},
	{"blynkbridge demo --plain", "the whole story on a simulated board"},
}

// esc makes text safe in roff: backslashes, hyphens (a minus in a flag),
// and a leading dot or quote that would start a request.
func esc(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "-", `\-`)
	s = strings.ReplaceAll(s, `"`, `\(dq`)
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, ".") || strings.HasPrefix(l, "'") {
			l = `\&` + l
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}
