package decode

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/blynkbridge/blynkbridge/blynk"
)

// blynkPrefix splits "[12345] text" (the Blynk library's log format, 0.3.6+).
func blynkPrefix(t string) (ms int64, msg string, ok bool) {
	i := 1
	for i < len(t) && i < 12 && isDigit(t[i]) {
		i++
	}
	if i == 1 || i >= len(t) || t[i] != ']' {
		return 0, "", false
	}
	ms, err := strconv.ParseInt(t[1:i], 10, 64)
	if err != nil {
		return 0, "", false
	}
	msg = t[i+1:]
	if len(msg) > 0 && msg[0] == ' ' {
		msg = msg[1:]
	}
	return ms, msg, true
}

func (d *Decoder) blynkLine(l *line, ms int64, msg string) {
	// millis() restarts at 0 on every boot: going backwards is a reboot even
	// when the banner was lost (baud garbage, monitor opened late). A drop
	// from near 2^32 is the 49-day wrap, not a reboot.
	if d.lastMs >= 0 && ms < d.lastMs && !(d.lastMs > 4_200_000_000 && ms < 100_000_000) {
		r := Event{Kind: KindReboot, HostTime: l.host, DeviceMillis: ms, Severity: SevWarn,
			Summary: "the board rebooted: Blynk's millis counter went back from " + strconv.FormatInt(d.lastMs, 10) + " to " + strconv.FormatInt(ms, 10)}
		r.set("from_ms", strconv.FormatInt(d.lastMs, 10))
		r.set("to_ms", strconv.FormatInt(ms, 10))
		r.Detail = "No boot banner was seen (it is printed at 74880 baud and is often lost), but millis() restarts at 0 only on a reboot - or the log joins two separate captures, as pasted logs sometimes do."
		d.reboot(&r, "millis")
		d.emit(r)
	}
	d.lastMs = ms
	// The sketch is running: boot text is over, and a restart the host
	// announced either showed above or did not happen (a board powered
	// from elsewhere keeps running through a replug).
	d.booting = false
	d.hostCause = ""
	if msg == "" {
		e := newEvent(l, KindBlynkLogo, SevDebug, "Blynk library banner follows")
		e.DeviceMillis = ms
		d.logoLeft = 7
		d.emit(e)
		return
	}
	if msg[0] == '<' || msg[0] == '>' {
		d.frameLine(l, ms, msg)
		return
	}
	e := blynkMessage(l, msg)
	e.DeviceMillis = ms
	switch e.Fields["msg"] {
	case "ready":
		d.online = true
	case "connect-host", "connect-ip", "connect-stream":
		d.online = false
	case "login-timeout":
		if d.online {
			// Old libraries (0.3.x) also end an established session with
			// this line: the login was answered, the session was not.
			e.Summary = "the session ended with \"Login timeout\" although the login was answered (\"Ready\" above): probably the server stopped answering"
			e.Detail = "Libraries 0.3.x print \"Login timeout\" also when an established session goes silent."
			e.set("after_ready", "true")
		}
		d.online = false
	}
	d.emit(e)
}

var (
	reBlynkVer  = regexp.MustCompile(`^Blynk v?(\S+)(?: on (.+))?$`)
	reLogoLast  = regexp.MustCompile(`/___/ v(\S+) on (.+)$`)
	reLogo3D    = regexp.MustCompile(`\\/__/\s+(\S+) on (.+)$`)
	reLastSSL   = regexp.MustCompile(`^SSL error: (-?\d+)`)
	reConnFail  = regexp.MustCompile(`^Connect failed[.]? \(?code: (\d+)\)?`)
	reRedirect  = regexp.MustCompile(`^Redirecting to (\S+?)(?::(\d+))?$`)
	reHeartbeat = regexp.MustCompile(`^Heartbeat timeout(?:: (\d+), (\d+), (\d+))?$`)
)

