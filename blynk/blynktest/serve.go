package blynktest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/internal/safeio"
)

// ServeOptions is a `blynkbridge server` run.
type ServeOptions struct {
	Addr    string
	TLS     bool
	CertPEM []byte   // with KeyPEM: the certificate to serve; nil = issue one for Names
	KeyPEM  []byte   //
	Names   []string // host names of an issued certificate (the first is its CN)
	Tokens  []blynk.Token
	Echo    bool
	JSON    bool // the frame log as JSON lines
}

// Serve runs the server until ctx ends, printing where it listens, its
// certificate's fingerprint and every frame (as text or JSON lines) on
// out. Tokens never appear in what it prints.
func Serve(ctx context.Context, o ServeOptions, out io.Writer) error {
	if len(o.Tokens) == 0 {
		return bberr.New(bberr.Usage, "give --token-file F (one token a line) or $BLYNKBRIDGE_TOKEN", "no auth token to accept")
	}
	opts := Options{Addr: o.Addr, Tokens: o.Tokens, Echo: o.Echo}
	switch {
	case o.CertPEM != nil || o.KeyPEM != nil:
		if !o.TLS {
			return bberr.New(bberr.Usage, "drop --no-tls, or drop --cert/--key", "--cert/--key given with --no-tls")
		}
		pair, err := tls.X509KeyPair(o.CertPEM, o.KeyPEM)
		if err != nil {
			return bberr.Wrap(err, bberr.BadInput, "give a PEM certificate and its matching private key", "cannot load --cert/--key")
		}
		opts.TLS = &pair
	case o.TLS:
		var ips []net.IP
		if h, _, err := net.SplitHostPort(opts.Addr); err == nil {
			if ip := net.ParseIP(h); ip != nil && !ip.IsUnspecified() {
				ips = append(ips, ip)
			}
		}
		issued, err := NewCert(o.Names, ips)
		if err != nil {
			return bberr.Wrap(err, bberr.Failure, "", "cannot generate a certificate")
		}
		opts.TLS = &issued.TLS
	}
	lw := safeio.NewSyncWriter(out) // lines come from connection goroutines
	if o.JSON {
		opts.JSONLog = lw
	} else {
		opts.OnRecord = func(r Record) { fmt.Fprintln(lw, FormatRecord(r)) }
	}
	srv, err := Start(opts)
	if err != nil {
		return bberr.Wrap(err, bberr.Network, "pick a free port with --listen, or stop what is using it", "cannot listen on %s", opts.Addr)
	}
	defer srv.Close()
	srv.printStart(lw, o.JSON, len(o.Tokens))
	<-ctx.Done()
	return nil
}

func (s *Server) printStart(out io.Writer, asJSON bool, tokens int) {
	if asJSON {
		start := map[string]any{"v": 1, "event": "listening", "addr": s.Addr(), "tls": s.TLS(), "tokens": tokens}
		if fp := s.Fingerprint(); fp != "" {
			start["fingerprint"] = fp
			start["names"] = s.Leaf().DNSNames
		}
		b, _ := json.Marshal(start)
		fmt.Fprintln(out, string(b))
		return
	}
	mode := "plain TCP"
	if s.TLS() {
		mode = "TLS"
	}
	fmt.Fprintf(out, "listening on %s (%s), %d token(s) accepted\n", s.Addr(), mode, tokens)
	if fp := s.Fingerprint(); fp != "" {
		leaf := s.Leaf()
		fmt.Fprintf(out, "certificate: CN=%s, names: %s\n", leaf.Subject.CommonName, strings.Join(leaf.DNSNames, ", "))
		fmt.Fprintf(out, "fingerprint: %s\n", fp)
	}
	fmt.Fprintln(out, "press Ctrl-C to stop")
}

// ParseTokens reads a token file: one token a line, blank lines and
// # comments skipped. Every token must have a token's shape (32 characters
// of [A-Za-z0-9_-]), so a wrong file (a binary, a key) is refused with the
// line it fails on, never accepted as thousands of "tokens". The error
// never contains the file's text.
func ParseTokens(name string, data []byte) ([]blynk.Token, error) {
	var toks []blynk.Token
	data, _ = safeio.DecodeText(data) // saved by Notepad or PowerShell
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		t := blynk.NewToken(line)
		if err := blynk.ValidateToken(t); err != nil {
			return nil, bberr.Wrap(err, bberr.BadInput, "put one 32-character auth token on each line (# starts a comment)", "%s line %d is not an auth token", name, n)
		}
		toks = append(toks, t)
	}
	if err := sc.Err(); err != nil {
		return nil, bberr.Wrap(err, bberr.BadInput, "put one 32-character auth token on each line", "cannot read %s", name)
	}
	return toks, nil
}

// FormatRecord is the human line for one server record.
func FormatRecord(r Record) string {
	ts := r.Time.Format("15:04:05.000")
	switch r.Event {
	case EventFrame:
		arrow := "<-"
		if r.Dir == Out {
			arrow = "->"
		}
		return fmt.Sprintf("%s #%d %s %s", ts, r.Conn, arrow, r.Frame)
	case EventSkipped:
		return fmt.Sprintf("%s #%d skipped %d garbage byte(s)", ts, r.Conn, r.Skipped)
	case EventConnect:
		return fmt.Sprintf("%s #%d connect from %s", ts, r.Conn, r.Remote)
	default:
		return fmt.Sprintf("%s #%d %s %s", ts, r.Conn, r.Event, r.Detail)
	}
}
