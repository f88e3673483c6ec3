package valid

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// Kind is a kind of value.
type Kind int

// The kinds of value the table knows.
const (
	Baud     Kind = iota // a UART rate
	Count                // an integer in [Min, Max]
	Duration             // a duration in [Min, Max] (nanoseconds)
	HostPort             // host[:port]; Min = 0 allows port 0 (listen)
	Host                 // a host name or IP address
)

// Rule is one row of the table: a flag name, its kind and its range.
type Rule struct {
	Flag     string
	Kind     Kind
	Min, Max int64
	What     string // what the value is, for the hint
}

// The limits of a baud rate: the lowest a UART is set to, and the highest
// any USB bridge on these boards takes (CP2102N and FT232H: 3 Mbaud; the
// ESP8266's UART itself about 4.5 Mbaud).
const (
	MinBaud = 300
	MaxBaud = 4_608_000
)

// Table is every checked flag. A flag name means the same everywhere, so
// one row covers every command that has it.
var Table = []Rule{
	{"baud", Baud, MinBaud, MaxBaud, "a serial rate such as 115200 or 460800"},
	{"flash-baud", Baud, MinBaud, MaxBaud, "a serial rate such as 460800"},
	{"baud-flash", Baud, MinBaud, MaxBaud, "a serial rate such as 921600"},
	{"server", HostPort, 1, 65535, "HOST or HOST:PORT, e.g. blynk.lan:9443"},
	{"fingerprint-from", HostPort, 1, 65535, "HOST:PORT of the server, e.g. blynk.lan:9443"},
	{"listen", HostPort, 0, 65535, "ADDRESS:PORT to listen on, e.g. 127.0.0.1:9443 (port 0: any free port)"},
	{"sni", Host, 0, 0, "a server name"},
	{"as", Host, 0, 0, "the name or IP address the sketch connects with"},
	{"buffer", Count, 0, 1 << 20, "a number of frames (0 keeps none)"},
	{"max-body", Count, 1, 65535, "a frame body size in bytes (Blynk lengths are 16-bit)"},
	{"min", Count, 1, 4096, "a string length"},
	{"days", Count, 1, 36500, "a number of days"},
	{"ca-days", Count, 1, 36500, "a number of days"},
	{"timeout-ms", Count, 0, 3_600_000, "milliseconds"},
	{"garbage-bytes", Count, 0, 1 << 20, "a number of bytes"},
	{"log-keep", Count, 0, 1000, "a number of files"},
	{"log-max", Count, 0, 1 << 40, "a size in bytes (0 = never rotate)"},
	{"log-max-mb", Count, 1, 1 << 20, "a size in MiB"},
	{"timeout", Duration, int64(time.Millisecond), int64(24 * time.Hour), "a duration such as 10s"},
	{"reconnect-first", Duration, int64(time.Millisecond), int64(24 * time.Hour), "a duration such as 1s"},
	{"reconnect-max", Duration, int64(time.Millisecond), int64(24 * time.Hour), "a duration such as 30s"},
	{"stats-every", Duration, 0, int64(24 * time.Hour), "a duration (0 = only at exit)"},
	{"unplug-every", Duration, 0, int64(24 * time.Hour), "a duration"},
	{"unplug-for", Duration, 0, int64(24 * time.Hour), "a duration"},
}

// RuleOf returns the rule for a flag name.
func RuleOf(flag string) (Rule, bool) {
	for _, r := range Table {
		if r.Flag == flag {
			return r, true
		}
	}
	return Rule{}, false
}

func usage(flag, value, hint, format string, args ...any) error {
	return bberr.New(bberr.Usage, hint, "--%s %s: %s", flag, value, fmt.Sprintf(format, args...))
}

// Check checks a flag's value (an int, int64, time.Duration or string, as
// the flag holds it) against its rule; a flag without a rule passes.
func Check(flag string, v any) error {
	r, ok := RuleOf(flag)
	if !ok {
		return nil
	}
	switch x := v.(type) {
	case int:
		return r.checkInt(int64(x))
	case int64:
		return r.checkInt(x)
	case time.Duration:
		if int64(x) < r.Min || int64(x) > r.Max {
			return usage(flag, x.String(), "give "+r.What, "not between %s and %s", time.Duration(r.Min), time.Duration(r.Max))
		}
	case string:
		switch r.Kind {
		case HostPort:
			_, _, err := r.hostPort(x)
			return err
		case Host:
			if err := hostError(x); err != nil {
				return usage(flag, quote(x), "give "+r.What, "%v", err)
			}
		}
	}
	return nil
}