// isIPv4 is a dotted quad: how the library prints an IPAddress.
func isIPv4(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if len(p) == 0 || len(p) > 3 || !allDigits(p) {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return len(s) > 0
}

// isHostPort: "host:port" with no spaces and a 1-5 digit port.
func isHostPort(s string) bool {
	i := strings.LastIndexByte(s, ':')
	return i > 0 && len(s)-i-1 <= 5 && allDigits(s[i+1:]) && !strings.ContainsAny(s[:i], " \t")
}

// pingOf reads N from "Ready (ping: Nms)." (0.3.0+; 0.2.x printed "Ready!").
func pingOf(msg string) (string, bool) {
	const p = "Ready (ping: "
	if !hasFold(msg, p) {
		return "", false
	}
	rest := msg[len(p):]
	i := strings.Index(strings.ToLower(rest), "ms)")
	if i <= 0 || !allDigits(rest[:i]) {
		return "", false
	}
	return rest[:i], true
}

func logoLine(l *line, t string) (Event, bool) {
	if strings.Contains(t, "__/ ") {
		if m := reLogoLast.FindStringSubmatch(t); m != nil {
			return bannerEvent(l, m[1], m[2]), true
		}
		if m := reLogo3D.FindStringSubmatch(t); m != nil {
			return bannerEvent(l, m[1], m[2]), true
		}
	}
	if strings.Contains(t, "#StandWithUkraine") {
		e := newEvent(l, KindBlynkLogo, SevDebug, "Blynk banner: #StandWithUkraine line (library 1.1.0 or later)")
		return e, true
	}
	for i := 0; i < len(t); i++ {
		if !strings.ContainsRune(" _/\\)(|,'`.-<>", rune(t[i])) {
			return Event{}, false
		}
	}
	return newEvent(l, KindBlynkLogo, SevDebug, "Blynk logo"), true
}

func bannerEvent(l *line, ver, dev string) Event {
	e := newEvent(l, KindBlynkBanner, SevInfo, "Blynk library "+ver+" starting on "+dev)
	e.set("version", ver)
	e.set("device", dev)
	switch {
	case dev == "Arduino":
		e.Detail = "\"Arduino\" on an ESP8266 board means library 0.5.x or older did not recognise the board (a WeMos D1 mini falls back to this); harmless."
	case strings.HasPrefix(ver, "0.") || strings.HasPrefix(ver, "v0."):
		e.Detail = "Library 0.x speaks the legacy protocol: it works with a local blynk-server or a bridge, not with blynk.cloud tokens."
	}
	return e
}

var sslErrors = map[int]string{
	3: "UNSUPPORTED_VERSION: the server wants a TLS version BearSSL does not offer", 16: "BAD_CIPHER_SUITE: no common cipher suite",
	31: "IO: the connection broke during the handshake", 52: "BAD_SIGNATURE", 53: "TIME_UNKNOWN: the device clock is not set (no NTP), so certificate dates cannot be checked",
	54: "X509_EXPIRED: the certificate is expired or not yet valid (or the device clock is wrong)", 55: "DN_MISMATCH",
	56: "BAD_SERVER_NAME: the certificate does not name the host the sketch connects to",
	58: "NOT_CA", 62: "NOT_TRUSTED: the certificate chain is not trusted, or the fingerprint does not match",
}

func statusName(n int) string { return blynk.Status(n).String() }

// tidy drops what varies between library versions and pastes at the end
// of a message: trailing blanks, periods, "...", "…" and "!".
func tidy(msg string) string {
	for {
		n := len(msg)
		msg = strings.TrimRight(msg, " \t.!")
		msg = strings.TrimSuffix(msg, "…")
		if len(msg) == n {
			return msg
		}
	}
}

// hasFold is a case-insensitive strings.HasPrefix.
func hasFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// blynkMessage classifies the text after "[ms] " against the catalogue of
// the library's lines (blynk.md section 3.3). Matching is tolerant: case,
// trailing punctuation and the wording of other versions (the catalogue
// rows list them) do not matter.
func blynkMessage(l *line, msg string) Event {
	e := newEvent(l, KindBlynk, SevInfo, "")
	id := func(s string) { e.set("msg", s) }
	msg = tidy(msg)
	switch {
	case hasFold(msg, "Blynk v") || hasFold(msg, "Blynk 0.") || hasFold(msg, "Blynk 1."):
		if m := reBlynkVer.FindStringSubmatch(msg); m != nil {
			dev := m[2]
			if dev == "" {
				dev = "an unnamed board"
			}
			b := bannerEvent(l, m[1], dev)
			if m[2] == "" {
				delete(b.Fields, "device")
			}
			return b
		}
	case hasFold(msg, "Connecting to WiFi: ") || hasFold(msg, "Connecting to Wi-Fi: "):
		ssid := strings.Trim(msg[strings.Index(msg, ": ")+2:], "\"")
		id("wifi-join")
		e.set("ssid", ssid)
		e.Summary = "joining Wi-Fi network \"" + ssid + "\""
	case hasFold(msg, "Connecting to "):
		target := msg[len("Connecting to "):]
		switch {
		case isIPv4(target):
			id("connect-ip")
			e.set("host", target)
			e.Summary = "connecting to the Blynk server " + target + " (given as IPAddress: no port is printed)"
			e.Detail = "With an IPAddress the library has no host name: an axTLS SSL build (0.4.x) can then never match the certificate's name."
		case isHostPort(target):
			i := strings.LastIndexByte(target, ':')
			id("connect-host")
			e.set("host", target[:i])
			e.set("port", target[i+1:])
			e.Summary = "connecting to the Blynk server " + target[:i] + " port " + target[i+1:]
			if what, detail := serverKind(target[:i], target[i+1:]); what != "" {
				e.Summary += " (" + what + ")"
				e.Detail = detail
			}
		default:
			id("wifi-join")
			e.set("ssid", target)
			e.Summary = "joining Wi-Fi network \"" + target + "\""
		}
	case hasFold(msg, "IP: ") || hasFold(msg, "My IP: ") || hasFold(msg, "Using Dynamic IP: ") || hasFold(msg, "Using Static IP: "):
		id("ip")
		ip := msg[strings.Index(msg, ": ")+2:]
		e.set("ip", ip)
		e.Summary = "got IP address " + ip
	case hasFold(msg, "Ready"):
		id("ready")
		if ms, ok := pingOf(msg); ok {
			e.set("ping_ms", ms)
			e.Summary = "logged in to the Blynk server (login round trip " + ms + " ms): online"
		} else {
			e.Summary = "logged in to the Blynk server: online"
		}
	case hasFold(msg, "Free RAM: "):
		id("free-ram")
		e.set("bytes", msg[len("Free RAM: "):])
		e.Severity = SevDebug
		e.Summary = "free heap: " + msg[len("Free RAM: "):] + " bytes"
	case hasFold(msg, "Connect failed"):
		id("connect-failed")
		e.Severity = SevError
		if m := reConnFail.FindStringSubmatch(msg); m != nil {
			n, _ := strconv.Atoi(m[1])
			e.set("status", m[1])
			e.set("status_name", statusName(n))
			e.Summary = "login refused with status " + m[1] + " (" + statusName(n) + ")"
		} else {
			e.Summary = "login refused"
		}
	case hasFold(msg, "Heartbeat timeout"):
		id("heartbeat-timeout")
		e.Severity = SevWarn
		e.Summary = "nothing received from the server for heartbeat + 3 timeouts: reconnecting"
		if m := reHeartbeat.FindStringSubmatch(msg); m != nil && m[1] != "" {
			e.set("now", m[1])
			e.set("last_in", m[2])
			e.set("last_heartbeat", m[3])
		}
	case hasFold(msg, "Redirecting to "):
		id("redirect")
		if m := reRedirect.FindStringSubmatch(msg); m != nil {
			e.set("host", m[1])
			e.set("port", m[2])
		}
		e.Summary = "the server redirects the device to " + strings.TrimPrefix(msg, "Redirecting to ")
	case strings.HasPrefix(msg, "Sent ") && strings.Contains(msg, "/"):
		id("short-write")
		e.Severity = SevWarn
		e.Summary = "short write to the server: " + strings.TrimPrefix(msg, "Sent ")
	case hasFold(msg, "Got time: "), hasFold(msg, "NTP time: "), hasFold(msg, "Current time: "):
		id("time")
		e.Summary = "clock set by NTP (TLS needs it to check certificate dates): " + msg[strings.Index(msg, ": ")+2:]
	case hasFold(msg, "SSL error: "):
		id("ssl-error")
		e.Severity = SevError
		if m := reLastSSL.FindStringSubmatch(msg); m != nil {
			n, _ := strconv.Atoi(m[1])
			e.set("code", m[1])
			name := sslErrors[n]
			switch {
			case name != "":
			case n >= 512:
				name = "sent TLS alert " + strconv.Itoa(n-512)
			case n >= 256:
				name = "received TLS alert " + strconv.Itoa(n-256)
			default:
				name = "BearSSL error " + m[1]
			}
			e.Summary = "TLS handshake failed: " + name
		}
	case msg == "Timeout" || msg == "Heartbeat" || msg == "Cmd not sent" || strings.HasPrefix(msg, "Roundtrip: ") ||
		strings.HasPrefix(msg, "Packet size (") || msg == "Wrong header on input":
		// 0.2/0.3 wording, matched exactly: "Timeout" alone is too common to fold.
		id("legacy")
		e.Summary = "Blynk 0.2/0.3 library message: " + msg
	default:
		if ev, ok := edgentMessage(l, msg); ok {
			return ev
		}
		if c, rest, ok := lookupFixed(msg); ok {
			id(c.id)
			for i := 0; i+1 < len(c.fields); i += 2 {
				e.set(c.fields[i], c.fields[i+1])
			}
			e.Severity, e.Summary, e.Detail = c.sev, strings.Replace(c.summary, "{}", rest, 1), c.detail
			break
		}
		id("other")
		e.Summary = "" // the sketch's own BLYNK_LOG text, or an uncatalogued line
	}
	return e
}

// fixedLine is a library message whose event needs no parsing: matching
// text (or, with prefix, the start of the line) gives the catalogue id,
// severity, summary and detail. "{}" in summary stands for the rest of the
// line after the matched text. Keeping these as rows rather than switch
// cases leaves blynkMessage's switch to the lines that need parsing.
type fixedLine struct {
	texts   []string
	prefix  bool
	id      string
	sev     Severity
	summary string
	detail  string
	fields  []string // extra key, value pairs
}

// fixedLines is consulted only after blynkMessage's parsing cases, in this
// order; no text here starts a line those cases take.
var fixedLines = []fixedLine{
	{texts: []string{"Connecting..."}, id: "connect-stream", sev: SevInfo,
		summary: "serial/USB transport: sending the login over the serial line (a bridge such as `blynkbridge relay` must forward it)"},
	{texts: []string{"Connected to WiFi"}, id: "wifi-connected", sev: SevInfo, fields: []string{"kind", "wifi"},
		summary: "Wi-Fi connected"},
	{texts: []string{"Invalid auth token", "Invalid token"}, id: "invalid-token", sev: SevError,
		summary: "the server refused the auth token",
		detail:  "The token is wrong, belongs to another server (a blynk-cloud.com token on blynk.cloud or a local server), or the device was deleted. Library 0.6+ stops retrying."},
	{texts: []string{"Login timeout"}, id: "login-timeout", sev: SevWarn,
		summary: "connected, but no answer to the login in time",
		detail:  "The socket is up but the server did not answer: wrong port (plain vs TLS), a server that does not speak the Blynk hardware protocol there, or (axTLS 0.4.x) the leftover socket after \"Certificate doesn't match\"."},
	{texts: []string{"Packet too big: "}, prefix: true, id: "packet-too-big", sev: SevWarn,
		summary: "received a frame larger than BLYNK_MAX_READBYTES ({} bytes): reconnecting"},
	{texts: []string{"Server: "}, prefix: true, id: "server-message", sev: SevInfo,
		summary: "message from the server: {}"},
	{texts: []string{"Disconnected"}, id: "disconnected", sev: SevInfo,
		summary: "the sketch called Blynk.disconnect()"},
	{texts: []string{"Cmd error"}, id: "cmd-error", sev: SevWarn,
		summary: "writing to the server socket failed: reconnecting"},
	{texts: []string{"Cmd skipped:"}, prefix: true, id: "cmd-skipped", sev: SevDebug,
		summary: "a send was skipped because the device is not connected"},
	{texts: []string{"Bad hdr len: "}, prefix: true, id: "bad-header", sev: SevWarn,
		summary: "short header or message id 0 received: dropping the connection"},
	{texts: []string{"Can't read body"}, id: "short-body", sev: SevWarn,
		summary: "frame body shorter than its length: dropping the connection"},
	{texts: []string{"Invalid header type: "}, prefix: true, id: "invalid-header-type", sev: SevWarn,
		summary: "unknown command {} from the server: dropping the connection (wrong server or protocol)"},
	{texts: []string{"Invalid internal cmd:"}, prefix: true, id: "invalid-internal", sev: SevDebug,
		summary: "unknown INTERNAL sub-command {}"},
	{texts: []string{"Waiting:"}, prefix: true, id: "rate-wait", sev: SevDebug,
		summary: "send rate limit: waiting {} ms"},
	{texts: []string{"Trouble detected"}, prefix: true, id: "flood", sev: SevWarn,
		summary: "flood detected: the sketch sends too many messages per second (e.g. virtualWrite in loop()); use a timer"},
	{texts: []string{"No handler for writing to pin "}, prefix: true, id: "no-write-handler", sev: SevInfo,
		summary: "the app wrote virtual pin V{} but the sketch has no BLYNK_WRITE for it"},
	{texts: []string{"No handler for reading from pin "}, prefix: true, id: "no-read-handler", sev: SevInfo,
		summary: "the app reads virtual pin V{} but the sketch has no BLYNK_READ for it"},
	{texts: []string{"Invalid HW cmd: ", "Invalid pin "}, prefix: true, id: "invalid-hw", sev: SevWarn,
		summary: "the server sent a hardware command the library does not understand"},
	{texts: []string{"Certificate OK", "Fingerprint OK"}, id: "cert-ok", sev: SevInfo, fields: []string{"tls", "axtls"},
		summary: "TLS: the server certificate was accepted"},
	{texts: []string{"Certificate doesn't match"}, id: "cert-mismatch", sev: SevError, fields: []string{"tls", "axtls"},
		summary: "TLS (axTLS): the server certificate failed the fingerprint + name check",
		detail:  "axTLS verify() needs BOTH the SHA-1 fingerprint of the leaf certificate AND the host name to match; see the diagnosis for which one."},
	{texts: []string{"Certificate not validated"}, id: "cert-not-validated", sev: SevError, fields: []string{"tls", "axtls"},
		summary: "TLS (axTLS, library 0.5/0.6): the certificate chain did not validate against the bundled CA"},
	{texts: []string{"Failed to load root CA certificate!"}, id: "ca-load-failed", sev: SevError,
		summary: "TLS: the root CA certificate could not be loaded (memory or a bad certificate)"},
	{texts: []string{"Connection failed"}, id: "tls-connect-failed", sev: SevWarn,
		summary: "TCP connect or DNS lookup to the server failed (before TLS)"},
}

// lookupFixed finds msg's row in fixedLines and the rest of the line after
// the matched text.
func lookupFixed(msg string) (*fixedLine, string, bool) {
	for i := range fixedLines {
		c := &fixedLines[i]
		for _, t := range c.texts {
			if c.prefix && hasFold(msg, t) {
				return c, msg[len(t):], true
			}
			if strings.EqualFold(msg, tidy(t)) {
				return c, "", true
			}
		}
	}
	return nil, "", false
}

var (
	reLogoFor     = regexp.MustCompile(`/___/ for (\w+) v(\S+)`)
	reLogoMangled = regexp.MustCompile(`^/+ v(\d[\w.\-]*) on (.+)$`)
)

// logoArt recognises the Blynk logo wherever it appears: without the
// "[ms] " line before it (a paste that starts at the logo), from the
// JavaScript, Python and Lua libraries ("/___/ for Python v1.0.0"), and as
// a forum mangles it (Markdown bold "**", backslashes lost).
func logoArt(l *line, t string) (Event, bool) {
	u := strings.TrimSpace(strings.ReplaceAll(t, "*", ""))
	if u == "" {
		return Event{}, false
	}
	if m := reLogoFor.FindStringSubmatch(u); m != nil {
		e := newEvent(l, KindApp, SevInfo, "Blynk library for "+m[1]+" v"+m[2]+" starting (not the Arduino library)")
		e.set("source", "blynk-library-"+strings.ToLower(m[1]))
		return e, true
	}
	if m := reLogoLast.FindStringSubmatch(u); m != nil {
		return bannerEvent(l, m[1], m[2]), true
	}
	if m := reLogoMangled.FindStringSubmatch(u); m != nil && strings.Count(t, "*") >= 2 {
		e := bannerEvent(l, m[1], m[2])
		e.addDetail("The logo above was mangled by the forum (Markdown turned parts of it into bold text).")
		return e, true
	}
	marks := 0
	for i := 0; i < len(u); i++ {
		c := u[i]
		if !strings.ContainsRune(" _/\\)(|,'.", rune(c)) {
			return Event{}, false
		}
		if c == '/' || c == '_' {
			marks++
		}
	}
	if marks < 3 {
		return Event{}, false
	}
	return newEvent(l, KindBlynkLogo, SevDebug, "Blynk logo"), true
}

// serverKind names the public Blynk servers: which cloud a device talks to
// decides which tokens it accepts.
func serverKind(host, port string) (what, detail string) {
	switch {
	case host == "blynk.cloud" || strings.HasSuffix(host, ".blynk.cloud"):
		what = "the Blynk.IoT cloud"
		detail = "blynk.cloud is Blynk.IoT, the current cloud (library 1.x): its tokens come from the Blynk.Console; a token of the old blynk-cloud.com is not valid there."
		switch port {
		case "443":
			detail += " Port 443 is TLS."
		case "80", "8080":
			detail += " Port " + port + " is plain TCP (no TLS)."
		}
	case host == "blynk-cloud.com":
		what = "the legacy Blynk cloud"
		detail = "blynk-cloud.com is the legacy cloud of the old Blynk app (library 0.x); Blynk.IoT tokens do not work there."
	case host == "cloud.blynk.cc":
		what = "the first legacy Blynk cloud"
		detail = "cloud.blynk.cc is the legacy cloud's first name (library 0.3.3 and older, ports 8442 plain / 8441 TLS); later libraries use blynk-cloud.com, and today's use blynk.cloud."
	}
	return what, detail
}
