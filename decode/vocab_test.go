package decode

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// One line each: tolerant matching, Edgent and 1.x vocabulary, frame-level
// explanations, application lines. want is a piece of the summary (or of a
// field "key=value").
func TestVocabulary(t *testing.T) {
	for _, c := range []struct{ in, kind, want string }{
		{"[847566] Invalid auth token.", "blynk", "the server refused the auth token"},
		{"[847566] INVALID AUTH TOKEN", "blynk", "the server refused the auth token"},
		{"[100] Invalid token", "blynk", "the server refused the auth token"},
		{"[100] Ready (ping: 6ms).", "blynk", "login round trip 6 ms"},
		{"[100] ready (ping: 6ms)", "blynk", "login round trip 6 ms"},
		{"[100] Connecting...", "blynk", "serial/USB transport"},
		{"[100] Login timeout!", "blynk", "no answer to the login"},
		{"[639] INIT => WAIT_CONFIG", "blynk", "provisioning mode"},
		{"[639] [MAIN] CONNECTING_CLOUD => RUNNING", "blynk", "online: connected to the Blynk cloud"},
		{"[99506] Last error code: 701", "blynk", "could not connect to the Wi-Fi network"},
		{"[1751] AP URL:  blynk.setup", "blynk", "provisioning page blynk.setup"},
		{"[35262] Connecting to WiFi: \"home\"", "blynk", "joining Wi-Fi network \"home\""},
		{"[39236] Using Dynamic IP: 192.168.0.108", "blynk", "got IP address 192.168.0.108"},
		{"[416] ESP core: 3.0.2", "blynk", "Arduino core version: 3.0.2"},
		{"Platform: ESP8266 @ 80MHz", "blynk", "the chip and CPU clock"},
		{"[1] <[14|00|04|00|0C]vw[00]39[00]393939", "blynk-frame", "virtual write V39 = 393939"},
		{"[1] >[14|00|03|00|0B]dw[00]5[00]1", "blynk-frame", "digital write pin 5 = 1 (HIGH)"},
		{"[1] <[06|00|05|00|00]", "blynk-frame", "heartbeat ping"},
		{"[1] <[10|00|03|00|00]", "blynk-frame", "sync request"},
		{"[1] >[11|00|01|00|04]acon", "blynk-frame", "the app connected"},
		{"[1] >[00|00|07|00|0E]", "blynk-frame", "NTF_NOT_AUTHORIZED (notifications are not set up"},
		{"[1] >[00|00|07|00|08]", "blynk-frame", "NO_ACTIVE_DASHBOARD (the project is not running in the app)"},
		{"[1] >[00|00|07|00|01]", "blynk-frame", "QUOTA_LIMIT_EXCEPTION"},
		{"*WM: [1] AutoConnect", "app", "WiFiManager library: AutoConnect"},
		{"[12:00:01][I][wifi:123]: Connected", "app", "ESPHome log"},
		{"[I][logger:262]: Log initialized", "app", "ESPHome log: Log initialized"},
		{"AT+CIPSTART=\"TCP\",\"blynk-cloud.com\",8442", "app", "open a TCP connection to blynk-cloud.com port 8442"},
		{"Could not login: INVALID_TOKEN", "app", "Blynk JavaScript library"},
		{"```cpp", "paste", "Markdown code fence"},
		{"...", "paste", "the poster left lines out here"},
		{"…ÕZªP‚,JHVYº—¡VÕ]J*ÉW¥¡Õ¥Õ-”ªUŠQd®”¡âJ%H", "baud-garbage", "unreadable bytes"},
		{"Temperatur: 21.5°C, Größe ÄÖÜ", "text", ""},
	} {
		evs := decodeWith(t, []byte(c.in+"\r\n"), 0, Options{})
		var e *Event
		for i := range evs {
			if evs[i].Kind != KindInput {
				e = &evs[i]
				break
			}
		}
		if e == nil || string(e.Kind) != c.kind || !strings.Contains(e.Summary, c.want) {
			t.Errorf("%q:\n%s", c.in, render(evs, nil))
		}
	}
}

