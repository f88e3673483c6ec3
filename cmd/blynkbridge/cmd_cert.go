package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/blynkbridge/blynkbridge/certs"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// The --json schema version of every cert subcommand.
const certJSONVersion = 1

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

// writeJSON prints one indented --json report; the cert, image and profile
// commands share it so their output looks alike. HTML escaping is off so
// that "<U+200E>" and a redacted "<token …45, 32 chars>" stay readable
// (the decoded values are the same either way).
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// fingerprintForms is every spelling of one fingerprint, for --json.
type fingerprintForms struct {
	Alg     string `json:"alg"`
	ESP8266 string `json:"esp8266"`
	Colon   string `json:"colon"`
	Hex     string `json:"hex"`
	CArray  string `json:"c_array"`
	OpenSSL string `json:"openssl"`
}

func formsOf(f certs.Fingerprint) *fingerprintForms {
	return &fingerprintForms{Alg: f.Alg.String(), ESP8266: f.ESP8266(), Colon: f.Colon(), Hex: f.Hex(), CArray: f.CArray(), OpenSSL: f.OpenSSL()}
}

// ---- cert check ----

type checkReport struct {
	V        int               `json:"v"`
	Input    string            `json:"input"`
	Escaped  string            `json:"input_escaped"` // non-ASCII spelled <U+XXXX>
	OK       bool              `json:"ok"`            // a clean fingerprint
	Clean    bool              `json:"clean"`         // no invisible or look-alike characters
	Findings []certs.Finding   `json:"findings"`
	Value    *fingerprintForms `json:"fingerprint,omitempty"` // the (clean) value, when it is one
	Error    *checkError       `json:"error,omitempty"`
	AxTLS    certs.DeviceParse `json:"axtls_parse"`   // the text as typed, in axTLS verify()
	BearSSL  certs.DeviceParse `json:"bearssl_parse"` // the text as typed, in BearSSL setFingerprint()
}

type checkError struct {
	Message string `json:"message"`
	Pos     int    `json:"pos"`
	Byte    int    `json:"byte"`
}

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
		b, err := io.ReadAll(io.LimitReader(r, 64<<10))
		if err != nil {
			return "", bberr.Wrap(err, bberr.BadInput, "", "reading stdin")
		}
		// Only the line ending the shell or editor added; everything else,
		// including invisible characters, is what the user means to check.
		s := strings.TrimSuffix(string(b), "\n")
		return strings.TrimSuffix(s, "\r"), nil
	}
	// Unquoted `cert check AA BB CC ...` arrives as many arguments.
	return strings.Join(args, " "), nil
}

func certCheck(c *cli.Context) error {
	in, err := checkInput(c)
	if err != nil {
		return err
	}
	w := c.App.Writer
	fp, perr := certs.ParseFingerprint(in)
	esc, _ := certs.Caret(in)
	rep := checkReport{V: certJSONVersion, Input: in, Escaped: esc, Findings: []certs.Finding{},
		AxTLS: certs.AxTLSParse(in), BearSSL: certs.BearSSLParse(in)}
	var unclean *certs.UncleanError
	var bad *certs.ParseError
	switch {
	case perr == nil:
		rep.OK, rep.Clean, rep.Value = true, true, formsOf(fp)
	case errors.As(perr, &unclean):
		rep.Findings, rep.Value = unclean.Findings, formsOf(unclean.Clean)
	case errors.As(perr, &bad):
		rep.Clean = len(bad.Findings) == 0
		if bad.Findings != nil {
			rep.Findings = bad.Findings
		}
		rep.Error = &checkError{Message: bad.Msg, Pos: bad.Pos, Byte: bad.Byte}
	default:
		return perr
	}
	if c.Bool("json") {
		if err := writeJSON(w, rep); err != nil {
			return err
		}
	} else {
		printCheck(w, in, rep)
	}
	switch {
	case unclean != nil:
		return &bberr.Error{Code: bberr.CheckFailed, Msg: unclean.Error(), Err: perr,
			Hint: fmt.Sprintf("retype it, or use the clean value: %q", unclean.Clean.ESP8266())}
	case bad != nil:
		return &bberr.Error{Code: bberr.BadInput, Msg: bad.Error(), Err: perr, Hint: bberr.HintOf(bad)}
	}
	return nil
}

