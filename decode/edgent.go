package decode

import (
	"regexp"
	"strconv"
	"strings"
)

// Blynk.IoT (library 1.x) and Blynk.Edgent: the device-information block,
// the provisioning state machine ("INIT => WAIT_CONFIG"), Wi-Fi
// provisioning, the last error code, and the AT-firmware shield's lines.
// Tokens and Wi-Fi passwords in these lines are masked by maskSecrets.

var reEdgentState = regexp.MustCompile(`^(?:\[MAIN\] )?([A-Z][A-Z_]+) => ([A-Z][A-Z_]+)$`)

var edgentStates = map[string]string{
	"INIT":             "starting",
	"WAIT_CONFIG":      "provisioning mode: no Wi-Fi/token saved (or they were reset), so the device opened its own access point and waits for the Blynk app (\"+ Add new device\") to send them",
	"CONFIGURING":      "the Blynk app is connected to the device's access point and sends the Wi-Fi credentials and auth token",
	"SWITCH_TO_STA":    "configuration received: leaving access-point mode to join the Wi-Fi network",
	"SWITCH_TO_AP":     "switching to access-point mode",
	"CONNECTING_NET":   "joining the Wi-Fi network",
	"CONNECTING_CLOUD": "connecting to the Blynk cloud",
	"RUNNING":          "online: connected to the Blynk cloud",
	"OTA_UPGRADE":      "downloading a firmware update (Blynk.Air)",
	"RESET_CONFIG":     "erasing the saved configuration (Wi-Fi credentials and auth token)",
	"ERROR":            "provisioning or connecting failed (see \"Last error code\"); Edgent retries after a while",
}

// edgentErrors: BlynkState.h's provisioning error codes.
var edgentErrors = map[string][2]string{
	"700": {"invalid configuration from the app (a malformed token or settings)", "provision the device again from the Blynk app"},
	"701": {"could not connect to the Wi-Fi network (wrong password, a 5 GHz-only network, out of range)", "check the Wi-Fi name and password given in the app, that the network is 2.4 GHz, then provision again (hold the button 10 s)"},
	"702": {"could not connect to the Blynk cloud (no internet, DNS or a firewall blocking port 443/80)", "check that the network reaches blynk.cloud: blynkbridge cert fingerprint blynk.cloud:443"},
	"703": {"the Blynk cloud refused the auth token (device deleted or token revoked)", "delete the device in the console and provision it again"},
	"801": {"an internal error (hardware or storage failure)", "erase the flash and flash the firmware again: blynkbridge flash FILE"},
}

// edgentInfoKeys: the device-information block of Edgent and library 1.x.
var edgentInfoKeys = map[string]string{
	"product": "the product (template) name", "hardware": "the hardware version", "firmware": "the firmware version and build date",
	"device": "the device (its name, or the board and CPU clock)", "mac": "the Wi-Fi MAC address", "flash": "the flash size", "esp core": "the ESP8266/ESP32 Arduino core version",
	"esp sdk": "the Espressif SDK version", "sdk": "the Espressif SDK version", "boot ver": "the ROM bootloader version", "boot mode": "the boot mode",
	"fw info": "the firmware size / free sketch space and MD5", "free mem": "free heap in bytes", "wifi fw": "the Wi-Fi module's firmware version",
	"token": "the auth token (masked)", "platform": "the chip and CPU clock", "build": "the build date", "template": "the template ID",
	"cpu": "the CPU", "chip": "the chip", "wifi": "the Wi-Fi module",
}

