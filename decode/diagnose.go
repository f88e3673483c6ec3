package decode

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/blynkbridge/blynkbridge/blynk"
)

// Problem is something wrong that a sequence of events shows, with what to
// do about it.
type Problem struct {
	ID          string   // stable identifier, e.g. "axtls-ip-no-domain"
	Title       string   // one line
	Explanation string   // plain words: why this happens
	Fix         string   // the command (or action) that checks or fixes it
	More        []string // further causes to rule out, each with its command
	Severity    Severity
	// Certainty says how sure the diagnosis is: "certain" when the events
	// prove it (a crash dump, a refused token), "likely" when they fit it
	// and little else, "possible" when another cause fits as well.
	Certainty   string
	Count       int       // how many events of this problem's own kind were seen
	First, Last time.Time // host time of the first and latest evidence
	Evidence    string    // summary of the latest event that raised it
}

// How sure a Problem is (Problem.Certainty).
const (
	CertainCertain  = "certain"  // the events prove it
	CertainLikely   = "likely"   // the events fit it and little else
	CertainPossible = "possible" // another cause fits as well
)

// Diagnoser turns a stream of events into the current list of problems.
// Problems are raised by sequences (an IP-address connect followed by a
// certificate mismatch, repeated connects with nothing between, reboots at a
// steady rhythm) and cleared when later events show them fixed (a login
// answered "Ready", a boot from flash, a board that stays up).
type Diagnoser struct {
	probs map[string]*Problem
	order []string

	connectRun   int    // consecutive "Connecting to server" lines with nothing between
	lastConnect  *Event // the latest server connect line
	certMismatch int
	garbageRun   int
	lastMs       int64 // latest device millis in this boot
	uptimes      []int64
	reboots      int // restarts the board made on its own (host-caused ones are not counted)
	crashFlags   []bool
	hwWDT        int
	crashes      int
	lastCrash    string
	readyMs      int64 // device millis of the latest Ready, -1 if none since boot
	noAP         int

	// The connection story (story.go).
	online        bool           // a Ready was seen and no drop since
	onlineMs      int64          // device millis of that Ready, -1 if unknown
	drops         int            // sessions that ended (a reason printed, or a reconnect)
	dropReasons   map[string]int // reason message id -> count
	sessions      []int64        // lengths of the ended sessions in ms, where known
	pendingLogins int            // login frames sent and not answered yet
	unanswered    int            // logins that got no answer before the next attempt or an error
	readable      bool           // any recognised or readable line so far
	garbageBytes  int            // unreadable bytes while nothing was readable
	wifiTrouble   int            // Wi-Fi warnings (disconnects, lost beacons, AP not found)
}

// NewDiagnoser returns an empty Diagnoser.
func NewDiagnoser() *Diagnoser {
	return &Diagnoser{probs: map[string]*Problem{}, lastMs: -1, readyMs: -1}
}

// Problems returns the current problems, most severe first, then oldest.
func (g *Diagnoser) Problems() []Problem {
	out := make([]Problem, 0, len(g.order))
	for _, id := range g.order {
		p := *g.probs[id]
		if id == "connection-drops" {
			g.dropText(&p)
		}
		out = append(out, p)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Severity > out[j].Severity })
	return out
}

func (g *Diagnoser) raise(e *Event, p Problem) {
	if old, ok := g.probs[p.ID]; ok {
		old.Count++
		if p.Certainty != "" {
			old.Certainty = p.Certainty
		}
		old.Last = e.HostTime
		old.Evidence = e.Summary
		old.Title, old.Explanation, old.Fix, old.More = p.Title, p.Explanation, p.Fix, p.More
		if p.Severity > old.Severity {
			old.Severity = p.Severity
		}
		return
	}
	p.Count = 1
	if p.Certainty == "" {
		p.Certainty = CertainCertain
	}
	p.First, p.Last = e.HostTime, e.HostTime
	p.Evidence = e.Summary
	g.probs[p.ID] = &p
	g.order = append(g.order, p.ID)
}

func (g *Diagnoser) clear(ids ...string) {
	for _, id := range ids {
		if _, ok := g.probs[id]; !ok {
			continue
		}
		delete(g.probs, id)
		for i, o := range g.order {
			if o == id {
				g.order = append(g.order[:i], g.order[i+1:]...)
				break
			}
		}
	}
}

