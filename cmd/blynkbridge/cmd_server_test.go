package main

import (
	"net"
	"regexp"
	"testing"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

func TestServerCommandTLS(t *testing.T) {
	r := startCLI(t, "server", "--listen", "127.0.0.1:0", "--token", testToken)
	m := r.waitMatch(regexp.MustCompile(`listening on (127\.0\.0\.1:\d+) \(TLS\)`))
	r.waitMatch(regexp.MustCompile(`fingerprint: ([0-9A-F]{2} ){19}[0-9A-F]{2}\n`))
	c, err := net.Dial("tcp", m[1])
	if err == nil {
		c.Close()
	}
	if code := r.stop(); code != bberr.OK && code != bberr.Interrupted {
		t.Fatalf("exit %d: %s", code, r.stderr())
	}
}

// The JSON log of a login: v1 records, and no token (cliRun.stop checks).
func TestServerCommandJSONPlain(t *testing.T) {
	r := startCLI(t, "server", "--no-tls", "--listen", "127.0.0.1:0", "--token", testToken, "--json")
	m := r.waitMatch(regexp.MustCompile(`"addr":"(127\.0\.0\.1:\d+)"`))
	c, err := net.Dial("tcp", m[1])
	if err != nil {
		t.Fatal(err)
	}
	c.Write(blynk.Login(blynk.CmdLogin, blynk.NewToken(testToken)).Marshal())
	r.waitMatch(regexp.MustCompile(`"event":"login".*"detail":"ok"`))
	c.Close()
	r.stop()
	v1Records(t, r.stdout())
}

func TestServerCommandNeedsToken(t *testing.T) {
	if _, _, code := runCLI(t, "server", "--no-tls"); code != bberr.Usage {
		t.Fatalf("exit %d", code)
	}
}
