package decode

import (
	"regexp"
	"strings"
)

// Lines that are not the Blynk library's: third-party libraries, other
// firmwares and chips, other Blynk clients, and the sketch's best-known
// prints. They are named (KindApp) so a reader knows where a line comes
// from, and so they are never mistaken for library lines: the Diagnoser
// raises nothing on them, whatever they say.

// appRule recognises one family of lines by a regular expression.
type appRule struct {
	source  string // who prints it
	first   string // the bytes a matching line can start with (a cheap test before the regexp)
	re      *regexp.Regexp
	summary string // "{}" is the rest of the line (or the regexp's first group)
	detail  string
}

var appRules = []appRule{
	{source: "WiFiManager", first: "*wW", re: regexp.MustCompile(`^\*?[wW][mM]:\s*(?:\[\d\]\s*)?(.*)$`), summary: "WiFiManager library: {}"},
	{source: "ESPHome", first: "[", re: regexp.MustCompile(`^\[[VDICWEA]\]\[[\w.\-]+(?::\d+)?\]:?\s*(.*)$`), summary: "ESPHome log: {}"},
	{source: "ESPHome", first: "[", re: regexp.MustCompile(`^\[[VDICWEA]\]$`), summary: "ESPHome log line cut off here"},
	{source: "ESPHome CLI", first: "IWED", re: regexp.MustCompile(`^(?:INFO|WARNING|ERROR|DEBUG) (.*)$`), summary: "the ESPHome command-line tool on the PC (not the board): {}"},
	{source: "ESP-IDF", first: "EWIDV", re: regexp.MustCompile(`^[EWIDV] \(\d+\) ([\w.\-]+: .*)$`), summary: "ESP-IDF system log (an ESP32 board, not an ESP8266): {}"},
	{source: "ESP32 ROM", first: "rcmle", re: regexp.MustCompile(`^rst:0x[0-9a-f]+ \((\w+)\),boot:0x[0-9a-f]+`), summary: "ESP32 boot ROM: reset reason {} (this board is an ESP32, not an ESP8266)"},
	{source: "ESP32 ROM", first: "rcmle", re: regexp.MustCompile(`^(?:configsip: |clk_drv:|mode:(?:DIO|QIO|DOUT|QOUT), clock div:|load:0x[0-9a-f]{8},len:|entry 0x[0-9a-f]{8}$)`), summary: "ESP32 boot ROM loader line"},
	{source: "AT firmware", first: "AOESCRrWnb+cIB", re: regexp.MustCompile(`^AT\+CIPSTART=(?:\d,)?"(?:TCP|SSL)","([^"]*)",(\d+)`), summary: "AT command: open a TCP connection to {} (the ESP8266 runs AT firmware; the Blynk library runs on the other board)"},
	{source: "AT firmware", first: "AOESCRrWnb+cIB", re: regexp.MustCompile(`^AT\+CIPSEND=(?:\d,)?(\d+)$`), summary: "AT command: send a {}-byte Blynk frame through the ESP8266"},
	{source: "AT firmware", first: "AOESCRrWnb+cIB", re: regexp.MustCompile(`^AT\+CIPCLOSE`), summary: "AT command: close the connection"},
	{source: "AT firmware", first: "AOESCRrWnb+cIB", re: regexp.MustCompile(`^AT\+CWJAP`), summary: "AT command: join the Wi-Fi network (password masked)"},
	{source: "AT firmware", first: "AOESCRrWnb+cIB", re: regexp.MustCompile(`^AT\+CIPMUX=(\d)`), summary: "AT command: connection mode CIPMUX={}"},
	{source: "AT firmware", first: "AOESCRrWnb+cIB", re: regexp.MustCompile(`^(?:AT(?:\+[A-Z_]+.*)?|ATE0|ATE1)$`), summary: "AT command sent to the ESP8266"},
	{source: "AT firmware", first: "AOESCRrWnb+cIB", re: regexp.MustCompile(`^(?:OK|ERROR|SEND OK|SEND FAIL|CLOSED|ready|WIFI CONNECTED|WIFI GOT IP|WIFI DISCONNECT|no change|busy p\.\.\.)$`), summary: "AT firmware reply"},
	{source: "AT firmware", first: "AOESCRrWnb+cIB", re: regexp.MustCompile(`^\+(?:CIFSR|CWLAP|IPD|CIPSTATUS|CWJAP):`), summary: "AT firmware reply"},
	{source: "AT firmware", first: "AOESCRrWnb+cIB", re: regexp.MustCompile(`^(?:AT version:|SDK version:|compile time:|Ai-Thinker|Integrated AiCloud|Build:\d)`), summary: "AT firmware version information (the ESP8266 module's firmware)"},
	{source: "WiFiEspAT", first: "e", re: regexp.MustCompile(`^esp(?:>| INFO:| ERROR:| DEBUG:) ?(.*)$`), summary: "WiFiEspAT library debug: {}"},
	{source: "ModularSensors", first: "", re: regexp.MustCompile(`^(.*) <--\w+$`), summary: "EnviroDIY ModularSensors debug: {}"},
	{source: "blynk-library-js", first: "CG", re: regexp.MustCompile(`^Connecting to (?:TCP|SSL): (.+)$`), summary: "Blynk JavaScript library (Node.js, not this board's library): connecting to {}"},
	{source: "blynk-library-js", first: "CG", re: regexp.MustCompile(`^Connected, authorized$`), summary: "Blynk JavaScript library: the TLS connection is up (\"authorized\" is the TLS check, not the token)"},
	{source: "blynk-library-js", first: "CG", re: regexp.MustCompile(`^Could not login: (\w+)$`), summary: "Blynk JavaScript library: the server refused the login: {}",
		detail: "INVALID_TOKEN from a blynk-cloud.com (legacy) connection: a Blynk.IoT token works only on blynk.cloud, and the JS library defaults to the legacy server."},
	{source: "blynk-library-js", first: "CG", re: regexp.MustCompile(`^Give Blynk a Github star! =>`), summary: "Blynk JavaScript library banner"},
	{source: "blynk-library-python", first: "C", re: regexp.MustCompile(`^Connecting to ([\w.\-]+:\d+)\.\.\.$`), summary: "Blynk Python/MicroPython library: connecting to {}"},
	{source: "blynk-library-lua", first: "CD", re: regexp.MustCompile(`^(Connecting Blynk\.\.\.|Connecting WiFi\.\.\.|Disconnected\.)$`), summary: "Blynk Lua library (NodeMCU): {}"},
	{source: "NodeMCU", first: "NbcSmp", re: regexp.MustCompile(`^(?:NodeMCU (?:custom build|[\d.]+ built)|branch: |commit: [0-9a-f]{40}|SSL: (?:true|false)|modules: |build created on |powered by Lua )`), summary: "NodeMCU Lua firmware banner (not an Arduino sketch)"},
	{source: "IotAppStory", first: "*", re: regexp.MustCompile(`^\*-{20,}\*$`), summary: "IotAppStory library banner"},
	{source: "pm2", first: "0123456789", re: regexp.MustCompile(`^\d+\|[\w.\-]+ +\| (.*)$`), summary: "a PC process log (pm2: process|name |): {}"},
	{source: "NodeMCU", first: "d", re: regexp.MustCompile(`^dofile\(`), summary: "the NodeMCU Lua console: a script is started"},
	{source: "progress", first: ".", re: regexp.MustCompile(`^\.{5,}$`), summary: "progress dots: something waited (each dot is one wait, typically for Wi-Fi)"},
	{source: "node", first: "nteEa^", re: regexp.MustCompile(`^(?:node:\w+:\d+|\s*throw err;|Error \[ERR_\w+\]|at .+ \(.+:\d+:\d+\)|at new \w+|\^)`), summary: "a Node.js error trace on the PC"},
	{source: "shell", first: "", re: regexp.MustCompile(`^[\w.\-]+@[\w.\-]+:[~/][^$#]*[$#] `), summary: "a shell prompt and command on the PC"},
	{source: "sketch", first: "WIHMcC", re: regexp.MustCompile(`^(?:WiFi connected|IP address: .+|HTTP server started|MDNS responder started.*|connected\.\.\.yeey :\)|Initialization finished|Connecting to WiFi\.*|WiFi connected\.?)$`), summary: "the sketch's own print (a line of the Arduino examples)"},
}

