package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/internal/cliargs"
	"github.com/blynkbridge/blynkbridge/internal/safeio"
	"github.com/blynkbridge/blynkbridge/relay"
	"github.com/blynkbridge/blynkbridge/serialio"
	"github.com/blynkbridge/blynkbridge/tui"
)

func init() {
	register(&cli.Command{
		Name:  "relay",
		Usage: "carry USB boards' Blynk traffic to the server over verified TLS (replaces blynk-ser.sh)",
		UsageText: "blynkbridge relay -p PORT [-p PORT2 ...] [-b 9600] --server HOST[:PORT] [--ca F | --fingerprint F | --insecure | --no-tls] [--json]\n" +
			"   blynkbridge relay -c PORT [-b 9600] [-s HOST] [-p SERVER_PORT]   (blynk-ser.sh style)",
		Description: "Relays a board running BlynkSimpleStream (USB serial) to a Blynk server: whole frames\n" +
			"only (sketch prints and boot text are skipped and counted), TLS verified against the system\n" +
			"roots (or --ca, or pinned with --fingerprint), reconnects with backoff and replays the\n" +
			"board's login so its session survives server restarts, follows REDIRECT, waits for an\n" +
			"unplugged board to come back. --port may be repeated: one server connection per board.\n" +
			"A live table on a terminal, log lines otherwise (JSON with --json). Stops on Ctrl-C/SIGTERM.\n\n" +
			"blynk-ser.sh flags: -c/--comm PORT, -b/--baud, -s/--server HOST, -p/--port SERVER_PORT\n" +
			"(with -c, -p means the server port as in blynk-ser.sh), -t/--to SSL|TCP, --cert FILE (= --ca).",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "port", Aliases: []string{"p"}, Usage: "board serial port `PORT` (repeatable; path, by-id name, usb:VID:PID[:SERIAL] or auto); with -c: the server port"},
			&cli.StringSliceFlag{Name: "comm", Aliases: []string{"c"}, Usage: "blynk-ser.sh: board serial port (repeatable); makes -p the server port"},
			&cli.IntFlag{Name: "baud", Aliases: []string{"b"}, Value: 9600, Usage: "serial rate of the boards (Serial.begin in the sketch)"},
			&cli.StringFlag{Name: "server", Aliases: []string{"s"}, Value: "blynk.cloud", Usage: "Blynk server `HOST[:PORT]` (port default: 443 with TLS, 80 with --no-tls)"},
			&cli.StringFlag{Name: "ca", Aliases: []string{"cert"}, Usage: "trust the CA certificate(s) in `FILE` instead of the system roots"},
			&cli.StringFlag{Name: "fingerprint", Usage: "pin the server's certificate: SHA-1 or SHA-256 fingerprint, or sha256/BASE64 (SPKI)"},
			&cli.BoolFlag{Name: "insecure", Usage: "do not verify the server's certificate (warns: anyone in between can read the token)"},
			&cli.BoolFlag{Name: "no-tls", Usage: "plain TCP, for legacy plain ports (8442, 8080, 80)"},
			&cli.StringFlag{Name: "to", Aliases: []string{"t"}, Usage: "blynk-ser.sh: SSL (default) or TCP (= --no-tls)"},
			&cli.BoolFlag{Name: "json", Usage: "log lines and counters as JSON (schema v1)"},
			&cli.BoolFlag{Name: "plain", Usage: "log lines even on a terminal (no live table)"},
			&cli.BoolFlag{Name: "log-frames", Usage: "log every frame (tokens are redacted)"},
			&cli.DurationFlag{Name: "stats-every", Usage: "log every board's counters every `D` (0 = only at exit)"},
			&cli.DurationFlag{Name: "reconnect-first", Value: time.Second, Usage: "first wait before reconnecting; then 2x, 3x, then doubling up to --reconnect-max"},
			&cli.DurationFlag{Name: "reconnect-max", Value: 10 * time.Second, Usage: "longest wait between reconnect attempts"},
			&cli.DurationFlag{Name: "local-ping-window", Value: 10 * time.Second, Usage: "during a server outage, answer the board's pings for this long; after it the board sees the link down"},
			&cli.IntFlag{Name: "buffer", Value: 128, Usage: "frames kept per board while the server is unreachable (oldest dropped beyond)"},
			&cli.IntFlag{Name: "max-body", Value: 1024, Usage: "largest frame body accepted from a board"},
			&cli.BoolFlag{Name: "fail-fast", Usage: "exit when the server refuses a token (exit 12) or its certificate (exit 8) instead of retrying"},
		},
		Action: relayAction,
	})
}

