package main

import (
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/blynk/blynktest"
	"github.com/blynkbridge/blynkbridge/internal/safeio"
)

// tokenListFile is a server's token file: one token a line, up to 2000.
var tokenListFile = safeio.Kind{Name: "token file", Max: 64 << 10}

func init() {
	register(&cli.Command{
		Name:      "server",
		Usage:     "run a small local Blynk server for tests, the demo and desk work",
		UsageText: "blynkbridge server [--listen 127.0.0.1:9443] [--tls | --no-tls] [--cert F --key F] [--token-file F] [--json]",
		Description: "Speaks the Blynk hardware protocol over TLS (default) or plain TCP: answers logins\n" +
			"(200, or 9 for a token not in the list), the info packet, PING and HARDWARE_SYNC, and\n" +
			"logs every frame. Without --cert/--key it issues a certificate from a fresh local CA\n" +
			"for the --name host names and prints its SHA-1 fingerprint in the form a sketch pins.\n" +
			"Not a blynk-server replacement: no apps, no projects. Stops on Ctrl-C.\n" +
			"Tokens come from --token-file (one a line) or $BLYNKBRIDGE_TOKEN; --token works\n" +
			"but leaves the token in shell history and in ps.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "listen", Value: "127.0.0.1:9443", Usage: "address to listen on"},
			&cli.BoolFlag{Name: "tls", Value: true, Usage: "speak TLS (the ESP8266 _SSL sketches' side)"},
			&cli.BoolFlag{Name: "no-tls", Usage: "speak plain TCP (port 8080 on a legacy local server)"},
			&cli.StringFlag{Name: "cert", Usage: "server certificate chain (PEM)"},
			&cli.StringFlag{Name: "key", Usage: "private key for --cert (PEM)"},
			&cli.StringSliceFlag{Name: "name", Value: cli.NewStringSlice("localhost"), Usage: "host names for the generated certificate (the first is its CN)"},
			&cli.StringSliceFlag{Name: "token", EnvVars: []string{"BLYNKBRIDGE_TOKEN"}, Usage: "auth token to accept (repeatable; visible in shell history and ps: prefer --token-file)"},
			&cli.StringFlag{Name: "token-file", Usage: "file with one token per line (# comments)"},
			&cli.BoolFlag{Name: "echo", Usage: "send every virtual pin write back to the device"},
			&cli.BoolFlag{Name: "json", Usage: "print the frame log as JSON lines"},
		},
		Action: serverAction,
	})
}

func serverAction(c *cli.Context) error {
	o := blynktest.ServeOptions{Addr: c.String("listen"), TLS: c.Bool("tls") && !c.Bool("no-tls"),
		Names: c.StringSlice("name"), Echo: c.Bool("echo"), JSON: c.Bool("json")}
	var err error
	if o.Tokens, err = serverTokens(c); err != nil {
		return err
	}
	if p := c.String("cert"); p != "" {
		if o.CertPEM, err = safeio.ReadFile(c.Context, p, safeio.Cert); err != nil {
			return err
		}
	}
	if p := c.String("key"); p != "" {
		if o.KeyPEM, err = safeio.ReadFile(c.Context, p, safeio.Cert); err != nil {
			return err
		}
	}
	return blynktest.Serve(c.Context, o, c.App.Writer)
}

// serverTokens gathers --token values (warning when typed on the command
// line) and --token-file's tokens.
func serverTokens(c *cli.Context) ([]blynk.Token, error) {
	var toks []blynk.Token
	for _, s := range c.StringSlice("token") {
		if s = strings.TrimSpace(s); s != "" {
			toks = append(toks, blynk.NewToken(s))
		}
	}
	if len(toks) > 0 {
		warnTokenFlag(c, "token")
	}
	if f := c.String("token-file"); f != "" {
		b, err := safeio.ReadFile(c.Context, f, tokenListFile)
		if err != nil {
			return nil, err
		}
		more, err := blynktest.ParseTokens(f, b)
		if err != nil {
			return nil, err
		}
		toks = append(toks, more...)
	}
	return toks, nil
}
