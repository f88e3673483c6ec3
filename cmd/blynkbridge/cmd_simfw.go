package main

import (
	"fmt"
	"log/slog"

	"github.com/urfave/cli/v2"

	"github.com/blynkbridge/blynkbridge/sim"
	"github.com/blynkbridge/blynkbridge/sim/blynkfw"
)

// simFirmwareFlags are the `sim` flags that choose and configure the
// simulated board's Blynk firmware (sim/blynkfw).
func simFirmwareFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "firmware", Usage: "Blynk sketch to run: wifi-ssl (D1 mini, BlynkSimpleEsp8266_SSL), wifi-tcp (BlynkSimpleEsp8266) or usb-stream (Uno, BlynkSimpleStream); default: the flash's config block, else the demo sketch"},
		&cli.StringFlag{Name: "server", Usage: "wifi-ssl: Blynk server `HOST:PORT` (port default 9443)"},
		&cli.StringFlag{Name: "token", Usage: "auth token the sketch logs in with (visible in shell history and ps: prefer --token-file or $BLYNKBRIDGE_TOKEN)", EnvVars: []string{"BLYNKBRIDGE_TOKEN"}},
		&cli.StringFlag{Name: "token-file", Usage: "read the auth token the sketch logs in with from `FILE`"},
		&cli.StringFlag{Name: "fingerprint", Usage: "wifi-ssl: the fingerprint string exactly as in the sketch (invisible characters included)"},
		&cli.BoolFlag{Name: "by-ip", Usage: "wifi-ssl: the sketch passes IPAddress(a,b,c,d) (axTLS then has no name to check)"},
		&cli.StringFlag{Name: "lib", Value: "0.4.10", Usage: "Blynk library version: 0.4.x (axTLS verify) or 1.x (BearSSL)"},
		&cli.BoolFlag{Name: "debug", Usage: "the sketch defines BLYNK_DEBUG: frame dumps in the log"},
		&cli.StringFlag{Name: "ssid", Value: "blynkbridge-lab", Usage: "wifi-ssl: WiFi network name it prints"},
		&cli.IntFlag{Name: "timeout-ms", Usage: "BLYNK_TIMEOUT_MS (default: the library's, 2000 for 0.4.x)"},
		&cli.DurationFlag{Name: "write-every", Usage: "period of the sketch's virtual write of its uptime to V5 (default 1s; 0s… use -1s for none)"},
		&cli.BoolFlag{Name: "print-on-serial", Usage: "usb-stream: BLYNK_PRINT on the protocol UART (log text mixed into the frames)"},
	}
}

// simFirmwareFromFlags returns the firmware chooser for `sim`. At every
// boot it looks at the flash: a blynkbridge config block runs the Blynk
// sketch it describes; otherwise --firmware decides; with neither the
// chooser returns nil and the sim's demo sketch runs.
func simFirmwareFromFlags(c *cli.Context) (func(flash []byte) sim.Firmware, error) {
	tok, err := tokenFlags(c)
	if err != nil {
		return nil, err
	}
	cfg := blynkfw.Config{
		Lib:           c.String("lib"),
		Token:         tok,
		Fingerprint:   c.String("fingerprint"),
		ByIP:          c.Bool("by-ip"),
		SSID:          c.String("ssid"),
		Debug:         c.Bool("debug"),
		TimeoutMS:     c.Int("timeout-ms"),
		WriteEvery:    c.Duration("write-every"),
		PrintOnSerial: c.Bool("print-on-serial"),
	}
	if c.IsSet("firmware") {
		k, err := blynkfw.ParseKind(c.String("firmware"))
		if err != nil {
			return nil, err
		}
		cfg.Kind = k
	}
	if c.IsSet("baud") {
		cfg.Baud = c.Int("baud")
	}
	if s := c.String("server"); s != "" {
		host, port, err := blynkfw.ParseServer(s)
		if err != nil {
			return nil, err
		}
		cfg.Host, cfg.Port = host, port
	}
	// Check the flags now, so a mistake is a usage error and not a board
	// that silently runs the demo sketch. A config block in flash may still
	// supply what is missing, so only check when --firmware was given.
	if c.IsSet("firmware") {
		probe := cfg
		if err := probe.Validate(); err != nil {
			return nil, err
		}
	}
	logf := func(format string, args ...any) { slog.Default().Warn("sim firmware: " + fmt.Sprintf(format, args...)) }
	return blynkfw.Chooser(cfg, logf), nil
}

// simFirmwareFlash is the flash to start with when --firmware is given and
// no --flash file holds an image yet: a blank flash halts in the ROM before
// any sketch runs. cmd_sim.go passes it as sim.Options.Flash.
func simFirmwareFlash(c *cli.Context) []byte {
	if !c.IsSet("firmware") {
		return nil
	}
	return blynkfw.StartFlash(c.Context, c.String("flash"))
}
