package profiles

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/serialio"
)

func flagsOf(names ...string) func(string) bool {
	return func(n string) bool {
		for _, x := range names {
			if x == n {
				return true
			}
		}
		return false
	}
}

func envOf(kv map[string]string) Env { return func(k string) string { return kv[k] } }

func fillMap(t *testing.T, cmd string, has, set []string, env map[string]string, p *Profile) map[string]Filled {
	t.Helper()
	out, err := Fill(cmd, flagsOf(has...), flagsOf(set...), envOf(env), p)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]Filled{}
	for _, f := range out {
		m[f.Flag] = f
	}
	return m
}

// flag > environment > profile > built-in default, per flag.
func TestPrecedence(t *testing.T) {
	p := &Profile{Name: "desk", Port: "/dev/profile", MonitorBaud: 74880, FlashBaud: 921600, Server: "prof:443"}
	has := []string{"port", "baud", "server", "elf"}
	cases := []struct {
		name    string
		set     []string
		env     map[string]string
		p       *Profile
		want    map[string]string // flag -> value ("" = not filled: flag or default stays)
		wantSrc map[string]Source
	}{
		{"profile only", nil, nil, p,
			map[string]string{"port": "/dev/profile", "baud": "74880", "server": "prof:443", "elf": ""},
			map[string]Source{"port": FromProfile}},
		{"env beats profile", nil, map[string]string{"BLYNKBRIDGE_PORT": "/dev/env", "BLYNKBRIDGE_SERVER": "env:80"}, p,
			map[string]string{"port": "/dev/env", "server": "env:80", "baud": "74880"},
			map[string]Source{"port": FromEnv, "baud": FromProfile}},
		{"ESPTOOL_PORT is a fallback", nil, map[string]string{"ESPTOOL_PORT": "/dev/esptool"}, p,
			map[string]string{"port": "/dev/esptool"}, nil},
		{"BLYNKBRIDGE_PORT beats ESPTOOL_PORT", nil, map[string]string{"ESPTOOL_PORT": "/dev/esptool", "BLYNKBRIDGE_PORT": "/dev/bb"}, p,
			map[string]string{"port": "/dev/bb"}, nil},
		{"flag beats env and profile", []string{"port", "baud"}, map[string]string{"BLYNKBRIDGE_PORT": "/dev/env", "BLYNKBRIDGE_MONITOR_BAUD": "9600"}, p,
			map[string]string{"port": "", "baud": "", "server": "prof:443"}, nil},
		{"no profile: default stays", nil, nil, nil,
			map[string]string{"port": "", "baud": "", "server": ""}, nil},
		{"no profile, env", nil, map[string]string{"BLYNKBRIDGE_MONITOR_BAUD": "9600"}, nil,
			map[string]string{"baud": "9600"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := fillMap(t, "monitor", has, c.set, c.env, c.p)
			for flag, want := range c.want {
				got, ok := m[flag]
				if want == "" && ok {
					t.Errorf("%s filled with %q from %s, want untouched", flag, got.Value, got.Origin)
				}
				if want != "" && got.Value != want {
					t.Errorf("%s = %q, want %q", flag, got.Value, want)
				}
			}
			for flag, src := range c.wantSrc {
				if m[flag].Source != src {
					t.Errorf("%s source %s, want %s", flag, m[flag].Source, src)
				}
			}
		})
	}
}

