package decode

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/blynkbridge/blynkbridge/blynk"
)

// BLYNK_DEBUG dumps: "[ms] <" (sent by the device) or "[ms] >" (received),
// then the frame bytes with printable ones as characters and runs of others
// as "[1D|00|01]". Header bytes that happen to be printable show as
// characters too, so the text is re-tokenised to bytes before the 5-byte
// header (cmd, id, length-or-status) is read.
//
// Header and body are interpreted with package blynk's codec (blynk.Frame,
// names, body parsers); only the re-tokenising is local, because redaction
// needs to know where each byte's text is in the line.

// unescapeDump turns dump text into bytes; pos[i] is the offset in s where
// byte i's text starts, pos[len] = len(s).
func unescapeDump(s string) (b []byte, pos []int, ok bool) {
	b = make([]byte, 0, len(s))
	pos = make([]int, 0, len(s)+1)
	for i := 0; i < len(s); {
		if s[i] == '[' {
			if j, vals := escRun(s, i); j > 0 {
				for k, v := range vals {
					b = append(b, v)
					pos = append(pos, i+k*3) // approximate: inside the run
				}
				i = j
				continue
			}
		}
		b = append(b, s[i])
		pos = append(pos, i)
		i++
	}
	pos = append(pos, len(s))
	return b, pos, true
}

// escRun parses "[XX|XX|…]" at s[i]; it returns the index after ']' or 0.
func escRun(s string, i int) (int, []byte) {
	var vals []byte
	j := i + 1
	for {
		if j+2 > len(s) {
			return 0, nil
		}
		v, err := strconv.ParseUint(s[j:j+2], 16, 8)
		if err != nil {
			return 0, nil
		}
		vals = append(vals, byte(v))
		j += 2
		if j < len(s) && s[j] == '|' {
			j++
			continue
		}
		if j < len(s) && s[j] == ']' {
			return j + 1, vals
		}
		return 0, nil
	}
}

func (d *Decoder) frameLine(l *line, ms int64, msg string) {
	dir := msg[0]
	msgOff := l.textEnd - len(msg)
	if d.secretLeft > 0 && dir == d.secretDir && d.secretLine == d.lines-1 {
		// The rest of a login frame's token, printed on its own dump line.
		n := min(d.secretLeft, len(msg)-1)
		d.secretLeft = 0
		e := newEvent(l, KindBlynkFrame, SevDebug, "the rest of the login frame above: "+strconv.Itoa(n)+" more characters of the auth token (masked)")
		e.DeviceMillis = ms
		e.set("dir", dirName(dir))
		e.set("continued", "true")
		if !d.opts.Unredacted {
			e.Raw = redact(l.raw, msgOff+1, msgOff+1+n)
		}
		d.emit(e)
		return
	}
	d.secretLeft = 0
	if m := reLegacyDump.FindStringSubmatch(msg); m != nil {
		d.legacyFrame(l, ms, dir, m)
		return
	}
	b, pos, _ := unescapeDump(msg[1:])
	if len(b) < 5 {
		e := newEvent(l, KindBlynkFrame, SevDebug, "protocol dump fragment ("+strconv.Itoa(len(b))+" bytes), not a whole header")
		e.DeviceMillis = ms
		e.set("dir", dirName(dir))
		d.emit(e)
		return
	}
	length := int(b[3])<<8 | int(b[4])
	if len(b) == 5 && b[0] != 0 && length > 0 {
		// Header alone: received frames (and sent ones on AVR) dump the
		// body on the next line.
		e := newEvent(l, KindBlynkFrame, SevDebug, "")
		e.DeviceMillis = ms
		d.frameHdr = &e
		d.frameWant = length
		d.frameHdrBytes = [5]byte{b[0], b[1], b[2], b[3], b[4]}
		d.frameDir = dir
		return
	}
	raw := l.raw
	if isLogin(dir, b[0]) && len(b) > 5 {
		if !d.opts.Unredacted {
			raw = redact(raw, msgOff+1+pos[5], msgOff+1+pos[len(b)])
		}
		if want := length; want > len(b)-5 && want <= 64 {
			d.secretLeft, d.secretDir, d.secretLine = want-(len(b)-5), dir, d.lines // the dump may go on on the next line
		}
	}
	e := newEvent(l, KindBlynkFrame, SevDebug, "")
	e.Raw = raw
	e.DeviceMillis = ms
	describeFrame(&e, dir, [5]byte{b[0], b[1], b[2], b[3], b[4]}, b[5:], d.opts.Unredacted)
	d.pair(&e)
	d.emit(e)
}

