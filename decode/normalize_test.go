package decode

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
	"unicode/utf16"
)

// Every prefix style: what is stripped, what is reported, and the text left.
func TestStripPrefixStyles(t *testing.T) {
	for _, c := range []struct{ in, style, clock, text string }{
		{"12:34:56.789 -> [1500] Ready", "arduino-ide", "12:34:56.789", "[1500] Ready"},
		{"12:34:56.789 > [1500] Ready", "platformio", "12:34:56.789", "[1500] Ready"},
		{"[2026-11-28 10:11:12.345] [1500] Ready", "blynkbridge-monitor", "2026-11-28 10:11:12.345", "[1500] Ready"},
		{"[12:34:56.789] [1500] Ready", "bracket-time", "12:34:56.789", "[1500] Ready"},
		{"[12:34:56][I][wifi:123]: Connected", "bracket-time", "12:34:56", "[I][wifi:123]: Connected"},
		{"[2023-07-09 10:01:59] AT", "bracket-date-time", "2023-07-09 10:01:59", "AT"},
		{"2023-07-09T10:01:59.937Z [1500] Ready", "iso-date-time", "2023-07-09T10:01:59.937Z", "[1500] Ready"},
		{"2023-07-09 10:01:59.937 -> [1500] Ready", "iso-date-time", "2023-07-09 10:01:59.937", "[1500] Ready"},
		{"1612345678.123 [1500] Ready", "epoch", "1612345678.123", "[1500] Ready"},
		{"10:02:11.004\t[1500] Ready", "time", "10:02:11.004", "[1500] Ready"},
		{"> [1500] Ready", "quote", "", "[1500] Ready"},
		{">> > [1500] Ready", "quote", "", "[1500] Ready"},
		{">[2691] INIT => WAIT_CONFIG", "quote", "", "[2691] INIT => WAIT_CONFIG"},
		{"> 00:24:54.912 -> [571] Connected to WiFi", "quote+arduino-ide", "00:24:54.912", "[571] Connected to WiFi"},
		{"00:24:54.912 -> > [571] Connected to WiFi", "quote+arduino-ide", "00:24:54.912", "[571] Connected to WiFi"},
		{"    > 12:00:00.000 -> [1] x", "quote+arduino-ide", "12:00:00.000", "[1] x"},
		{"`*wm:[1] AutoConnect", "backtick", "", "*wm:[1] AutoConnect"},
		{"    [27000] Connecting...", "", "", "[27000] Connecting..."},
		// Not prefixes: the board's own text stays whole.
		{">>>stack>>>", "", "", ">>>stack>>>"},
		{"[1500] Ready", "", "", "[1500] Ready"},
		{"12:34:56 the sketch prints a time", "", "", "12:34:56 the sketch prints a time"},
		{"[I][logger:262]: Log initialized", "", "", "[I][logger:262]: Log initialized"},
		{">pm0out", "", "", ">pm0out"},
	} {
		n, layers, ts, clock := stripPrefix(c.in)
		style, _ := prefixStyle(layers&^layerIndent, ts)
		if style != c.style || clock != c.clock || c.in[n:] != c.text {
			t.Errorf("%q: style %q clock %q text %q; want %q %q %q", c.in, style, clock, c.in[n:], c.style, c.clock, c.text)
		}
	}
}

func utf16Bytes(s string, bigEndian, bom bool) []byte {
	var b bytes.Buffer
	order := binary.ByteOrder(binary.LittleEndian)
	if bigEndian {
		order = binary.BigEndian
	}
	if bom {
		_ = binary.Write(&b, order, uint16(0xFEFF))
	}
	for _, u := range utf16.Encode([]rune(s)) {
		_ = binary.Write(&b, order, u)
	}
	return b.Bytes()
}

// A log saved by Notepad or PowerShell (UTF-16, with or without BOM, either
// byte order) decodes like the UTF-8 original and says what it detected.
func TestUTF16Logs(t *testing.T) {
	const log = "[9812] Connecting to 192.168.0.251\r\n[9900] Certificate doesn't match\r\n[12000] Connecting to 192.168.0.251\r\n[13100] Certificate doesn't match\r\n[13101] °C ✓ 𝄞\r\n"
	want := render(decodeWith(t, []byte(log), 0, Options{File: true}), nil)
	for _, c := range []struct {
		big, bom bool
		enc      string
	}{{false, true, "utf-16le"}, {false, false, "utf-16le"}, {true, true, "utf-16be"}, {true, false, "utf-16be"}} {
		in := utf16Bytes(log, c.big, c.bom)
		for _, n := range []int{0, 1, 3} {
			evs := decodeWith(t, in, n, Options{File: true})
			if evs[0].Kind != KindInput || evs[0].Fields["encoding"] != c.enc {
				t.Fatalf("%+v: first event %+v", c, evs[0])
			}
			if got := render(evs[1:], nil); got != want {
				t.Fatalf("%+v chunk %d:\n%s", c, n, firstDiff(got, want))
			}
			g := NewDiagnoser()
			g.Feed(evs...)
			if ps := g.Problems(); len(ps) == 0 || ps[0].ID != "axtls-ip-no-domain" {
				t.Fatalf("%+v: diagnosis %+v", c, ps)
			}
		}
	}
	// A live port (File off) never guesses an encoding.
	if evs := decodeAll(t, utf16Bytes(log, false, false), 0, nil); evs[0].Kind == KindInput {
		t.Fatal("encoding detected on a live stream")
	}
}

