package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"

	"github.com/urfave/cli/v2"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/blynk/blynktest"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

func init() {
	register(&cli.Command{
		Name:      "server",
		Usage:     "run a small local Blynk server for tests, the demo and desk work",
		UsageText: "blynkbridge server [--listen 127.0.0.1:9443] [--tls | --no-tls] [--cert F --key F] [--token T ... | --token-file F] [--json]",
		Description: "Speaks the Blynk hardware protocol over TLS (default) or plain TCP: answers logins\n" +
			"(200, or 9 for a token not in the list), the info packet, PING and HARDWARE_SYNC, and\n" +
			"logs every frame. Without --cert/--key it issues a certificate from a fresh local CA\n" +
			"for the --name host names and prints its SHA-1 fingerprint in the form a sketch pins.\n" +
			"Not a blynk-server replacement: no apps, no projects. Stops on Ctrl-C.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "listen", Value: "127.0.0.1:9443", Usage: "address to listen on"},
			&cli.BoolFlag{Name: "tls", Value: true, Usage: "speak TLS (the ESP8266 _SSL sketches' side)"},
			&cli.BoolFlag{Name: "no-tls", Usage: "speak plain TCP (port 8080 on a legacy local server)"},
			&cli.StringFlag{Name: "cert", Usage: "server certificate chain (PEM)"},
			&cli.StringFlag{Name: "key", Usage: "private key for --cert (PEM)"},
			&cli.StringSliceFlag{Name: "name", Value: cli.NewStringSlice("localhost"), Usage: "host names for the generated certificate (the first is its CN)"},
			&cli.StringSliceFlag{Name: "token", Usage: "auth token to accept (repeatable)"},
			&cli.StringFlag{Name: "token-file", Usage: "file with one token per line (# comments)"},
			&cli.BoolFlag{Name: "echo", Usage: "send every virtual pin write back to the device"},
			&cli.BoolFlag{Name: "json", Usage: "print the frame log as JSON lines"},
		},
		Action: serverAction,
	})
}

func serverAction(c *cli.Context) error {
	tokens, err := serverTokens(c)
	if err != nil {
		return err
	}
	opts := blynktest.Options{Addr: c.String("listen"), Tokens: tokens, Echo: c.Bool("echo")}
	useTLS := c.Bool("tls") && !c.Bool("no-tls")
	if c.IsSet("cert") || c.IsSet("key") {
		if !useTLS {
			return bberr.New(bberr.Usage, "drop --no-tls, or drop --cert/--key", "--cert/--key given with --no-tls")
		}
		pair, err := tls.LoadX509KeyPair(c.String("cert"), c.String("key"))
		if err != nil {
			return bberr.Wrap(err, bberr.BadInput, "give a PEM certificate and its matching private key", "cannot load --cert/--key")
		}
		opts.TLS = &pair
	} else if useTLS {
		var ips []net.IP
		if h, _, err := net.SplitHostPort(opts.Addr); err == nil {
			if ip := net.ParseIP(h); ip != nil && !ip.IsUnspecified() {
				ips = append(ips, ip)
			}
		}
		issued, err := blynktest.NewCert(c.StringSlice("name"), ips)
		if err != nil {
			return bberr.Wrap(err, bberr.Failure, "", "cannot generate a certificate")
		}
		opts.TLS = &issued.TLS
	}
	out := &lockedWriter{w: c.App.Writer}
	if c.Bool("json") {
		opts.JSONLog = out
	} else {
		opts.OnRecord = func(r blynktest.Record) { fmt.Fprintln(out, formatRecord(r)) }
	}
	srv, err := blynktest.Start(opts)
	if err != nil {
		return bberr.Wrap(err, bberr.Network, "pick a free port with --listen, or stop what is using it", "cannot listen on %s", opts.Addr)
	}
	defer srv.Close()
	mode := "plain TCP"
	if srv.TLS() {
		mode = "TLS"
	}
	if c.Bool("json") {
		start := map[string]any{"v": 1, "event": "listening", "addr": srv.Addr(), "tls": srv.TLS(), "tokens": len(tokens)}
		if fp := srv.Fingerprint(); fp != "" {
			start["fingerprint"] = fp
			start["names"] = srv.Leaf().DNSNames
		}
		b, _ := json.Marshal(start)
		fmt.Fprintln(out, string(b))
	} else {
		fmt.Fprintf(out, "listening on %s (%s), %d token(s) accepted\n", srv.Addr(), mode, len(tokens))
		if fp := srv.Fingerprint(); fp != "" {
			leaf := srv.Leaf()
			fmt.Fprintf(out, "certificate: CN=%s, names: %s\n", leaf.Subject.CommonName, strings.Join(leaf.DNSNames, ", "))
			fmt.Fprintf(out, "fingerprint: %s\n", fp)
		}
		fmt.Fprintln(out, "press Ctrl-C to stop")
	}
	<-c.Context.Done()
	return nil
}

func serverTokens(c *cli.Context) ([]blynk.Token, error) {
	var toks []blynk.Token
	for _, s := range c.StringSlice("token") {
		if s = strings.TrimSpace(s); s != "" {
			toks = append(toks, blynk.NewToken(s))
		}
	}
	if f := c.String("token-file"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, bberr.Wrap(err, bberr.BadInput, "check the --token-file path", "cannot read token file")
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line != "" && !strings.HasPrefix(line, "#") {
				toks = append(toks, blynk.NewToken(line))
			}
		}
	}
	if len(toks) == 0 {
		return nil, bberr.New(bberr.Usage, "give --token T (repeatable) or --token-file F", "no auth token to accept")
	}
	return toks, nil
}

// formatRecord is the human line for one server record.
func formatRecord(r blynktest.Record) string {
	ts := r.Time.Format("15:04:05.000")
	switch r.Event {
	case blynktest.EventFrame:
		arrow := "<-"
		if r.Dir == blynktest.Out {
			arrow = "->"
		}
		return fmt.Sprintf("%s #%d %s %s", ts, r.Conn, arrow, r.Frame)
	case blynktest.EventSkipped:
		return fmt.Sprintf("%s #%d skipped %d garbage byte(s)", ts, r.Conn, r.Skipped)
	case blynktest.EventConnect:
		return fmt.Sprintf("%s #%d connect from %s", ts, r.Conn, r.Remote)
	default:
		return fmt.Sprintf("%s #%d %s %s", ts, r.Conn, r.Event, r.Detail)
	}
}

// lockedWriter serialises lines written from connection goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
