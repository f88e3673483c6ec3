package main

import (
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/blynkbridge/blynkbridge/daemon"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/internal/cliargs"
)

func init() {
	register(&cli.Command{
		Name:  "daemon",
		Usage: "own the boards: capture, decode and journal them continuously; let monitor, flash and status attach",
		UsageText: "blynkbridge daemon [-p [NAME=]PORT ...] [--rfc2217 [NAME=]ADDR ...] [--relay NAME --server HOST ...]\n" +
			"   (no --port: every likely ESP board, picked up as it is plugged in)",
		Description: `One process owns the boards. For each it keeps the port open, writes every byte
to a rotating raw log and every decoded event to a journal (JSON lines) under
--log-dir, tracks its state and diagnosis, follows it across unplug/replug by
USB identity, and - with --relay - relays its Blynk frames to the server.

While it runs, the usual commands go through it with no new flags: monitor
attaches (several at once; the first holds the keyboard), flash borrows the
port (capture and relay pause; the journal records it), status lists the
boards, decode BOARD decodes a board's raw log, ports marks the boards it holds.

The control API is HTTP+JSON on a Unix socket (mode 0600): curl --unix-socket
SOCKET http://x/v1/boards. --rfc2217 serves a board over RFC 2217 so esptool,
PlatformIO or tio elsewhere can use rfc2217://HOST:PORT; loopback unless you
bind another address, which needs --rfc2217-allow. docs/daemon.md has it all.`,
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "port", Aliases: []string{"p"}, Usage: "board `[NAME=]PORT` (repeatable): path, usb:VID:PID[:SERIAL], identity, or rfc2217://host:port"},
			&cli.IntFlag{Name: "baud", Aliases: []string{"b"}, Value: 115200, Usage: "the sketches' Serial.begin rate"},
			&cli.BoolFlag{Name: "all-profiles", Usage: "every profile that names a board becomes one (named after the profile; relayed when it has relay settings)"},
			&cli.StringFlag{Name: "socket", Usage: "control socket `PATH` (default $XDG_RUNTIME_DIR/blynkbridge/daemon.sock, or /run/blynkbridge/daemon.sock)"},
			&cli.StringFlag{Name: "log-dir", Usage: "where each board's raw.log and journal.jsonl go (default $STATE_DIRECTORY/boards, or ~/.local/state/blynkbridge/boards)"},
			&cli.IntFlag{Name: "log-max-mb", Value: 16, Usage: "rotate a board's log past this many MiB"},
			&cli.IntFlag{Name: "log-keep", Value: 4, Usage: "rotated logs kept per board"},
			&cli.StringSliceFlag{Name: "rfc2217", Usage: "serve a board over RFC 2217 at `[NAME=]ADDR` (PORT or HOST:PORT; loopback by default; repeatable)"},
			&cli.StringSliceFlag{Name: "rfc2217-allow", Usage: "client `NETWORK` (CIDR or address) allowed on a non-loopback --rfc2217 (repeatable)"},
			&cli.StringSliceFlag{Name: "relay", Usage: "relay board `NAME`'s Blynk frames (BlynkSimpleStream over USB) to --server (repeatable)"},
			&cli.StringFlag{Name: "server", Aliases: []string{"s"}, Value: "blynk.cloud", Usage: "Blynk server `HOST[:PORT]` for --relay"},
			&cli.StringFlag{Name: "ca", Usage: "--relay: trust the CA certificate(s) in `FILE`"},
			&cli.StringFlag{Name: "fingerprint", Usage: "--relay: pin the server's certificate"},
			&cli.BoolFlag{Name: "insecure", Usage: "--relay: do not verify the server's certificate"},
			&cli.BoolFlag{Name: "no-tls", Usage: "--relay: plain TCP (legacy ports)"},
			// The relay command's tuning flags, same names and defaults
			// (TestDaemonRelayFlagsMatchRelay keeps them in step), so
			// parseRelayFlags reads both commands alike.
			&cli.DurationFlag{Name: "reconnect-first", Value: time.Second, Usage: "--relay: first wait before reconnecting"},
			&cli.DurationFlag{Name: "reconnect-max", Value: 10 * time.Second, Usage: "--relay: longest wait between reconnect attempts"},
			&cli.DurationFlag{Name: "local-ping-window", Value: 10 * time.Second, Usage: "--relay: answer the board's pings this long during a server outage"},
			&cli.IntFlag{Name: "buffer", Value: 128, Usage: "--relay: frames kept per board while the server is unreachable"},
			&cli.IntFlag{Name: "max-body", Value: 1024, Usage: "--relay: largest frame body accepted from a board"},
			&cli.BoolFlag{Name: "json", Usage: "log lines as JSON (for journald or a collector)"},
		},
		Action: runDaemon,
	})
}

