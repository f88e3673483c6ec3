package decode

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// The real-world corpus: logs copied verbatim from public forum threads and
// GitHub issues (testdata/real/README.md lists each source and what was
// trimmed). Each row says which input classes of issue 14 the log belongs
// to, which secrets the post shows (they must never reach any output), and
// exactly which problems the diagnosis may raise: a problem not listed here
// would be an alarm the text does not support.
type realLog struct {
	name     string
	classes  []string
	secrets  []string
	problems []string
}

// Input classes, in the order of issue 14 (and of the table in docs/decode.md).
var realClasses = []struct{ id, what string }{
	{"pasted", "Pasted and quoted text (quote markers, indentation, host timestamps, code fences)"},
	{"variation", "Small textual variation (punctuation, case, other library versions)"},
	{"edgent", "Blynk.IoT (library 1.x, blynk.cloud) and Blynk.Edgent"},
	{"debug", "BLYNK_DEBUG frame dumps (0.3.x and later formats)"},
	{"connection", "Connection stories (reconnect loops, timeouts, logins never answered)"},
	{"fragment", "Fragments (mid-session or mid-crash starts, cut-off ends)"},
	{"garbage", "All-garbage captures (baud mismatch, nothing readable)"},
	{"crash-2x", "Crash dumps, core 2.x layouts (no CUT HERE marker)"},
	{"crash-3x", "Crash dumps, core 3.x layout (CUT HERE marker, 2.7.2 and later)"},
	{"app", "Lines that are not the Blynk library's (sketch, third-party libraries, other Blynk clients)"},
}

