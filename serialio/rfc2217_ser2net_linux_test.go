//go:build linux

package serialio_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/internal/testkit"
	"github.com/blynkbridge/blynkbridge/serialio"
	"github.com/blynkbridge/blynkbridge/sim"
)

// readUntil reads p until want shows up or d passes, and returns all of it.
func readUntil(t *testing.T, p serialio.Port, want string, d time.Duration) string {
	t.Helper()
	var got []byte
	buf := make([]byte, 4096)
	if err := p.SetReadTimeout(50 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	for end := time.Now().Add(d); time.Now().Before(end); {
		n, err := p.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			t.Fatalf("read: %v (got %q)", err, got)
		}
		if bytes.Contains(got, []byte(want)) {
			return string(got)
		}
	}
	t.Fatalf("no %q within %s; got %q", want, d, got)
	return ""
}

// TestRFC2217Ser2net opens a simulated board's pty through Debian's
// ser2net: the ROM banner at 74880, the sketch at 115200 after SET-BAUDRATE,
// DTR/RTS sent without any acknowledgement coming back (ser2net on a pty
// never sends one) and without the client waiting for it.
func TestRFC2217Ser2net(t *testing.T) {
	b, err := sim.New(sim.Options{Flash: sim.FactoryImage(), PowerOff: true, Timing: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	path, err := b.AttachPTY("")
	if err != nil {
		t.Fatal(err)
	}
	addr := testkit.Ser2net(t, path)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	port, err := serialio.Open(ctx, "rfc2217://"+addr+"?ign_set_control", 74880)
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	p := port.(*serialio.RFC2217Port)
	if p.Baud() != 74880 {
		t.Errorf("baud after open = %d, want 74880 (ser2net's acknowledgement)", p.Baud())
	}
	b.PowerOn()
	banner := readUntil(t, p, "load 0x", 5*time.Second)
	if !strings.Contains(banner, "ets Jan  8 2013,rst cause:1") {
		t.Errorf("banner at 74880 through ser2net: %q", banner)
	}
	if err := p.SetBaud(115200); err != nil {
		t.Fatal(err)
	}
	readUntil(t, p, "demo sketch at 115200 baud", 5*time.Second)

	// The reset pair: returns at once, though ser2net never answers.
	if err := p.SetLines(false, true); err != nil {
		t.Fatal(err)
	}
	if err := p.SetLines(false, false); err != nil {
		t.Fatal(err)
	}
	// A round trip after them proves ser2net has processed both.
	if err := p.SetBaud(115200); err != nil {
		t.Fatal(err)
	}
	if n := p.ControlAcks(); n != 0 {
		t.Logf("ser2net acknowledged SET-CONTROL %d time(s) (it did not on a pty when measured)", n)
	}
	if err := p.ResetInput(); err != nil {
		t.Fatal(err)
	}
	// The link keeps working: the sketch's next tick arrives.
	readUntil(t, p, "tick", 5*time.Second)
}

// TestRFC2217NoServer: nothing listening is ErrNotFound with a hint, at once.
func TestRFC2217NoServer(t *testing.T) {
	addr := testkit.FreeAddr(t)
	_, err := serialio.Open(context.Background(), "rfc2217://"+addr, 115200)
	if !errors.Is(err, serialio.ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
}