// reLegacyDump: library 0.3.x printed frames as "<msg cmd,id,len" with the
// body on the next line, after the same direction character.
var reLegacyDump = regexp.MustCompile(`^[<>]msg (\d{1,3}),(\d{1,5}),(\d{1,5})$`)

func (d *Decoder) legacyFrame(l *line, ms int64, dir byte, m []string) {
	c, _ := strconv.Atoi(m[1])
	id, _ := strconv.Atoi(m[2])
	n, _ := strconv.Atoi(m[3])
	h := [5]byte{byte(c), byte(id >> 8), byte(id), byte(n >> 8), byte(n)}
	e := newEvent(l, KindBlynkFrame, SevDebug, "")
	e.DeviceMillis = ms
	e.set("format", "0.3.x")
	if blynk.Cmd(c) == blynk.CmdResponse || n == 0 {
		describeFrame(&e, dir, h, nil, d.opts.Unredacted)
		d.pair(&e)
		d.emit(e)
		return
	}
	d.frameHdr = &e
	d.frameWant = n
	d.frameHdrBytes = h
	d.frameDir = dir
	d.frameLegacy = true
}

var reLegacyPM = regexp.MustCompile(`^pm((?:\d+(?:out|in|pu|pd))+)$`)
var reLegacyPMPart = regexp.MustCompile(`(\d+)(out|in|pu|pd)`)

// legacyBody restores the NULs of a 0.3.x pin-mode body, which the dump
// printed without them; other bodies stay as printed.
func legacyBody(body string) []byte {
	m := reLegacyPM.FindStringSubmatch(body)
	if m == nil {
		return []byte(body)
	}
	parts := []string{"pm"}
	for _, p := range reLegacyPMPart.FindAllStringSubmatch(m[1], -1) {
		parts = append(parts, p[1], p[2])
	}
	return blynk.Body(parts...)
}

func isLogin(_, cmd byte) bool { return blynk.Cmd(cmd).IsLogin() }

// redact replaces raw[from:to] with '*': the token's characters never reach
// an event, and Raw keeps its length.
func redact(raw string, from, to int) string {
	if from < 0 || to > len(raw) || from >= to {
		return raw
	}
	return raw[:from] + strings.Repeat("*", to-from) + raw[to:]
}

// redactBinaryLogin hides the token of a raw (binary) LOGIN / HW_LOGIN
// frame that appears on the serial line itself: a BlynkSimpleStream board
// (USB) speaks the protocol on its UART, so a capture of that port holds
// cmd, id, length and the token as plain bytes. Whatever event such bytes
// land in (text, noise, garbage), the token's characters become '*'.
func redactBinaryLogin(raw string) string {
	for i := 0; i+5 < len(raw); i++ {
		c := raw[i]
		if c != byte(blynk.CmdLogin) && c != byte(blynk.CmdHWLogin) {
			continue
		}
		if raw[i+1] == 0 && raw[i+2] == 0 {
			continue // id 0 is never sent
		}
		n := int(raw[i+3])<<8 | int(raw[i+4])
		if n < 8 || n > 128 || i+5+n > len(raw) {
			continue
		}
		tok := raw[i+5 : i+5+n]
		ok := true
		for j := 0; j < len(tok); j++ {
			if tok[j] <= 0x20 || tok[j] >= 0x7f {
				ok = false
				break
			}
		}
		if ok {
			raw = redact(raw, i+5, i+5+n)
			i += 4 + n
		}
	}
	return raw
}

