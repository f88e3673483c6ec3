package blynkfw

import (
	"bytes"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/blynk/blynktest"
	"github.com/blynkbridge/blynkbridge/certs"
	"github.com/blynkbridge/blynkbridge/serialio"
	"github.com/blynkbridge/blynkbridge/sim"
)

const testToken = "0123456789abcdef0123456789abcdef"

func bootImage() []byte { return BootImage() }

// One certificate for every test: RSA key generation dominates test time.
var (
	certOnce sync.Once
	certVal  *certs.Issued
	certErr  error
)

func tlsServer(t *testing.T) *blynktest.Server {
	t.Helper()
	certOnce.Do(func() {
		certVal, certErr = blynktest.NewCert([]string{"localhost"}, []net.IP{net.IPv4(127, 0, 0, 1)})
	})
	cert, err := certVal, certErr
	if err != nil {
		t.Fatal(err)
	}
	s, err := blynktest.Start(blynktest.Options{TLS: &cert.TLS, Tokens: []blynk.Token{blynk.NewToken(testToken)}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Close()
		logServer(t, s)
	})
	return s
}

// logServer logs what the server saw when t failed: whether a missing line
// was the board's doing or the connection's (no frame bodies: a login
// carries the token).
func logServer(t *testing.T, s *blynktest.Server) {
	if !t.Failed() {
		return
	}
	for _, r := range s.Records() {
		what := r.Event
		if r.Frame != nil {
			what += fmt.Sprintf(" %s %v id=%d", r.Dir, r.Frame.Cmd, r.Frame.ID)
		}
		t.Logf("server %s conn %d: %s %s", r.Time.Format("15:04:05.000"), r.Conn, what, r.Detail)
	}
}

// board makes a board running cfg's sketch from the test boot image, with an
// in-process host port at 115200 (the WiFi sketch's rate).
func board(t *testing.T, cfg Config) (*sim.Board, serialio.Port) {
	t.Helper()
	return boardFlash(t, bootImage(), cfg, 115200)
}

// boardFlash makes a board with flash and cfg and a host port at baud. The
// port is attached and set before power-on: a board boots on its own
// goroutine, and on a loaded machine it can print its first lines (or send
// a USB-stream login) before a port attached after New exists; those bytes
// would be lost and the test would wait for output that never comes.
func boardFlash(t *testing.T, flash []byte, cfg Config, baud int) (*sim.Board, serialio.Port) {
	t.Helper()
	b := boardOff(t, flash, cfg)
	p := b.HostPort()
	if err := p.SetBaud(baud); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() }) // runs before the board's Close
	b.PowerOn()
	return b, p
}

// boardOff makes an unpowered board; the caller attaches its host side
// (a HostPort, a pty) and calls PowerOn.
func boardOff(t *testing.T, flash []byte, cfg Config) *sim.Board {
	t.Helper()
	b, err := sim.New(sim.Options{Flash: flash, Firmware: Chooser(cfg, t.Logf), PowerOff: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// expect reads the port until every want appeared in order, or fails.
func expect(t *testing.T, p serialio.Port, d time.Duration, wants ...string) string {
	t.Helper()
	var got []byte
	deadline := time.Now().Add(d)
	_ = p.SetReadTimeout(20 * time.Millisecond)
	buf := make([]byte, 4096)
	for time.Now().Before(deadline) {
		n, err := p.Read(buf)
		got = append(got, buf[:n]...)
		rest, ok := got, true
		for _, w := range wants {
			i := bytes.Index(rest, []byte(w))
			if i < 0 {
				ok = false
				break
			}
			rest = rest[i+len(w):]
		}
		if ok {
			return string(got)
		}
		if err != nil {
			t.Fatalf("read: %v; got %q", err, got)
		}
	}
	t.Fatalf("did not see %q in order within %v; got:\n%s", wants, d, got)
	return ""
}