const (
	fixCertCheck = "blynkbridge cert check \"<the fingerprint from your sketch>\""
)

func fixFingerprint(hostPort string) string {
	return "blynkbridge cert fingerprint " + hostPort
}

// Feed observes events in stream order.
func (g *Diagnoser) Feed(evs ...Event) {
	for i := range evs {
		g.feed(&evs[i])
	}
}

func (g *Diagnoser) feed(e *Event) {
	msg := e.Fields["msg"]
	if e.DeviceMillis >= 0 {
		g.lastMs = e.DeviceMillis
		g.checkUptime(e)
	}
	switch e.Kind {
	case KindGarbage:
		g.garbageRun++
		g.allGarbage(e)
		if r := e.Fields["reset"]; r == "crash" || r == "host" {
			g.rebooted(e)
		}
		if g.garbageRun >= 3 {
			g.raise(e, Problem{ID: "wrong-baud", Severity: SevWarn, Certainty: CertainLikely,
				Title:       "everything is unreadable: the monitor's baud rate does not match the sketch",
				Explanation: "A short burst of unreadable bytes after a reset is normal (the boot ROM prints at 74880 baud). Unreadable output that goes on means the sketch's Serial.begin() rate differs from the monitor's.",
				Fix:         "blynkbridge monitor --baud 115200   (use the rate in the sketch's Serial.begin(); 74880 shows the boot ROM text)"})
		}
		return
	case KindNoise, KindBlank, KindInput, KindPaste, KindNote:
		return
	}
	g.readable = true
	g.garbageRun = 0
	if e.Kind != KindText {
		g.clear("wrong-baud")
	}
	switch e.Kind {
	case KindROMBanner:
		g.rebooted(e)
		if e.Fields["then"] == "ets-main" {
			g.raise(e, Problem{ID: "bad-image", Severity: SevError, Certainty: CertainCertain,
				Title:       "the firmware image in flash cannot be loaded",
				Explanation: e.Summary + ".",
				Fix:         "blynkbridge flash FILE"})
		}
		switch e.Fields["boot_mode_name"] {
		case "uart-download":
			g.raise(e, Problem{ID: "download-mode", Severity: SevWarn,
				Title:       "the board boots into download mode (GPIO0 held low)",
				Explanation: "At reset GPIO0 (D3) was low, so the ROM waits for a flasher and the sketch never runs. Fine during flashing; otherwise something holds D3 or the FLASH button low, or the adapter's DTR/RTS lines are stuck.",
				Fix:         "release GPIO0 / the FLASH button and press RST, or flash: blynkbridge flash FILE"})
		case "flash":
			g.clear("download-mode")
		case "sdio", "invalid":
			g.raise(e, Problem{ID: "bad-strapping", Severity: SevError,
				Title:       "wrong boot strapping: " + e.Fields["boot_mode_name"] + " boot mode",
				Explanation: "GPIO15 (D8) must be low and GPIO2 (D4) high at reset. Something wired to D8 or D4 pulls them the wrong way.",
				Fix:         "disconnect what is wired to D8/D4 and press RST"})
		}
		if e.Fields["rst_cause"] == "4" {
			g.hwWDT++
		}
	case KindReboot:
		g.rebooted(e)
	case KindCrash:
		g.crashes++
		g.lastCrash = e.Fields["crash"]
		fix := "blynkbridge decode LOG --elf SKETCH.ino.elf"
		switch e.Fields["elf"] {
		case "ok":
			fix = "read the backtrace above: the first frames are where it happened"
		case "mismatch":
			fix = "the ELF given is not the one that crashed: rebuild (or export) the ELF of exactly the running sketch, then: blynkbridge decode LOG --elf SKETCH.ino.elf"
		}
		title := "the sketch crashed: " + e.Fields["crash"]
		if g.crashes > 1 {
			title = "the sketch crashed " + strconv.Itoa(g.crashes) + " times (latest: " + e.Fields["crash"] + ")"
		}
		g.raise(e, Problem{ID: "crash", Severity: SevError,
			Title:       title,
			Explanation: e.Summary + ".",
			Fix:         fix})
		if e.Fields["alloc_size"] != "" {
			g.raise(e, Problem{ID: "out-of-memory", Severity: SevWarn,
				Title:       "memory ran out: an allocation of " + e.Fields["alloc_size"] + " bytes failed",
				Explanation: "The heap was exhausted or fragmented before the crash. Large String concatenations, TLS buffers and leaks are the usual causes.",
				Fix:         "print ESP.getFreeHeap() in loop() and watch it with blynkbridge monitor"})
		}
	case KindROMLine, KindEboot:
		switch msg {
		case "flash-read-err", "load-error", "ets-main":
			g.raise(e, Problem{ID: "bad-image", Severity: SevError,
				Title:       "the firmware image in flash cannot be loaded",
				Explanation: e.Summary + ".",
				Fix:         "blynkbridge flash FILE"})
		case "wdt-reset":
			// counted with the banner's rst cause 4
		}
	case KindBlynk, KindBlynkFrame, KindTLS, KindBlynkBanner:
		g.blynk(e, msg)
		g.refused(e)
	case KindWiFi:
		if e.Severity >= SevWarn {
			g.wifiTrouble++
		}
		switch msg {
		case "no-ap":
			g.noAP++
			if g.noAP >= 2 {
				g.raise(e, Problem{ID: "wifi-not-found", Severity: SevWarn,
					Title:       "the Wi-Fi network \"" + e.Fields["ssid"] + "\" is not found",
					Explanation: "The scan does not see that SSID: misspelt (case matters), out of range, hidden, or a 5 GHz-only network (the ESP8266 has 2.4 GHz only).",
					Fix:         "check the SSID in the sketch against your router's 2.4 GHz network name"})
			}
		case "connected", "got-ip":
			g.noAP = 0
			g.clear("wifi-not-found", "wifi-dropped")
		case "state":
			if e.Fields["from"] == "5" && e.Fields["to"] != "5" {
				g.raise(e, Problem{ID: "wifi-dropped", Severity: SevWarn,
					Title:       "the Wi-Fi link dropped",
					Explanation: "The station fell back from connected: lost beacons (weak signal, AP rebooted or out of range) or the AP kicked the board. Blynk reconnects once Wi-Fi is back.",
					Fix:         "move the board closer to the AP or check the AP's log; watch it with blynkbridge monitor"})
			}
		}
	case KindCore:
		if msg == "hostbyname" && e.Severity >= SevWarn {
			g.raise(e, Problem{ID: "dns-failed", Severity: SevError,
				Title:       "the server's host name does not resolve",
				Explanation: "DNS on the board's network cannot find the name: a typo, or a local name only your PC knows.",
				Fix:         "use the server's IP address, or add a DNS entry on the router"})
		}
	}
}