func runDaemon(c *cli.Context) error {
	if c.NArg() > 0 {
		return bberr.New(bberr.Usage, "give boards with --port NAME=PORT (repeatable)", "unexpected argument %q", c.Args().First())
	}
	cfg, err := daemonConfig(c)
	if err != nil {
		return err
	}
	d, err := daemon.New(cfg)
	if err != nil {
		return err
	}
	if err := d.Run(c.Context); err != nil {
		return err
	}
	return c.Context.Err()
}

// daemonConfig turns the flags into a daemon.Config.
func daemonConfig(c *cli.Context) (daemon.Config, error) {
	cfg := daemon.Config{
		Socket: c.String("socket"), LogDir: c.String("log-dir"), Version: version,
		LogMaxSize: int64(c.Int("log-max-mb")) << 20, LogKeep: c.Int("log-keep"), DiscoverBaud: c.Int("baud"),
	}
	if c.Int("baud") <= 0 || c.Int("log-max-mb") <= 0 || c.Int("log-keep") < 0 {
		return cfg, bberr.New(bberr.Usage, "use positive values", "bad --baud, --log-max-mb or --log-keep")
	}
	level := slog.LevelInfo
	if c.Bool("json") {
		cfg.Logger = slog.New(slog.NewJSONHandler(c.App.Writer, &slog.HandlerOptions{Level: level})).With("v", 1)
	} else {
		cfg.Logger = slog.New(slog.NewTextHandler(c.App.Writer, &slog.HandlerOptions{Level: level}))
	}
	for _, s := range cliargs.NonEmpty(c.StringSlice("rfc2217-allow")) {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return cfg, bberr.New(bberr.Usage, "write a network as 192.168.1.0/24 or an address as 192.168.1.20", "bad --rfc2217-allow %q", s)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		cfg.RFC2217Allow = append(cfg.RFC2217Allow, p.Masked())
	}
	for _, spec := range cliargs.NonEmpty(c.StringSlice("port")) {
		name, port := daemon.SplitNamed(spec)
		cfg.Boards = append(cfg.Boards, daemon.BoardConfig{Name: name, Port: port, Baud: c.Int("baud")})
	}
	if c.Bool("all-profiles") {
		f, err := loadProfiles(c)
		if err != nil {
			return cfg, err
		}
		var fromProfiles []daemon.BoardConfig
		for _, n := range f.Names() {
			p, _ := f.Get(n)
			bc, ok, err := daemon.BoardFromProfile(p, c.Int("baud"))
			if err != nil {
				return cfg, err
			}
			if ok {
				fromProfiles = append(fromProfiles, bc)
			}
		}
		// A --port the default profile filled in is that profile's board.
		for _, b := range cfg.Boards {
			if !slices.ContainsFunc(fromProfiles, func(p daemon.BoardConfig) bool { return p.Port == b.Port }) {
				fromProfiles = append(fromProfiles, b)
			}
		}
		cfg.Boards = fromProfiles
		if len(cfg.Boards) == 0 {
			return cfg, bberr.New(bberr.Usage, "add one: blynkbridge profile add NAME --port /dev/ttyUSB0", "--all-profiles: no profile names a board")
		}
	}
	// --profile NAME (or the default profile) filled --port, --baud and the
	// relay's server and TLS flags: the board takes the profile's name.
	if pn := lineageString(c, "profile"); pn != "" && len(cfg.Boards) == 1 && cfg.Boards[0].Name == "" {
		cfg.Boards[0].Name = pn
	}
	byName := func(name, flag string) (*daemon.BoardConfig, error) {
		if name == "" && len(cfg.Boards) == 1 {
			return &cfg.Boards[0], nil
		}
		for i := range cfg.Boards {
			if n := cfg.Boards[i].Name; n == name || (n == "" && daemon.BoardName(cfg.Boards[i].Port) == name) {
				return &cfg.Boards[i], nil
			}
		}
		return nil, bberr.New(bberr.Usage, "name the board with --port NAME=PORT and use that NAME", "%s %q: no such board", flag, name)
	}
	for _, spec := range cliargs.NonEmpty(c.StringSlice("rfc2217")) {
		name, addr := daemon.SplitNamed(spec)
		if strings.Count(spec, "=") == 0 {
			name = ""
		}
		bc, err := byName(name, "--rfc2217")
		if err != nil {
			return cfg, err
		}
		bc.RFC2217 = addr
	}
	if relays := cliargs.NonEmpty(c.StringSlice("relay")); len(relays) > 0 {
		rf, err := parseRelayFlags(c)
		if err != nil {
			return cfg, err
		}
		for _, name := range relays {
			bc, err := byName(name, "--relay")
			if err != nil {
				return cfg, err
			}
			opts := rf.opts
			bc.Relay = &opts
		}
	}
	return cfg, nil
}
