package decode

import (
	"regexp"
	"strconv"
	"strings"
)

var (
	reConnWith  = regexp.MustCompile(`^connected with (.+), channel (\d+)$`)
	reDHCP      = regexp.MustCompile(`^ip:([\d.]+),mask:([\d.]+),gw:([\d.]+)$`)
	reNoFound   = regexp.MustCompile(`^no (.*) found, reconnect after (\d+)s$`)
	reMode      = regexp.MustCompile(`^mode : (.*)$`)
	reReason    = regexp.MustCompile(`reason[: ]+(\d+)`)
	reHostByNm  = regexp.MustCompile(`^\[hostByName\] (.*)$`)
	reCoreVer   = regexp.MustCompile(`^SDK:(\S+?)/Core:(\S+?)(?:=(\d+))?/lwIP:`)
	reAxPos     = regexp.MustCompile(`^pos:(\d+) len:(\d+) (.*)$`)
	reBSSLError = regexp.MustCompile(`^BSSL:Couldn't connect\. Error = '(.*)'$`)
)

var wifiEvents = []string{"STAMODE_CONNECTED", "STAMODE_DISCONNECTED", "STAMODE_AUTHMODE_CHANGE", "STAMODE_GOT_IP",
	"STAMODE_DHCP_TIMEOUT", "SOFTAPMODE_STACONNECTED", "SOFTAPMODE_STADISCONNECTED", "SOFTAPMODE_PROBEREQRECVED",
	"OPMODE_CHANGED", "SOFTAPMODE_DISTRIBUTE_STA_IP"}

var disconnectReasons = map[int]string{1: "unspecified", 2: "auth expired", 3: "auth leave", 4: "assoc expired", 8: "assoc leave",
	15: "4-way handshake timeout (often a wrong password)", 200: "beacon timeout", 201: "no AP found (SSID not in range or misspelt)",
	202: "auth failed (wrong password)", 203: "association failed", 204: "handshake timeout"}

var staStates = map[string]string{"0": "idle/scan", "2": "authenticating", "3": "associating", "5": "connected"}