func printCheck(w io.Writer, in string, rep checkReport) {
	var marks []int
	for _, f := range rep.Findings {
		marks = append(marks, f.Pos)
	}
	if rep.Error != nil {
		marks = append(marks, rep.Error.Pos)
	}
	if len(marks) > 0 {
		line, carets := certs.Caret(in, marks...)
		fmt.Fprintf(w, "  %s\n  %s\n", line, carets)
	}
	if len(rep.Findings) > 0 {
		fmt.Fprintf(w, "%d invisible or look-alike character(s):\n", len(rep.Findings))
		for _, f := range rep.Findings {
			fmt.Fprintf(w, "  position %d (byte %d): %s %s, looks like %s, UTF-8 %s\n", f.Pos, f.Byte, f.Code, f.Name, f.Looks, f.UTF8)
		}
	}
	if rep.Error != nil {
		fmt.Fprintf(w, "not a fingerprint: %s at position %d (byte %d)\n", rep.Error.Message, rep.Error.Pos, rep.Error.Byte)
	}
	fmt.Fprintln(w, "the text as typed, on an ESP8266:")
	fmt.Fprintf(w, "  axTLS verify() (Blynk 0.4-0.6, core <= 2.4): %s\n", deviceLine(rep.AxTLS, "Certificate doesn't match"))
	fmt.Fprintf(w, "  BearSSL setFingerprint() (core >= 2.5, Blynk 1.x): %s\n", deviceLine(rep.BearSSL, "SSL error: 62 on every attempt"))
	if rep.Value == nil {
		return
	}
	switch {
	case rep.OK:
		fmt.Fprintf(w, "OK: a clean %s fingerprint\n", rep.Value.Alg)
	default:
		fmt.Fprintf(w, "clean value (%s), offered, not applied: use it if it is what you meant\n", rep.Value.Alg)
	}
	fmt.Fprintf(w, "  ESP8266 (axTLS/BearSSL): %s\n", rep.Value.ESP8266)
	fmt.Fprintf(w, "  colons:                  %s\n", rep.Value.Colon)
	fmt.Fprintf(w, "  C array:                 %s\n", rep.Value.CArray)
	fmt.Fprintf(w, "  openssl:                 %s\n", rep.Value.OpenSSL)
	if rep.Value.Alg == certs.SHA256.String() {
		fmt.Fprintln(w, "note: this is a SHA-256 fingerprint; ESP8266 verify()/setFingerprint() take SHA-1 only (blynkbridge cert fingerprint HOST:PORT prints it)")
	} else {
		fmt.Fprintf(w, "  sketch:                  const char fingerprint[] PROGMEM = %q;\n", rep.Value.ESP8266)
	}
}

func deviceLine(d certs.DeviceParse, consequence string) string {
	if d.OK {
		return "parses"
	}
	return fmt.Sprintf("rejected (%s) -> %s", d.Log, consequence)
}

// ---- cert fingerprint ----

type expectReport struct {
	Input    string          `json:"input"`
	Findings []certs.Finding `json:"findings"`
	Error    string          `json:"error,omitempty"`
	Matches  bool            `json:"matches"`
	MatchOf  string          `json:"match_of,omitempty"` // "leaf SHA-1", "leaf SHA-256", "chain[1] SHA-1" ...
}

type fingerprintReport struct {
	V       int                  `json:"v"`
	Server  *certs.ServerInfo    `json:"server"`
	ESP8266 *certs.ESP8266Report `json:"esp8266"`
	Expect  *expectReport        `json:"expect,omitempty"`
}

