package certs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/internal/valid"
)

// This file holds what the cert commands report: JSON-ready reports
// (schema "v": ReportVersion), their text forms and the exit error each
// implies. The CLI parses flags, calls one function here and prints.

// ReportVersion is the "v" of every cert report.
const ReportVersion = 1

// Forms is every spelling of one fingerprint, for --json.
type Forms struct {
	Alg     string `json:"alg"`
	ESP8266 string `json:"esp8266"`
	Colon   string `json:"colon"`
	Hex     string `json:"hex"`
	CArray  string `json:"c_array"`
	OpenSSL string `json:"openssl"`
}

func FormsOf(f Fingerprint) *Forms {
	return &Forms{Alg: f.Alg.String(), ESP8266: f.ESP8266(), Colon: f.Colon(), Hex: f.Hex(), CArray: f.CArray(), OpenSSL: f.OpenSSL()}
}

// CheckReport is what `cert check` reports about a pasted fingerprint.
type CheckReport struct {
	V        int         `json:"v"`
	Input    string      `json:"input"`
	Escaped  string      `json:"input_escaped"` // non-ASCII spelled <U+XXXX>
	OK       bool        `json:"ok"`            // a clean fingerprint
	Clean    bool        `json:"clean"`         // no invisible or look-alike characters
	Findings []Finding   `json:"findings"`
	Value    *Forms      `json:"fingerprint,omitempty"` // the (clean) value, when it is one
	Error    *CheckError `json:"error,omitempty"`
	AxTLS    DeviceParse `json:"axtls_parse"`   // the text as typed, in axTLS verify()
	BearSSL  DeviceParse `json:"bearssl_parse"` // the text as typed, in BearSSL setFingerprint()

	err error // what the command exits with (Err)
}

// CheckError says where the text stops being a fingerprint.
type CheckError struct {
	Message string `json:"message"`
	Pos     int    `json:"pos"`
	Byte    int    `json:"byte"`
}

// Check checks a pasted fingerprint: invisible or look-alike characters,
// whether it parses at all, and what axTLS and BearSSL make of the text
// exactly as typed. Err on the result is the exit: 10 when the text is
// unclean or either device library would reject it as written (with the
// clean value in the hint), 9 when it is no fingerprint at all.
func Check(in string) *CheckReport {
	fp, perr := ParseFingerprint(in)
	esc, _ := Caret(in)
	rep := &CheckReport{V: ReportVersion, Input: in, Escaped: esc, Findings: []Finding{},
		AxTLS: AxTLSParse(in), BearSSL: BearSSLParse(in)}
	var unclean *UncleanError
	var bad *ParseError
	switch {
	case perr == nil:
		rep.Clean, rep.Value = true, FormsOf(fp)
		rep.OK = rep.AxTLS.OK && rep.BearSSL.OK
		if !rep.OK {
			var who []string
			if !rep.AxTLS.OK {
				who = append(who, "axTLS ("+rep.AxTLS.Log+")")
			}
			if !rep.BearSSL.OK {
				who = append(who, "BearSSL ("+rep.BearSSL.Log+")")
			}
			rep.err = &bberr.Error{Code: bberr.CheckFailed, Msg: "the fingerprint as written is rejected by " + strings.Join(who, " and "),
				Hint: fmt.Sprintf("use the clean value: %q", fp.ESP8266())}
			if fp.Alg == SHA256 {
				rep.err.(*bberr.Error).Hint = "an ESP8266 pins the SHA-1: get it with blynkbridge cert fingerprint HOST:PORT"
			}
		}
	case errors.As(perr, &unclean):
		rep.Findings, rep.Value = unclean.Findings, FormsOf(unclean.Clean)
		rep.err = &bberr.Error{Code: bberr.CheckFailed, Msg: unclean.Error(), Err: perr,
			Hint: fmt.Sprintf("retype it, or use the clean value: %q", unclean.Clean.ESP8266())}
	case errors.As(perr, &bad):
		rep.Clean = len(bad.Findings) == 0
		if bad.Findings != nil {
			rep.Findings = bad.Findings
		}
		rep.Error = &CheckError{Message: bad.Msg, Pos: bad.Pos, Byte: bad.Byte}
		rep.err = &bberr.Error{Code: bberr.BadInput, Msg: bad.Error(), Err: perr, Hint: bberr.HintOf(bad)}
	default:
		rep.err = perr
	}
	return rep
}

