package daemon

import (
	"strings"
	"testing"
)

func TestSplitNamed(t *testing.T) {
	for _, tc := range []struct{ in, name, value string }{
		{"desk=/dev/ttyUSB0", "desk", "/dev/ttyUSB0"},
		{"/dev/ttyUSB0", "", "/dev/ttyUSB0"},
		{"/dev/serial/by-id/a=b", "", "/dev/serial/by-id/a=b"},
		{"rfc2217://h:1?x=y", "", "rfc2217://h:1?x=y"},
		{"=x", "", "=x"},
		{"desk=127.0.0.1:2217", "desk", "127.0.0.1:2217"},
	} {
		if n, v := SplitNamed(tc.in); n != tc.name || v != tc.value {
			t.Errorf("SplitNamed(%q) = %q, %q; want %q, %q", tc.in, n, v, tc.name, tc.value)
		}
	}
}

func TestStartHintNamesTheSocket(t *testing.T) {
	if h := StartHint(); !strings.Contains(h, DefaultSocket()) || !strings.HasPrefix(h, "start one: blynkbridge daemon") {
		t.Errorf("hint %q", h)
	}
}