func certFingerprint(c *cli.Context) error {
	if c.NArg() != 1 {
		return bberr.New(bberr.Usage, "e.g. blynkbridge cert fingerprint 192.168.1.10:9443", "cert fingerprint needs exactly one HOST:PORT")
	}
	addr := c.Args().First()
	if _, _, err := net.SplitHostPort(addr); err != nil {
		// A bare host: blynk-server's TLS hardware port.
		addr = net.JoinHostPort(addr, "9443")
	}
	// The chain is verified for the name the sketch uses, if given.
	opts := certs.FetchOptions{SNI: c.String("sni"), Timeout: c.Duration("timeout"), VerifyName: c.String("as")}
	if p := c.String("ca"); p != "" {
		b, err := os.ReadFile(p)
		if err != nil {
			return bberr.Wrap(err, bberr.BadInput, "give the ca.crt written by `blynkbridge cert new`", "cannot read --ca")
		}
		list, err := certs.ReadCertificates(b)
		if err != nil {
			return err
		}
		opts.Roots = certs.Pool(list)
	}
	info, err := certs.Fetch(c.Context, addr, opts)
	if err != nil {
		return err
	}
	as := c.String("as")
	if as == "" {
		as, _, _ = net.SplitHostPort(addr)
	}
	exp := certs.ExplainESP8266(info.Leaf().Cert, as, time.Now())
	probe := certs.ProbeAxTLS(c.Context, addr, info.SNI, c.Duration("timeout"))
	exp.AxTLSHandshake = &probe
	rep := fingerprintReport{V: certJSONVersion, Server: info, ESP8266: &exp}
	if e := c.String("expect"); e != "" {
		rep.Expect = compareExpect(e, info)
	}
	if c.Bool("json") {
		if err := writeJSON(c.App.Writer, rep); err != nil {
			return err
		}
	} else {
		printFingerprint(c.App.Writer, rep, c.String("ca") != "")
	}
	if x := rep.Expect; x != nil && !x.Matches {
		if x.MatchOf == "" && len(x.Findings) == 0 && x.Error != "" {
			return bberr.New(bberr.BadInput, "give --expect the fingerprint exactly as in the sketch, in quotes", "--expect: %s", x.Error)
		}
		if len(x.Findings) > 0 {
			return bberr.New(bberr.CheckFailed, "retype the fingerprint in the sketch, or paste the sketch line printed above",
				"the expected fingerprint contains invisible or look-alike characters")
		}
		return bberr.New(bberr.CheckFailed, "put the server's SHA-1 above in the sketch (or update it if the server's certificate changed)",
			"the expected fingerprint does not match %s", addr)
	}
	return nil
}

func compareExpect(e string, info *certs.ServerInfo) *expectReport {
	x := &expectReport{Input: e, Findings: []certs.Finding{}}
	fp, err := certs.ParseFingerprint(e)
	var unclean *certs.UncleanError
	switch {
	case errors.As(err, &unclean):
		x.Findings, fp = unclean.Findings, unclean.Clean
		x.Error = unclean.Error() + ": an ESP8266 rejects the text as typed"
	case err != nil:
		x.Error = err.Error()
		return x
	}
found:
	for i, ci := range info.Chain {
		for _, cand := range []certs.Fingerprint{ci.SHA1, ci.SHA256} {
			if cand.Equal(fp) {
				x.MatchOf = "leaf " + cand.Alg.String()
				if i > 0 {
					x.MatchOf = fmt.Sprintf("chain[%d] (%s) %s", i, ci.CommonName, cand.Alg)
				}
				// Only the leaf's SHA-1 is what an ESP8266 compares, and the
				// text must also be clean for it to parse.
				x.Matches = i == 0 && cand.Alg == certs.SHA1 && unclean == nil
				break found
			}
		}
	}
	return x
}