// relayFlags is the parsed command line.
type relayFlags struct {
	ports  []string
	server string
	opts   relay.Options
}

// parseRelayFlags resolves blynk-ser.sh aliases and the TLS mode.
func parseRelayFlags(c *cli.Context) (*relayFlags, error) {
	rf := &relayFlags{}
	ports := cliargs.NonEmpty(c.StringSlice("port"))
	serverPort := ""
	if comm := cliargs.NonEmpty(c.StringSlice("comm")); len(comm) > 0 {
		// blynk-ser.sh: -c is the serial port and -p the server port.
		for _, p := range ports {
			if _, err := strconv.Atoi(p); err != nil {
				return nil, bberr.New(bberr.Usage, "with -c (blynk-ser.sh style) give board ports with -c and the server port with -p; or drop -c and use -p/--port for boards",
					"-p %q: with -c, -p is the server port", p)
			}
			serverPort = p
		}
		ports = comm
	}
	if len(ports) == 0 {
		ports = []string{serialio.AutoSpec}
	}
	rf.ports = ports

	mode := relay.TLSVerify
	n := 0
	if c.String("ca") != "" {
		n++
	}
	if c.String("fingerprint") != "" {
		n++
		mode = relay.TLSPinned
	}
	if c.Bool("insecure") {
		n++
		mode = relay.TLSInsecure
	}
	noTLS := c.Bool("no-tls")
	switch strings.ToUpper(c.String("to")) {
	case "", "SSL", "TLS":
	case "TCP":
		noTLS = true
	default:
		return nil, bberr.New(bberr.Usage, "use -t SSL or -t TCP", "-t/--to %q", c.String("to"))
	}
	if noTLS {
		n++
		mode = relay.TLSOff
	}
	if n > 1 {
		return nil, bberr.New(bberr.Usage, "choose one of --ca, --fingerprint, --insecure, --no-tls", "conflicting TLS options")
	}
	rf.opts.TLS = mode
	if f := c.String("ca"); f != "" {
		b, err := safeio.ReadFile(c.Context, f, safeio.Cert)
		if err != nil {
			return nil, err
		}
		if b == nil {
			b = []byte{} // given but empty: refused, never "system CAs"
		}
		rf.opts.CA = b
	}
	if fp := c.String("fingerprint"); fp != "" {
		pin, err := relay.ParsePin(fp)
		if err != nil {
			return nil, err
		}
		rf.opts.Pin = pin
	}

	server := strings.TrimSpace(c.String("server"))
	host, port, err := net.SplitHostPort(server)
	if err != nil {
		host, port = server, ""
	}
	switch {
	case port == "" && serverPort != "":
		port = serverPort
	case port != "" && serverPort != "" && port != serverPort:
		return nil, bberr.New(bberr.Usage, "give the port once", "--server %s and -p %s disagree", server, serverPort)
	case port == "" && mode == relay.TLSOff:
		port = "80"
	case port == "":
		port = "443"
	}
	rf.server = net.JoinHostPort(host, port)
	rf.opts.Server = rf.server
	rf.opts.MaxBody = c.Int("max-body")
	rf.opts.BufferFrames = c.Int("buffer")
	rf.opts.ReconnectMax = c.Duration("reconnect-max")
	rf.opts.ReconnectMin = c.Duration("reconnect-first")
	rf.opts.LocalPingWindow = c.Duration("local-ping-window")
	if rf.opts.ReconnectMin <= 0 || rf.opts.ReconnectMax < rf.opts.ReconnectMin || rf.opts.LocalPingWindow <= 0 {
		return nil, bberr.New(bberr.Usage, "use positive durations, --reconnect-max at least --reconnect-first (e.g. 1s and 10s)", "bad --reconnect-first/--reconnect-max/--local-ping-window")
	}
	rf.opts.FailFast = c.Bool("fail-fast")
	rf.opts.LogFrames = c.Bool("log-frames")
	if c.Int("baud") <= 0 {
		return nil, bberr.New(bberr.Usage, "use the rate of Serial.begin in the sketch, e.g. 9600", "invalid --baud %d", c.Int("baud"))
	}
	return rf, nil
}

