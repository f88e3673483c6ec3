package profiles

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/blynkbridge/blynkbridge/blynk"

	"github.com/blynkbridge/blynkbridge/internal/valid"
)

// Profile is one named set of board and server settings. Empty fields mean
// "not set here": the command's built-in default applies.
type Profile struct {
	Name string

	// Board identity: at most one of Port, ByID, USBSerial, VIDPID.
	Port      string // device path: /dev/ttyUSB0, COM3
	ByID      string // a name under /dev/serial/by-id (or a full path there)
	USBSerial string // USB serial number of the bridge chip
	VIDPID    string // "1a86:7523" (lower-case hex); must match exactly one port

	MonitorBaud int    // monitor and relay line rate
	FlashBaud   int    // flash line rate
	Before      string // reset strategy before flashing (esptool names)
	After       string // what to do after flashing (esptool names)

	Image string // firmware image (.bin) path
	ELF   string // ELF for crash decoding

	Server      string // host[:port]
	TLS         string // "", "fingerprint", "ca", "insecure" or "none"; "" = inferred
	CA          string // CA certificate file (tls = "ca")
	Fingerprint string // server certificate fingerprint (tls = "fingerprint")

	Token     blynk.Token // inline token (the file must be 0600)
	TokenFile string      // file holding the token
	TokenEnv  string      // environment variable holding the token

	// Relay holds relay command flags by name (e.g. "reconnect-max": "30s").
	// Values are strings, integers or booleans as written.
	Relay map[string]any
}

// Valid values.
var (
	tlsModes = []string{"fingerprint", "ca", "insecure", "none"}
	// esptool spells these with '_' (v4) or '-' (v5); both are accepted and
	// passed on as written.
	beforeModes = []string{"default-reset", "usb-reset", "no-reset", "no-reset-no-sync"}
	afterModes  = []string{"hard-reset", "soft-reset", "no-reset", "no-reset-stub", "watchdog-reset"}
	validBauds  = []int{300, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 74880, 115200, 230400, 250000,
		460800, 500000, 921600, 1000000, 1500000, 2000000}
)

// FieldError is a validation error: which profile, which key, which line.
type FieldError struct {
	File    string
	Profile string // "" for top-level keys
	Key     string
	Line    int // 1-based; 0 if unknown
	Msg     string
}

func (e *FieldError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Profile != "" {
		fmt.Fprintf(&b, "profile %q: ", e.Profile)
	}
	if e.Key != "" {
		fmt.Fprintf(&b, "%s: ", e.Key)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// TLSMode returns the effective TLS mode: the tls key, or inferred from the
// fingerprint / ca keys, or "" (the command's default: system roots).
func (p *Profile) TLSMode() string {
	switch {
	case p.TLS != "":
		return p.TLS
	case p.Fingerprint != "":
		return "fingerprint"
	case p.CA != "":
		return "ca"
	}
	return ""
}

// TokenSource says where the token comes from, without revealing it:
// "inline", "file:PATH", "env:VAR" or "".
func (p *Profile) TokenSource() string {
	switch {
	case !p.Token.IsZero():
		return "inline"
	case p.TokenFile != "":
		return "file:" + p.TokenFile
	case p.TokenEnv != "":
		return "env:" + p.TokenEnv
	}
	return ""
}

// HasPortMatch reports whether the profile names a board at all.
func (p *Profile) HasPortMatch() bool {
	return p.Port != "" || p.ByID != "" || p.USBSerial != "" || p.VIDPID != ""
}

// validate checks one profile. line gives the line of a key ("" = the
// profile's table header) so errors can name it.
func (p *Profile) validate(file string, line func(key string) int) []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, &FieldError{File: file, Profile: p.Name, Key: key, Line: line(key), Msg: fmt.Sprintf(format, args...)})
	}
	if !validName(p.Name) {
		bad("", "profile names use letters, digits, '-', '_' and '.' (got %q)", p.Name)
	}
	var ids []string
	for _, kv := range [][2]string{{"port", p.Port}, {"by_id", p.ByID}, {"usb_serial", p.USBSerial}, {"vid_pid", p.VIDPID}} {
		if kv[1] != "" {
			ids = append(ids, kv[0])
		}
	}
	if len(ids) > 1 {
		bad(ids[1], "set only one of port, by_id, usb_serial, vid_pid (found %s)", strings.Join(ids, " and "))
	}
	if p.VIDPID != "" {
		if _, _, err := ParseVIDPID(p.VIDPID); err != nil {
			bad("vid_pid", "%v", err)
		}
	}
	if p.ByID != "" && strings.ContainsAny(p.ByID, "\x00") {
		bad("by_id", "contains a NUL byte")
	}
	for _, kb := range []struct {
		key  string
		baud int
	}{{"monitor_baud", p.MonitorBaud}, {"flash_baud", p.FlashBaud}} {
		if kb.baud != 0 && !okBaud(kb.baud) {
			bad(kb.key, "%d is not a baud rate blynkbridge uses (one of %s)", kb.baud, joinInts(validBauds))
		}
	}
	if p.Before != "" && !oneOf(p.Before, beforeModes) {
		bad("before", "unknown reset strategy %q (one of %s)", p.Before, strings.Join(beforeModes, ", "))
	}
	if p.After != "" && !oneOf(p.After, afterModes) {
		bad("after", "unknown after-flash action %q (one of %s)", p.After, strings.Join(afterModes, ", "))
	}
	if p.Server != "" {
		if err := checkServer(p.Server); err != nil {
			bad("server", "%v", err)
		}
	}
	if p.TLS != "" && !contains(tlsModes, p.TLS) {
		bad("tls", "unknown TLS mode %q (one of %s)", p.TLS, strings.Join(tlsModes, ", "))
	}
	switch p.TLS {
	case "fingerprint":
		if p.Fingerprint == "" {
			bad("tls", `tls = "fingerprint" needs a fingerprint key`)
		}
	case "ca":
		if p.CA == "" {
			bad("tls", `tls = "ca" needs a ca key (CA certificate file)`)
		}
	case "insecure", "none":
		if p.Fingerprint != "" || p.CA != "" {
			bad("tls", "tls = %q conflicts with the fingerprint/ca keys of this profile", p.TLS)
		}
	}
	if p.TLS == "" && p.Fingerprint != "" && p.CA != "" {
		bad("ca", `both fingerprint and ca are set: add tls = "fingerprint" or tls = "ca" to say which one`)
	}
	if p.Fingerprint != "" {
		if err := CheckFingerprint(p.Fingerprint); err != nil {
			bad("fingerprint", "%v", err)
		}
	}
	var toks []string
	if !p.Token.IsZero() {
		toks = append(toks, "token")
		if err := blynk.ValidateToken(p.Token); err != nil {
			bad("token", "%v", err)
		}
	}
	if p.TokenFile != "" {
		toks = append(toks, "token_file")
	}
	if p.TokenEnv != "" {
		toks = append(toks, "token_env")
		if !validEnvName(p.TokenEnv) {
			bad("token_env", "%q is not an environment variable name", p.TokenEnv)
		}
	}
	if len(toks) > 1 {
		bad(toks[1], "set only one of token, token_file, token_env (found %s)", strings.Join(toks, " and "))
	}
	keys := make([]string, 0, len(p.Relay))
	for k := range p.Relay {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !validFlagName(k) {
			bad("relay."+k, "relay options are relay flag names (letters, digits, '-')")
		}
		switch p.Relay[k].(type) {
		case string, int64, bool, float64:
		default:
			bad("relay."+k, "relay option values are strings, numbers or booleans")
		}
	}
	return errs
}

