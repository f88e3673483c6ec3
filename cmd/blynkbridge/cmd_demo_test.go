package main

import (
	"strings"
	"testing"
)

// The README's first command, through run(): the failure, the diagnosis
// naming U+200E and the IP address, the patch of only the changed sector,
// and Ready. Timing off (BLYNKBRIDGE_SIM_TIMING=off) so it takes ~3 s.
func TestDemoPlain(t *testing.T) {
	t.Setenv("BLYNKBRIDGE_SIM_TIMING", "off")
	s, _ := runOK(t, "demo", "--plain", "--timeout", "30s")
	order := []string{
		"[0] Connecting to blynkbridge-lab",
		"Connecting to 127.0.0.1",
		"Certificate doesn't match",
		"Login timeout",
		"== diagnosis",
		"TLS by IP address can never pass axTLS's check",
		"invisible U+200E LEFT-TO-RIGHT MARK",
		"names the server by IP address 127.0.0.1",
		`patching the config block: host "localhost"`,
		"flashing only the changed sectors (1 of 2): 0x01000",
		"flashed 1 sector(s) (", "bytes of the image", "bytes on the wire), skipped 1 unchanged",
		"Connecting to localhost:",
		"Certificate OK",
		"Ready (ping: ",
		"the board is online",
	}
	at := 0
	for _, w := range order {
		i := strings.Index(s[at:], w)
		if i < 0 {
			t.Fatalf("missing %q after offset %d; output:\n%s", w, at, s)
		}
		at += i + len(w)
	}
}
