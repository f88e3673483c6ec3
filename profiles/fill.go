package profiles

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// Source says where a setting came from.
type Source string

// Precedence, highest first: a flag on the command line, then the
// environment, then the profile, then the command's built-in default (what
// the flag holds when nothing else set it).
const (
	FromFlag    Source = "flag"
	FromEnv     Source = "env"
	FromProfile Source = "profile"
	FromDefault Source = "default"
)

// Binding ties one command flag to its environment variables and its
// profile key. Flags of one Group (TLS mode, token) are taken together from
// one level: if the user passes --insecure, a profile's fingerprint must not
// sneak in next to it.
type Binding struct {
	Flag   string   // long flag name, as the command defines it
	Env    []string // environment variables, first non-empty wins
	Key    string   // profile key, for messages and the README table
	Group  string   // "" = its own group
	Secret bool     // the value is a token: never log or print it
	// value returns the profile's value for this flag ("" = none).
	value func(p *Profile, env Env, has func(string) bool) (string, error)
}

// Env reads an environment variable (os.Getenv in production).
type Env func(string) string

// Filled is one flag value chosen by Fill.
type Filled struct {
	Flag   string
	Value  string // a token when Secret: pass it to the flag, never print it
	Secret bool
	Source Source
	Origin string // "BLYNKBRIDGE_PORT", "profile desk", ...
}

// String is safe to log: secrets are redacted.
func (f Filled) String() string {
	v := f.Value
	if f.Secret {
		v = "<redacted>"
	}
	return fmt.Sprintf("--%s=%s (from %s)", f.Flag, v, f.Origin)
}

func str(get func(*Profile) string) func(*Profile, Env, func(string) bool) (string, error) {
	return func(p *Profile, _ Env, _ func(string) bool) (string, error) { return get(p), nil }
}

func none(*Profile, Env, func(string) bool) (string, error) { return "", nil }

func baud(get func(*Profile) int) func(*Profile, Env, func(string) bool) (string, error) {
	return func(p *Profile, _ Env, _ func(string) bool) (string, error) {
		if b := get(p); b != 0 {
			return strconv.Itoa(b), nil
		}
		return "", nil
	}
}

func tlsIs(mode, val string) func(*Profile, Env, func(string) bool) (string, error) {
	return func(p *Profile, _ Env, _ func(string) bool) (string, error) {
		if p.TLSMode() == mode {
			return val, nil
		}
		return "", nil
	}
}

// Bindings lists the flag <-> environment <-> profile mapping for a command
// (its full name, e.g. "flash", "monitor", "relay", "cert check"). The
// mapping is the same for every command except the baud rate: `flash -b`
// is the flash rate (BLYNKBRIDGE_BAUD, ESPTOOL_BAUD, as esptool), everywhere
// else -b is the board's serial rate (BLYNKBRIDGE_MONITOR_BAUD): a flash
// rate of 460800 must not leak into the monitor.
func Bindings(command string) []Binding {
	verb, _, _ := strings.Cut(command, " ")
	b := []Binding{
		{Flag: "port", Env: []string{"BLYNKBRIDGE_PORT", "ESPTOOL_PORT"}, Key: "port | by_id | usb_serial | vid_pid", Group: "port", value: portValue},
		// relay -c PORT (blynk-ser.sh style) names the board and makes -p
		// the server port: then the profile's port must stay out.
		{Flag: "comm", Key: "-", Group: "port", value: none},
	}
	if verb == "flash" {
		b = append(b,
			Binding{Flag: "baud", Env: []string{"BLYNKBRIDGE_BAUD", "ESPTOOL_BAUD"}, Key: "flash_baud", value: baud(func(p *Profile) int { return p.FlashBaud })},
			Binding{Flag: "monitor-baud", Env: []string{"BLYNKBRIDGE_MONITOR_BAUD"}, Key: "monitor_baud", value: baud(func(p *Profile) int { return p.MonitorBaud })})
	} else {
		b = append(b,
			Binding{Flag: "baud", Env: []string{"BLYNKBRIDGE_MONITOR_BAUD"}, Key: "monitor_baud", value: baud(func(p *Profile) int { return p.MonitorBaud })},
			Binding{Flag: "flash-baud", Env: []string{"BLYNKBRIDGE_FLASH_BAUD"}, Key: "flash_baud", value: baud(func(p *Profile) int { return p.FlashBaud })})
	}
	b = append(b,
		Binding{Flag: "before", Env: []string{"BLYNKBRIDGE_BEFORE"}, Key: "before", value: str(func(p *Profile) string { return p.Before })},
		Binding{Flag: "after", Env: []string{"BLYNKBRIDGE_AFTER"}, Key: "after", value: str(func(p *Profile) string { return p.After })},
		Binding{Flag: "image", Env: []string{"BLYNKBRIDGE_IMAGE"}, Key: "image", value: str(func(p *Profile) string { return p.Image })},
		Binding{Flag: "elf", Env: []string{"BLYNKBRIDGE_ELF"}, Key: "elf", value: str(func(p *Profile) string { return p.ELF })},
		Binding{Flag: "server", Env: []string{"BLYNKBRIDGE_SERVER"}, Key: "server", value: str(func(p *Profile) string { return p.Server })},
		Binding{Flag: "fingerprint", Env: []string{"BLYNKBRIDGE_FINGERPRINT"}, Key: "fingerprint", Group: "tls", value: tlsIs("fingerprint", "")},
		Binding{Flag: "ca", Env: []string{"BLYNKBRIDGE_CA"}, Key: "ca", Group: "tls", value: tlsIs("ca", "")},
		Binding{Flag: "insecure", Env: []string{"BLYNKBRIDGE_INSECURE"}, Key: `tls = "insecure"`, Group: "tls", value: tlsIs("insecure", "true")},
		Binding{Flag: "no-tls", Env: []string{"BLYNKBRIDGE_NO_TLS"}, Key: `tls = "none"`, Group: "tls", value: tlsIs("none", "true")},
		// relay -t SSL|TCP (blynk-ser.sh style) is a TLS choice too.
		Binding{Flag: "to", Key: "-", Group: "tls", value: none},
		// flash and image patch: --fingerprint-from HOST:PORT pins what the
		// server presents and --tls MODE sets the block's mode; either on
		// the command line silences the profile's fingerprint or CA.
		Binding{Flag: "fingerprint-from", Key: "-", Group: "tls", value: none},
		Binding{Flag: "tls", Key: "-", Group: "tls", value: none},
		Binding{Flag: "token", Env: []string{"BLYNKBRIDGE_TOKEN"}, Key: "token | token_env | token_file", Group: "token", Secret: true, value: tokenValue},
		Binding{Flag: "token-file", Env: []string{"BLYNKBRIDGE_TOKEN_FILE"}, Key: "token_file", Group: "token", value: str(func(p *Profile) string { return p.TokenFile })},
	)
	// The fingerprint and ca values depend on the mode; fill them in here so
	// the table above stays readable.
	for i := range b {
		switch b[i].Flag {
		case "fingerprint":
			b[i].value = func(p *Profile, _ Env, _ func(string) bool) (string, error) {
				if p.TLSMode() == "fingerprint" {
					return p.Fingerprint, nil
				}
				return "", nil
			}
		case "ca":
			b[i].value = func(p *Profile, _ Env, _ func(string) bool) (string, error) {
				if p.TLSMode() == "ca" {
					return p.CA, nil
				}
				return "", nil
			}
		}
	}
	return b
}

