package blynkfw

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/sim"
)

// protoState mirrors BlynkProtocol's state.
type protoState int

const (
	stConnecting protoState = iota
	stConnected
	stTokenInvalid // 0.6.0+: no retry until connect() re-arms
)

// transport is BlynkArduinoClient / BlynkTransportStream as the protocol
// sees it.
type transport interface {
	connect(e *engine) bool
	connected() bool
	disconnect()
	write(p []byte) error
	// recv delivers incoming bytes; nil when there is no connection.
	recv() <-chan []byte
	// peerClosed is called when recv's channel closes.
	peerClosed()
}

// engine is BlynkProtocol: the connection state machine and frame handling,
// run the way the library runs it (Blynk.begin's connect loop, then run()
// from loop()). Everything happens on the Run goroutine.
type engine struct {
	ctx context.Context
	dev sim.Device
	cfg Config
	lib libVersion
	tr  transport

	heartbeatMS, timeoutMS uint32
	maxRead                int
	print                  bool // BLYNK_PRINT reaches the serial port
	sendSplit              bool // AVR: header and body dumped as two lines

	state                                      protoState
	msgIDOut                                   uint16
	currentMsgID                               uint16
	lastLogin, lastActivityIn, lastActivityOut uint32
	lastHeartbeat                              uint32
	rx                                         []byte
	rxSince                                    uint32
	pins                                       map[string]string
	nextWrite                                  uint32
}

func newEngine(ctx context.Context, dev sim.Device, cfg Config, lib libVersion, tr transport) *engine {
	hb, to := lib.defaults()
	if cfg.Heartbeat > 0 {
		hb = cfg.Heartbeat
	}
	if cfg.TimeoutMS > 0 {
		to = cfg.TimeoutMS
	}
	e := &engine{ctx: ctx, dev: dev, cfg: cfg, lib: lib, tr: tr,
		heartbeatMS: uint32(hb) * 1000, timeoutMS: uint32(to), pins: map[string]string{}}
	e.maxRead = blynk.MaxReadBytes
	e.print = true
	if cfg.Kind != USBStream {
		e.maxRead = blynk.MaxBodyESP8266
	} else {
		e.print = cfg.PrintOnSerial
		e.sendSplit = true
	}
	// BlynkProtocol::begin back-dates every timer by 5 s so the first
	// connect attempt happens at once.
	now := dev.Millis()
	e.lastLogin, e.lastActivityIn, e.lastActivityOut, e.lastHeartbeat = now-5000, now-5000, now-5000, now-5000
	return e
}

// logf prints one BLYNK_PRINT line: "[millis] text" CRLF.
func (e *engine) logf(format string, args ...any) {
	if !e.print {
		return
	}
	fmt.Fprintf(e.dev, "[%d] %s\r\n", e.dev.Millis(), fmt.Sprintf(format, args...))
}

// debugf is a BLYNK_DEBUG-only line.
func (e *engine) debugf(format string, args ...any) {
	if e.cfg.Debug {
		e.logf(format, args...)
	}
}

func (e *engine) spaceAsHex() bool { return e.lib.atLeast(1, 2, 0) }