var realLogs = []realLog{
	{name: "app-esp32-config-json-secrets", classes: []string{"app", "pasted", "fragment"}, secrets: []string{"gZreUAf0hPSuWP0UpMcytDkMmjzlIIOc", "mitalirohit"}},
	{name: "app-iotappstory-soft-wdt", classes: []string{"app", "crash-2x", "pasted", "fragment"}, problems: []string{"crash"}},
	{name: "app-nodemcu-lua-firmware-banner", classes: []string{"app", "pasted"}},
	{name: "app-publish-counter-exception3-sys", classes: []string{"app", "crash-2x", "fragment"}, problems: []string{"crash"}},
	{name: "crash-23-exception28-at-boot", classes: []string{"crash-2x", "pasted", "fragment"}, problems: []string{"crash"}},
	{name: "crash-23-exception9-reboot", classes: []string{"crash-2x", "pasted"}, problems: []string{"crash"}},
	{name: "crash-25-exception0-blinky", classes: []string{"crash-2x", "fragment"}, problems: []string{"crash"}},
	{name: "crash-2x-exception0-after-ready", classes: []string{"crash-2x", "fragment"}, problems: []string{"crash"}},
	{name: "crash-2x-exception2-cont", classes: []string{"crash-2x", "fragment"}, problems: []string{"crash"}},
	{name: "crash-2x-exception2-wifi-begin", classes: []string{"crash-2x", "app", "fragment"}, problems: []string{"crash"}},
	{name: "crash-2x-mid-stack-rows", classes: []string{"crash-2x", "pasted", "fragment"}, problems: []string{"crash"}},
	{name: "crash-3x-cut-exception3-fragment", classes: []string{"crash-3x", "fragment"}, problems: []string{"crash"}},
	{name: "crash-3x-cut-marker-exception29", classes: []string{"crash-3x"}, problems: []string{"crash"}},
	{name: "crash-3x-exception4-reboot", classes: []string{"crash-3x"}, problems: []string{"crash"}},
	{name: "crash-3x-panic-yield-sys", classes: []string{"crash-3x", "pasted", "fragment"}, problems: []string{"crash"}},
	{name: "debug-030-msg-format", classes: []string{"debug", "variation", "connection"}, secrets: []string{"3ffae384dc5b4f079faf6a8f956aa034"}},
	{name: "debug-046-at-login-retry-loop", classes: []string{"debug", "connection", "app", "pasted"}, secrets: []string{"5e43a9656853421b814cb3dcd675f017"}},
	{name: "debug-06-leading-garbage-vw", classes: []string{"debug", "fragment"}},
	{name: "debug-ble-invalid-token-indented", classes: []string{"debug", "pasted"}, secrets: []string{"Q2CFJlNUH5eNLWDhqQOFAlcP28Uhwlge"}, problems: []string{"invalid-token"}},
	{name: "debug-ble-invalid-token-split", classes: []string{"debug", "variation"}, secrets: []string{"2a537FkGkxaBmBvqlFud5d6kj8HIMK8s"}, problems: []string{"invalid-token"}},
	{name: "debug-login-timeout-split-token", classes: []string{"debug", "connection"}, secrets: []string{"ca537FkGkxaBmBv", "qlFud5d6kj8HIMK8s"}, problems: []string{"login-timeout"}},
	{name: "edgent-esp32-error-701", classes: []string{"edgent", "fragment"}, secrets: []string{"5-0T8m1NBMk4oIIKhFvs6lSsTj1UTNkX"}, problems: []string{"edgent-error"}},
	{name: "edgent-esp32-reset-config", classes: []string{"edgent", "app"}},
	{name: "edgent-esp8266-110-config-then-cloud", classes: []string{"edgent", "fragment"}, secrets: []string{"QcS8leMqMtcCBZVTaq-M4fnGB3av6BLS"}},
	{name: "edgent-esp8266-feather-switch-to-sta", classes: []string{"edgent", "variation"}, secrets: []string{"0tYg1Ew4PiiFCt9yzCjPZuuUMQAe3y0R"}},
	{name: "edgent-mkr1000-wait-config", classes: []string{"edgent", "fragment", "pasted"}},
	{name: "esphome-esp32-boot", classes: []string{"app", "fragment"}},
	{name: "fenced-mid-stack-fragment", classes: []string{"pasted", "fragment", "crash-2x"}, problems: []string{"crash"}},
	{name: "garbage-after-boot-wifimanager", classes: []string{"fragment"}},
	{name: "garbage-all-cp1252-blynk-9600", classes: []string{"garbage"}, problems: []string{"wrong-baud"}},
	{name: "garbage-all-dio-qio-sming", classes: []string{"garbage"}, problems: []string{"wrong-baud"}},
	{name: "garbage-all-esp32-9600-vs-115200", classes: []string{"garbage", "pasted"}, problems: []string{"wrong-baud"}},
	{name: "garbage-all-replacement-chars-deauther", classes: []string{"garbage", "pasted"}, problems: []string{"wrong-baud"}},
	{name: "garbage-all-timestamped-ide", classes: []string{"garbage", "pasted"}, problems: []string{"wrong-baud"}},
	{name: "garbage-boot-glyphs-then-app", classes: []string{"app", "fragment"}},
	{name: "garbage-cp1252-after-app-lines", classes: []string{"app", "fragment"}},
	{name: "indented-mid-stack-fragment", classes: []string{"pasted", "fragment", "crash-2x"}, problems: []string{"crash"}},
	{name: "invalid-token-period-cloud", classes: []string{"variation", "edgent", "pasted"}, problems: []string{"invalid-token"}},
	{name: "other-js-invalid-token-node", classes: []string{"app", "pasted"}},
	{name: "other-js-reconnect-authorized", classes: []string{"app", "connection", "pasted"}},
	{name: "other-python-connecting-cloud", classes: []string{"app", "edgent"}},
	{name: "quoted-esphome-cli-reconnect", classes: []string{"pasted", "app", "fragment"}},
	{name: "quoted-ide-exception29-blynk", classes: []string{"pasted", "crash-3x"}, problems: []string{"crash"}},
	{name: "reconnect-031-every-5s-then-reboot", classes: []string{"connection", "variation", "fragment", "pasted"}, problems: []string{"connection-drops"}},
	{name: "reconnect-at-047-cipclose", classes: []string{"connection", "app", "variation"}, problems: []string{"login-unanswered"}},
	{name: "reconnect-at-cmd-error", classes: []string{"connection", "debug", "app"}, problems: []string{"login-unanswered"}},
	{name: "reconnect-at-login-timeout-033", classes: []string{"connection", "app", "variation"}, secrets: []string{"8cb0a1931a1a402881cf348f0a5"}, problems: []string{"connection-drops"}},
	{name: "reconnect-connecting-repeats-early-lib", classes: []string{"connection"}, problems: []string{"tcp-connect-failing"}},
	{name: "reconnect-login-timeout-sprinkler", classes: []string{"connection", "pasted"}, problems: []string{"connection-drops"}},
	{name: "reconnect-lua-disconnected", classes: []string{"connection", "app"}},
	{name: "rom-74880-boot-then-app", classes: []string{"app", "pasted"}},
	{name: "rom-banner-ets-main-one-line", classes: []string{"variation", "fragment"}, problems: []string{"bad-image"}},
	{name: "rom-wdt-reset-banners-prose", classes: []string{"variation"}, problems: []string{"boot-loop", "download-mode"}},
	{name: "sdk-fatal-exception9-wifi", classes: []string{"crash-2x", "app", "fragment"}, problems: []string{"crash"}},
	{name: "timestamped-ide-mid-stack-fragment", classes: []string{"pasted", "fragment", "crash-2x"}, problems: []string{"crash"}},
	{name: "timestamped-ide-wifiespat-scan", classes: []string{"pasted", "app"}},
	{name: "timestamped-ide-wifimanager-exception3", classes: []string{"pasted", "app", "crash-2x", "fragment"}, problems: []string{"crash"}},
	{name: "timestamped-iso-at-modem", classes: []string{"pasted", "app"}},
	{name: "timestamped-pm2-nodered-login", classes: []string{"pasted", "app"}, secrets: []string{"6de884c15e17405589a484b7b064"}},
	{name: "wifimanager-backtick-panic-yield", classes: []string{"app", "crash-3x", "pasted", "fragment"}, problems: []string{"crash"}},
	{name: "wifimanager-exception29-rom", classes: []string{"app", "crash-2x", "fragment"}, problems: []string{"crash"}},
	{name: "wifimanager-exception3-connected", classes: []string{"app", "crash-2x", "fragment", "pasted"}, problems: []string{"crash"}},
	{name: "wifimanager-quoted-exception28", classes: []string{"app", "crash-2x", "pasted"}, problems: []string{"crash"}},
}