// tokenValue gives the token for a --token flag: inline, from token_env,
// or read from token_file when the command has no --token-file flag of its
// own to pass the path to.
func tokenValue(p *Profile, env Env, has func(string) bool) (string, error) {
	switch {
	case !p.Token.IsZero():
		return p.Token.Reveal(), nil
	case p.TokenEnv != "":
		v := strings.TrimSpace(env(p.TokenEnv))
		if v == "" {
			return "", bberr.New(bberr.BadInput, "export "+p.TokenEnv+"=... or change token_env in the profile",
				"profile %q takes its token from $%s, which is not set", p.Name, p.TokenEnv)
		}
		return v, nil
	case p.TokenFile != "" && !has("token-file"):
		t, _, err := ReadTokenFile(p.TokenFile)
		if err != nil {
			return "", err
		}
		return t.Reveal(), nil
	}
	return "", nil
}

// Wants reports whether a profile could fill anything for the command: it
// has a bound flag not set on the command line (relay options count for
// relay). Commands for which it is false need not read the file.
func Wants(command string, has, isSet func(flag string) bool) bool {
	if verb, _, _ := strings.Cut(command, " "); verb == "relay" {
		return true
	}
	for _, b := range Bindings(command) {
		if has(b.Flag) && !isSet(b.Flag) {
			return true
		}
	}
	return false
}

// Fill decides the value of every bound flag the command has (has) that was
// not set on its command line (isSet): from the environment first, then
// from the profile p (nil = none). The caller sets the flags; flags not
// returned keep their built-in default.
func Fill(command string, has, isSet func(flag string) bool, env Env, p *Profile) ([]Filled, error) {
	var out []Filled
	binds := Bindings(command)
	// Group the bindings, keeping the table order.
	var order []string
	groups := map[string][]Binding{}
	for _, b := range binds {
		if !has(b.Flag) {
			continue
		}
		g := b.Group
		if g == "" {
			g = "flag:" + b.Flag
		}
		if _, ok := groups[g]; !ok {
			order = append(order, g)
		}
		groups[g] = append(groups[g], b)
	}
	for _, g := range order {
		members := groups[g]
		set := false
		for _, b := range members {
			set = set || isSet(b.Flag)
		}
		if set {
			continue // the command line decides this group
		}
		var fromEnv []Filled
		for _, b := range members {
			for _, e := range b.Env {
				if v := env(e); v != "" {
					fromEnv = append(fromEnv, Filled{Flag: b.Flag, Value: v, Secret: b.Secret, Source: FromEnv, Origin: "$" + e})
					break
				}
			}
		}
		if len(fromEnv) > 0 {
			out = append(out, fromEnv...)
			continue
		}
		if p == nil {
			continue
		}
		for _, b := range members {
			v, err := b.value(p, env, has)
			if err != nil {
				return nil, err
			}
			if v != "" {
				out = append(out, Filled{Flag: b.Flag, Value: v, Secret: b.Secret, Source: FromProfile, Origin: "profile " + p.Name})
			}
		}
	}
	// Relay options are relay flags by name.
	if verb, _, _ := strings.Cut(command, " "); verb == "relay" && p != nil {
		keys := make([]string, 0, len(p.Relay))
		for k := range p.Relay {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if !has(k) || isSet(k) {
				continue
			}
			out = append(out, Filled{Flag: k, Value: fmt.Sprint(p.Relay[k]), Source: FromProfile, Origin: "profile " + p.Name + " [relay]"})
		}
	}
	return out, nil
}