// Err is the error the check exits with (nil for a fingerprint both
// libraries accept as written).
func (rep *CheckReport) Err() error { return rep.err }

// WriteText prints the check for humans: carets under each finding, what
// each device library does with the text, and the clean value in every form.
func (rep *CheckReport) WriteText(w io.Writer) {
	in := rep.Input
	var marks []int
	for _, f := range rep.Findings {
		marks = append(marks, f.Pos)
	}
	if rep.Error != nil {
		marks = append(marks, rep.Error.Pos)
	}
	if len(marks) > 0 {
		line, carets := Caret(in, marks...)
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
	case rep.Clean:
		fmt.Fprintf(w, "clean value (%s): the text as written is rejected above; put this in the sketch instead\n", rep.Value.Alg)
	default:
		fmt.Fprintf(w, "clean value (%s), offered, not applied: use it if it is what you meant\n", rep.Value.Alg)
	}
	fmt.Fprintf(w, "  ESP8266 (axTLS/BearSSL): %s\n", rep.Value.ESP8266)
	fmt.Fprintf(w, "  colons:                  %s\n", rep.Value.Colon)
	fmt.Fprintf(w, "  C array:                 %s\n", rep.Value.CArray)
	fmt.Fprintf(w, "  openssl:                 %s\n", rep.Value.OpenSSL)
	if rep.Value.Alg == SHA256.String() {
		fmt.Fprintln(w, "note: this is a SHA-256 fingerprint; ESP8266 verify()/setFingerprint() take SHA-1 only (blynkbridge cert fingerprint HOST:PORT prints it)")
	} else {
		fmt.Fprintf(w, "  sketch:                  const char fingerprint[] PROGMEM = %q;\n", rep.Value.ESP8266)
	}
}

func deviceLine(d DeviceParse, consequence string) string {
	if d.OK {
		return "parses"
	}
	return fmt.Sprintf("rejected (%s) -> %s", d.Log, consequence)
}

// ExpectReport compares the fingerprint in a sketch with the server's.
type ExpectReport struct {
	Input    string    `json:"input"`
	Findings []Finding `json:"findings"`
	Error    string    `json:"error,omitempty"`
	Matches  bool      `json:"matches"`
	MatchOf  string    `json:"match_of,omitempty"` // "leaf SHA-1", "leaf SHA-256", "chain[1] SHA-1" ...
}

// FingerprintReport is what `cert fingerprint` reports.
type FingerprintReport struct {
	V       int            `json:"v"`
	Server  *ServerInfo    `json:"server"`
	ESP8266 *ESP8266Report `json:"esp8266"`
	Expect  *ExpectReport  `json:"expect,omitempty"`

	customRoots bool
}

// InspectOptions is a `cert fingerprint` run.
type InspectOptions struct {
	Addr    string        // HOST:PORT, or HOST (port 9443, blynk-server's TLS hardware port)
	SNI     string        // server name to send ("" = the host, if a name)
	As      string        // name or IP the sketch connects with ("" = the host)
	Expect  string        // the fingerprint in the sketch, to compare ("" = none)
	CAPEM   []byte        // verify against this CA instead of the system roots
	Timeout time.Duration //
}