func init() {
	for i := range appRules {
		if appRules[i].summary == "" {
			panic("appRules: empty summary")
		}
	}
}

// appLine classifies a line printed by something other than the Blynk
// library or the ESP8266 core.
func appLine(l *line, t string) (Event, bool) {
	for i := range appRules {
		r := &appRules[i]
		if r.first != "" && strings.IndexByte(r.first, t[0]) < 0 {
			continue
		}
		m := r.re.FindStringSubmatch(t)
		if m == nil {
			continue
		}
		rest := ""
		if len(m) > 1 {
			rest = strings.TrimSpace(m[1])
			if len(m) > 2 && m[2] != "" {
				rest += " port " + m[2]
			}
		}
		e := newEvent(l, KindApp, SevInfo, strings.Replace(r.summary, "{}", rest, 1))
		e.set("source", r.source)
		e.Detail = r.detail
		if r.source == "WiFiManager" {
			wifiManagerDetail(&e, rest)
		}
		return e, true
	}
	return Event{}, false
}

var wlStatus = map[string]string{"0": "WL_IDLE_STATUS", "1": "WL_NO_SSID_AVAIL", "3": "WL_CONNECTED", "4": "WL_CONNECT_FAILED", "6": "WL_DISCONNECTED (or wrong password)", "7": "WL_DISCONNECTED"}

// wifiManagerDetail names WiFiManager's connection results.
func wifiManagerDetail(e *Event, rest string) {
	switch {
	case allDigits(rest):
		if n, ok := wlStatus[rest]; ok {
			e.Summary = "WiFiManager library: " + rest + " (as a connection result: " + n + ")"
		}
	case strings.Contains(rest, "WL_NO_SSID_AVAIL"):
		e.Detail = "The saved network was not found: none saved yet, out of range, or a 5 GHz-only network."
	case strings.HasPrefix(rest, "No wifi saved"):
		e.Detail = "No credentials stored yet: WiFiManager will open its configuration access point."
	}
}

// pasteLine: markup a forum or a Markdown editor wraps around a pasted log.
func pasteLine(l *line, t string) (Event, bool) {
	s := strings.TrimSpace(t)
	switch {
	case strings.HasPrefix(s, "```") || strings.HasPrefix(s, "~~~"):
		return newEvent(l, KindPaste, SevDebug, "Markdown code fence from the post (not from the board)"), true
	case strings.HasPrefix(s, "### ") || strings.HasPrefix(s, "## "):
		return newEvent(l, KindPaste, SevDebug, "a Markdown heading from the post"), true
	case s == "..." || s == "…" || s == "...." || s == "(...)" || s == "[...]":
		e := newEvent(l, KindPaste, SevInfo, "the poster left lines out here: the log has a gap")
		e.set("gap", "true")
		return e, true
	}
	return Event{}, false
}