func relayAction(c *cli.Context) error {
	if c.NArg() > 0 {
		return bberr.New(bberr.Usage, "give boards with --port (repeatable)", "unexpected argument %q", c.Args().First())
	}
	rf, err := parseRelayFlags(c)
	if err != nil {
		return err
	}
	for _, spec := range rf.ports {
		open, err := relay.PortOpener(spec, c.Int("baud"))
		if err != nil {
			return err
		}
		rf.opts.Boards = append(rf.opts.Boards, relay.Board{Name: spec, Open: open, Baud: c.Int("baud")})
	}
	out := safeio.NewSyncWriter(c.App.Writer) // written from the sessions' goroutines
	level := slog.LevelInfo
	if c.Bool("verbose") {
		level = slog.LevelDebug
	}
	var feed *tui.RelayFeed
	var logger *slog.Logger
	switch {
	case c.Bool("json"):
		logger = slog.New(slog.NewJSONHandler(out, &slog.HandlerOptions{Level: level})).With("v", 1)
	case !c.Bool("plain") && stdoutIsTerminal(c):
		// The live view owns the screen; log lines go into it.
		feed = tui.NewRelayFeed()
		logger = slog.New(slog.NewTextHandler(feed, &slog.HandlerOptions{Level: level}))
		rf.opts.Tap = feed.Tap
	default:
		logger = slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: level}))
	}
	rf.opts.Logger = logger
	r, err := relay.New(rf.opts)
	if err != nil {
		return err
	}
	logger.Info("relay starting", "server", rf.server, "tls", rf.opts.TLS.String(), "boards", len(rf.ports), "baud", c.Int("baud"))
	ctx, cancel := context.WithCancel(c.Context)
	defer cancel()
	var wg sync.WaitGroup
	if d := c.Duration("stats-every"); d > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(d)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					relay.LogStats(logger, r.Stats(), c.Bool("json"))
				}
			}
		}()
	}
	var runErr error
	if feed != nil {
		// q or Ctrl-C in the view (the terminal is raw: no SIGINT) stops
		// the relay; the relay stopping (--fail-fast) closes the view.
		done := make(chan error, 1)
		go func() { done <- r.Run(ctx); cancel() }()
		tuiErr := tui.RunRelay(ctx, tui.NewRelayModel(r.Stats, feed))
		cancel()
		runErr = <-done
		if runErr == nil && tuiErr != nil {
			runErr = bberr.Wrap(tuiErr, bberr.Failure, "run with --plain", "terminal view failed")
		}
		// Back on the normal screen: leave the log and counters there.
		_, logs := feed.Lines()
		for _, l := range logs[max(len(logs)-20, 0):] {
			fmt.Fprintln(out, l)
		}
		logger = slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: level}))
	} else {
		runErr = r.Run(ctx)
	}
	cancel()
	wg.Wait()
	relay.LogStats(logger, r.Stats(), c.Bool("json"))
	logger.Info("relay stopped")
	return runErr
}