func (g *Diagnoser) blynk(e *Event, msg string) {
	g.story(e, msg)
	if e.Kind == KindBlynk && (msg == "connect-host" || msg == "connect-ip") {
		g.connectRun++
		g.lastConnect = e
		if g.connectRun >= 3 {
			target := e.Fields["host"]
			if p := e.Fields["port"]; p != "" {
				target += ":" + p
			}
			g.raise(e, Problem{ID: "tcp-connect-failing", Severity: SevError, Certainty: CertainLikely,
				Title:       "cannot reach the Blynk server " + target + " (TCP connect fails)",
				Explanation: "\"Connecting to\" repeats with nothing in between: the library prints nothing when the TCP connect itself fails. The server is down, the port is wrong (local server: 8080 plain / 9443 TLS; legacy 8442/8441; cloud 80/443), or a firewall blocks it.",
				Fix:         "from a PC on the same network: nc -vz " + strings.Replace(target, ":", " ", 1) + "   (TLS ports: " + fixFingerprint(hostPortOr(target)) + ")"})
		}
		return
	}
	if e.Kind == KindBlynk && msg != "" && msg != "other" {
		g.connectRun = 0
	}
	switch msg {
	case "ready":
		g.readyMs = e.DeviceMillis
		g.certMismatch = 0
		g.clear("tcp-connect-failing", "invalid-token", "axtls-ip-no-domain", "cert-mismatch", "fingerprint-invisible-char",
			"login-timeout", "tls-not-trusted", "tls-clock", "tls-name", "connect-refused", "dns-failed", "wifi-not-found")
	case "invalid-token":
		g.raise(e, Problem{ID: "invalid-token", Severity: SevError,
			Title:       "the server refuses the auth token",
			Explanation: "The token is mistyped, belongs to another server (a blynk-cloud.com or local-server token on blynk.cloud, or the reverse), or its device was deleted. Library 0.6+ then stops retrying until reset.",
			Fix:         "copy the token again from the app/console, then write it into the firmware: blynkbridge image patch FW.bin -o FW-new.bin --token-file TOKEN.txt && blynkbridge flash FW-new.bin"})
	case "connect-failed":
		g.raise(e, Problem{ID: "connect-refused", Severity: SevError,
			Title:       "the server refused the login with status " + e.Fields["status"] + " (" + e.Fields["status_name"] + ")",
			Explanation: "The login reached the server but was answered with an error status.",
			Fix:         "check the server's log for this device"})
	case "cert-mismatch", "cert-not-validated", "axtls-fp-mismatch":
		g.certMismatch++
		g.certProblem(e)
	case "axtls-fp-parse":
		if e.Fields["pos"] == "0" {
			g.raise(e, Problem{ID: "fingerprint-invisible-char", Severity: SevError,
				Title:       "the fingerprint in the sketch starts with an invisible character",
				Explanation: "axTLS rejects the fingerprint at position 0: the string has bytes before the first hex digit - typically U+200E LEFT-TO-RIGHT MARK copied from the Windows certificate dialog, invisible in the editor.",
				Fix:         fixCertCheck})
		}
	case "bssl-fp-mismatch", "bssl-no-auth", "bssl-bad-fp":
		g.tlsTrust(e)
	case "ssl-error":
		switch e.Fields["code"] {
		case "62":
			g.tlsTrust(e)
		case "53", "54":
			g.raise(e, Problem{ID: "tls-clock", Severity: SevError,
				Title:       "TLS fails on certificate dates",
				Explanation: "Either the certificate is expired, or (more often) the board's clock was never set by NTP, so every certificate looks not yet valid.",
				Fix:         fixFingerprint(g.target()) + "   (shows the validity dates)"})
		case "56":
			g.raise(e, Problem{ID: "tls-name", Severity: SevError,
				Title:       "the certificate does not name the server address the sketch uses",
				Explanation: "BearSSL checks the name when the sketch connects by host name or IP string; the certificate must contain it (for an IP: an IP SAN).",
				Fix:         "blynkbridge cert new --ip <server IP> --dns <server name> --out DIR"})
		default:
			g.tlsTrust(e)
		}
	case "login-timeout":
		if g.certMismatch > 0 {
			return // the leftover socket after an axTLS mismatch, explained there
		}
		if g.readyMs >= 0 {
			return // the login was answered ("Ready"): a dropped session, told by the connection story
		}
		g.raise(e, Problem{ID: "login-timeout", Severity: SevWarn, Certainty: CertainPossible,
			Title:       "the server accepts the connection but never answers the login",
			Explanation: "Usually a port mismatch: a plain sketch on a TLS port or the reverse, or a port that is not the Blynk hardware port (local server: 8080 plain, 9443 TLS).",
			Fix:         fixFingerprint(g.target()) + "   (answers only if the port speaks TLS)"})
	case "edgent-error":
		fix := "provision the device again from the Blynk app (hold the device's button 10 s to reset it first)"
		if er, ok := edgentErrors[e.Fields["code"]]; ok {
			fix = er[1]
		}
		meaning := e.Fields["meaning"]
		if meaning == "" {
			meaning = "a code Edgent does not document"
		}
		g.raise(e, Problem{ID: "edgent-error", Severity: SevError, Certainty: CertainCertain,
			Title:       "Blynk.Edgent reported error " + e.Fields["code"] + ": " + meaning,
			Explanation: "Edgent prints \"Last error code\" when provisioning or connecting fails, then goes back to its access point after a while. The code is Edgent's own (BlynkState.h).",
			Fix:         fix})
	case "heartbeat-timeout":
		g.raise(e, Problem{ID: "heartbeat-timeout", Severity: SevWarn, Certainty: CertainLikely,
			Title:       "the connection to the server goes silent (heartbeat timeout)",
			Explanation: "Nothing arrived from the server for heartbeat + 3 x timeout (19 s on 0.5/0.6, 63 s on 1.x): Wi-Fi drops, a server or bridge that dropped the session, or a sketch that blocks in loop() so Blynk.run() is not called.",
			Fix:         "watch Wi-Fi lines around it: blynkbridge monitor; keep loop() free of delay() and long blocking code"})
		g.readyMs = -1
	}
}