// Inspect fetches a server's certificate, explains what an ESP8266 will
// do with it (including a real axTLS-era handshake probe) and compares an
// expected fingerprint. The report's Err is the exit.
func Inspect(ctx context.Context, o InspectOptions) (*FingerprintReport, error) {
	// A bare host: blynk-server's TLS hardware port. A malformed address
	// is a usage error (2), as for every --server flag.
	host, port, err := valid.ParseHostPort("", o.Addr, 9443)
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	// The chain is verified for the name the sketch uses, if given.
	opts := FetchOptions{SNI: o.SNI, Timeout: o.Timeout, VerifyName: o.As}
	if o.CAPEM != nil {
		list, err := ReadCertificates(o.CAPEM)
		if err != nil {
			return nil, err
		}
		opts.Roots = Pool(list)
	}
	info, err := Fetch(ctx, addr, opts)
	if err != nil {
		return nil, err
	}
	as := o.As
	if as == "" {
		as, _, _ = net.SplitHostPort(addr)
	}
	exp := ExplainESP8266(info.Leaf().Cert, as, time.Now())
	probe := ProbeAxTLS(ctx, addr, info.SNI, o.Timeout)
	exp.AxTLSHandshake = &probe
	rep := &FingerprintReport{V: ReportVersion, Server: info, ESP8266: &exp, customRoots: o.CAPEM != nil}
	if o.Expect != "" {
		rep.Expect = compareExpect(o.Expect, info)
	}
	return rep, nil
}

// Err is the exit of a `cert fingerprint` run: 10 when --expect does not
// match (or is unclean), 9 when it is no fingerprint.
func (rep *FingerprintReport) Err() error {
	x := rep.Expect
	if x == nil || x.Matches {
		return nil
	}
	if x.MatchOf == "" && len(x.Findings) == 0 && x.Error != "" {
		return bberr.New(bberr.BadInput, "give --expect the fingerprint exactly as in the sketch, in quotes", "--expect: %s", x.Error)
	}
	if len(x.Findings) > 0 {
		return bberr.New(bberr.CheckFailed, "retype the fingerprint in the sketch, or paste the sketch line printed above",
			"the expected fingerprint contains invisible or look-alike characters")
	}
	return bberr.New(bberr.CheckFailed, "put the server's SHA-1 above in the sketch (or update it if the server's certificate changed)",
		"the expected fingerprint does not match %s", rep.Server.Addr)
}

func compareExpect(e string, info *ServerInfo) *ExpectReport {
	x := &ExpectReport{Input: e, Findings: []Finding{}}
	fp, err := ParseFingerprint(e)
	var unclean *UncleanError
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
		for _, cand := range []Fingerprint{ci.SHA1, ci.SHA256} {
			if cand.Equal(fp) {
				x.MatchOf = "leaf " + cand.Alg.String()
				if i > 0 {
					x.MatchOf = fmt.Sprintf("chain[%d] (%s) %s", i, ci.CommonName, cand.Alg)
				}
				// Only the leaf's SHA-1 is what an ESP8266 compares, and the
				// text must also be clean for it to parse.
				x.Matches = i == 0 && cand.Alg == SHA1 && unclean == nil
				break found
			}
		}
	}
	return x
}