func printFingerprint(w io.Writer, rep fingerprintReport, customRoots bool) {
	info, e := rep.Server, rep.ESP8266
	leaf := info.Leaf()
	sni := info.SNI
	if sni == "" {
		sni = "none (connecting by IP)"
	}
	fmt.Fprintf(w, "server %s: %s, %s, SNI %s\n", info.Addr, info.TLSVersion, info.CipherSuite, sni)
	fmt.Fprintln(w, "leaf certificate:")
	fmt.Fprintf(w, "  subject:   %s\n", leaf.Subject)
	fmt.Fprintf(w, "  issuer:    %s\n", leaf.Issuer)
	fmt.Fprintf(w, "  DNS SANs:  %s\n", listOrNone(leaf.DNSNames))
	fmt.Fprintf(w, "  IP SANs:   %s\n", listOrNone(leaf.IPAddresses))
	fmt.Fprintf(w, "  key:       %s, signed %s\n", leaf.Key, leaf.SignatureAlg)
	fmt.Fprintf(w, "  valid:     %s to %s (expires %s)\n", leaf.NotBefore.Format(time.DateOnly), leaf.NotAfter.Format(time.DateOnly), certs.FormatDays(leaf.DaysLeft))
	fmt.Fprintf(w, "  SHA-1:     %s\n", leaf.SHA1.ESP8266())
	fmt.Fprintf(w, "  SHA-256:   %s\n", leaf.SHA256.ESP8266())
	fmt.Fprintf(w, "  SPKI pin:  sha256//%s\n", leaf.SPKISHA256)
	for i, ci := range info.Chain[1:] {
		fmt.Fprintf(w, "chain[%d]: %s (issuer %s), expires %s, SHA-1 %s\n", i+1, ci.Subject, ci.Issuer, ci.NotAfter.Format(time.DateOnly), ci.SHA1.ESP8266())
	}
	roots := "system roots"
	if customRoots {
		roots = "--ca"
	}
	if info.Verified {
		fmt.Fprintf(w, "chain verifies against the %s for %q\n", roots, info.VerifyName)
	} else {
		fmt.Fprintf(w, "chain does NOT verify against the %s for %q: %s\n", roots, info.VerifyName, info.VerifyError)
	}
	fmt.Fprintf(w, "ESP8266 sketch connecting as %q with this fingerprint:\n", e.ConnectAs)
	if e.AxTLSHandshake != nil {
		fmt.Fprintf(w, "  axTLS handshake (core <= 2.4 ciphers): %s\n", verdict(*e.AxTLSHandshake))
	}
	fmt.Fprintf(w, "  axTLS verify(fp, %q) (Blynk 0.4-0.6, core <= 2.4): %s\n", e.ConnectAs, verdict(e.AxTLS))
	if e.AxTLSIPAddress != nil {
		fmt.Fprintf(w, "  axTLS with IPAddress(...) in Blynk.begin: %s\n", verdict(*e.AxTLSIPAddress))
	}
	fmt.Fprintf(w, "  BearSSL setFingerprint (core >= 2.5, Blynk 1.x): %s\n", verdict(e.BearSSLFingerprint))
	if e.Renewal != nil {
		fmt.Fprintf(w, "renewal: %s\n", e.Renewal.Advice)
	}
	for _, n := range e.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	if x := rep.Expect; x != nil {
		switch {
		case x.Matches:
			fmt.Fprintln(w, "expected fingerprint: matches the leaf's SHA-1")
		case x.MatchOf == "leaf SHA1":
			fmt.Fprintln(w, "expected fingerprint: its clean value matches the leaf's SHA-1, but the text as typed does not parse on an ESP8266")
		case x.MatchOf != "":
			fmt.Fprintf(w, "expected fingerprint: it is the %s, but an ESP8266 compares the leaf's SHA-1 (%s)\n", x.MatchOf, leaf.SHA1.ESP8266())
		default:
			fmt.Fprintf(w, "expected fingerprint: does NOT match (server's leaf SHA-1 is %s)\n", leaf.SHA1.ESP8266())
		}
		if x.Error != "" {
			fmt.Fprintf(w, "expected fingerprint: %s\n", x.Error)
		}
	}
	fmt.Fprintln(w, "put in the sketch:")
	fmt.Fprintf(w, "  %s\n", leaf.SHA1.CDecl("fingerprint"))
}

func verdict(v certs.Verdict) string {
	s := "FAILS: "
	if v.OK {
		s = "OK: "
	}
	s += v.Reason
	if !v.OK && v.Log != "" {
		s += fmt.Sprintf(" [serial log: %s]", v.Log)
	}
	return s
}

func listOrNone(l []string) string {
	if len(l) == 0 {
		return "(none)"
	}
	return strings.Join(l, ", ")
}

// ---- cert new ----

type newReport struct {
	V        int               `json:"v"`
	Dir      string            `json:"dir"`
	Files    []string          `json:"files"`
	CAReused bool              `json:"ca_reused"`
	CA       certs.CertInfo    `json:"ca"`
	Server   certs.CertInfo    `json:"server"`
	SHA1     *fingerprintForms `json:"sha1"`
	SHA256   *fingerprintForms `json:"sha256"`
}