func (r Rule) checkInt(n int64) error {
	if n >= r.Min && n <= r.Max {
		return nil
	}
	if r.Kind == Baud {
		return usage(r.Flag, strconv.FormatInt(n, 10), "give "+r.What, "not a baud rate (%d to %d)", r.Min, r.Max)
	}
	return usage(r.Flag, strconv.FormatInt(n, 10), "give "+r.What, "not between %d and %d", r.Min, r.Max)
}

// ParseHostPort splits and checks HOST[:PORT] given as flag (or, with flag
// "", as a positional argument); a missing port is defPort (0 = required).
func ParseHostPort(flag, s string, defPort int) (string, int, error) {
	r, ok := RuleOf(flag)
	if !ok {
		r = Rule{Flag: flag, Kind: HostPort, Min: 1, Max: 65535, What: "HOST:PORT, e.g. blynk.lan:9443"}
	}
	h, p, err := r.hostPort(s)
	if err == nil && p == 0 && r.Min > 0 {
		if defPort == 0 {
			return "", 0, r.errorf(s, "no port")
		}
		p = defPort
	}
	return h, p, err
}

func (r Rule) errorf(s, format string, args ...any) error {
	if r.Flag == "" {
		return bberr.New(bberr.Usage, "give "+r.What, "%s: %s", quote(s), fmt.Sprintf(format, args...))
	}
	return usage(r.Flag, quote(s), "give "+r.What, format, args...)
}

// hostPort returns host and port (0 when absent).
func (r Rule) hostPort(s string) (string, int, error) {
	if strings.Contains(s, "://") {
		return "", 0, r.errorf(s, "give host[:port] without a scheme")
	}
	host, port := s, ""
	if h, p, err := net.SplitHostPort(s); err == nil {
		host, port = h, p
	} else if strings.Count(s, ":") == 1 || strings.HasPrefix(s, "[") {
		return "", 0, r.errorf(s, "not host[:port]")
	}
	if err := hostError(host); err != nil && !(host == "" && r.Min == 0 && port != "") {
		return "", 0, r.errorf(s, "%v", err)
	}
	if port == "" {
		return host, 0, nil
	}
	n, err := Port(port)
	if err != nil || int64(n) < r.Min {
		return "", 0, r.errorf(s, "port %s is not %d to 65535", quote(port), r.Min)
	}
	return host, n, nil
}

// Port parses a TCP port number (0 to 65535).
func Port(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 65535 {
		return 0, bberr.New(bberr.Usage, "a port is a number from 1 to 65535", "port %s is not a number from 1 to 65535", quote(s))
	}
	return n, nil
}

// hostError says what is wrong with a host name or IP address, or nil.
func hostError(h string) error {
	switch {
	case h == "":
		return fmt.Errorf("no host")
	case net.ParseIP(h) != nil:
		return nil
	case len(h) > 253:
		return fmt.Errorf("host name longer than 253 characters")
	}
	for _, r := range h {
		switch {
		case r == ' ' || r == '\t':
			return fmt.Errorf("space in the host name")
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			return fmt.Errorf("invisible character U+%04X in the host name", r)
		case r > unicode.MaxASCII:
			return fmt.Errorf("non-ASCII character %q in the host name (an ESP8266 resolves only ASCII names; use the punycode xn-- form)", r)
		case !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_'):
			return fmt.Errorf("%q is not allowed in a host name", r)
		}
	}
	return nil
}

// HostError is hostError for callers outside (profiles validation).
func HostError(h string) error { return hostError(h) }

// quote shows a value with anything unprintable escaped.
func quote(s string) string {
	q := strconv.QuoteToASCII(s)
	if q[1:len(q)-1] == s && !strings.ContainsAny(s, " ") {
		return s
	}
	return q
}
