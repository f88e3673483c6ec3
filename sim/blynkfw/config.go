package blynkfw

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/firmware"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/sim"
)

// Kind is which board and library header the firmware models.
type Kind string

const (
	// WiFiSSL is a D1 mini sketch on BlynkSimpleEsp8266_SSL.
	WiFiSSL Kind = "wifi-ssl"
	// WiFiTCP is the same sketch on BlynkSimpleEsp8266 (plain TCP, port
	// 8080 on a legacy local server).
	WiFiTCP Kind = "wifi-tcp"
	// USBStream is an Arduino Uno sketch on BlynkSimpleStream: the Blynk
	// protocol runs over the serial port (carried by a relay or blynk-ser.sh).
	USBStream Kind = "usb-stream"
)

// ParseKind reads "wifi-ssl" or "usb-stream".
// DefaultBaud is a sketch kind's Serial.begin rate when none is given:
// 9600 for a USB board's BlynkSimpleStream (the library's examples), 115200
// for a D1 mini's debug port.
func DefaultBaud(k Kind) int {
	if k == USBStream {
		return 9600
	}
	return 115200
}

func ParseKind(s string) (Kind, error) {
	switch Kind(strings.ToLower(strings.TrimSpace(s))) {
	case WiFiSSL:
		return WiFiSSL, nil
	case WiFiTCP:
		return WiFiTCP, nil
	case USBStream:
		return USBStream, nil
	}
	return "", bberr.New(bberr.Usage, "use --firmware wifi-ssl, wifi-tcp or usb-stream", "unknown firmware %q", s)
}

// Config is what the sketch was compiled with.
type Config struct {
	Kind  Kind
	Lib   string      // library version, "0.4.10" (default) or e.g. "1.3.2"
	Token blynk.Token // auth token

	// WiFi SSL board.
	Host        string // server host name, or an IP as a string
	Port        int    // default 9443 (a local legacy server's TLS port)
	ByIP        bool   // Blynk.begin(auth, ssid, pass, IPAddress(a,b,c,d), port, fp): Host must be an IP
	Fingerprint string // as written in the sketch, byte for byte (may carry an invisible U+200E)
	SSID        string // default "blynkbridge-lab"
	LocalIP     string // what `IP:` prints; default 192.168.0.42
	Device      string // BLYNK_INFO_DEVICE; default by Kind and Lib

	Debug         bool          // BLYNK_DEBUG: frame dumps
	PrintOnSerial bool          // USB stream only: BLYNK_PRINT on the protocol UART (a classic mistake)
	Baud          int           // Serial.begin; default 115200 (WiFi), 9600 (USB)
	TimeoutMS     int           // BLYNK_TIMEOUT_MS; 0 = the library's default
	Heartbeat     int           // BLYNK_HEARTBEAT in s; 0 = the library's default
	WriteEvery    time.Duration // period of the sketch's virtual writes; default 1 s; <0 = none
	WritePin      int           // virtual pin of the periodic write (uptime in s); default 5
	CrashPin      int           // BLYNK_WRITE(V<CrashPin>) restarts the board with the reason written ("exception", "soft-wdt", …); default 99, <0 = none
	BuildStamp    string        // __DATE__ " " __TIME__ in the info packet
	WiFiJoin      time.Duration // how long the station takes to associate; default 1.5 s, <0 = at once
	Dial          func(network, addr string, timeout time.Duration) (net.Conn, error)
}

// Validate fills defaults and checks the configuration.
func (c *Config) Validate() error {
	if c.Kind == "" {
		c.Kind = WiFiSSL
	}
	if c.Lib == "" {
		c.Lib = "0.4.10"
	}
	lib, err := parseLib(c.Lib)
	if err != nil {
		return err
	}
	if c.Token.IsZero() {
		return bberr.New(bberr.Usage, "give --token (32 characters from the Blynk app)", "no auth token configured")
	}
	switch c.Kind {
	case WiFiSSL, WiFiTCP:
		if c.Kind == WiFiSSL && !(lib.between(0, 3, 8, 0, 4, 10) || lib.atLeast(1, 0, 0)) {
			return bberr.New(bberr.Usage, "use --lib 0.4.10 (axTLS) or --lib 1.3.2 (BearSSL)",
				"library %s: only 0.3.8–0.4.10 (axTLS verify) and 1.x (BearSSL) are modelled for wifi-ssl", c.Lib)
		}
		if c.Host == "" {
			return bberr.New(bberr.Usage, "give --server HOST:PORT", "no server configured")
		}
		if c.ByIP && net.ParseIP(c.Host) == nil {
			return bberr.New(bberr.Usage, "give an IP address with --by-ip, or drop --by-ip", "--by-ip needs an IP address, got %q", c.Host)
		}
		if c.Port == 0 {
			c.Port = 9443
			if c.Kind == WiFiTCP {
				c.Port = 8080
			}
		}
		if c.SSID == "" {
			c.SSID = "blynkbridge-lab"
		}
		if c.LocalIP == "" {
			c.LocalIP = "192.168.0.42"
		}
		if c.Baud == 0 {
			c.Baud = DefaultBaud(c.Kind)
		}
		if c.Device == "" {
			c.Device = "ESP8266"
			if !lib.atLeast(0, 6, 0) {
				c.Device = "Arduino" // ≤0.5.x: a D1 mini matches no ESP8266 board define
			}
		}
	case USBStream:
		if c.Baud == 0 {
			c.Baud = DefaultBaud(c.Kind)
		}
		if c.Device == "" {
			c.Device = "Arduino Uno"
		}
	default:
		return bberr.New(bberr.Usage, "use wifi-ssl, wifi-tcp or usb-stream", "unknown firmware %q", c.Kind)
	}
	if c.WriteEvery == 0 {
		c.WriteEvery = time.Second
	}
	if c.WritePin == 0 {
		c.WritePin = 5
	}
	if c.CrashPin == 0 {
		c.CrashPin = 99
	}
	if c.WiFiJoin == 0 {
		c.WiFiJoin = 1500 * time.Millisecond
	}
	if c.BuildStamp == "" {
		c.BuildStamp = "Nov 28 2026 09:00:00"
	}
	if c.Dial == nil {
		c.Dial = func(network, addr string, timeout time.Duration) (net.Conn, error) {
			return net.DialTimeout(network, addr, timeout)
		}
	}
	return nil
}

