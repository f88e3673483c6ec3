package decode

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// The connection story: how a device's sessions with the server go, told
// from the library's own lines (never from lines the decoder did not
// recognise). A session starts at "Ready"; it ends when the library prints
// why (a timeout, a write error) or, silently, when the next connect
// attempt starts. Logins that are never answered are counted too. The
// problems say what is certain (the drops happened) and hedge the cause
// when the log does not print one.

// dropReason: library lines that end a session, in words.
var dropReason = map[string]string{
	"login-timeout":       "\"Login timeout\"",
	"heartbeat-timeout":   "\"Heartbeat timeout\"",
	"cmd-error":           "\"Cmd error\" (writing to the server failed)",
	"packet-too-big":      "\"Packet too big\"",
	"disconnected":        "\"Disconnected\" (the sketch disconnected)",
	"bad-header":          "a bad frame header from the server",
	"short-body":          "a short frame from the server",
	"invalid-header-type": "an unknown command from the server",
}

func (g *Diagnoser) story(e *Event, msg string) {
	if g.dropReasons == nil {
		g.dropReasons = map[string]int{}
		g.onlineMs = -1
	}
	switch {
	case e.Kind == KindBlynkFrame && e.Fields["dir"] == "sent" && (e.Fields["cmd_name"] == "LOGIN" || e.Fields["cmd_name"] == "HW_LOGIN"):
		if g.pendingLogins > 0 {
			g.unanswered++ // a new attempt: the previous login got nothing
			g.loginProblem(e)
		}
		g.pendingLogins++
		return
	case e.Kind == KindBlynkFrame && e.Fields["echo"] == "at-firmware" && e.Fields["frame"] == "login" && e.Fields["closed"] == "true":
		g.unanswered++
		g.loginProblem(e)
		return
	case e.Kind == KindBlynkFrame && e.Fields["dir"] == "received":
		g.pendingLogins = 0
		return
	}
	if e.Kind != KindBlynk {
		return
	}
	switch msg {
	case "ready":
		g.pendingLogins = 0
		g.online, g.onlineMs = true, e.DeviceMillis
	case "invalid-token", "connect-failed":
		g.pendingLogins = 0
	case "connect-host", "connect-ip", "connect-stream":
		if g.online {
			g.drop(e, "")
		}
	default:
		if _, ok := dropReason[msg]; !ok {
			return
		}
		if g.pendingLogins > 0 && (msg == "cmd-error" || msg == "login-timeout") {
			g.pendingLogins = 0
			g.unanswered++
			g.loginProblem(e)
		}
		if g.online {
			g.drop(e, msg)
		}
	}
}

// drop ends the current session.
func (g *Diagnoser) drop(e *Event, reason string) {
	g.online = false
	g.drops++
	g.dropReasons[reason]++
	if g.onlineMs >= 0 && e.DeviceMillis >= g.onlineMs {
		g.sessions = append(g.sessions, e.DeviceMillis-g.onlineMs)
		if len(g.sessions) > 16 {
			g.sessions = g.sessions[1:] // the recent rhythm; a long log must not grow it
		}
	}
	if g.drops < 2 {
		return
	}
	// The words are composed when the problems are asked for (dropText):
	// a long log drops thousands of times.
	g.raise(e, Problem{ID: "connection-drops", Severity: SevWarn, Certainty: CertainCertain})
}