// WriteText prints the report for humans, ending with the sketch line.
func (rep *FingerprintReport) WriteText(w io.Writer) {
	customRoots := rep.customRoots
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
	fmt.Fprintf(w, "  valid:     %s to %s (expires %s)\n", leaf.NotBefore.Format(time.DateOnly), leaf.NotAfter.Format(time.DateOnly), FormatDays(leaf.DaysLeft))
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

func verdict(v Verdict) string {
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

// NewReport is what `cert new` reports.
type NewReport struct {
	V        int      `json:"v"`
	Dir      string   `json:"dir"`
	Files    []string `json:"files"`
	CAReused bool     `json:"ca_reused"`
	CA       CertInfo `json:"ca"`
	Server   CertInfo `json:"server"`
	SHA1     *Forms   `json:"sha1"`
	SHA256   *Forms   `json:"sha256"`

	caDir string
	ips   []net.IP
	dns   []string
}

// SplitList splits repeated, comma-separated flag values (--ip a,b --ip c).
func SplitList(vals []string) []string {
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

// FileRole says what a file `cert new` writes is for.
func FileRole(name string) string {
	switch name {
	case CACertFile:
		return "CA certificate (trust anchor for clients that verify the chain)"
	case CAKeyFile:
		return "CA key, 0600: keep it private; reuse it with --ca-dir"
	case ServerCertFile:
		return "server certificate + CA chain -> server.ssl.cert"
	case ServerKeyFile:
		return "server key, PKCS#8 unencrypted, 0600 -> server.ssl.key"
	}
	return ""
}

// ParseNames turns --ip and --dns values (repeated or comma-separated)
// into the addresses and names of a server certificate, refusing a name in
// --ip or an address in --dns.
func ParseNames(ipVals, dnsVals []string) ([]net.IP, []string, error) {
	var ips []net.IP
	for _, s := range SplitList(ipVals) {
		ip := net.ParseIP(s)
		if ip == nil {
			return nil, nil, bberr.New(bberr.Usage, "give --ip as an address such as 192.168.1.10; names go in --dns", "--ip %q is not an IP address", s)
		}
		if v4 := ip.To4(); v4 != nil {
			ip = v4
		}
		ips = append(ips, ip)
	}
	dns := SplitList(dnsVals)
	for _, d := range dns {
		if net.ParseIP(d) != nil {
			return nil, nil, bberr.New(bberr.Usage, "put addresses in --ip", "--dns %q is an IP address", d)
		}
	}
	return ips, dns, nil
}

// NewServer runs `cert new`: NewServerFiles, then the report of what was
// written and how to use it.
func NewServer(o NewServerOptions) (*NewReport, error) {
	res, err := NewServerFiles(o)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	leaf := res.Server.Cert
	return &NewReport{V: ReportVersion, Dir: o.Dir, Files: res.Files, CAReused: res.CAReused,
		CA: Describe(res.CA.Cert, now), Server: Describe(leaf, now),
		SHA1: FormsOf(SHA1Of(leaf)), SHA256: FormsOf(SHA256Of(leaf)),
		caDir: o.CADir, ips: o.IPs, dns: o.DNSNames}, nil
}

// WriteText prints what was written, the blynk-server settings and the
// sketch lines that use the new certificate.
func (rep *NewReport) WriteText(w io.Writer) {
	fmt.Fprintln(w, "wrote:")
	for _, f := range rep.Files {
		fmt.Fprintf(w, "  %-28s %s\n", f, FileRole(filepath.Base(f)))
	}
	if rep.CAReused {
		fmt.Fprintf(w, "  (CA reused from %s)\n", rep.caDir)
	}
	d := rep.Server
	fmt.Fprintf(w, "server certificate: CN=%s, DNS %s, IP %s, %s, valid until %s (%d days)\n",
		d.CommonName, listOrNone(d.DNSNames), listOrNone(d.IPAddresses), d.Key, d.NotAfter.Format(time.DateOnly), d.DaysLeft)
	fmt.Fprintf(w, "SHA-1 (what an ESP8266 pins): %s\n", d.SHA1.ESP8266())
	fmt.Fprintf(w, "SHA-256:                      %s\n", d.SHA256.ESP8266())
	abs, _ := filepath.Abs(rep.Dir)
	fmt.Fprintln(w, "in blynk-server's server.properties:")
	fmt.Fprintf(w, "  server.ssl.cert=%s\n", filepath.Join(abs, ServerCertFile))
	fmt.Fprintf(w, "  server.ssl.key=%s\n", filepath.Join(abs, ServerKeyFile))
	fmt.Fprintln(w, "  server.ssl.key.pass=")
	host := ""
	switch {
	case len(rep.ips) > 0:
		host = rep.ips[0].String()
	case len(rep.dns) > 0:
		host = rep.dns[0]
	}
	fmt.Fprintln(w, "in the sketch:")
	fmt.Fprintf(w, "  %s\n", d.SHA1.CDecl("fingerprint"))
	fmt.Fprintf(w, "  Blynk.begin(auth, ssid, pass, %q, 9443, fingerprint);  // the address as a string: IPAddress(...) never passes axTLS's name check\n", host)
	fmt.Fprintf(w, "then check from this machine: blynkbridge cert fingerprint %s --as %s --expect %q\n",
		net.JoinHostPort(host, "9443"), host, d.SHA1.ESP8266())
}