func splitList(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

func certNew(c *cli.Context) error {
	if c.NArg() > 0 {
		return bberr.New(bberr.Usage, "names go in --ip and --dns", "unexpected argument %q", c.Args().First())
	}
	var ips []net.IP
	for _, s := range splitList(c.StringSlice("ip")) {
		ip := net.ParseIP(s)
		if ip == nil {
			return bberr.New(bberr.Usage, "give --ip as an address such as 192.168.1.10; names go in --dns", "--ip %q is not an IP address", s)
		}
		if v4 := ip.To4(); v4 != nil {
			ip = v4
		}
		ips = append(ips, ip)
	}
	dns := splitList(c.StringSlice("dns"))
	for _, d := range dns {
		if net.ParseIP(d) != nil {
			return bberr.New(bberr.Usage, "put addresses in --ip", "--dns %q is an IP address", d)
		}
	}
	res, err := certs.NewServerFiles(certs.NewServerOptions{
		Dir: c.String("out"), CADir: c.String("ca-dir"), CAName: c.String("ca-name"),
		DNSNames: dns, IPs: ips, Days: c.Int("days"), CADays: c.Int("ca-days"),
		IPsAsDNS: !c.Bool("no-ip-dns"), Force: c.Bool("force"),
	})
	if err != nil {
		return err
	}
	now := time.Now()
	leaf := res.Server.Cert
	if c.Bool("json") {
		return writeJSON(c.App.Writer, newReport{V: certJSONVersion, Dir: c.String("out"), Files: res.Files, CAReused: res.CAReused,
			CA: certs.Describe(res.CA.Cert, now), Server: certs.Describe(leaf, now),
			SHA1: formsOf(certs.SHA1Of(leaf)), SHA256: formsOf(certs.SHA256Of(leaf))})
	}
	w := c.App.Writer
	dir := c.String("out")
	fmt.Fprintln(w, "wrote:")
	for _, f := range res.Files {
		fmt.Fprintf(w, "  %-28s %s\n", f, fileRole(filepath.Base(f)))
	}
	if res.CAReused {
		fmt.Fprintf(w, "  (CA reused from %s)\n", c.String("ca-dir"))
	}
	d := certs.Describe(leaf, now)
	fmt.Fprintf(w, "server certificate: CN=%s, DNS %s, IP %s, %s, valid until %s (%d days)\n",
		d.CommonName, listOrNone(d.DNSNames), listOrNone(d.IPAddresses), d.Key, d.NotAfter.Format(time.DateOnly), d.DaysLeft)
	fmt.Fprintf(w, "SHA-1 (what an ESP8266 pins): %s\n", d.SHA1.ESP8266())
	fmt.Fprintf(w, "SHA-256:                      %s\n", d.SHA256.ESP8266())
	abs, _ := filepath.Abs(dir)
	fmt.Fprintln(w, "in blynk-server's server.properties:")
	fmt.Fprintf(w, "  server.ssl.cert=%s\n", filepath.Join(abs, certs.ServerCertFile))
	fmt.Fprintf(w, "  server.ssl.key=%s\n", filepath.Join(abs, certs.ServerKeyFile))
	fmt.Fprintln(w, "  server.ssl.key.pass=")
	host := ""
	switch {
	case len(ips) > 0:
		host = ips[0].String()
	default:
		host = dns[0]
	}
	fmt.Fprintln(w, "in the sketch:")
	fmt.Fprintf(w, "  %s\n", d.SHA1.CDecl("fingerprint"))
	fmt.Fprintf(w, "  Blynk.begin(auth, ssid, pass, %q, 9443, fingerprint);  // the address as a string: IPAddress(...) never passes axTLS's name check\n", host)
	fmt.Fprintf(w, "then check from this machine: blynkbridge cert fingerprint %s --as %s --expect %q\n",
		net.JoinHostPort(host, "9443"), host, d.SHA1.ESP8266())
	return nil
}

func fileRole(name string) string {
	switch name {
	case certs.CACertFile:
		return "CA certificate (trust anchor for clients that verify the chain)"
	case certs.CAKeyFile:
		return "CA key, 0600: keep it private; reuse it with --ca-dir"
	case certs.ServerCertFile:
		return "server certificate + CA chain -> server.ssl.cert"
	case certs.ServerKeyFile:
		return "server key, PKCS#8 unencrypted, 0600 -> server.ssl.key"
	}
	return ""
}
