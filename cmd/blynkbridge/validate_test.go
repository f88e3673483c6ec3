package main

import (
	"strings"
	"testing"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// TestSameMistakeSameExit: one table (internal/valid) checks every
// command's flags, so the same bad value gives the same exit code and the
// same error line whichever command it is given to.
func TestSameMistakeSameExit(t *testing.T) {
	clearEnv(t)
	t.Setenv("BLYNKBRIDGE_CONFIG", writeTemp(t, "none.toml", nil)+".missing")
	for _, c := range []struct {
		want string
		cmds [][]string
	}{
		{"error: --baud 99999999999: not a baud rate", [][]string{
			{"monitor", "-p", "/dev/null", "-b", "99999999999"},
			{"flash", "-p", "/dev/null", "-b", "99999999999", "x.bin"},
			{"info", "-p", "/dev/null", "-b", "99999999999"},
			{"relay", "-p", "/dev/null", "--server", "blynk.lan:9443", "-b", "99999999999"},
			{"sim", "--baud", "99999999999"},
			{"profile", "add", "x", "--baud", "99999999999"},
		}},
		{`error: --server blynk.lan:65536: port 65536 is not 1 to 65535`, [][]string{
			{"relay", "-p", "/dev/null", "--server", "blynk.lan:65536"},
			{"image", "patch", "in.bin", "-o", "out.bin", "--server", "blynk.lan:65536"},
			{"flash", "-p", "/dev/null", "--server", "blynk.lan:65536", "x.bin"},
			{"profile", "add", "x", "--server", "blynk.lan:65536"},
		}},
		{`error: --server "bad\x01host:9443": invisible character U+0001 in the host name`, [][]string{
			{"relay", "-p", "/dev/null", "--server", "bad\x01host:9443"},
			{"image", "patch", "in.bin", "-o", "out.bin", "--server", "bad\x01host:9443"},
			{"profile", "add", "x", "--server", "bad\x01host:9443"},
		}},
		{`error: --server "bad host:9443": space in the host name`, [][]string{
			{"relay", "-p", "/dev/null", "--server", "bad host:9443"},
			{"image", "patch", "in.bin", "-o", "out.bin", "--server", "bad host:9443"},
		}},
		{"port 65536 is not 1 to 65535", [][]string{
			{"cert", "fingerprint", "blynk.lan:65536"},
		}},
		{"error: --buffer -1: not between 0", [][]string{{"relay", "-p", "/dev/null", "--server", "blynk.lan:9443", "--buffer", "-1"}}},
		{"error: --max-body 0: not between 1", [][]string{{"relay", "-p", "/dev/null", "--server", "blynk.lan:9443", "--max-body", "0"}}},
		{"error: --min -5: not between 1", [][]string{{"image", "strings", "--min", "-5", "x.bin"}}},
	} {
		for _, args := range c.cmds {
			_, stderr, code := runCLI(t, args...)
			if code != bberr.Usage || !strings.Contains(stderr, c.want) || !strings.Contains(stderr, "\nhint: ") {
				t.Errorf("%q: exit %d\n%s\nwant exit 2 and %q", args, code, stderr, c.want)
			}
		}
	}
}
