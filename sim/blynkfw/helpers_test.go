package blynkfw

import (
	"bytes"
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
	t.Cleanup(func() { s.Close() })
	return s
}

func board(t *testing.T, cfg Config) *sim.Board {
	t.Helper()
	b, err := newBoardFlash(t, bootImage(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newBoardFlash(t *testing.T, flash []byte, cfg Config) (*sim.Board, error) {
	b, err := sim.New(sim.Options{Flash: flash, Firmware: Chooser(cfg, t.Logf)})
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { b.Close() })
	return b, nil
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