func hostPortOr(t string) string {
	if strings.Contains(t, ":") {
		return t
	}
	return t + ":443"
}

func (g *Diagnoser) target() string {
	if g.lastConnect == nil {
		return "HOST:PORT"
	}
	h := g.lastConnect.Fields["host"]
	if p := g.lastConnect.Fields["port"]; p != "" {
		return h + ":" + p
	}
	return h + ":PORT"
}

func (g *Diagnoser) certProblem(e *Event) {
	more := []string{
		"an invisible character in the fingerprint string (U+200E copied from Windows): " + fixCertCheck,
		"the server's certificate was renewed (Let's Encrypt: every ~60 days), so the pinned fingerprint is stale: " + fixFingerprint(g.target()),
	}
	if g.lastConnect != nil && g.lastConnect.Fields["msg"] == "connect-ip" {
		ip := g.lastConnect.Fields["host"]
		g.raise(e, Problem{ID: "axtls-ip-no-domain", Severity: SevError,
			Title: "TLS by IP address can never pass axTLS's check (\"Connecting to " + ip + "\" then \"Certificate doesn't match\")",
			Explanation: "The sketch passes the server as IPAddress(...), so the library hands axTLS no host name; verify() then matches the fingerprint AND an empty name against the certificate, which always fails - even with the right fingerprint. " +
				"Give the server as the host name that is in the certificate, or use a certificate whose name is the IP as a string (\"" + ip + "\").",
			Fix:  "blynkbridge cert new --ip " + ip + " --out DIR   (then pass the IP as a string, or use the certificate's host name)",
			More: more})
		return
	}
	g.raise(e, Problem{ID: "cert-mismatch", Severity: SevError,
		Title:       "the server certificate does not match the fingerprint in the sketch",
		Explanation: "axTLS compares the SHA-1 of the server's leaf certificate with the sketch's fingerprint, and the host name with the certificate's names.",
		Fix:         fixFingerprint(g.target()),
		More:        append(more[:1:1], "the host name the sketch uses is not in the certificate: "+fixFingerprint(g.target())+" shows its names")})
}