func decodeWith(t testing.TB, data []byte, n int, o Options) []Event {
	o.Now = fixedClock
	d := New(o)
	var evs []Event
	if n <= 0 {
		n = len(data) + 1
	}
	for i := 0; i < len(data); i += n {
		evs = append(evs, d.Feed(data[i:min(i+n, len(data))])...)
	}
	return append(evs, d.Close()...)
}

// Bare-CR line ends are split and reported; CRLF logs are not affected.
func TestCROnlyLineEnds(t *testing.T) {
	in := []byte("[100] Connecting to HomeNet\r[3000] Connected to WiFi\r[3001] IP: 10.0.0.2\r")
	for _, n := range []int{0, 1, 5} {
		evs := decodeAll(t, in, n, nil)
		checkConservation(t, in, evs)
		if evs[0].Kind != KindInput || evs[0].Fields["line_end"] != "cr" || len(evs) != 4 || evs[3].Fields["msg"] != "ip" {
			t.Fatalf("chunk %d: %s", n, render(evs, nil))
		}
	}
}

// The monitor's own --log format: prefixes stripped, notes recognised.
func TestMonitorLogFormat(t *testing.T) {
	in := "[2026-11-28 10:11:12.345] [9812] Connecting to 192.168.0.251\n" +
		"[2026-11-28 10:11:12.400] -- reset by the monitor (listening at 74880 baud for the ROM banner)\n" +
		"[2026-11-28 10:11:13.001] [9900] Certificate doesn't match\n"
	evs := decodeAll(t, []byte(in), 0, nil)
	if evs[0].Fields["prefix"] != "blynkbridge-monitor" || evs[1].Fields["msg"] != "connect-ip" || evs[2].Kind != KindNote || evs[3].Fields["msg"] != "cert-mismatch" {
		t.Fatalf("%s", render(evs, nil))
	}
}

// FuzzNormalize: any bytes, any chunking, file mode or not: no panic, every
// byte (of the text, for UTF-16) in exactly one event, and the same events
// whatever the chunking.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"> 12:00:00.000 -> [1] Ready\n", "[2026-11-28 10:11:12.345] -- note\n", "a\rb\rc\r", ">>> >\n`x\n    y\n",
		"\xff\xfe[\x001\x00]\x00 \x00x\x00\r\x00\n\x00", "\xef\xbb\xbf[1] x\n", "1612345678.123 x\n[12:00:00][I][a:1]: b\n",
	} {
		f.Add([]byte(s), uint8(3), true)
	}
	f.Add(utf16Bytes("[100] Ready (ping: 5ms).\r\n\U0001F600", true, false), uint8(1), true)
	f.Fuzz(func(t *testing.T, in []byte, chunk uint8, file bool) {
		n := int(chunk%32) + 1
		o := Options{File: file, MaxLine: 64}
		evs := decodeWith(t, in, n, o)
		whole := decodeWith(t, in, 0, o)
		if a, b := render(evs, nil), render(whole, nil); a != b {
			t.Fatalf("chunking changes the events:\n%s", firstDiff(a, b))
		}
		want := in
		if file {
			if enc, bom, _ := detectEncoding(in, true); enc == encUTF16LE || enc == encUTF16BE {
				tc := transcoder{enc: enc}
				want = append(tc.convert(in[bom:]), tc.flush()...)
			}
		}
		checkConservation(t, want, evs)
		for _, e := range evs {
			if e.Kind == KindInput && e.Raw != "" && !strings.HasPrefix(e.Raw, "\xef\xbb\xbf") {
				t.Fatalf("input event with raw %q", e.Raw)
			}
		}
		for _, l := range strings.Split(string(in), "\n") {
			if k, _, _, _ := stripPrefix(l); k > len(l) {
				t.Fatalf("prefix longer than the line: %q", l)
			}
		}
	})
}

// A pipe that pauses in the middle of a UTF-16 character: the idle Flush
// keeps the odd byte for the next read instead of turning it into U+FFFD.
func TestUTF16FlushKeepsOddByte(t *testing.T) {
	in := utf16Bytes("[1] Ready (ping: 5ms).\r\n[2] Connecting to blynk.cloud:443\r\n", false, true)
	d := New(Options{File: true, Now: fixedClock})
	var evs []Event
	half := 41 // odd: inside a character
	evs = append(evs, d.Feed(in[:half])...)
	evs = append(evs, d.Flush()...)
	evs = append(evs, d.Feed(in[half:])...)
	evs = append(evs, d.Close()...)
	out := render(evs, nil)
	if strings.Contains(out, "\ufffd") || !strings.Contains(out, "connecting to the Blynk server blynk.cloud port 443") {
		t.Fatalf("%s", out)
	}
}
