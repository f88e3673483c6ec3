package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/blynkbridge/blynkbridge/certs"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/internal/jsonout"
	"github.com/blynkbridge/blynkbridge/internal/safeio"
)

func init() {
	register(&cli.Command{
		Name:  "cert",
		Usage: "check fingerprints, inspect a server's certificate for an ESP8266, make certificates for a local Blynk server",
		// HideHelpCommand on every leaf: urfave/cli would add a "help"
		// subcommand on first run, and normalizeArgs would then take the
		// leaf for a parent.
		Subcommands: []*cli.Command{
			{
				Name:            "check",
				HideHelpCommand: true,
				Usage:           "check a pasted fingerprint for invisible or look-alike characters and print it in every form",
				ArgsUsage:       "TEXT|-",
				Flags: []cli.Flag{
					&cli.BoolFlag{Name: "json", Usage: "print a JSON report"},
				},
				Action: certCheck,
			},
			{
				Name:            "fingerprint",
				HideHelpCommand: true,
				Usage:           "fetch a server's certificate and explain what an ESP8266 will do with it",
				ArgsUsage:       "HOST:PORT",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "sni", Usage: "server name to send (default: the host, if it is a name)"},
					&cli.StringFlag{Name: "as", Usage: "the name or IP the sketch connects with (default: the host)"},
					&cli.StringFlag{Name: "expect", Usage: "the fingerprint in your sketch: compare it with the server's"},
					&cli.StringFlag{Name: "ca", Usage: "verify the chain against this CA file instead of the system roots"},
					&cli.DurationFlag{Name: "timeout", Value: 10 * time.Second, Usage: "connect + handshake timeout"},
					&cli.BoolFlag{Name: "json", Usage: "print a JSON report"},
				},
				Action: certFingerprint,
			},
			{
				Name:            "new",
				HideHelpCommand: true,
				Usage:           "make a local CA and a server certificate for a local Blynk server",
				Flags: []cli.Flag{
					&cli.StringSliceFlag{Name: "ip", Usage: "IP address the board connects to (repeat or comma-separate)"},
					&cli.StringSliceFlag{Name: "dns", Usage: "DNS name the board connects to (repeat or comma-separate)"},
					&cli.StringFlag{Name: "out", Usage: "directory to write ca.crt, ca.key, server.crt, server.key", Required: true},
					&cli.StringFlag{Name: "ca-dir", Usage: "reuse the CA (ca.crt, ca.key) in this directory instead of making one"},
					&cli.StringFlag{Name: "ca-name", Value: certs.DefaultCAName, Usage: "common name of a new CA"},
					&cli.IntFlag{Name: "days", Value: certs.DefaultServerDays, Usage: "server certificate validity in days"},
					&cli.IntFlag{Name: "ca-days", Value: certs.DefaultCADays, Usage: "new CA validity in days"},
					&cli.BoolFlag{Name: "no-ip-dns", Usage: "do not also write each IP as a DNS name (which axTLS needs to match an IP)"},
					&cli.BoolFlag{Name: "force", Usage: "replace existing files"},
					&cli.BoolFlag{Name: "json", Usage: "print a JSON report"},
				},
				Action: certNew,
			},
		},
	})
}

// checkInput is the text to check: the arguments, or stdin for "-" (read
// with a size limit, and given up on Ctrl-C).
func checkInput(c *cli.Context) (string, error) {
	args := c.Args().Slice()
	if len(args) == 0 {
		return "", bberr.New(bberr.Usage, "give the fingerprint in quotes, or - to read it from stdin", "cert check needs TEXT")
	}
	if len(args) == 1 && args[0] == "-" {
		r := io.Reader(os.Stdin)
		if c.App.Reader != nil {
			r = c.App.Reader
		}
		b, err := safeio.ReadAll(c.Context, r, safeio.Kind{Name: "fingerprint on stdin", Max: 64 << 10})
		if err != nil {
			return "", err
		}
		// Only the line ending the shell or editor added; everything else,
		// including invisible characters, is what the user means to check.
		s := strings.TrimSuffix(string(b), "\n")
		return strings.TrimSuffix(s, "\r"), nil
	}
	if len(args) > 1 {
		// Unquoted `cert check AA BB CC ...` arrives as many arguments:
		// the shell ate whatever separated them.
		fmt.Fprintf(c.App.ErrWriter, "note: %d arguments joined with single spaces; quote the fingerprint (or use -) to check it exactly as written\n", len(args))
	}
	return strings.Join(args, " "), nil
}

func certCheck(c *cli.Context) error {
	in, err := checkInput(c)
	if err != nil {
		return err
	}
	rep := certs.Check(in)
	if c.Bool("json") {
		if err := jsonout.Write(c.App.Writer, rep); err != nil {
			return err
		}
	} else {
		rep.WriteText(c.App.Writer)
	}
	return rep.Err()
}

func certFingerprint(c *cli.Context) error {
	if c.NArg() != 1 {
		return bberr.New(bberr.Usage, "e.g. blynkbridge cert fingerprint 192.168.1.10:9443", "cert fingerprint needs exactly one HOST:PORT")
	}
	o := certs.InspectOptions{Addr: c.Args().First(), SNI: c.String("sni"), As: c.String("as"), Expect: c.String("expect"), Timeout: c.Duration("timeout")}
	if p := c.String("ca"); p != "" {
		var err error
		if o.CAPEM, err = safeio.ReadFile(c.Context, p, safeio.Cert); err != nil {
			return err
		}
	}
	rep, err := certs.Inspect(c.Context, o)
	if err != nil {
		return err
	}
	if c.Bool("json") {
		if err := jsonout.Write(c.App.Writer, rep); err != nil {
			return err
		}
	} else {
		rep.WriteText(c.App.Writer)
	}
	return rep.Err()
}

func certNew(c *cli.Context) error {
	if c.NArg() > 0 {
		return bberr.New(bberr.Usage, "names go in --ip and --dns", "unexpected argument %q", c.Args().First())
	}
	ips, dns, err := certs.ParseNames(c.StringSlice("ip"), c.StringSlice("dns"))
	if err != nil {
		return err
	}
	rep, err := certs.NewServer(certs.NewServerOptions{
		Dir: c.String("out"), CADir: c.String("ca-dir"), CAName: c.String("ca-name"),
		DNSNames: dns, IPs: ips, Days: c.Int("days"), CADays: c.Int("ca-days"),
		IPsAsDNS: !c.Bool("no-ip-dns"), Force: c.Bool("force"),
	})
	if err != nil {
		return err
	}
	if c.Bool("json") {
		return jsonout.Write(c.App.Writer, rep)
	}
	rep.WriteText(c.App.Writer)
	return nil
}