// edgentFixed: Edgent and 1.x lines whose event needs no parsing ("{}" is
// the rest of the line).
var edgentFixed = []fixedLine{
	{texts: []string{"AP SSID: "}, prefix: true, id: "edgent-ap", sev: SevInfo, summary: "provisioning access point started, SSID \"{}\": connect the Blynk app to it"},
	{texts: []string{"AP IP: "}, prefix: true, id: "edgent-ap-ip", sev: SevInfo, summary: "provisioning access point address {}"},
	{texts: []string{"AP URL: "}, prefix: true, id: "edgent-ap-url", sev: SevInfo, summary: "provisioning page {} (opened by the Blynk app, not by a browser)"},
	{texts: []string{"Sending board info"}, id: "edgent-board-info", sev: SevInfo, summary: "the Blynk app asked for the board information (provisioning in progress)"},
	{texts: []string{"Applying configuration"}, id: "edgent-apply", sev: SevInfo, summary: "the configuration from the app is being applied"},
	{texts: []string{"Switching to STA"}, id: "edgent-sta", sev: SevInfo, summary: "leaving access-point mode to join the Wi-Fi network"},
	{texts: []string{"Scanning networks"}, id: "edgent-scan", sev: SevInfo, summary: "scanning for Wi-Fi networks (for the app's list)"},
	{texts: []string{"Found networks: "}, prefix: true, id: "edgent-scan-result", sev: SevInfo, summary: "{} Wi-Fi networks found"},
	{texts: []string{"Configuration stored to flash"}, id: "edgent-saved", sev: SevInfo, summary: "configuration saved to flash"},
	{texts: []string{"Resetting configuration"}, id: "edgent-reset", sev: SevWarn, summary: "the saved configuration (Wi-Fi and token) is erased: the device will need provisioning again"},
	{texts: []string{"Hold the button for 10 seconds to reset configuration"}, id: "edgent-button", sev: SevInfo, summary: "the configuration button is pressed: holding it 10 s erases the saved Wi-Fi and token"},
	{texts: []string{"nvs_flash_erase: "}, prefix: true, id: "edgent-nvs-erase", sev: SevInfo, summary: "the ESP32's settings storage (NVS) erased: {}"},
	{texts: []string{"Using default config"}, id: "edgent-default-config", sev: SevInfo, summary: "no saved configuration: Edgent starts with its defaults (provisioning will follow)"},
	{texts: []string{"OTA: "}, prefix: true, id: "edgent-ota", sev: SevInfo, summary: "firmware update over the air (Blynk.Air): {}"},
	{texts: []string{"Firmware update URL: "}, prefix: true, id: "edgent-ota-url", sev: SevInfo, summary: "firmware update (Blynk.Air) from {}"},
	{texts: []string{"Update successfully completed. Rebooting"}, id: "edgent-ota-done", sev: SevInfo, summary: "firmware update (Blynk.Air) installed: rebooting"},
	{texts: []string{"Update failed", "OTA failed"}, prefix: true, id: "edgent-ota-failed", sev: SevError, summary: "firmware update (Blynk.Air) failed{}"},
	{texts: []string{"AT version:"}, prefix: true, id: "shield-at-version", sev: SevInfo, summary: "the ESP8266 shield's AT firmware version {}"},
	{texts: []string{"Failed to enable MUX"}, id: "shield-mux", sev: SevWarn, summary: "the ESP8266 shield refused AT+CIPMUX=1 (AT firmware too old, or busy)"},
	{texts: []string{"ESP is not responding"}, id: "shield-silent", sev: SevError, summary: "the ESP8266 shield does not answer AT commands",
		detail: "Check the RX/TX wiring (crossed), the ESP's baud rate (ESP8266_BAUD in the sketch must match the AT firmware's), and its 3.3 V supply (it needs ~300 mA peaks)."},
	{texts: []string{"Failed to connect WiFi"}, id: "shield-wifi-failed", sev: SevError, summary: "the ESP8266 shield could not join the Wi-Fi network (SSID or password, or 5 GHz)"},
}

