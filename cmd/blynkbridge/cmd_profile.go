package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/internal/cliargs"
	"github.com/blynkbridge/blynkbridge/internal/jsonout"
	"github.com/blynkbridge/blynkbridge/profiles"
)

// profileFlags are the flags every command takes to choose a profile. They
// are global (before the command name) and per command (after it).
func profileFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "profile", Usage: "take unset flags from profile `NAME` (default: $BLYNKBRIDGE_PROFILE, then the file's default)"},
		&cli.StringFlag{Name: "config", Usage: "profiles `FILE` (default: $BLYNKBRIDGE_CONFIG, then <user config dir>/blynkbridge/profiles.toml)"},
	}
}

// noProfileCommands take --config for their own use (profile, doctor),
// never read settings (completion, man, version, exit-codes), or play the
// other end of the wire (sim is the board, server is the Blynk server:
// their --baud, --token and --tls mean something else): applyProfile is
// not wired to them.
var noProfileCommands = map[string]bool{"profile": true, "completion": true, "man": true, "version": true,
	"exit-codes": true, "doctor": true, "sim": true, "server": true}

// wireProfiles adds profileFlags to every command (and subcommand) that
// does not define them, and runs applyProfile before its own Before.
func wireProfiles(cmds []*cli.Command) {
	for _, c := range cmds {
		if noProfileCommands[c.Name] {
			continue
		}
		wireProfile(c)
	}
}

// wired makes wireProfiles idempotent: newApp runs once per run() call and
// the command definitions are shared, so tests would otherwise stack up
// Before wrappers.
var wired = map[*cli.Command]bool{}

func wireProfile(c *cli.Command) {
	if wired[c] {
		return
	}
	wired[c] = true
	// cliargs.HasRealSubcommands ignores the "help" subcommand urfave/cli
	// adds to every command once an app has run.
	parent := cliargs.HasRealSubcommands(c)
	if parent {
		for _, s := range c.Subcommands {
			if s.Name != "help" {
				wireProfile(s)
			}
		}
	}
	for _, f := range profileFlags() {
		if !hasFlag(c.Flags, f.Names()[0]) {
			c.Flags = append(c.Flags, f)
		}
	}
	if parent {
		return
	}
	before := c.Before
	c.Before = func(ctx *cli.Context) error {
		if err := applyProfile(ctx); err != nil {
			return err
		}
		if before != nil {
			return before(ctx)
		}
		return nil
	}
}

func hasFlag(flags []cli.Flag, name string) bool {
	return findFlag(flags, name) != nil
}

func findFlag(flags []cli.Flag, name string) cli.Flag {
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				return f
			}
		}
	}
	return nil
}

// lineageString returns the value of a flag set on the command line at any
// level (`blynkbridge --profile x flash` or `blynkbridge flash --profile x`),
// innermost first.
func lineageString(c *cli.Context, name string) string {
	for _, x := range c.Lineage() {
		if x == nil || x.Command == nil {
			continue
		}
		flags := append(append([]cli.Flag{}, x.Command.Flags...), c.App.Flags...)
		if hasFlag(flags, name) && x.IsSet(name) {
			return x.String(name)
		}
	}
	return ""
}