// binaryProtocol recognises unreadable bytes that are Blynk frames in
// binary: a BlynkSimpleStream board (USB) runs the protocol on the UART a
// monitor reads, so its login, info packet and writes are not baud garbage
// and mean no reset. When frames (read with package blynk's resynchronising
// decoder) cover at least half of the bytes, e becomes one blynk-frame event
// listing them; the token of a login is never shown (Frame.String redacts
// it, emit masks it in Raw).
func binaryProtocol(e *Event) bool {
	if !hasFrameHeader(e.Raw) {
		return false // the common case (ROM text at the wrong baud), cheaply
	}
	dec := blynk.NewDecoder(blynk.DecoderOptions{})
	items := append(dec.Feed([]byte(e.Raw)), dec.Flush()...)
	var names []string
	covered := 0
	for _, it := range items {
		if it.IsSkip() {
			continue
		}
		f := it.Frame
		covered += 5
		if f.Cmd != blynk.CmdResponse {
			covered += len(f.Body)
		}
		names = append(names, f.String())
	}
	if len(names) == 0 || 2*covered < len(e.Raw) {
		return false
	}
	e.Kind, e.Severity = KindBlynkFrame, SevInfo
	e.set("binary", "true")
	e.set("frames", strconv.Itoa(len(names)))
	e.set("bytes", strconv.Itoa(len(e.Raw)))
	e.Summary = strconv.Itoa(len(names)) + " Blynk protocol frame(s) in binary on the serial line: " + strings.Join(names, "; ")
	e.Detail = "This UART carries the Blynk protocol itself (BlynkSimpleStream over USB): a relay (`blynkbridge relay`) must own the port to forward it to the server; a monitor on the same port takes the frames away from it. " +
		"Readable [ms] lines between the frames mean BLYNK_PRINT writes to the same Serial, which corrupts the protocol: log to another port (SoftwareSerial)."
	return true
}

// hasFrameHeader is a cheap pre-check for binaryProtocol: somewhere in raw
// a run of back-to-back plausible frames (known command, id not 0, body that
// fits) starts with a non-RESPONSE frame and covers at least half of raw.
func hasFrameHeader(raw string) bool {
	for i := 0; i+5 <= len(raw); i++ {
		if c := blynk.Cmd(raw[i]); c == blynk.CmdResponse || !c.Known() {
			continue
		}
		covered := 0
		for j := i; j+5 <= len(raw); {
			c := blynk.Cmd(raw[j])
			if !c.Known() || (raw[j+1] == 0 && raw[j+2] == 0) {
				break
			}
			n := 0
			if c != blynk.CmdResponse {
				n = int(raw[j+3])<<8 | int(raw[j+4])
			}
			if n > 1024 || j+5+n > len(raw) {
				break
			}
			covered += 5 + n
			j += 5 + n
		}
		if 2*covered >= len(raw) {
			return true
		}
	}
	return false
}

// frameBody tries l as the body line of a pending header.
func (d *Decoder) frameBody(l *line, t string) bool {
	if d.frameLegacy {
		d.frameLegacy = false
		if len(t) < 2 || t[0] != d.frameDir {
			return false
		}
		raw := l.raw
		body := t[1:]
		if isLogin(d.frameDir, d.frameHdrBytes[0]) && !d.opts.Unredacted {
			off := l.textEnd - len(body)
			raw = redact(raw, off, l.textEnd)
		}
		e := *d.frameHdr
		d.frameHdr = nil
		e.Raw += raw
		// 0.3.x printed the body's NUL separators as nothing: put them
		// back where the split is certain (pin modes: "pm0out2in").
		describeFrame(&e, d.frameDir, d.frameHdrBytes, legacyBody(body), d.opts.Unredacted)
		d.pair(&e)
		d.emit(e)
		return true
	}
	ms, msg, ok := blynkPrefix(t)
	if !ok || len(msg) == 0 || msg[0] != d.frameDir {
		return false
	}
	b, pos, _ := unescapeDump(msg[1:])
	// The body is the next dump line in the same direction: the length must
	// agree, or (for a body whose escaping we read differently) the same
	// millis stamp must show it was printed with the header.
	if len(b) != d.frameWant && ms != d.frameHdr.DeviceMillis {
		return false
	}
	raw := l.raw
	if isLogin(d.frameDir, d.frameHdrBytes[0]) && !d.opts.Unredacted {
		msgOff := l.textEnd - len(msg)
		raw = redact(raw, msgOff+1+pos[0], msgOff+1+pos[len(b)])
	}
	if d.lastMs >= 0 && ms < d.lastMs {
		return false
	}
	e := *d.frameHdr
	d.frameHdr = nil
	d.lastMs = ms
	e.Raw += raw
	describeFrame(&e, d.frameDir, d.frameHdrBytes, b, d.opts.Unredacted)
	d.pair(&e)
	d.emit(e)
	return true
}

func (d *Decoder) endFrame() {
	if d.frameHdr == nil {
		return
	}
	e := *d.frameHdr
	d.frameHdr = nil
	d.frameLegacy = false
	describeFrame(&e, d.frameDir, d.frameHdrBytes, nil, d.opts.Unredacted)
	d.pair(&e)
	e.set("body_missing", "true")
	e.Summary += " (body line not seen)"
	d.emit(e)
}