// dropText fills in the connection-drops problem from the counters.
func (g *Diagnoser) dropText(p *Problem) {
	var printed []string
	top, topN := "", 0
	for r, n := range g.dropReasons {
		if r == "" {
			continue
		}
		printed = append(printed, dropReason[r]+" x"+strconv.Itoa(n))
		if n > topN || n == topN && r < top {
			top, topN = r, n
		}
	}
	sort.Strings(printed)
	title := "the connection to the Blynk server drops again and again (" + strconv.Itoa(g.drops) + " times"
	if len(g.sessions) > 0 {
		s := append([]int64(nil), g.sessions...)
		sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
		title += fmt.Sprintf(", online for about %.1f s each time", float64(s[len(s)/2])/1000)
	}
	title += ")"
	var why string
	if len(printed) > 0 {
		why = "The library printed before the drops: " + strings.Join(printed, ", ") + ". "
	}
	if n := g.dropReasons[""]; n > 0 {
		why += strconv.Itoa(n) + " drop(s) had no reason printed: the library says nothing when the server closes the connection or Wi-Fi goes away, so this log does not show why. "
	}
	if g.wifiTrouble > 0 {
		why += "The Wi-Fi link reported trouble " + strconv.Itoa(g.wifiTrouble) + " time(s) in this log (a disconnect, lost beacons, the AP not found): probably the cause. "
	}
	fix := "watch the Wi-Fi lines around the drops: blynkbridge monitor (with the core's Wi-Fi debug output on)"
	switch top {
	case "heartbeat-timeout":
		why += "A heartbeat timeout means nothing came from the server for several heartbeat periods: Wi-Fi trouble, a server that dropped the session, or a loop() that blocks so Blynk.run() is not called."
		fix = "keep loop() free of delay() and long blocking code; " + fix
	case "login-timeout":
		why += "\"Login timeout\" right after \"Ready\" means the server stopped answering within an established session; with old libraries (0.3.x) against a newer server this is what an outdated library gets, probably."
		fix = "update the Blynk library and use the server and port it expects; " + fix
	case "cmd-error":
		why += "\"Cmd error\" means writing to the connection failed: the link to the server (or to an ESP8266 shield) broke."
		fix = "check the ESP8266's power and wiring (a shield), then " + fix
	}
	p.Title, p.Explanation, p.Fix = title, strings.TrimSpace(why), fix
}

// loginProblem: logins the server never answers.
func (g *Diagnoser) loginProblem(e *Event) {
	if g.unanswered < 2 {
		return
	}
	g.raise(e, Problem{ID: "login-unanswered", Severity: SevError, Certainty: CertainPossible,
		Title: "the login is sent " + strconv.Itoa(g.unanswered) + " times but the server never answers it",
		Explanation: "After each login comes an error, a closed connection or the next attempt, never an answer. Probably the server or port does not match the library (8442 is the legacy cloud's port; blynk.cloud takes 80 and 443), " +
			"or, with an ESP8266 shield, its AT firmware or an unstable serial link to it loses the frame; an invalid token is answered, so it is not that.",
		Fix: "check the server and port in Blynk.begin()/config() (from a PC: nc -vz HOST PORT); with a shield, update its AT firmware and lower ESP8266_BAUD"})
}

// allGarbage: a log where nothing is readable at all is a baud-rate
// mismatch, probably: a short burst at a reset is normal, a whole log is not.
func (g *Diagnoser) allGarbage(e *Event) {
	if g.readable {
		return
	}
	n, _ := strconv.Atoi(e.Fields["bytes"])
	g.garbageBytes += n
	if g.garbageBytes < 48 {
		return
	}
	g.raise(e, Problem{ID: "wrong-baud", Severity: SevWarn, Certainty: CertainLikely,
		Title:       "nothing in this log is readable: the monitor's baud rate probably does not match the sketch's",
		Explanation: "Every byte so far is unreadable. The sketch prints at the rate of its Serial.begin(); a monitor at another rate shows exactly this. The boot ROM alone prints at 74880.",
		Fix:         "blynkbridge monitor --baud 115200   (the rate in the sketch's Serial.begin(); also try 9600, 57600, 74880 and 230400)",
		More: []string{"if every rate shows garbage: a wrong flash mode (DIO/QIO) or a board that keeps resetting - look at the boot ROM's text: blynkbridge monitor --baud 74880",
			"a USB adapter or cable with a bad ground also garbles bytes: try another cable"}})
}