// setFlag sets a flag under all its names. urfave/cli gives a string or int
// flag one value per name (aliases are synchronised after parsing only),
// but a slice flag one value shared by all names: setting that under every
// name would append the value once per alias. So set the main name, then
// only the aliases that did not follow.
func setFlag(c *cli.Context, f cli.Flag, v string) error {
	names := f.Names()
	if err := c.Set(names[0], v); err != nil {
		return err
	}
	want := fmt.Sprint(c.Value(names[0]))
	for _, n := range names[1:] {
		if fmt.Sprint(c.Value(n)) != want {
			if err := c.Set(n, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// setByUser reports whether a flag got its value from the command line or
// from an environment variable the flag reads itself (EnvVars). urfave/cli
// counts an exported but empty variable (BLYNKBRIDGE_PORT=) as set and
// gives the flag an empty value; that must not hide the profile's value.
func setByUser(c *cli.Context, name string) bool {
	if !c.IsSet(name) {
		return false
	}
	f := findFlag(c.Command.Flags, name)
	ef, ok := f.(interface{ GetEnvVars() []string })
	if f == nil || !f.IsSet() || !ok || len(ef.GetEnvVars()) == 0 {
		return true
	}
	for _, e := range ef.GetEnvVars() {
		if os.Getenv(e) != "" {
			return true
		}
	}
	// Marked set only by an empty environment variable (or, in tests, by
	// an earlier run in the same process): the command line set it only if
	// it holds a non-empty value.
	return c.String(name) != ""
}

// configPath: --config, then $BLYNKBRIDGE_CONFIG, then the user config dir.
func configPath(c *cli.Context) (string, error) {
	if p := lineageString(c, "config"); p != "" {
		return p, nil
	}
	return profiles.DefaultPath(os.Getenv)
}

// loadProfiles reads the profiles file and prints its warnings.
func loadProfiles(c *cli.Context) (*profiles.File, error) {
	path, err := configPath(c)
	if err != nil {
		return nil, err
	}
	f, err := profiles.Load(path)
	if err != nil {
		return nil, err
	}
	for _, w := range f.Warnings {
		fmt.Fprintf(c.App.ErrWriter, "warning: %s\n", w)
	}
	return f, nil
}

// applyProfile fills every flag of the running command that was not set on
// the command line: from the environment first, then from the profile
// (--profile, $BLYNKBRIDGE_PROFILE, or the file's default). Flags left
// alone keep their built-in default. The mapping flag -> environment ->
// profile key is profiles.Bindings.
func applyProfile(c *cli.Context) error {
	cmd := c.Command
	if cmd == nil {
		return nil
	}
	name := lineageString(c, "profile")
	if name == "" {
		name = os.Getenv(profiles.EnvProfile)
	}
	if err := dropEnvBeatenByFlag(c); err != nil {
		return err
	}
	has := func(n string) bool { return hasFlag(cmd.Flags, n) }
	isSet := func(n string) bool { return setByUser(c, n) }
	// A command whose settings all came on the command line does not read
	// the file at all, so a broken profiles file cannot stop it.
	var p *profiles.Profile
	if name != "" || profiles.Wants(cmd.FullName(), has, isSet) {
		f, err := loadProfiles(c)
		if err != nil {
			return err
		}
		if p, err = f.Select(name); err != nil {
			return err
		}
	}
	filled, err := profiles.Fill(cmd.FullName(), has, isSet, os.Getenv, p)
	if err != nil {
		return err
	}
	for _, fl := range filled {
		if err := setFlag(c, findFlag(cmd.Flags, fl.Flag), fl.Value); err != nil {
			v := fl.Value
			if fl.Secret {
				v = "<redacted>"
			}
			return bberr.New(bberr.BadInput, "fix "+fl.Origin+" (or pass --"+fl.Flag+" on the command line)",
				"--%s=%s from %s: %v", fl.Flag, v, fl.Origin, err)
		}
		// Filled.String redacts secrets.
		slog.Debug("setting", "value", fl.String())
	}
	return nil
}

func init() {
	cfg := func() cli.Flag {
		return &cli.StringFlag{Name: "config", Usage: "profiles `FILE` (default: $BLYNKBRIDGE_CONFIG, then <user config dir>/blynkbridge/profiles.toml)"}
	}
	jsonFlag := &cli.BoolFlag{Name: "json", Usage: "print JSON (tokens are never included)"}
	register(&cli.Command{
		Name:  "profile",
		Usage: "manage named board and server settings (profiles.toml)",
		Description: "A profile holds a board (port, USB serial, by-id name or VID:PID), baud rates, reset\n" +
			"strategy, firmware paths, server, TLS mode and token source. Every command takes\n" +
			"--profile NAME; unset flags come from the environment, then the profile, then defaults.",
		Subcommands: []*cli.Command{
			{
				Name:         "add",
				Usage:        "create (or with --force replace) a profile",
				ArgsUsage:    "NAME",
				Flags:        append(profileAddFlags(), cfg()),
				Action:       profileAdd,
				BashComplete: completeProfileNames,
			},
			{
				Name:    "list",
				Aliases: []string{"ls"},
				Usage:   "list profiles (tokens never shown)",
				Flags: []cli.Flag{jsonFlag, cfg(),
					&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print names only"}},
				Action: profileList,
			},
			{
				Name:         "show",
				Usage:        "show one profile (default: the default profile); the token is redacted",
				ArgsUsage:    "[NAME]",
				Flags:        []cli.Flag{jsonFlag, cfg()},
				Action:       profileShow,
				BashComplete: completeProfileNames,
			},
			{
				Name:         "rm",
				Aliases:      []string{"remove"},
				Usage:        "delete a profile",
				ArgsUsage:    "NAME",
				Flags:        []cli.Flag{cfg()},
				Action:       profileRm,
				BashComplete: completeProfileNames,
			},
			{
				Name:         "use",
				Usage:        "make a profile the default",
				ArgsUsage:    "NAME",
				Flags:        []cli.Flag{cfg()},
				Action:       profileUse,
				BashComplete: completeProfileNames,
			},
			{
				Name:   "path",
				Usage:  "print the profiles file path",
				Flags:  []cli.Flag{cfg()},
				Action: func(c *cli.Context) error { p, err := configPath(c); fmt.Fprintln(c.App.Writer, p); return err },
			},
		},
	})
}

func profileAddFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "port", Aliases: []string{"p"}, Usage: "serial port `PATH` (/dev/ttyUSB0, COM3)"},
		&cli.StringFlag{Name: "by-id", Usage: "board by its /dev/serial/by-id `NAME`"},
		&cli.StringFlag{Name: "usb-serial", Usage: "board by the USB `SERIAL` number of its bridge chip"},
		&cli.StringFlag{Name: "vid-pid", Usage: "board by `VID:PID` (must match one port)"},
		&cli.IntFlag{Name: "baud", Aliases: []string{"b"}, Usage: "monitor/relay baud `RATE`"},
		&cli.IntFlag{Name: "flash-baud", Usage: "flash baud `RATE`"},
		&cli.StringFlag{Name: "before", Usage: "reset strategy before flashing (default-reset, usb-reset, no-reset, no-reset-no-sync)"},
		&cli.StringFlag{Name: "after", Usage: "after flashing (hard-reset, soft-reset, no-reset, no-reset-stub)"},
		&cli.StringFlag{Name: "image", Usage: "firmware image `FILE` (.bin)"},
		&cli.StringFlag{Name: "elf", Usage: "ELF `FILE` for crash decoding"},
		&cli.StringFlag{Name: "server", Usage: "Blynk server `HOST[:PORT]`"},
		&cli.StringFlag{Name: "tls", Usage: "TLS `MODE`: fingerprint, ca, insecure, none (default: inferred)"},
		&cli.StringFlag{Name: "ca", Usage: "CA certificate `FILE`"},
		&cli.StringFlag{Name: "fingerprint", Usage: "server certificate `FINGERPRINT` (SHA-1 or SHA-256 hex)"},
		&cli.BoolFlag{Name: "insecure", Usage: "TLS without checking the certificate (same as --tls insecure)"},
		&cli.BoolFlag{Name: "no-tls", Usage: "plain TCP (same as --tls none)"},
		&cli.StringFlag{Name: "token", Usage: "auth `TOKEN` stored in the file (lands in shell history: prefer --token-file)"},
		&cli.StringFlag{Name: "token-file", Usage: "read the token from `FILE` when used"},
		&cli.StringFlag{Name: "token-env", Usage: "read the token from environment variable `VAR` when used"},
		&cli.StringSliceFlag{Name: "relay", Usage: "relay option `FLAG=VALUE` (repeatable), e.g. --relay reconnect-max=30s"},
		&cli.BoolFlag{Name: "default", Usage: "make it the default profile"},
		&cli.BoolFlag{Name: "force", Usage: "replace an existing profile of that name"},
	}
}

// cmdLineKey holds, in App.Metadata, the arguments run() was given, so
// flagOnCommandLine can tell a flag typed by the user from one filled from
// the environment or a profile.
const cmdLineKey = "blynkbridge.args"

// flagOnCommandLine reports whether --name (or -name, --name=V) was typed
// on the command line.
func flagOnCommandLine(c *cli.Context, name string) bool {
	args, _ := c.App.Metadata[cmdLineKey].([]string)
	for _, a := range args {
		if a == "--" {
			return false
		}
		if !strings.HasPrefix(a, "-") {
			continue
		}
		a, _, _ = strings.Cut(strings.TrimLeft(a, "-"), "=")
		if a == name {
			return true
		}
	}
	return false
}

// warnTokenFlag warns when a secret was typed on the command line (not
// taken from the environment or a profile): it stays in the shell's history
// and every user sees it in ps. Every command with a token flag calls it.
func warnTokenFlag(c *cli.Context, flag string) {
	if flagOnCommandLine(c, flag) {
		fmt.Fprintf(c.App.ErrWriter, "warning: --%s is kept in your shell history and shown to every user by ps; prefer --%s-file FILE (mode 600) or $BLYNKBRIDGE_TOKEN\n", flag, flag)
	}
}

func oneArg(c *cli.Context, what string) (string, error) {
	if c.NArg() != 1 {
		return "", bberr.New(bberr.Usage, "usage: blynkbridge profile "+c.Command.Name+" "+what, "expected one profile name, got %d arguments", c.NArg())
	}
	return c.Args().First(), nil
}

func profileAdd(c *cli.Context) error {
	name, err := oneArg(c, "NAME [flags]")
	if err != nil {
		return err
	}
	path, err := configPath(c)
	if err != nil {
		return err
	}
	p := &profiles.Profile{
		Name: name, Port: c.String("port"), ByID: c.String("by-id"), USBSerial: c.String("usb-serial"), VIDPID: strings.ToLower(c.String("vid-pid")),
		MonitorBaud: c.Int("baud"), FlashBaud: c.Int("flash-baud"), Before: c.String("before"), After: c.String("after"),
		Image: c.String("image"), ELF: c.String("elf"),
		Server: c.String("server"), TLS: c.String("tls"), CA: c.String("ca"), Fingerprint: c.String("fingerprint"),
		TokenFile: c.String("token-file"), TokenEnv: c.String("token-env"),
	}
	switch {
	case c.Bool("insecure") && c.Bool("no-tls"):
		return bberr.New(bberr.Usage, "choose one", "--insecure and --no-tls both given")
	case c.Bool("insecure"):
		p.TLS = "insecure"
	case c.Bool("no-tls"):
		p.TLS = "none"
	}
	if c.IsSet("token") {
		warnTokenFlag(c, "token")
		p.Token = blynk.NewToken(strings.TrimSpace(c.String("token")))
	}
	res, err := profiles.Add(c.Context, path, p, profiles.AddOptions{Default: c.Bool("default"), Force: c.Bool("force"), Relay: c.StringSlice("relay")})
	if err != nil {
		return err
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(c.App.ErrWriter, "warning: %s\n", w)
	}
	def := ""
	if res.Default {
		def = " (default)"
	}
	fmt.Fprintf(c.App.Writer, "saved profile %s%s in %s\n", name, def, profiles.Safe(res.Path))
	return nil
}

func profileList(c *cli.Context) error {
	f, err := loadProfiles(c)
	if err != nil {
		return err
	}
	switch {
	case c.Bool("json"):
		return jsonout.Write(c.App.Writer, f.List())
	case c.Bool("quiet"):
		f.WriteNames(c.App.Writer)
		return nil
	}
	return f.WriteList(c.App.Writer)
}

func profileShow(c *cli.Context) error {
	if c.NArg() > 1 {
		return bberr.New(bberr.Usage, "usage: blynkbridge profile show [NAME]", "too many arguments")
	}
	f, err := loadProfiles(c)
	if err != nil {
		return err
	}
	p, err := f.Show(c.Args().First())
	if err != nil {
		return err
	}
	if c.Bool("json") {
		return jsonout.Write(c.App.Writer, struct {
			V int `json:"v"`
			profiles.JSON
		}{profiles.ReportVersion, profiles.ToJSON(p, f.Default)})
	}
	f.WriteShow(c.App.Writer, p)
	return nil
}

func profileRm(c *cli.Context) error {
	return editProfiles(c, profiles.RemoveFrom, "removed profile ")
}

func profileUse(c *cli.Context) error {
	return editProfiles(c, profiles.Use, "default profile: ")
}

// editProfiles is what profile rm and use share: one NAME argument, one
// locked edit of the file, then what was done.
func editProfiles(c *cli.Context, edit func(ctx context.Context, path, name string) error, done string) error {
	name, err := oneArg(c, "NAME")
	if err != nil {
		return err
	}
	path, err := configPath(c)
	if err != nil {
		return err
	}
	if err := edit(c.Context, path, name); err != nil {
		return err
	}
	fmt.Fprintln(c.App.Writer, done+name)
	return nil
}

// completeProfileNames prints profile names for shell completion; errors
// are silent (a completion must never print noise).
func completeProfileNames(c *cli.Context) {
	path, err := configPath(c)
	if err != nil {
		return
	}
	f, err := profiles.Load(path)
	if err != nil {
		return
	}
	f.WriteNames(c.App.Writer)
}

// dropEnvBeatenByFlag keeps flag > env: urfave/cli counts a flag that only
// its own EnvVars set (image patch --token from $BLYNKBRIDGE_TOKEN) as set,
// just like one given on the command line, so `--token-file F` with the
// variable exported read as "both given". A flag set only by the
// environment goes back to its default when another flag of its
// profiles.Bindings group is on the command line.
func dropEnvBeatenByFlag(c *cli.Context) error {
	binds := profiles.Bindings(c.Command.FullName())
	envOnly := map[string]bool{}
	onCLI := map[string]string{} // group -> a flag of it given on the command line
	for _, b := range binds {
		f := findFlag(c.Command.Flags, b.Flag)
		if b.Group == "" || f == nil || !c.IsSet(b.Flag) {
			continue
		}
		if fromEnvOnly(c, f) {
			envOnly[b.Flag] = true
		} else {
			onCLI[b.Group] = b.Flag
		}
	}
	for _, b := range binds {
		if !envOnly[b.Flag] || onCLI[b.Group] == "" {
			continue
		}
		f := findFlag(c.Command.Flags, b.Flag)
		def := ""
		if d, ok := f.(cli.DocGenerationFlag); ok {
			def = d.GetDefaultText() // strings come quoted
			if u, err := strconv.Unquote(def); err == nil {
				def = u
			}
		}
		if err := setFlag(c, f, def); err != nil {
			return err
		}
		slog.Debug("environment yields to the command line", "dropped", b.Flag, "given", onCLI[b.Group])
	}
	return nil
}

// fromEnvOnly reports whether f holds a value only because one of its own
// EnvVars is exported. urfave/cli keeps that apart only inside its
// flag.FlagSet, which counts (NumFlags) the flags the command line gave
// and not those the environment set: setting the flag to the value it
// already holds counts it only if the command line did not. Slice flags
// would append on Set, so they count as given on the command line (the
// behaviour before this check).
func fromEnvOnly(c *cli.Context, f cli.Flag) bool {
	if !f.IsSet() { // not marked by EnvVars: the command line set it
		return false
	}
	name := f.Names()[0]
	v := c.Value(name)
	switch v.(type) {
	case string, bool, int, int64, uint, uint64, float64, time.Duration:
	default:
		return false
	}
	n := c.NumFlags()
	if err := c.Set(name, fmt.Sprint(v)); err != nil {
		return false
	}
	return c.NumFlags() > n
}