// sdkLine classifies SDK Wi-Fi lines, core debug lines and TLS messages.
func sdkLine(l *line, t string) (Event, bool) {
	t = strings.TrimRight(t, " ")
	if t == "" {
		return Event{}, false
	}
	ev := func(kind Kind, sev Severity, msg, summary string) (Event, bool) {
		e := newEvent(l, kind, sev, summary)
		e.set("msg", msg)
		return e, true
	}
	switch t[0] {
	case 'B':
		if strings.HasPrefix(t, "BSSL:") {
			return bsslLine(l, t)
		}
	case 'S':
		if m := reCoreVer.FindStringSubmatch(t); m != nil {
			e, _ := ev(KindCore, SevInfo, "core-version", "ESP8266 Arduino core "+m[2]+", SDK "+m[1]+" (debug port enabled)")
			e.set("sdk", m[1])
			e.set("core", m[2])
			return e, true
		}
	case 's':
		if m := stateLine(t); m != nil {
			a, _ := strconv.Atoi(m[1])
			b, _ := strconv.Atoi(m[2])
			sev := SevDebug
			s := "Wi-Fi station: " + stateName(m[1]) + " -> " + stateName(m[2])
			if b < a {
				sev = SevWarn
				s += " (a step back: the connection attempt failed or the link dropped)"
			}
			e, _ := ev(KindWiFi, sev, "state", s)
			e.set("from", m[1])
			e.set("to", m[2])
			e.set("code", m[3])
			return e, true
		}
		if t == "scandone" {
			return ev(KindWiFi, SevDebug, "scandone", "Wi-Fi scan finished")
		}
		if strings.HasPrefix(t, "station: ") {
			return ev(KindWiFi, SevInfo, "softap-station", "soft-AP client "+strings.TrimPrefix(t, "station: "))
		}
	case 'f':
		if strings.HasSuffix(t, ", scandone") {
			return ev(KindWiFi, SevDebug, "scandone", "Wi-Fi scan finished")
		}
		if t == "fingerprint doesn't match" {
			e, _ := ev(KindTLS, SevError, "axtls-fp-mismatch", "TLS (axTLS): the certificate's SHA-1 fingerprint does not match the one in the sketch")
			return e, true
		}
	case 'c':
		if m := reConnWith.FindStringSubmatch(t); m != nil {
			e, _ := ev(KindWiFi, SevInfo, "connected", "Wi-Fi associated with \""+m[1]+"\" on channel "+m[2])
			e.set("ssid", m[1])
			e.set("channel", m[2])
			return e, true
		}
		if t == "cnt" {
			return ev(KindWiFi, SevDebug, "cnt", "Wi-Fi association completed")
		}
		if strings.HasPrefix(t, "chg_B1:") {
			return ev(KindWiFi, SevDebug, "chg", "SDK internal RF bookkeeping")
		}
	case 'd':
		if t == "dhcp client start..." {
			return ev(KindWiFi, SevDebug, "dhcp-start", "DHCP client started")
		}
		if t == "del if0" || t == "del if1" {
			return ev(KindWiFi, SevDebug, "del-if", "network interface removed")
		}
		if strings.HasPrefix(t, "domain name: '") {
			e, _ := ev(KindTLS, SevInfo, "axtls-domain", "TLS (axTLS): checking the certificate against the name "+strings.TrimPrefix(t, "domain name: "))
			e.set("domain", strings.Trim(strings.TrimPrefix(t, "domain name: "), "'"))
			return e, true
		}
	case 'i':
		if m := reDHCP.FindStringSubmatch(t); m != nil {
			e, _ := ev(KindWiFi, SevInfo, "got-ip", "DHCP lease: IP "+m[1]+", gateway "+m[3])
			e.set("ip", m[1])
			e.set("mask", m[2])
			e.set("gw", m[3])
			return e, true
		}
	case 'w':
		if rest, ok := strings.CutPrefix(t, "wifi evt: "); ok && allDigits(rest) {
			m := []string{t, rest}
			n, _ := strconv.Atoi(m[1])
			name := "unknown event"
			if n < len(wifiEvents) {
				name = wifiEvents[n]
			}
			e, _ := ev(KindWiFi, SevDebug, "event", "Wi-Fi event "+m[1]+" "+name)
			e.set("event", m[1])
			e.set("event_name", name)
			return e, true
		}
	case 'm':
		if m := reMode.FindStringSubmatch(t); m != nil {
			e, _ := ev(KindWiFi, SevDebug, "mode", "Wi-Fi mode: "+m[1])
			return e, true
		}
	case 'a':
		switch {
		case t == "add if0" || t == "add if1":
			return ev(KindWiFi, SevDebug, "add-if", "network interface added ("+map[string]string{"add if0": "station", "add if1": "soft-AP"}[t]+")")
		case t == "add 0":
			return ev(KindWiFi, SevDebug, "add", "AP entry added after association")
		case strings.HasPrefix(t, "aid "):
			return ev(KindWiFi, SevDebug, "aid", "association ID "+strings.TrimPrefix(t, "aid "))
		case t == "ap_probe_send start":
			return ev(KindWiFi, SevWarn, "ap-probe", "probing the AP after lost beacons")
		}
	case 'n':
		if m := reNoFound.FindStringSubmatch(t); m != nil {
			e, _ := ev(KindWiFi, SevWarn, "no-ap", "Wi-Fi network \""+m[1]+"\" not found in the scan: retrying")
			e.set("ssid", m[1])
			e.Detail = "The SSID is misspelt (it is case-sensitive), out of range, or 5 GHz only: the ESP8266 sees 2.4 GHz networks only."
			return e, true
		}
	case 'r':
		if t == "reconnect" {
			return ev(KindWiFi, SevInfo, "reconnect", "Wi-Fi reconnect attempt")
		}
		if t == "rm 0" {
			return ev(KindWiFi, SevWarn, "rm", "AP entry removed: Wi-Fi disconnected")
		}
	case 'p':
		switch {
		case strings.HasPrefix(t, "pm open"):
			return ev(KindWiFi, SevDebug, "pm-open", "Wi-Fi power management on (modem sleep): normal after connecting")
		case strings.HasPrefix(t, "pm close"):
			return ev(KindWiFi, SevDebug, "pm-close", "Wi-Fi power management closed (disconnect)")
		}
		if m := reAxPos.FindStringSubmatch(t); m != nil {
			e, _ := ev(KindTLS, SevError, "axtls-fp-parse", "TLS (axTLS): the fingerprint string in the sketch cannot be parsed: "+strings.Join(Printable(m[3]), "")+" at position "+m[1])
			e.set("pos", m[1])
			e.set("len", m[2])
			if m[1] == "0" {
				e.Detail = "It fails at the very first character: typically an invisible character (U+200E LEFT-TO-RIGHT MARK, copied from the Windows certificate dialog) before the first hex digit. Check it: `blynkbridge cert check \"<fingerprint>\"`."
			}
			return e, true
		}
	case 'b':
		if t == "bcn_timout" {
			return ev(KindWiFi, SevWarn, "beacon-timeout", "Wi-Fi beacons from the AP lost (weak signal or AP gone)")
		}
	case 'u':
		if t == "usl" {
			return ev(KindWiFi, SevDebug, "usl", "Wi-Fi shut down before sleep")
		}
	case 'e':
		if t == "enter deep sleep" {
			return ev(KindWiFi, SevInfo, "deep-sleep", "entering deep sleep")
		}
		if strings.HasPrefix(t, "error: pll_cal exceeds") {
			return ev(KindWiFi, SevWarn, "pll-cal", "RF PLL calibration warning (often after WAKE_RF_DISABLED misuse)")
		}
	case 'C':
		if strings.HasPrefix(t, "CN: '") && strings.HasSuffix(t, "no match") {
			return ev(KindTLS, SevError, "axtls-cn-mismatch", "TLS (axTLS): the certificate's common name does not match the host name")
		}
	case 'H':
		if t == "Hardware WDT Stack Dump - enabled" {
			return ev(KindCore, SevInfo, "hwdt-enabled", "the core's hardware-watchdog stack dump option is on")
		}
	case '[':
		if m := reHostByNm.FindStringSubmatch(t); m != nil {
			return hostByName(l, m[1]), true
		}
		if i := strings.IndexByte(t, ']'); i > 1 && i < 20 {
			prefix := t[1:i]
			switch prefix {
			case "HTTP-Client", "httpUpdate", "Updater", "WIFIM", "APConfig", "AP":
				e, _ := ev(KindCore, SevDebug, "core-debug", "core debug ["+prefix+"]: "+strings.TrimSpace(t[i+1:]))
				e.set("module", prefix)
				return e, true
			}
		}
	}
	if strings.HasPrefix(t, "SAN ") && strings.HasSuffix(t, "no match") {
		return ev(KindTLS, SevInfo, "axtls-san-mismatch", "TLS (axTLS): a subjectAltName does not match the host name")
	}
	if strings.HasPrefix(t, "f r") || strings.HasPrefix(t, "f -") {
		if strings.HasSuffix(t, "scandone") {
			return ev(KindWiFi, SevDebug, "scandone", "Wi-Fi scan finished")
		}
	}
	if !strings.Contains(t, "reason") {
		return Event{}, false
	}
	if m := reReason.FindStringSubmatch(t); m != nil && strings.Contains(strings.ToLower(t), "disconnect") {
		n, _ := strconv.Atoi(m[1])
		e, _ := ev(KindWiFi, SevWarn, "disconnect-reason", "Wi-Fi disconnected, reason "+m[1]+": "+disconnectReasons[n])
		e.set("reason", m[1])
		return e, true
	}
	return Event{}, false
}

