package valid

import (
	"strings"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

func TestCheck(t *testing.T) {
	for _, c := range []struct {
		flag string
		v    any
		ok   bool
		msg  string
	}{
		{"baud", 115200, true, ""},
		{"baud", 74880, true, ""},
		{"baud", 2147483647, false, "not a baud rate"}, // the largest int on 32-bit ARM
		{"baud", 0, false, "not a baud rate"},
		{"baud-flash", 921600, true, ""},
		{"buffer", -1, false, "not between 0"},
		{"max-body", 0, false, "not between 1"},
		{"min", -5, false, "not between 1"},
		{"log-max", int64(-1), false, "not between 0"},
		{"timeout", time.Duration(0), false, "not between"},
		{"server", "blynk.lan:9443", true, ""},
		{"server", "blynk.lan", true, ""},
		{"server", "192.168.0.251:9443", true, ""},
		{"server", "[fe80::1]:9443", true, ""},
		{"server", "blynk.lan:65536", false, "port"},
		{"server", "blynk.lan:0", false, "port"},
		{"server", "bad host:9443", false, "space"},
		{"server", "bad\x01host:9443", false, "invisible character U+0001"},
		{"server", "blynk\u200e.lan:9443", false, "invisible character U+200E"},
		{"server", "https://blynk.lan", false, "scheme"},
		{"listen", "127.0.0.1:0", true, ""},
		{"listen", ":9443", true, ""},
		{"listen", "127.0.0.1:65536", false, "port"},
		{"as", "192.168.0.251", true, ""},
		{"as", "a b", false, "space"},
		{"no-such-flag", "anything", true, ""},
	} {
		err := Check(c.flag, c.v)
		if c.ok != (err == nil) {
			t.Errorf("--%s %v: %v", c.flag, c.v, err)
			continue
		}
		if err != nil && (bberr.CodeOf(err) != bberr.Usage || !strings.Contains(err.Error(), c.msg) || bberr.HintOf(err) == "") {
			t.Errorf("--%s %v: code %d, %q (hint %q), want %q", c.flag, c.v, bberr.CodeOf(err), err, bberr.HintOf(err), c.msg)
		}
		if err != nil && strings.ContainsAny(err.Error(), "\x01\u200e") {
			t.Errorf("raw control character in %q", err)
		}
	}
}

func TestParseHostPortPositional(t *testing.T) {
	if h, p, err := ParseHostPort("", "blynk.lan", 9443); err != nil || h != "blynk.lan" || p != 9443 {
		t.Fatal(h, p, err)
	}
	if _, _, err := ParseHostPort("", "blynk.lan:65536", 9443); bberr.CodeOf(err) != bberr.Usage {
		t.Fatal(err)
	}
	if _, _, err := ParseHostPort("", "blynk.lan", 0); err == nil {
		t.Fatal("a required port was not asked for")
	}
}