func (g *Diagnoser) tlsTrust(e *Event) {
	g.raise(e, Problem{ID: "tls-not-trusted", Severity: SevError,
		Title:       "TLS: the server's certificate is not trusted (fingerprint mismatch or no usable fingerprint)",
		Explanation: "With a fingerprint, BearSSL checks only the SHA-1 of the leaf certificate: it differs, or the fingerprint string was rejected (invisible character, wrong length) so no check was configured at all.",
		Fix:         fixFingerprint(g.target()),
		More: []string{"an invisible character in the fingerprint string: " + fixCertCheck,
			"a renewed certificate (Let's Encrypt every ~60 days): compare with " + fixFingerprint(g.target())}})
}

// rebooted records a restart and the uptime that preceded it. A restart
// the host caused or allowed (the decoder tags it with "cause": a reset the
// monitor pulsed, a replug) is the host's doing: it resets the per-boot
// state but is not evidence of a boot loop.
func (g *Diagnoser) rebooted(e *Event) {
	// A restart ends the session and any pending login: not a drop.
	g.online, g.pendingLogins = false, 0
	up := g.lastMs
	if e.Kind == KindReboot {
		if v, err := strconv.ParseInt(e.Fields["from_ms"], 10, 64); err == nil {
			up = v
		}
	}
	g.lastMs = -1
	g.readyMs = -1
	g.connectRun = 0
	g.certMismatch = 0
	if e.Fields["cause"] != "" {
		return
	}
	g.reboots++
	if up >= 0 {
		g.uptimes = append(g.uptimes, up)
		g.crashFlags = append(g.crashFlags, e.Fields["after_crash"] != "")
		if len(g.uptimes) > 8 {
			g.uptimes, g.crashFlags = g.uptimes[1:], g.crashFlags[1:]
		}
	}
	short, afterCrash := 0, 0
	for i, u := range g.uptimes {
		if u < 120_000 {
			short++
			if g.crashFlags[i] {
				afterCrash++
			}
		}
	}
	if short < 2 && g.hwWDT < 2 {
		return
	}
	period := ""
	if len(g.uptimes) > 0 {
		s := append([]int64(nil), g.uptimes...)
		sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
		period = fmt.Sprintf(" about every %.1f s", float64(s[len(s)/2])/1000)
	}
	why := "Nothing in the log says why: no crash dump before the restarts (a brown-out, the reset pin, or a hardware watchdog print nothing)."
	fix := "watch the power supply (a weak USB port or regulator browns out when Wi-Fi starts) and what is wired to RST; read the ROM's rst cause at 74880: blynkbridge monitor --baud 74880"
	switch {
	case g.hwWDT >= 2:
		why = "The banner shows rst cause 4: the hardware watchdog bites (interrupts off or an ISR/loop that never yields for seconds)."
		fix = "keep loop() and interrupt handlers short; call yield() in long loops"
	case afterCrash == short:
		why = "Each of these restarts follows a crash dump (latest: " + g.lastCrash + ")."
		fix = "blynkbridge decode LOG --elf SKETCH.ino.elf   (to see where it crashes)"
	case afterCrash > 0:
		why = fmt.Sprintf("%d of these %d restarts follow a crash dump (latest: %s); the others show none (power, reset pin or watchdog).", afterCrash, short, g.lastCrash)
		fix = "blynkbridge decode LOG --elf SKETCH.ino.elf   (for the crashes), and check the power supply"
	}
	certainty := CertainLikely
	if short >= 3 || g.hwWDT >= 3 {
		certainty = CertainCertain
	}
	if period != "" {
		period = "," + period
	}
	g.raise(e, Problem{ID: "boot-loop", Severity: SevError, Certainty: certainty,
		Title:       "boot loop: the board restarted on its own " + strconv.Itoa(max(short, g.hwWDT)) + " times" + period,
		Explanation: why + " A board in a boot loop never stays online long enough to serve Blynk. Restarts the monitor caused and unplugs are not counted.",
		Fix:         fix})
	// The count is the restarts in the loop, not how often it was raised.
	g.probs["boot-loop"].Count = max(short, g.hwWDT)
}

