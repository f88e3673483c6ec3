package blynkfw

import (
	"context"
	"time"

	"github.com/blynkbridge/blynkbridge/sim"
)

// sketch is the firmware: setup() then loop().
type sketch struct {
	cfg Config
	lib libVersion
}

// Run implements sim.Firmware.
func (s *sketch) Run(ctx context.Context, dev sim.Device) error {
	dev.Begin(s.cfg.Baud)
	if s.cfg.Kind == USBStream {
		return s.runStream(ctx, dev)
	}
	return s.runWiFi(ctx, dev)
}

func (s *sketch) runWiFi(ctx context.Context, dev sim.Device) error {
	tr := newTLSTransport(s.cfg, s.lib)
	defer tr.disconnect()
	e := newEngine(ctx, dev, s.cfg, s.lib, tr)
	// Blynk.begin(auth, ssid, pass, host, port, fp): connectWiFi, then
	// config (banner), then the connect loop.
	e.logf("Connecting to %s", s.cfg.SSID)
	// while (WiFi.status() != WL_CONNECTED) delay(500);
	for waited := time.Duration(0); waited < s.cfg.WiFiJoin; waited += 500 * time.Millisecond {
		if err := dev.Sleep(ctx, min(500*time.Millisecond, s.cfg.WiFiJoin-waited)); err != nil {
			return err
		}
	}
	e.logf("Connected to WiFi")
	e.logf("IP: %s", s.cfg.LocalIP)
	e.banner()
	if s.cfg.Debug && !s.lib.atLeast(0, 5, 0) {
		e.logf("Free RAM: %d", 46856)
	}
	if s.lib.atLeast(1, 0, 0) && s.cfg.Kind == WiFiSSL {
		// BearSSL builds wait for SNTP before the first handshake.
		e.logf("Current time: %s", time.Now().UTC().Format("Mon Jan _2 15:04:05 2006"))
	}
	if err := e.begin(); err != nil {
		return err
	}
	return e.sketchLoop()
}

func (s *sketch) runStream(ctx context.Context, dev sim.Device) error {
	tr := &streamTransport{dev: dev, ctx: ctx}
	tr.startReader()
	e := newEngine(ctx, dev, s.cfg, s.lib, tr)
	// Blynk.begin(Serial, auth): config (banner to the debug port, which is
	// nowhere unless BLYNK_PRINT is the same UART), then connect.
	e.banner()
	if err := e.begin(); err != nil {
		return err
	}
	return e.sketchLoop()
}