// flash -b is the flash rate; everywhere else -b is the monitor rate.
func TestBaudPerCommand(t *testing.T) {
	p := &Profile{Name: "d", MonitorBaud: 74880, FlashBaud: 921600}
	if m := fillMap(t, "flash", []string{"baud", "monitor-baud"}, nil, nil, p); m["baud"].Value != "921600" || m["monitor-baud"].Value != "74880" {
		t.Fatalf("flash: %v", m)
	}
	if m := fillMap(t, "monitor", []string{"baud"}, nil, nil, p); m["baud"].Value != "74880" {
		t.Fatalf("monitor: %v", m)
	}
	if m := fillMap(t, "flash", []string{"baud"}, nil, map[string]string{"ESPTOOL_BAUD": "115200"}, p); m["baud"].Value != "115200" {
		t.Fatalf("ESPTOOL_BAUD: %v", m)
	}
	for _, e := range []string{"ESPTOOL_BAUD", "BLYNKBRIDGE_BAUD"} {
		if m := fillMap(t, "monitor", []string{"baud"}, nil, map[string]string{e: "460800"}, p); m["baud"].Value != "74880" {
			t.Fatalf("%s (a flash rate) must not change the monitor rate: %v", e, m)
		}
	}
	if m := fillMap(t, "relay", []string{"baud"}, nil, map[string]string{"BLYNKBRIDGE_MONITOR_BAUD": "9600"}, p); m["baud"].Value != "9600" {
		t.Fatalf("BLYNKBRIDGE_MONITOR_BAUD: %v", m)
	}
}

// A TLS choice on the command line or in the environment replaces the
// profile's whole TLS setting, not just one flag of it.
func TestTLSGroup(t *testing.T) {
	p := &Profile{Name: "d", Fingerprint: strings.Repeat("ab", 20)}
	has := []string{"fingerprint", "ca", "insecure", "no-tls"}
	if m := fillMap(t, "relay", has, nil, nil, p); m["fingerprint"].Value != p.Fingerprint || len(m) != 1 {
		t.Fatalf("profile fingerprint: %v", m)
	}
	if m := fillMap(t, "relay", has, []string{"insecure"}, nil, p); len(m) != 0 {
		t.Fatalf("--insecure must keep the profile's fingerprint out: %v", m)
	}
	if m := fillMap(t, "relay", has, nil, map[string]string{"BLYNKBRIDGE_CA": "/ca.pem"}, p); m["ca"].Value != "/ca.pem" || len(m) != 1 {
		t.Fatalf("env ca: %v", m)
	}
	if m := fillMap(t, "relay", has, nil, nil, &Profile{Name: "i", TLS: "insecure"}); m["insecure"].Value != "true" || len(m) != 1 {
		t.Fatalf("tls=insecure: %v", m)
	}
	if m := fillMap(t, "relay", has, nil, nil, &Profile{Name: "n", TLS: "none"}); m["no-tls"].Value != "true" || len(m) != 1 {
		t.Fatalf("tls=none: %v", m)
	}
}