// checkUptime clears the boot loop once the board has stayed up well past
// the loop's rhythm, and a heartbeat problem after a long healthy session.
func (g *Diagnoser) checkUptime(e *Event) {
	if _, ok := g.probs["boot-loop"]; ok && e.DeviceMillis > 180_000 {
		g.clear("boot-loop")
		g.uptimes, g.crashFlags = nil, nil
		g.hwWDT = 0
	}
	if _, ok := g.probs["heartbeat-timeout"]; ok && g.readyMs >= 0 && e.DeviceMillis-g.readyMs > 300_000 {
		g.clear("heartbeat-timeout")
	}
}

// refused: the server answered a notification, e-mail or tweet with an
// error status (seen in BLYNK_DEBUG dumps).
func (g *Diagnoser) refused(e *Event) {
	req := e.Fields["answers"]
	if e.Kind != KindBlynkFrame || e.Fields["dir"] != "received" || e.Fields["status"] == "200" || e.Fields["status"] == "" {
		return
	}
	switch req {
	case "NOTIFY", "EMAIL", "TWEET", "SMS":
	default:
		return
	}
	n, _ := strconv.Atoi(e.Fields["status"])
	meaning := statusMeaning[blynk.Status(n)]
	if meaning == "" {
		meaning = "the server refused it"
	}
	g.raise(e, Problem{ID: "notification-refused", Severity: SevWarn, Certainty: CertainCertain,
		Title:       "the server refused the device's " + strings.ToLower(req) + ": " + e.Fields["status_name"],
		Explanation: "The answer to the " + req + " frame was status " + e.Fields["status"] + " " + e.Fields["status_name"] + ": " + meaning + ".",
		Fix:         "set up notifications for this device in the app / console (and keep to the server's rate limit)"})
}