// explained: an event that says what its text means, beyond "unrecognised".
func explained(e Event) bool {
	switch e.Kind {
	case KindText, KindBlank, KindInput, KindPaste:
		return false
	}
	return e.Summary != ""
}

// unexplained: a non-blank line nothing recognised.
func unexplained(e Event) bool {
	return e.Kind == KindText && strings.TrimSpace(e.Raw) != ""
}

func decodeReal(t testing.TB, data []byte, n int, unredacted bool) []Event {
	return decodeWith(t, data, n, Options{File: true, Unredacted: unredacted})
}

func TestRealCorpus(t *testing.T) {
	files, _ := filepath.Glob("testdata/real/*.log")
	if len(files) < 60 {
		t.Fatalf("the real corpus has %d logs, issue 14 asks for at least 60", len(files))
	}
	readme, err := os.ReadFile("testdata/real/README.md")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z0-9-]+)\\.log` \\|").FindAllStringSubmatch(string(readme), -1) {
		listed[m[1]] = true
	}
	table := map[string]realLog{}
	for _, r := range realLogs {
		table[r.name] = r
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".log")
		if _, ok := table[name]; !ok {
			t.Errorf("%s is not in realLogs", name)
		}
		if !listed[name] {
			t.Errorf("%s has no row (source URL, what was trimmed) in testdata/real/README.md", name)
		}
	}
	if len(table) != len(files) || len(listed) != len(files) {
		t.Errorf("%d logs, %d table rows, %d README rows", len(files), len(table), len(listed))
	}
	for _, r := range realLogs {
		t.Run(r.name, func(t *testing.T) {
			path := "testdata/real/" + r.name + ".log"
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			evs := decodeReal(t, data, 0, false)
			checkConservation(t, data, evs)
			for _, n := range []int{1, 7} {
				if a, b := render(decodeReal(t, data, n, false), nil), render(evs, nil); a != b {
					t.Fatalf("feeding %d bytes at a time changes the events:\n%s", n, firstDiff(a, b))
				}
			}
			// Unredacted, Raw is the input exactly.
			var raw strings.Builder
			for _, e := range decodeReal(t, data, 0, true) {
				raw.WriteString(e.Raw)
			}
			if raw.String() != string(data) {
				t.Fatal("unredacted events do not give back the input byte for byte")
			}
			if !slices.ContainsFunc(evs, explained) {
				t.Fatal("no event explains anything")
			}
			g := NewDiagnoser()
			g.Feed(evs...)
			ps := g.Problems()
			got := render(evs, ps)
			var js bytes.Buffer
			for _, e := range evs {
				b, _ := json.Marshal(e)
				js.Write(b)
			}
			b, _ := json.Marshal(NewDiagnosisRecord(ps))
			js.Write(b)
			var ann bytes.Buffer
			a := &Annotator{W: &ann}
			for _, e := range evs {
				_ = a.Write(e)
			}
			_ = WriteProblems(&ann, ps)
			for _, s := range r.secrets {
				if !bytes.Contains(data, []byte(s)) {
					t.Fatalf("secret %q is not in the log", s)
				}
				w := min(12, len(s)) // any 12 characters of a token, all of a short password
				for _, out := range []string{got, js.String(), ann.String()} {
					for i := 0; i+w <= len(s); i++ {
						if strings.Contains(out, s[i:i+w]) {
							t.Fatalf("part of the secret %q (%q) reaches the output", s, s[i:i+w])
						}
					}
				}
			}
			var ids []string
			for _, p := range ps {
				ids = append(ids, p.ID)
				if !slices.ContainsFunc(evs, func(e Event) bool { return explained(e) && e.Summary == p.Evidence }) {
					t.Errorf("problem %s rests on %q, which no recognised event says", p.ID, p.Evidence)
				}
			}
			sort.Strings(ids)
			want := append([]string(nil), r.problems...)
			sort.Strings(want)
			if strings.Join(ids, " ") != strings.Join(want, " ") {
				t.Errorf("problems %v, want exactly %v", ids, want)
			}
			golden := "testdata/real/" + r.name + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			w, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (go test ./decode -run RealCorpus -update creates it)", err)
			}
			if got != string(w) {
				t.Errorf("differs from %s (-update rewrites it, review the diff):\n%s", golden, firstDiff(got, string(w)))
			}
		})
	}
	checkClassTable(t)
}

// checkClassTable keeps the table in docs/decode.md in step with the
// corpus, and checks that every class issue 14 names has five logs.
func checkClassTable(t *testing.T) {
	logs, full := map[string]int{}, map[string]int{}
	fullLogs := 0
	for _, r := range realLogs {
		data, err := os.ReadFile("testdata/real/" + r.name + ".log")
		if err != nil {
			t.Fatal(err)
		}
		isFull := !slices.ContainsFunc(decodeReal(t, data, 0, false), unexplained)
		if isFull {
			fullLogs++
		}
		for _, c := range r.classes {
			logs[c]++
			if isFull {
				full[c]++
			}
		}
	}
	for _, c := range realClasses {
		if logs[c.id] < 5 {
			t.Errorf("class %s has %d logs, issue 14 asks for at least 5", c.id, logs[c.id])
		}
	}
	var b strings.Builder
	b.WriteString("| input class | corpus logs | fully explained |\n|---|---|---|\n")
	for _, c := range realClasses {
		fmt.Fprintf(&b, "| %s | %d | %d |\n", c.what, logs[c.id], full[c.id])
	}
	fmt.Fprintf(&b, "| **all logs** (a log may be in several classes) | %d | %d |\n", len(realLogs), fullLogs)
	const doc = "../docs/decode.md"
	text, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	begin, end := "<!-- real-corpus:begin (kept in step with decode/realcorpus_test.go) -->\n", "<!-- real-corpus:end -->"
	i, j := bytes.Index(text, []byte(begin)), bytes.Index(text, []byte(end))
	if i < 0 || j < i {
		t.Fatalf("%s has no real-corpus table markers", doc)
	}
	cur := string(text[i+len(begin) : j])
	if cur == b.String() {
		return
	}
	if *update {
		out := append(append(append([]byte{}, text[:i+len(begin)]...), b.String()...), text[j:]...)
		if err := os.WriteFile(doc, out, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("the real-corpus table in %s is stale (go test ./decode -run RealCorpus -update):\n%s", doc, b.String())
}