func dirName(dir byte) string {
	if dir == '<' {
		return "sent"
	}
	return "received"
}

// describeFrame says what a frame is and means. reveal (Options.Unredacted)
// shows a login's token in the body field.
func describeFrame(e *Event, dir byte, h [5]byte, body []byte, reveal bool) {
	f := blynk.Frame{Cmd: blynk.Cmd(h[0]), ID: uint16(h[1])<<8 | uint16(h[2]), Len: uint16(h[3])<<8 | uint16(h[4]), Body: body}
	e.set("dir", dirName(dir))
	e.set("cmd", strconv.Itoa(int(f.Cmd)))
	e.set("cmd_name", f.Cmd.String())
	e.set("id", strconv.Itoa(int(f.ID)))
	arrow := "device -> server"
	if dir == '>' {
		arrow = "server -> device"
	}
	s := arrow + " " + f.Cmd.String() + " #" + strconv.Itoa(int(f.ID))
	if f.IsResponse() {
		st := f.Status()
		e.set("status", strconv.Itoa(int(st)))
		e.set("status_name", st.String())
		s += ": status " + strconv.Itoa(int(st)) + " " + st.String()
		if m := statusMeaning[st]; m != "" {
			s += " (" + m + ")"
		}
		if st == blynk.StatusInvalidToken {
			e.Severity = SevError
		} else if st != blynk.StatusSuccess {
			e.Severity = SevWarn
		}
		e.Summary = s
		return
	}
	e.set("len", strconv.Itoa(int(f.Len)))
	if body != nil && len(body) != int(f.Len) {
		e.set("len_mismatch", strconv.Itoa(len(body)))
	}
	switch {
	case f.Cmd.IsLogin():
		e.set("body", "<auth token redacted>")
		s += ": login with an auth token of " + strconv.Itoa(len(body)) + " characters (redacted)"
		if reveal {
			e.set("body", string(body))
			s = strings.Replace(s, "(redacted)", "(shown: --unredacted)", 1)
		}
		if dir == '>' {
			s += "; received, so the other end logs in to this device (a direct Bluetooth/BLE connection: the app is the client)"
		}
	case f.Cmd == blynk.CmdPing:
		s += ": heartbeat ping (sent when nothing else was sent for a heartbeat period; the other end answers 200)"
	case f.Cmd == blynk.CmdHardwareSync && len(body) == 0:
		s += ": sync request: the server sends back the stored values of the pins (Blynk.syncAll / syncVirtual)"
	case len(body) > 0:
		rendered := strings.Join(Printable(renderBody(f)), " ")
		e.set("body", rendered)
		s += ": " + rendered
	}
	e.Summary = s
}

// renderBody says what a body means, through package blynk's parsers.
func renderBody(f blynk.Frame) string {
	switch f.Cmd {
	case blynk.CmdHardware, blynk.CmdBridge:
		if op, err := blynk.ParsePinOp(f.Body); err == nil {
			vals := strings.Join(op.Values, ", ")
			switch op.Op {
			case blynk.OpVirtualWrite:
				return "virtual write V" + op.Pin + " = " + vals
			case blynk.OpVirtualRead:
				return "virtual read request V" + op.Pin
			case blynk.OpDigitalWrite:
				switch vals {
				case "0":
					vals += " (LOW)"
				case "1":
					vals += " (HIGH)"
				}
				return "digital write pin " + op.Pin + " = " + vals
			case blynk.OpDigitalRead:
				return "digital read pin " + op.Pin
			case blynk.OpAnalogWrite:
				return "analog write pin " + op.Pin + " = " + vals
			case blynk.OpAnalogRead:
				return "analog read pin " + op.Pin
			case blynk.OpPinMode:
				return "pin modes from the app's widgets: " + pinModes(blynk.Split(f.Body)[1:])
			}
		}
	case blynk.CmdInternal:
		parts0 := blynk.Split(f.Body)
		if len(parts0) == 1 {
			switch parts0[0] {
			case "acon":
				return "the app connected (opened the project)"
			case "adis":
				return "the app disconnected"
			case "rtc":
				return "clock request"
			}
		}
		if kvs, err := blynk.ParseKV(f.Body); err == nil && len(kvs) > 0 {
			parts := make([]string, len(kvs))
			for i, kv := range kvs {
				parts[i] = kv.Key + "=" + kv.Value
				if w := infoKeys[kv.Key]; w != "" {
					parts[i] += " (" + w + ")"
				}
			}
			return "info packet: " + strings.Join(parts, ", ")
		}
	case blynk.CmdNotify:
		return "push notification: " + string(f.Body)
	case blynk.CmdEmail:
		return "e-mail: " + strings.Join(blynk.Split(f.Body), " / ")
	case blynk.CmdTweet:
		return "tweet: " + string(f.Body)
	case blynk.CmdRedirect:
		if host, port, err := blynk.ParseRedirect(f.Body); err == nil {
			return "redirect to " + host + ":" + strconv.Itoa(port)
		}
	}
	return strings.Join(blynk.Split(f.Body), " ")
}