// CheckFingerprint accepts SHA-1 (20 bytes) or SHA-256 (32 bytes) in hex with
// ':', ' ' or '-' separators, and names the position of anything else, which
// catches the invisible characters copy-paste from browsers brings.
func CheckFingerprint(s string) error {
	n := 0
	for i, r := range []rune(s) {
		switch {
		case r == ':' || r == ' ' || r == '-':
		case r >= '0' && r <= '9', r >= 'a' && r <= 'f', r >= 'A' && r <= 'F':
			n++
		default:
			return fmt.Errorf("unexpected character U+%04X at position %d (copy-pasted invisible character?)", r, i+1)
		}
	}
	if n != 40 && n != 64 {
		return fmt.Errorf("a fingerprint has 40 (SHA-1) or 64 (SHA-256) hex digits, got %d", n)
	}
	return nil
}

// ParseVIDPID parses "1a86:7523" (hex, case-insensitive).
func ParseVIDPID(s string) (vid, pid uint16, err error) {
	a, b, ok := strings.Cut(s, ":")
	if ok {
		v, err1 := strconv.ParseUint(a, 16, 16)
		p, err2 := strconv.ParseUint(b, 16, 16)
		if err1 == nil && err2 == nil && len(a) == 4 && len(b) == 4 {
			return uint16(v), uint16(p), nil
		}
	}
	return 0, 0, fmt.Errorf("%q is not VID:PID (four hex digits each, e.g. 1a86:7523)", s)
}

func checkServer(s string) error {
	host, port := s, ""
	if strings.Contains(s, "://") {
		return fmt.Errorf("%q: give host[:port] without a scheme", s)
	}
	if h, p, err := net.SplitHostPort(s); err == nil {
		host, port = h, p
	} else if strings.Count(s, ":") == 1 {
		return fmt.Errorf("%q is not host[:port]", s)
	}
	if err := valid.HostError(host); err != nil {
		return fmt.Errorf("%q: %v", s, err)
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("port %q is not 1..65535", port)
		}
	}
	return nil
}

func okBaud(b int) bool {
	for _, v := range validBauds {
		if v == b {
			return true
		}
	}
	return false
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ", ")
}

func oneOf(v string, set []string) bool { return contains(set, strings.ReplaceAll(v, "_", "-")) }

func contains(set []string, v string) bool {
	for _, s := range set {
		if s == v {
			return true
		}
	}
	return false
}

func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// ValidName reports whether s can name a profile.
func ValidName(s string) bool { return validName(s) }

func validEnvName(s string) bool {
	for i, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == '_' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return s != ""
}

func validFlagName(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return s != ""
}

// expandPath turns "~/x" into the home directory and a relative path into
// one relative to base (the profiles file's directory), so a profile means
// the same files whatever directory a command (or systemd) runs in.
func expandPath(p, base string) string {
	if p == "" {
		return ""
	}
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			p = filepath.Join(home, p[1:])
		}
	}
	if !filepath.IsAbs(p) && base != "" && !isDevicePath(p) {
		p = filepath.Join(base, p)
	}
	return p
}

// isDevicePath: Windows COM ports are not files relative to anything.
func isDevicePath(p string) bool {
	u := strings.ToUpper(p)
	return strings.HasPrefix(u, "COM") || strings.HasPrefix(p, `\\.\`)
}