// stateLine parses "state: 0 -> 2 (b0)" like reState, without the regexp.
func stateLine(t string) []string {
	rest, ok := strings.CutPrefix(t, "state: ")
	if !ok {
		return nil
	}
	a, rest, ok := strings.Cut(rest, " -> ")
	if !ok || !allDigits(a) {
		return nil
	}
	b, code, ok := strings.Cut(rest, " (")
	if !ok || !allDigits(b) || !strings.HasSuffix(code, ")") {
		return nil
	}
	code = code[:len(code)-1]
	if _, ok := hexWord(code); !ok || code == "" || len(code) > 8 {
		return nil
	}
	return []string{t, a, b, code}
}

func stateName(s string) string {
	if n, ok := staStates[s]; ok {
		return s + " " + n
	}
	return s
}

func hostByName(l *line, rest string) Event {
	e := newEvent(l, KindCore, SevDebug, "DNS: "+rest)
	e.set("msg", "hostbyname")
	switch {
	case strings.Contains(rest, "lookup error"):
		e.Severity = SevWarn
		e.Summary = "DNS lookup failed: " + rest
		e.Detail = "The host name did not resolve: a typo, no DNS on the network, or a local server name only your PC knows (use its IP, or a DNS entry)."
	case strings.Contains(rest, " is a IP!") || strings.Contains(rest, " is IP!"):
		e.Summary = "DNS: the host is already an IP address, no lookup"
	}
	return e
}