// banner is printBanner() for the library version.
func (e *engine) banner() {
	if !e.print {
		return
	}
	ver, dev := e.lib.String(), e.cfg.Device
	if ver == "0.4.4" {
		ver = "0.4.3" // the v0.4.4 tag still says 0.4.3
	}
	if !e.lib.atLeast(0, 4, 1) {
		e.logf("Blynk v%s on %s", ver, dev)
		return
	}
	nl := "\n"
	if e.lib.atLeast(0, 5, 3) {
		nl = "\r\n"
	}
	logo := []string{
		"    ___  __          __",
		"   / _ )/ /_ _____  / /__",
		`  / _  / / // / _ \/  '_/`,
		` /____/_/\_, /_//_/_/\_\`,
		"        /___/ v" + ver + " on " + dev,
	}
	text := nl + strings.Join(logo, nl) + nl
	if e.lib.atLeast(1, 1, 0) {
		text += nl + " #StandWithUkraine    https://bit.ly/swua" + nl + nl
	}
	fmt.Fprintf(e.dev, "[%d] %s\r\n", e.dev.Millis(), text)
}

func (e *engine) now() uint32 { return e.dev.Millis() }

// begin is Blynk.begin's `while (connect() != true) {}`.
func (e *engine) begin() error {
	for {
		if err := e.ctx.Err(); err != nil {
			return err
		}
		if e.connect(3 * e.timeoutMS) {
			return nil
		}
	}
}

// connect is Blynk.connect(timeout): drop the socket, re-arm, run until
// connected or the timeout.
func (e *engine) connect(timeout uint32) bool {
	e.tr.disconnect()
	e.state = stConnecting
	started := e.now()
	for e.state != stConnected && e.now()-started < timeout {
		if e.ctx.Err() != nil {
			return false
		}
		e.run()
		e.idle(10 * time.Millisecond)
	}
	return e.state == stConnected
}

// idle waits up to d for incoming bytes (Blynk.run is called in a tight loop
// on the board; polling every few ms is the same to an observer).
func (e *engine) idle(d time.Duration) {
	ch := e.tr.recv()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case b, ok := <-ch:
		e.take(b, ok)
	case <-t.C:
	case <-e.ctx.Done():
	}
}

func (e *engine) take(b []byte, ok bool) {
	if !ok {
		e.tr.peerClosed()
		return
	}
	if len(e.rx) == 0 {
		e.rxSince = e.now()
	}
	e.rx = append(e.rx, b...)
}

// pump drains whatever has arrived without blocking.
func (e *engine) pump() {
	for {
		ch := e.tr.recv()
		if ch == nil {
			return
		}
		select {
		case b, ok := <-ch:
			e.take(b, ok)
			if !ok {
				return
			}
		default:
			return
		}
	}
}

// run is BlynkProtocol::run().
func (e *engine) run() {
	e.pump()
	tconn := e.tr.connected()
	if tconn && len(e.rx) > 0 {
		if !e.processInput() {
			e.tr.disconnect()
			e.rx = nil
			return
		}
	}
	t := e.now()
	switch e.state {
	case stConnected:
		if !e.tr.connected() {
			e.state = stConnecting
			return
		}
		if t-e.lastActivityIn > e.heartbeatMS+3*e.timeoutMS {
			e.logf("Heartbeat timeout")
			if e.cfg.Debug {
				e.logf("Heartbeat timeout: %d, %d, %d", t, e.lastActivityIn, e.lastHeartbeat)
			}
			e.state = stConnecting
			e.tr.disconnect()
			return
		}
		if (t-e.lastActivityIn > e.heartbeatMS || t-e.lastActivityOut > e.heartbeatMS) && t-e.lastHeartbeat > e.timeoutMS {
			e.sendCmd(blynk.CmdPing, 0, nil)
			e.lastHeartbeat = t
		}
	case stConnecting:
		if tconn && t-e.lastLogin > e.timeoutMS {
			e.logf("Login timeout")
			e.tr.disconnect()
			e.rx = nil
			return
		}
		if !tconn && t-e.lastLogin > 5000 {
			e.tr.disconnect()
			e.rx = nil
			if !e.tr.connect(e) {
				e.lastLogin = e.now()
				return
			}
			e.msgIDOut = 1
			cmd := blynk.CmdLogin
			if e.lib.atLeast(0, 6, 0) {
				cmd = blynk.CmdHWLogin
			}
			e.sendCmd(cmd, 1, []byte(e.cfg.Token.Reveal()))
			e.lastLogin = e.lastActivityOut
			e.lastHeartbeat = e.lastActivityOut
		}
	}
}

// processInput handles every whole frame received so far. It returns false
// when the library would drop the connection.
func (e *engine) processInput() bool {
	for len(e.rx) >= blynk.HeaderLen {
		h, _ := blynk.ParseHeader(e.rx)
		if h.ID == 0 {
			e.debugf("Bad hdr len: %d", blynk.HeaderLen)
			return false
		}
		if h.Cmd != blynk.CmdResponse && int(h.Len) > e.maxRead {
			if e.lib.atLeast(0, 5, 0) {
				e.logf("Packet too big: %d", h.Len)
			} else {
				e.debugf("Packet too big: %d", h.Len)
			}
			return false
		}
		n := blynk.HeaderLen + h.BodyLen()
		if len(e.rx) < n {
			break
		}
		f, _, _ := blynk.Unmarshal(e.rx)
		f.Body = append([]byte(nil), f.Body...)
		e.rx = e.rx[n:]
		e.rxSince = e.now()
		if !e.handle(f) {
			return false
		}
	}
	// A frame that started arriving but did not finish within the read
	// timeout: the library's readBytes gives up.
	if len(e.rx) > 0 && e.now()-e.rxSince > e.timeoutMS {
		if len(e.rx) < blynk.HeaderLen {
			e.debugf("Bad hdr len: %d", len(e.rx))
		} else {
			e.debugf("Can't read body")
		}
		return false
	}
	return true
}

func (e *engine) dump(f blynk.Frame, dir byte) {
	if !e.cfg.Debug || !e.print {
		return
	}
	lines := blynk.DumpLines(f, dir, e.spaceAsHex(), false)
	if dir == blynk.DumpOut && e.sendSplit && len(f.Body) > 0 {
		raw := f.Marshal()
		lines = []string{
			string(dir) + blynk.EscapeDump(raw[:blynk.HeaderLen], e.spaceAsHex()),
			string(dir) + blynk.EscapeDump(raw[blynk.HeaderLen:], e.spaceAsHex()),
		}
	}
	for _, l := range lines {
		e.logf("%s", l)
	}
}

func (e *engine) handle(f blynk.Frame) bool {
	t := e.now()
	e.lastActivityIn = t
	e.dump(f, blynk.DumpIn)
	if f.Cmd == blynk.CmdResponse {
		if e.state == stConnecting && f.ID == 1 {
			switch f.Status() {
			case blynk.StatusSuccess, blynk.StatusAlreadyRegistered:
				e.logf("Ready (ping: %dms).", e.lastActivityIn-e.lastHeartbeat)
				e.lastHeartbeat = e.lastActivityIn
				e.state = stConnected
				if e.cfg.Debug && e.lib.atLeast(0, 5, 0) {
					e.logf("Free RAM: %d", 41296)
				}
				e.sendInfo()
				e.nextWrite = e.now() + uint32(max(e.cfg.WriteEvery, 0)/time.Millisecond)
				return true
			case blynk.StatusInvalidToken:
				e.logf("Invalid auth token")
				if e.lib.atLeast(0, 6, 0) {
					e.state = stTokenInvalid
				}
			default:
				e.logf("Connect failed. code: %d", f.Len)
			}
			return false
		}
		if f.Status() == blynk.StatusNotAuthenticated {
			return false
		}
		return true
	}
	switch f.Cmd {
	case blynk.CmdPing:
		e.sendRaw(blynk.Response(f.ID, blynk.StatusSuccess))
	case blynk.CmdHardware, blynk.CmdBridge:
		e.currentMsgID = f.ID
		ok := e.hardware(f.Body)
		e.currentMsgID = 0
		return ok
	case blynk.CmdInternal:
		// rtc, acon, adis, ota: nothing the sketch reacts to.
	case blynk.CmdRedirect:
		host, port, err := blynk.ParseRedirect(f.Body)
		if err != nil {
			return false
		}
		if port == 0 {
			port = 8442 // BLYNK_DEFAULT_PORT, the plain one, even over SSL: the library left it so
			if e.lib.atLeast(0, 5, 1) {
				port = 80
			}
		}
		e.logf("Redirecting to %s:%d", host, port)
		if tt, ok := e.tr.(*tlsTransport); ok {
			tt.host, tt.port, tt.byIP = host, port, false
		}
		e.tr.disconnect()
		e.rx = nil
		e.state = stConnecting
		e.lastLogin = e.now() - 5000
		return true
	case blynk.CmdDebugPrint:
		e.logf("Server: %s", string(f.Body))
	default:
		e.debugf("Invalid header type: %d", f.Cmd)
		return false
	}
	return true
}

// sendCmd is BlynkProtocol::sendCmd: id 0 takes the next id (or, inside a
// HARDWARE handler, the incoming one).
func (e *engine) sendCmd(cmd blynk.Cmd, id uint16, body []byte) {
	if id == 0 {
		if e.currentMsgID != 0 {
			id = e.currentMsgID
		} else {
			e.msgIDOut++
			if e.msgIDOut == 0 {
				e.msgIDOut = 1
			}
			id = e.msgIDOut
		}
	}
	e.sendRaw(blynk.NewFrame(cmd, id, body))
}

func (e *engine) sendRaw(f blynk.Frame) {
	if !e.tr.connected() {
		e.debugf("Cmd skipped:%d", f.Cmd)
		return
	}
	e.dump(f, blynk.DumpOut)
	if err := e.tr.write(f.Marshal()); err != nil {
		e.debugf("Cmd error")
		e.tr.disconnect()
		return
	}
	e.lastActivityOut = e.now()
}

// sendInfo sends the info packet right after login (reference §1.5).
func (e *engine) sendInfo() {
	hb := strconv.Itoa(int(e.heartbeatMS / 1000))
	buf := strconv.Itoa(e.maxRead)
	var kv []blynk.KV
	if e.lib.atLeast(1, 3, 0) {
		kv = []blynk.KV{{Key: "mcu", Value: "0.0.0"}, {Key: "build", Value: e.cfg.BuildStamp},
			{Key: "blynk", Value: e.lib.String()}, {Key: "h-beat", Value: hb}, {Key: "buff-in", Value: buf},
			{Key: "dev", Value: e.cfg.Device}}
	} else {
		kv = []blynk.KV{{Key: "ver", Value: e.lib.String()}, {Key: "h-beat", Value: hb},
			{Key: "buff-in", Value: buf}, {Key: "dev", Value: e.cfg.Device}}
	}
	if e.cfg.Kind == USBStream {
		kv = append(kv, blynk.KV{Key: "cpu", Value: "ATmega328P"}, blynk.KV{Key: "con", Value: "Stream"})
	} else {
		kv = append(kv, blynk.KV{Key: "con", Value: "ESP8266"})
	}
	if !e.lib.atLeast(1, 3, 0) {
		kv = append(kv, blynk.KV{Key: "build", Value: e.cfg.BuildStamp})
	}
	e.sendCmd(blynk.CmdInternal, 0, blynk.KVBody(kv, true))
}

// virtualWrite is Blynk.virtualWrite(pin, value).
func (e *engine) virtualWrite(pin int, values ...string) {
	if e.state != stConnected {
		return
	}
	e.sendCmd(blynk.CmdHardware, 0, blynk.VirtualWrite(pin, values...))
}

func (e *engine) uptime() string { return strconv.Itoa(int(e.now() / 1000)) }

// hardware handles a HARDWARE body the way BlynkApi::processCmd and the
// sketch's handlers do. It returns false only to restart.
func (e *engine) hardware(body []byte) bool {
	fs := blynk.Split(body)
	if len(fs) == 0 {
		return true
	}
	if len(fs) < 2 && fs[0] != blynk.OpPinMode {
		e.logf("Invalid HW cmd: %s", fs[0])
		return true
	}
	switch fs[0] {
	case blynk.OpVirtualWrite:
		pin, _ := strconv.Atoi(fs[1])
		val := ""
		if len(fs) > 2 {
			val = fs[2]
		}
		switch {
		case e.cfg.CrashPin > 0 && pin == e.cfg.CrashPin:
			reason, err := sim.ParseRestartReason(val)
			if err != nil {
				return true
			}
			e.dev.Restart(reason)
			return true
		case pin == 1 || pin == e.cfg.WritePin:
			e.pins["V"+fs[1]] = val // BLYNK_WRITE(V1): the sketch's LED
		default:
			e.logf("No handler for writing to pin %d", pin)
		}
	case blynk.OpVirtualRead:
		pin, _ := strconv.Atoi(fs[1])
		switch pin {
		case e.cfg.WritePin:
			e.virtualWrite(pin, e.uptime())
		case 1:
			e.virtualWrite(pin, e.pins["V1"])
		default:
			e.logf("No handler for reading from pin %d", pin)
		}
	case blynk.OpDigitalWrite, blynk.OpAnalogWrite:
		if len(fs) > 2 {
			e.pins[fs[0][:1]+fs[1]] = fs[2]
		}
	case blynk.OpDigitalRead, blynk.OpAnalogRead:
		v := e.pins[fs[0][:1]+fs[1]]
		if v == "" {
			v = "0"
		}
		e.sendCmd(blynk.CmdHardware, 0, blynk.Body(string(fs[0][0])+"w", fs[1], v))
	case blynk.OpPinMode:
		for i := 1; i+1 < len(fs); i += 2 {
			switch fs[i+1] {
			case "in", "out", "pwm", "pu", "pd":
			default:
				e.debugf("Invalid pin %s mode %s", fs[i], fs[i+1])
			}
		}
	default:
		e.logf("Invalid HW cmd: %s", fs[0])
	}
	return true
}

// sketchLoop is loop(): Blynk.run() plus the sketch's timer.
func (e *engine) sketchLoop() error {
	for {
		if err := e.ctx.Err(); err != nil {
			return err
		}
		e.run()
		if e.state == stConnected && e.cfg.WriteEvery > 0 && int32(e.now()-e.nextWrite) >= 0 {
			e.nextWrite = e.now() + uint32(e.cfg.WriteEvery/time.Millisecond)
			e.virtualWrite(e.cfg.WritePin, e.uptime())
		}
		if e.state == stTokenInvalid {
			// 0.6.0+: run() does nothing until Blynk.connect() re-arms;
			// the sketch's loop keeps calling it.
			e.idle(50 * time.Millisecond)
			continue
		}
		e.idle(10 * time.Millisecond)
	}
}