// infoKeys: what the keys of the info packet (INTERNAL after login) say.
var infoKeys = map[string]string{
	"ver": "library version", "h-beat": "heartbeat period in seconds", "buff-in": "receive buffer size in bytes",
	"dev": "board", "cpu": "processor", "con": "connection", "build": "firmware build date",
	"tmpl": "template ID", "fw": "firmware version", "fw-type": "firmware type", "type": "device type",
}

// statusMeaning: the responses people ask about.
var statusMeaning = map[blynk.Status]string{
	blynk.StatusQuotaLimit:         "the server's message rate limit: the sketch sends too often",
	blynk.StatusIllegalCommand:     "the server does not accept this command",
	blynk.StatusNotAuthenticated:   "not logged in",
	blynk.StatusNotAllowed:         "not allowed for this device",
	blynk.StatusDeviceNotInNetwork: "the target device is offline",
	blynk.StatusNoActiveDashboard:  "the project is not running in the app",
	blynk.StatusInvalidToken:       "the server does not know this auth token",
	blynk.StatusNtfInvalidBody:     "the notification text is empty or too long",
	blynk.StatusNtfNotAuthorized:   "notifications are not set up: add the Notification widget / enable them in the app",
	blynk.StatusNtfException:       "the notification could not be sent",
	blynk.StatusTimeout:            "the server timed out",
	blynk.StatusServerException:    "a server-side error",
	blynk.StatusEnergyLimit:        "not enough energy in the app for this widget",
}

// pinModes renders "0 out 2 in" as "pin 0 output, pin 2 input".
func pinModes(parts []string) string {
	var out []string
	for i := 0; i+1 < len(parts); i += 2 {
		m := parts[i+1]
		switch m {
		case "out":
			m = "output"
		case "in":
			m = "input"
		case "pu":
			m = "input with pull-up"
		case "pd":
			m = "input with pull-down"
		}
		out = append(out, "pin "+parts[i]+" "+m)
	}
	if len(out) == 0 {
		return strings.Join(parts, " ")
	}
	return strings.Join(out, ", ")
}

// request keys an open request: its direction and id.
type request struct{ dir, id string }

// pair ties a RESPONSE to the request it answers (same id, other
// direction): "status 14 NTF_NOT_AUTHORIZED" says more as the answer to
// the device's NOTIFY. At most 64 open requests per direction are kept.
func (d *Decoder) pair(e *Event) {
	dir := e.Fields["dir"]
	id := e.Fields["id"]
	if dir == "" || id == "" {
		return
	}
	if e.Fields["cmd_name"] == blynk.CmdPing.String() && dir == "sent" && e.DeviceMillis >= 0 {
		// The heartbeat's cadence: pings come when nothing else was sent
		// for a heartbeat period.
		if d.lastPing >= 0 && e.DeviceMillis > d.lastPing {
			gap := e.DeviceMillis - d.lastPing
			e.set("since_last_ping_ms", strconv.FormatInt(gap, 10))
			e.Summary += "; " + strconv.FormatFloat(float64(gap)/1000, 'f', 1, 64) + " s after the previous ping"
		}
		d.lastPing = e.DeviceMillis
	}
	if d.requests == nil {
		d.requests = map[request]string{}
	}
	if e.Fields["cmd_name"] != blynk.CmdResponse.String() {
		if len(d.requests) >= 128 {
			clear(d.requests)
		}
		d.requests[request{dir, id}] = e.Fields["cmd_name"]
		return
	}
	other := "sent"
	who := "the device's"
	if dir == "sent" {
		other, who = "received", "the server's"
	}
	req, ok := d.requests[request{other, id}]
	if !ok {
		return
	}
	delete(d.requests, request{other, id})
	e.set("answers", req)
	e.Summary += ", the answer to " + who + " " + req + " #" + id
}
