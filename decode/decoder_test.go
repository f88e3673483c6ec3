package decode

import (
	"bytes"
	"encoding/json"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func feedAll(d *Decoder, chunks ...string) []Event {
	var evs []Event
	for _, c := range chunks {
		evs = append(evs, d.Feed([]byte(c))...)
	}
	return evs
}

// A partial line is held only until Flush (the monitor calls it when the
// port goes idle); the rest of the line then becomes its own event.
func TestPartialLineEmittedOnFlush(t *testing.T) {
	d := New(Options{Now: fixedClock})
	if evs := feedAll(d, "[100] Connecting to blynk.cloud:80\r\n[200] Rea"); len(evs) != 1 {
		t.Fatalf("got %d events before flush, want 1", len(evs))
	}
	evs := d.Flush()
	if len(evs) != 1 || evs[0].Raw != "[200] Rea" || evs[0].Fields["partial"] != "true" {
		t.Fatalf("flush: %+v", evs)
	}
	evs = feedAll(d, "dy (ping: 5ms).\r\n")
	if len(evs) != 1 || evs[0].Raw != "dy (ping: 5ms).\r\n" {
		t.Fatalf("continuation: %+v", evs)
	}
}

// Input without any newline is cut at MaxLine, so memory stays bounded and
// events keep flowing.
func TestSizeBound(t *testing.T) {
	d := New(Options{Now: fixedClock, MaxLine: 64})
	in := bytes.Repeat([]byte("x"), 1000)
	evs := d.Feed(in)
	if len(evs) != 1000/64 {
		t.Fatalf("got %d events for 1000 bytes without newline, want %d", len(evs), 1000/64)
	}
	evs = append(evs, d.Flush()...)
	checkConservation(t, in, evs)
}

// The byte-conservation property on random mixtures of corpus lines, random
// bytes, random chunking and random idle flushes.
func TestConservationRandom(t *testing.T) {
	logs, _ := filepath.Glob("testdata/logs/*.log")
	var corpus []byte
	for _, p := range logs {
		b, _ := os.ReadFile(p)
		corpus = append(corpus, b...)
	}
	elf := loadFixture(t)
	r := rand.New(rand.NewSource(7))
	for iter := 0; iter < 60; iter++ {
		var in []byte
		for len(in) < 4000 {
			if r.Intn(4) == 0 {
				junk := make([]byte, r.Intn(40))
				r.Read(junk)
				in = append(in, junk...)
			} else {
				s := r.Intn(len(corpus))
				in = append(in, corpus[s:min(len(corpus), s+r.Intn(400))]...)
			}
		}
		d := New(Options{Now: fixedClock, ELF: elf, MaxLine: 1 + r.Intn(300)})
		var evs []Event
		for i := 0; i < len(in); {
			n := 1 + r.Intn(200)
			end := min(len(in), i+n)
			evs = append(evs, d.Feed(in[i:end])...)
			if r.Intn(5) == 0 {
				evs = append(evs, d.Flush()...)
			}
			i = end
		}
		evs = append(evs, d.Flush()...)
		checkConservation(t, in, evs)
	}
}

// A login dump must never show the token: not in Raw, Summary, Fields,
// JSON or the annotated text - in any dump layout.
func TestLoginTokenRedacted(t *testing.T) {
	tok := "Zx9kQ2mB7vLp4RtY8wNc3HdF6sJe1GaU"
	for _, in := range []string{
		"[3530] <[1D|00|01|00] " + tok + "\r\n",               // 0.6.x: the length byte 0x20 prints as a space
		"[3530] <[1D|00|01|00|20]" + tok + "\r\n",             // 1.2+: spaces escaped
		"[3530] <[02|00|01|00] " + tok + "\r\n",               // 0.4.x LOGIN (cmd 2)
		"[3530] <[1D|00|01|00|20]\r\n[3530] <" + tok + "\r\n", // AVR: header and body apart
	} {
		d := New(Options{Now: fixedClock})
		evs := append(feedAll(d, in), d.Flush()...)
		checkConservation(t, []byte(in), evs)
		var all strings.Builder
		for _, e := range evs {
			j, _ := json.Marshal(e)
			all.Write(j)
			_ = Annotate(&all, e)
			all.WriteString(e.Summary + e.Detail)
			for _, v := range e.Fields {
				all.WriteString(v)
			}
		}
		if strings.Contains(all.String(), tok) || strings.Contains(all.String(), tok[:12]) {
			t.Fatalf("token leaked for %q:\n%s", in, all.String())
		}
		if !strings.Contains(all.String(), "redacted") {
			t.Fatalf("login not recognised in %q", in)
		}
	}
}

func TestJSONSchema(t *testing.T) {
	d := New(Options{Now: fixedClock})
	evs := append(feedAll(d, "[3571] Ready (ping: 41ms).\r\n garbage-free\r\n"), d.Flush()...)
	b, err := json.Marshal(evs[0])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{"v": 1.0, "kind": "blynk", "severity": "info", "device_ms": 3571.0,
		"raw": "[3571] Ready (ping: 41ms).\r\n", "host_time": "2026-11-28T10:00:00Z"} {
		if m[k] != want {
			t.Errorf("%s = %v, want %v (%s)", k, m[k], want, b)
		}
	}
	b, _ = json.Marshal(evs[1])
	if !strings.Contains(string(b), `"device_ms":null`) {
		t.Errorf("device_ms should be null without a [ms] stamp: %s", b)
	}
}

// Problems clear when later events show them fixed.
func TestDiagnosisClears(t *testing.T) {
	d := New(Options{Now: fixedClock})
	g := NewDiagnoser()
	g.Feed(feedAll(d,
		"[1] Connecting to blynk.local:8442\r\n",
		"[5001] Connecting to blynk.local:8442\r\n",
		"[10002] Connecting to blynk.local:8442\r\n",
		"[10003] Invalid auth token\r\n")...)
	ids := map[string]bool{}
	for _, p := range g.Problems() {
		ids[p.ID] = true
	}
	if !ids["tcp-connect-failing"] || !ids["invalid-token"] {
		t.Fatalf("problems: %+v", g.Problems())
	}
	g.Feed(feedAll(d, "[15000] Connecting to blynk.local:8080\r\n", "[15050] Ready (ping: 50ms).\r\n")...)
	if ps := g.Problems(); len(ps) != 0 {
		t.Fatalf("problems after Ready: %+v", ps)
	}
}

func TestBootLoopClearsWhenBoardStaysUp(t *testing.T) {
	data, _ := os.ReadFile("testdata/logs/hw-wdt-boot-loop.log")
	d := New(Options{Now: fixedClock})
	g := NewDiagnoser()
	g.Feed(append(feedAll(d, string(data)), d.Flush()...)...)
	if len(g.Problems()) == 0 || g.Problems()[0].ID != "boot-loop" {
		t.Fatalf("no boot loop: %+v", g.Problems())
	}
	g.Feed(feedAll(d, "[200000] Ready (ping: 30ms).\r\n")...)
	for _, p := range g.Problems() {
		if p.ID == "boot-loop" {
			t.Fatal("boot loop still reported after 200 s of uptime")
		}
	}
}

// Without an ELF, a crash says so loudly; with the wrong ELF, it says the
// ELF does not match.
func TestELFWarnings(t *testing.T) {
	data, _ := os.ReadFile("testdata/elf/crash.log")
	evs := decodeAll(t, data, 0, nil)
	var c *Event
	for i := range evs {
		if evs[i].Kind == KindCrash {
			c = &evs[i]
		}
	}
	if c == nil || c.Fields["elf"] != "none" || !strings.Contains(c.Detail, "WARNING: no ELF given") {
		t.Fatalf("no-ELF warning missing: %+v", c)
	}
	data, _ = os.ReadFile("testdata/logs/exception-core24.log")
	for _, e := range decodeAll(t, data, 0, loadFixture(t)) {
		if e.Kind == KindCrash && e.Fields["elf"] != "mismatch" {
			t.Fatalf("ELF mismatch not reported: %+v", e.Fields)
		}
	}
}

// The crash event carries every stack word, and the symbolized frames skip
// what is not a return address.
func TestCrashEventWithELF(t *testing.T) {
	data, _ := os.ReadFile("testdata/elf/crash.log")
	var c Event
	for _, e := range decodeAll(t, data, 0, loadFixture(t)) {
		if e.Kind == KindCrash {
			c = e
		}
	}
	if n := len(strings.Fields(c.Fields["stack_words"])); n != 36 {
		t.Fatalf("stack_words has %d words, want 36", n)
	}
	if c.Frames[0].Source != "epc1" || c.Frames[0].Loc[0].Func != "scale" || c.Frames[0].Loc[1].Func != "read_sensor" {
		t.Fatalf("epc1 frame: %+v", c.Frames[0])
	}
	for _, f := range c.Frames {
		if f.Addr == 0x402010e8 || f.Addr == 0x40201044 {
			t.Fatalf("non-return address %s kept", hex8(f.Addr))
		}
	}
	if !strings.Contains(c.Summary, "scale (fw.c:25) inlined into read_sensor") {
		t.Fatalf("summary: %s", c.Summary)
	}
}

func FuzzDecoder(f *testing.F) {
	logs, _ := filepath.Glob("testdata/logs/*.log")
	real, _ := filepath.Glob("testdata/real/*.log")
	logs = append(logs, real...)
	for _, p := range logs {
		b, _ := os.ReadFile(p)
		if len(b) > 2000 {
			b = b[:2000]
		}
		f.Add(b, uint8(7))
	}
	f.Add([]byte("[1] <[1D|00|01|00] abc\r\n[2] >[14|00|01|00|05]\r\n[2] >[zz|"), uint8(1))
	f.Add([]byte("Exception (28):\nepc1=0x40201010 epc2=0x00000000 epc3=0x00000000 excvaddr=0x00000000 depc=0x00000000\n>>>stack>>>\n3fffff30:  40201059 40201059 40201059 40201059  \n"), uint8(3))
	elf, err := OpenELF(fixtureELF)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, in []byte, chunk uint8) {
		d := New(Options{Now: fixedClock, ELF: elf, MaxLine: 128})
		n := int(chunk%64) + 1
		var evs []Event
		for i := 0; i < len(in); i += n {
			evs = append(evs, d.Feed(in[i:min(len(in), i+n)])...)
			if chunk&0x80 != 0 {
				evs = append(evs, d.Flush()...)
			}
		}
		evs = append(evs, d.Flush()...)
		checkConservation(t, in, evs)
		g := NewDiagnoser()
		g.Feed(evs...)
		_ = g.Problems()
		for _, e := range evs {
			if _, err := json.Marshal(e); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// A dump interleaved with the sketch's other output stays one crash event;
// a dump cut short by the reset ends at the banner and says so.
func TestCrashInterleavedAndTruncated(t *testing.T) {
	in := "Exception (29):\r\n" +
		"epc1=0x40201010 epc2=0x00000000 epc3=0x00000000 excvaddr=0x00000000 depc=0x00000000\r\n" +
		"temp=21.5\r\n" + // the sketch printing on the other UART
		">>>stack>>>\r\n" +
		"ctx: cont\r\n" +
		"sp: 3ffffe20 end: 3fffffc0 offset: 0150\r\n" +
		"3fffff70:  3fffdad0 00000000 3ffee5f4 40201059  \r\n" +
		" ets Jan  8 2013,rst cause:2, boot mode:(3,6)\r\n"
	evs := decodeAll(t, []byte(in), 0, nil)
	checkConservation(t, []byte(in), evs)
	if len(evs) != 2 || evs[0].Kind != KindCrash || evs[1].Kind != KindROMBanner {
		t.Fatalf("events: %+v", evs)
	}
	c := evs[0]
	if c.Fields["interleaved_lines"] != "1" || c.Fields["truncated"] != "true" || c.Fields["exception"] != "29" {
		t.Fatalf("crash fields: %v", c.Fields)
	}
	if evs[1].Fields["after_crash"] != "Exception (29) StoreProhibited" {
		t.Fatalf("the reboot is not tied to the crash: %v", evs[1].Fields)
	}
}

// Host prefixes are stripped and never become device time.
func TestHostPrefixNotDeviceTime(t *testing.T) {
	evs := decodeAll(t, []byte("12:34:56.789 -> Weather station v2\r\n12:34:56.790 -> [1500] Connected to WiFi\r\n"), 0, nil)
	if evs[0].Kind != KindInput || evs[0].Fields["prefix"] != "arduino-ide" || evs[0].Raw != "" {
		t.Fatalf("the prefix style is not reported: %+v", evs[0])
	}
	evs = evs[1:]
	if evs[0].DeviceMillis != -1 || evs[0].Fields["host_clock"] != "12:34:56.789" || evs[0].Kind != KindText {
		t.Fatalf("%+v", evs[0])
	}
	if evs[1].DeviceMillis != 1500 || evs[1].Fields["msg"] != "wifi-connected" {
		t.Fatalf("%+v", evs[1])
	}
}