// edgentMessage classifies the Edgent / 1.x lines of a "[ms] " message.
func edgentMessage(l *line, msg string) (Event, bool) {
	if !strings.Contains(msg, " => ") {
		// not a state change
	} else if m := reEdgentState.FindStringSubmatch(msg); m != nil {
		if _, ok := edgentStates[m[2]]; ok {
			return stateEvent(l, m[1], m[2]), true
		}
	}
	if rest, ok := strings.CutPrefix(msg, "Last error code: "); ok {
		e := newEvent(l, KindBlynk, SevError, "Blynk.Edgent error "+rest)
		e.set("msg", "edgent-error")
		e.set("code", rest)
		if er, ok := edgentErrors[rest]; ok {
			e.Summary += ": " + er[0]
			e.set("meaning", er[0])
		}
		return e, true
	}
	if rest, ok := strings.CutPrefix(msg, "WiFi SSID: "); ok {
		ssid, _, _ := strings.Cut(rest, " Pass: ")
		e := newEvent(l, KindBlynk, SevInfo, "provisioned Wi-Fi network "+ssid+" (the password is masked)")
		e.set("msg", "edgent-wifi-config")
		return e, true
	}
	if rest, ok := strings.CutPrefix(msg, "Blynk cloud: "); ok {
		_, host, _ := strings.Cut(rest, " @ ")
		e := newEvent(l, KindBlynk, SevInfo, "provisioned auth token (masked) for the Blynk server "+host)
		e.set("msg", "edgent-cloud-config")
		e.set("server", host)
		return e, true
	}
	if strings.HasPrefix(msg, "+CIFSR:STAIP,") {
		ip := strings.Trim(strings.TrimPrefix(msg, "+CIFSR:STAIP,"), "\"")
		e := newEvent(l, KindBlynk, SevInfo, "the ESP8266 shield reports IP address "+ip)
		e.set("msg", "shield-ip")
		if ip == "" {
			e.Severity = SevWarn
			e.Summary = "the ESP8266 shield reports no IP address: it has not joined the Wi-Fi network (yet)"
		}
		return e, true
	}
	if isSeparator(msg) {
		e := newEvent(l, KindBlynk, SevDebug, "device information block (Blynk.IoT / Edgent)")
		e.set("msg", "device-info")
		return e, true
	}
	if e, ok := infoLine(l, msg); ok {
		return e, true
	}
	for i := range edgentFixed {
		c := &edgentFixed[i]
		for _, t := range c.texts {
			var rest string
			switch {
			case c.prefix && hasFold(msg, t):
				rest = strings.TrimSpace(msg[len(t):])
			case !c.prefix && strings.EqualFold(msg, tidy(t)):
			default:
				continue
			}
			e := newEvent(l, KindBlynk, c.sev, strings.Replace(c.summary, "{}", rest, 1))
			e.set("msg", c.id)
			e.Detail = c.detail
			return e, true
		}
	}
	return Event{}, false
}

func isSeparator(s string) bool {
	return len(s) >= 10 && strings.Trim(s, "-") == ""
}

// infoLine: "Key:   value" of the device-information block.
func infoLine(l *line, t string) (Event, bool) {
	k, v, ok := strings.Cut(t, ":")
	if !ok || len(k) > 10 {
		return Event{}, false
	}
	what, ok := edgentInfoKeys[strings.ToLower(k)]
	if !ok {
		return Event{}, false
	}
	v = strings.TrimSpace(v)
	e := newEvent(l, KindBlynk, SevInfo, "device information: "+what+": "+v)
	e.set("msg", "device-info")
	e.set("key", strings.ToLower(k))
	switch strings.ToLower(k) {
	case "free mem":
		if n, err := strconv.Atoi(v); err == nil && n < 16000 {
			e.Severity = SevWarn
			e.Summary += " (little: TLS needs about 20 KB)"
		}
	case "token":
		e.Summary = "device information: the auth token (masked)"
	}
	return e, true
}

func stateEvent(l *line, from, to string) Event {
	sev := SevInfo
	if to == "ERROR" {
		sev = SevError
	}
	e := newEvent(l, KindBlynk, sev, "Blynk.Edgent state "+from+" -> "+to+": "+edgentStates[to])
	e.set("msg", "edgent-state")
	e.set("from", from)
	e.set("to", to)
	return e
}