// libVersion is a parsed library version.
type libVersion struct{ major, minor, patch int }

func parseLib(s string) (libVersion, error) {
	var v libVersion
	parts := strings.Split(strings.TrimPrefix(s, "v"), ".")
	if len(parts) != 3 {
		return v, bberr.New(bberr.Usage, "write the library version as e.g. 0.4.10 or 1.3.2", "library version %q is not x.y.z", s)
	}
	nums := []*int{&v.major, &v.minor, &v.patch}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return v, bberr.New(bberr.Usage, "write the library version as e.g. 0.4.10 or 1.3.2", "library version %q is not x.y.z", s)
		}
		*nums[i] = n
	}
	return v, nil
}

func (v libVersion) cmp(a, b, c int) int {
	switch {
	case v.major != a:
		return v.major - a
	case v.minor != b:
		return v.minor - b
	}
	return v.patch - c
}

func (v libVersion) atLeast(a, b, c int) bool { return v.cmp(a, b, c) >= 0 }

func (v libVersion) between(a, b, c, x, y, z int) bool {
	return v.atLeast(a, b, c) && v.cmp(x, y, z) <= 0
}

func (v libVersion) String() string { return fmt.Sprintf("%d.%d.%d", v.major, v.minor, v.patch) }

// libDefaults are BlynkConfig.h's values for a version (reference §1.7).
func (v libVersion) defaults() (heartbeat, timeoutMS int) {
	switch {
	case v.atLeast(1, 4, 0):
		return 40, 6000
	case v.atLeast(1, 0, 0):
		return 45, 6000
	case v.atLeast(0, 5, 4):
		return 10, 3000
	case v.atLeast(0, 2, 4):
		return 10, 2000
	}
	return 10, 1500
}

// New returns the firmware for cfg (after Validate).
func New(cfg Config) (sim.Firmware, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	lib, _ := parseLib(cfg.Lib)
	return &sketch{cfg: cfg, lib: lib}, nil
}

// Chooser returns the sim.Options.Firmware function. The config block in
// the board's flash wins (server, port, token, SSID, TLS mode and SHA-1 pin);
// without one the flags' Config applies, and with neither (no Kind given,
// no block) it returns nil so the sim runs its demo sketch. Either way, when
// no fingerprint was configured and the flash holds a fingerprint string
// literal, that literal is used byte for byte — so a fingerprint pasted with
// an invisible character fails on the simulated board as on the real one,
// and patching it in flash fixes it. A configuration that does not validate
// is reported through logf and gives nil.
func Chooser(flags Config, logf func(format string, args ...any)) func(flash []byte) sim.Firmware {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	return func(flash []byte) sim.Firmware {
		cfg, fromBlock := FromFlash(flags, flash)
		if flags.Kind == "" && !fromBlock {
			return nil
		}
		fw, err := New(cfg)
		if err != nil {
			logf("blynkfw: %v", err)
			return nil
		}
		return fw
	}
}

// FromFlash overlays what the flash holds (config block, fingerprint
// literal) on base, and reports whether a config block was found.
func FromFlash(base Config, flash []byte) (Config, bool) {
	cfg := base
	block, err := firmware.FindConfig(flash)
	found := err == nil
	if found {
		if block.Host != "" {
			cfg.Host = block.Host
		}
		if block.Port != 0 {
			cfg.Port = block.Port
		}
		if !block.Token.IsZero() {
			cfg.Token = block.Token
		}
		if block.SSID != "" {
			cfg.SSID = block.SSID
		}
		if cfg.Kind == "" || cfg.Kind == WiFiSSL || cfg.Kind == WiFiTCP {
			cfg.Kind = WiFiSSL
			if block.TLS == firmware.TLSNone {
				cfg.Kind = WiFiTCP
			}
		}
		if block.TLS == firmware.TLSSHA1 && len(block.Fingerprint) == 20 {
			cfg.Fingerprint = block.FingerprintHex()
		}
		cfg.ByIP = cfg.ByIP && net.ParseIP(cfg.Host) != nil
	}
	if cfg.Fingerprint == "" {
		for _, hit := range firmware.Fingerprints(flash) {
			if hit.Alg == "sha1" {
				cfg.Fingerprint = hit.Raw
				break
			}
		}
	}
	return cfg, found
}