// An application line never raises a problem, whatever it says.
func TestAppLinesNeverAlarm(t *testing.T) {
	in := "Could not login: INVALID_TOKEN\r\n*WM: Connection result: WL_NO_SSID_AVAIL\r\n[E][wifi:123]: Connection failed\r\nERROR\r\n" +
		"WARNING Initial connection failed. The ESP might not be connected to WiFi yet\r\n"
	evs := decodeAll(t, []byte(in), 0, nil)
	g := NewDiagnoser()
	g.Feed(evs...)
	if ps := g.Problems(); len(ps) != 0 {
		t.Fatalf("problems from application lines: %+v", ps)
	}
}

// The login's token never shows, whichever way the dump splits or echoes it.
func TestLoginTokenMasked(t *testing.T) {
	const tok = "ca537FkGkxaBmBvqlFud5d6kj8HIMK8s"
	for _, in := range []string{
		"[46490] <[1D|00|01|00] " + tok[:15] + "\r\n[46530] <" + tok[15:] + "\r\n",
		"[35878] >[1D|00|01|00] \r\n[35912] >" + tok + "\r\n",
		"[169122] <msg 2,1,32\r\n<" + tok + "\r\n",
		"AT+CIPSEND=1,37\r\n \x1d\x00\x01\x00 " + tok + "+CIPCLOSE=1\r\n",
		"[1] Token:    " + tok + "\r\n[2] Blynk cloud: " + tok + " @ blynk.cloud:443\r\nhttps://fra1.blynk.cloud/external/api/ota?token=" + tok + "&x=1\r\n",
		"AT+CWJAP=\"home\",\"" + tok[:12] + "\"\r\nPasswd0:" + tok[:12] + "\r\n{\"passwd0\":\"" + tok[:12] + "\"}\r\n[1] WiFi SSID: home Pass: " + tok[:12] + "\r\n",
	} {
		evs := decodeAll(t, []byte(in), 0, nil)
		checkConservation(t, []byte(in), evs)
		if out := render(evs, nil); strings.Contains(out, tok[:8]) || strings.Contains(out, tok[4:12]) || strings.Contains(out, tok[20:]) {
			t.Errorf("token shows:\n%s", out)
		}
		var raw strings.Builder
		for _, e := range decodeWith(t, []byte(in), 0, Options{Unredacted: true}) {
			raw.WriteString(e.Raw)
		}
		if raw.String() != in {
			t.Errorf("unredacted raw differs: %q", raw.String())
		}
	}
}

// A response is tied to its request, and a refused notification is a problem.
func TestResponsePairing(t *testing.T) {
	in := "[100] <[0E|00|07|00|05]hello\r\n[180] >[00|00|07|00|0E]\r\n"
	evs := decodeAll(t, []byte(in), 0, nil)
	if !strings.Contains(evs[1].Summary, "the answer to the device's NOTIFY #7") {
		t.Fatalf("%s", render(evs, nil))
	}
	g := NewDiagnoser()
	g.Feed(evs...)
	if ps := g.Problems(); len(ps) != 1 || ps[0].ID != "notification-refused" {
		t.Fatalf("%+v", ps)
	}
}

// appRule.first is a shortcut before each regexp: on every line of both
// corpora, a rule whose regexp matches must list the line's first byte.
func TestAppRuleFirstBytes(t *testing.T) {
	files, _ := filepath.Glob("testdata/real/*.log")
	more, _ := filepath.Glob("testdata/logs/*.log")
	for _, f := range append(files, more...) {
		data, _ := os.ReadFile(f)
		for _, ln := range strings.Split(string(data), "\n") {
			n, _, _, _ := stripPrefix(strings.TrimRight(ln, "\r"))
			text := strings.TrimSpace(strings.TrimRight(ln, "\r")[n:])
			if text == "" {
				continue
			}
			for _, r := range appRules {
				if r.re.MatchString(text) && r.first != "" && !strings.Contains(r.first, text[:1]) {
					t.Errorf("%s: rule %s matches %q but its first bytes are %q", f, r.source, text, r.first)
				}
			}
		}
	}
}
