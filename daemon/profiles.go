package daemon

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/profiles"
	"github.com/blynkbridge/blynkbridge/relay"
)

// BoardFromProfile turns a profile into a daemon board named after it:
// its board identity as the port spec (kept as a spec, so a board that is
// not plugged in yet is waited for), its monitor baud (else baud), its
// token as a secret to mask, and - when the profile has relay settings
// ([profiles.NAME.relay]) and a server - a relay with the profile's TLS
// choice. ok is false for a profile that names no board.
func BoardFromProfile(p *profiles.Profile, baud int) (BoardConfig, bool, error) {
	bc := BoardConfig{Name: p.Name, Baud: baud}
	switch {
	case p.Port != "":
		bc.Port = p.Port
	case p.ByID != "":
		bc.Port = p.ByID
		if !strings.Contains(p.ByID, "/") {
			bc.Port = "/dev/serial/by-id/" + p.ByID
		}
	case p.USBSerial != "":
		bc.Port = "serial:" + p.USBSerial
	case p.VIDPID != "":
		bc.Port = "usb:" + p.VIDPID
	default:
		return bc, false, nil
	}
	if p.MonitorBaud > 0 {
		bc.Baud = p.MonitorBaud
	}
	bad := func(err error, what string) error {
		return bberr.Wrap(err, bberr.BadInput, "fix profile "+p.Name+" (blynkbridge profile show "+p.Name+")", "profile %s: %s", p.Name, what)
	}
	switch {
	case !p.Token.IsZero():
		bc.Secrets = append(bc.Secrets, p.Token.Reveal())
	case p.TokenFile != "":
		b, err := os.ReadFile(p.TokenFile)
		if err != nil {
			return bc, false, bad(err, "cannot read token_file")
		}
		bc.Secrets = append(bc.Secrets, strings.TrimSpace(string(b)))
	case p.TokenEnv != "":
		if v := os.Getenv(p.TokenEnv); v != "" {
			bc.Secrets = append(bc.Secrets, v)
		}
	}
	if len(p.Relay) == 0 || p.Server == "" {
		return bc, true, nil
	}
	o := &relay.Options{TLS: relay.TLSVerify}
	switch p.TLSMode() {
	case "fingerprint":
		pin, err := relay.ParsePin(p.Fingerprint)
		if err != nil {
			return bc, false, bad(err, "bad fingerprint")
		}
		o.TLS, o.Pin = relay.TLSPinned, pin
	case "ca":
		b, err := os.ReadFile(p.CA)
		if err != nil {
			return bc, false, bad(err, "cannot read ca")
		}
		o.CA = b
	case "insecure":
		o.TLS = relay.TLSInsecure
	case "none":
		o.TLS = relay.TLSOff
	}
	o.Server = p.Server
	if _, _, err := net.SplitHostPort(p.Server); err != nil {
		port := "443"
		if o.TLS == relay.TLSOff {
			port = "80"
		}
		o.Server = net.JoinHostPort(p.Server, port)
	}
	if err := relaySettings(o, p.Relay); err != nil {
		return bc, false, bad(err, "bad [relay] value")
	}
	bc.Relay = o
	return bc, true, nil
}

// relaySettings applies a profile's [relay] table (relay flags by name,
// as `relay --profile` reads it) to o. Keys that only shape the relay
// command's output (json, plain, stats-every) mean nothing here and are
// skipped.
func relaySettings(o *relay.Options, m map[string]any) error {
	for k, v := range m {
		s := fmt.Sprint(v)
		var err error
		dur := func(d *time.Duration) {
			var x time.Duration
			if x, err = time.ParseDuration(s); err == nil && x <= 0 {
				err = fmt.Errorf("must be positive")
			}
			*d = x
		}
		num := func(n *int) {
			var x int
			if x, err = strconv.Atoi(s); err == nil && x <= 0 {
				err = fmt.Errorf("must be positive")
			}
			*n = x
		}
		flag := func(b *bool) { *b, err = strconv.ParseBool(s) }
		switch k {
		case "reconnect-first":
			dur(&o.ReconnectMin)
		case "reconnect-max":
			dur(&o.ReconnectMax)
		case "local-ping-window":
			dur(&o.LocalPingWindow)
		case "buffer":
			num(&o.BufferFrames)
		case "max-body":
			num(&o.MaxBody)
		case "fail-fast":
			flag(&o.FailFast)
		case "log-frames":
			flag(&o.LogFrames)
		}
		if err != nil {
			return fmt.Errorf("%s = %v: %w", k, v, err)
		}
	}
	return nil
}

// describeRelay is for the start-up log.
func describeRelay(o *relay.Options) string {
	if o == nil {
		return ""
	}
	return fmt.Sprintf("%s (%s)", o.Server, o.TLS)
}