func bsslLine(l *line, t string) (Event, bool) {
	msg := strings.TrimPrefix(t, "BSSL:")
	e := newEvent(l, KindTLS, SevDebug, "TLS (BearSSL): "+msg)
	id := func(s string, sev Severity, summary string) {
		e.set("msg", s)
		e.Severity = sev
		e.Summary = summary
	}
	switch {
	case strings.HasPrefix(msg, "_connectSSL: start connection"):
		id("bssl-start", SevDebug, "TLS handshake starting")
	case strings.HasPrefix(msg, "Connection *will* fail, no authentication method is setup"):
		id("bssl-no-auth", SevError, "TLS will fail: no CA, fingerprint, known key or setInsecure() configured")
		e.Detail = "Often the fingerprint string was rejected by setFingerprint() (invisible character, wrong length): check it with `blynkbridge cert check \"<fingerprint>\"`."
	case strings.HasPrefix(msg, "insecure_end_chain: Received cert FP doesn't match"):
		id("bssl-fp-mismatch", SevError, "TLS: the server certificate's SHA-1 fingerprint differs from the sketch's")
	case strings.HasPrefix(msg, "insecure_end_chain: expected "):
		id("bssl-fp-expected", SevInfo, "TLS: fingerprint the sketch expects: "+strings.TrimPrefix(msg, "insecure_end_chain: expected "))
	case strings.HasPrefix(msg, "insecure_end_chain: received "):
		id("bssl-fp-received", SevInfo, "TLS: fingerprint the server presented: "+strings.TrimPrefix(msg, "insecure_end_chain: received "))
	case strings.HasPrefix(msg, "insecure_end_chain: No cert seen"):
		id("bssl-no-cert", SevError, "TLS: the server sent no certificate")
	case strings.HasPrefix(msg, "setFingerprint: "):
		id("bssl-bad-fp", SevError, "TLS: the fingerprint string is invalid ("+strings.TrimPrefix(msg, "setFingerprint: ")+")")
		e.Detail = "Check it for invisible characters and length: `blynkbridge cert check \"<fingerprint>\"`."
	case strings.HasPrefix(msg, "_wait_for_handshake: failed"):
		id("bssl-handshake-failed", SevError, "TLS handshake failed")
	case strings.HasPrefix(msg, "_run_until: "):
		id("bssl-run-until", SevWarn, "TLS transport: "+strings.TrimPrefix(msg, "_run_until: "))
	case strings.HasPrefix(msg, "connect: Name lookup failure"):
		id("bssl-dns", SevError, "DNS lookup of the server failed (before TLS)")
	case strings.HasPrefix(msg, "connect: Unable to connect TCP socket"):
		id("bssl-tcp", SevError, "TCP connect to the server failed (before TLS)")
	case strings.HasPrefix(msg, "_connectSSL: OOM error"):
		id("bssl-oom", SevError, "TLS: out of memory for the TLS buffers")
	case strings.HasPrefix(msg, "CERT: "):
		id("bssl-cert", SevDebug, "TLS: certificate bytes (debug dump)")
	case strings.HasPrefix(msg, "Connected!"):
		id("bssl-connected", SevInfo, "TLS connected")
	default:
		if m := reBSSLError.FindStringSubmatch(t); m != nil {
			id("bssl-error", SevError, "TLS failed: "+m[1])
			e.set("error", m[1])
			switch {
			case strings.Contains(m[1], "trust anchor"):
				e.Detail = "Untrusted chain - also what a fingerprint mismatch ends with."
			case strings.Contains(m[1], "expired"):
				e.Detail = "Often not an expired certificate but a device clock never set by NTP."
			case strings.Contains(m[1], "Unknown error"):
				e.Detail = "No BearSSL error: the handshake died from a timeout, a closed TCP connection or a Wi-Fi drop; see the _run_until line before."
			}
		} else {
			e.set("msg", "bssl-other")
		}
	}
	return e, true
}