func TestTokenSources(t *testing.T) {
	dir := t.TempDir()
	tf := filepath.Join(dir, "tok")
	if err := os.WriteFile(tf, []byte(tok+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	inline := &Profile{Name: "a", Token: blynk.NewToken(tok)}
	m := fillMap(t, "relay", []string{"token", "token-file"}, nil, nil, inline)
	if m["token"].Value != tok || !m["token"].Secret || strings.Contains(m["token"].String(), tok) {
		t.Fatalf("inline: %v", m["token"])
	}
	// token_file: passed as a path when the command has --token-file ...
	file := &Profile{Name: "f", TokenFile: tf}
	m = fillMap(t, "relay", []string{"token", "token-file"}, nil, nil, file)
	if m["token-file"].Value != tf || len(m) != 1 {
		t.Fatalf("token_file with --token-file: %v", m)
	}
	// ... and read when it only has --token.
	m = fillMap(t, "flash", []string{"token"}, nil, nil, file)
	if m["token"].Value != tok {
		t.Fatalf("token_file read: %v", m)
	}
	envP := &Profile{Name: "e", TokenEnv: "MY_TOK"}
	m = fillMap(t, "relay", []string{"token"}, nil, map[string]string{"MY_TOK": tok}, envP)
	if m["token"].Value != tok {
		t.Fatalf("token_env: %v", m)
	}
	_, err := Fill("relay", flagsOf("token"), flagsOf(), envOf(nil), envP)
	if bberr.CodeOf(err) != bberr.BadInput || !strings.Contains(bberr.HintOf(err), "MY_TOK") {
		t.Fatalf("unset token_env: %v", err)
	}
	// BLYNKBRIDGE_TOKEN beats the profile; --token-file on the command line beats both.
	m = fillMap(t, "relay", []string{"token", "token-file"}, nil, map[string]string{"BLYNKBRIDGE_TOKEN": "envtok"}, file)
	if m["token"].Value != "envtok" || len(m) != 1 {
		t.Fatalf("env token: %v", m)
	}
	if m = fillMap(t, "relay", []string{"token", "token-file"}, []string{"token-file"}, map[string]string{"BLYNKBRIDGE_TOKEN": "envtok"}, inline); len(m) != 0 {
		t.Fatalf("--token-file on the command line: %v", m)
	}
}

// relay's blynk-ser.sh flags (-c board port, -t SSL|TCP) keep the
// profile's port and TLS setting out, as -p and --insecure do.
func TestRelayBlynkSerFlags(t *testing.T) {
	p := &Profile{Name: "r", Port: "/dev/ttyUSB0", Fingerprint: strings.Repeat("ab", 20)}
	has := []string{"port", "comm", "fingerprint", "insecure", "no-tls", "to"}
	if m := fillMap(t, "relay", has, nil, nil, p); m["port"].Value != "/dev/ttyUSB0" || m["fingerprint"].Value == "" {
		t.Fatalf("%v", m)
	}
	if m := fillMap(t, "relay", has, []string{"comm", "to"}, nil, p); len(m) != 0 {
		t.Fatalf("-c and -t on the command line: %v", m)
	}
}

func TestRelayOptions(t *testing.T) {
	p := &Profile{Name: "r", Relay: map[string]any{"reconnect-max": "30s", "log-frames": true, "unknown": int64(3)}}
	m := fillMap(t, "relay", []string{"reconnect-max", "log-frames"}, []string{"log-frames"}, nil, p)
	if m["reconnect-max"].Value != "30s" || len(m) != 1 {
		t.Fatalf("%v", m)
	}
	if m := fillMap(t, "monitor", []string{"reconnect-max"}, nil, nil, p); len(m) != 0 {
		t.Fatalf("relay options only apply to relay: %v", m)
	}
}

// TestResolvePortByUSB matches usb_serial and vid_pid through serialio's
// matcher, over a fake port list (two CH340s without serial numbers and a
// CP2102 with one).
func TestResolvePortByUSB(t *testing.T) {
	ports := []serialio.PortInfo{
		{Path: "/dev/ttyUSB0", USB: true, VID: "1a86", PID: "7523"},
		{Path: "/dev/ttyUSB1", USB: true, VID: "10c4", PID: "ea60", Serial: "0001"},
		{Path: "/dev/ttyUSB2", USB: true, VID: "1a86", PID: "7523"},
	}
	old := resolve
	t.Cleanup(func() { resolve = old })
	resolve = func(spec string) (serialio.PortInfo, error) { return serialio.ResolveAmong(spec, ports) }
	m := fillMap(t, "monitor", []string{"port"}, nil, nil, &Profile{Name: "s", USBSerial: "0001"})
	if m["port"].Value != "/dev/ttyUSB1" {
		t.Fatalf("usb_serial: %v", m)
	}
	_, err := Fill("monitor", flagsOf("port"), flagsOf(), envOf(nil), &Profile{Name: "v", VIDPID: "1a86:7523"})
	if bberr.CodeOf(err) != bberr.PortNotFound || !strings.Contains(err.Error(), "2 ports match VID:PID 1a86:7523 (/dev/ttyUSB0, /dev/ttyUSB2)") {
		t.Fatalf("ambiguous: %v", err)
	}
	_, err = Fill("monitor", flagsOf("port"), flagsOf(), envOf(nil), &Profile{Name: "v", USBSerial: "nope"})
	if bberr.CodeOf(err) != bberr.PortNotFound || !strings.Contains(err.Error(), `profile "v": no connected port with USB serial "nope"`) {
		t.Fatalf("missing: %v", err)
	}
	m = fillMap(t, "monitor", []string{"port"}, nil, nil, &Profile{Name: "b", ByID: "usb-1a86_USB_Serial-if00-port0"})
	if m["port"].Value != "/dev/serial/by-id/usb-1a86_USB_Serial-if00-port0" {
		t.Fatalf("by_id: %v", m)
	}
}
