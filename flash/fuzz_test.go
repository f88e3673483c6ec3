package flash

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/flash/rom"
	"github.com/blynkbridge/blynkbridge/serialio"
)

// bytesPort plays back fixed input and swallows output.
type bytesPort struct {
	in   []byte
	baud int
}

func (p *bytesPort) Read(b []byte) (int, error) {
	if len(p.in) == 0 {
		return 0, nil // read timeout
	}
	n := copy(b, p.in[:min(len(p.in), 7)]) // odd chunks exercise reassembly
	p.in = p.in[n:]
	return n, nil
}
func (p *bytesPort) Write(b []byte) (int, error)        { return len(b), nil }
func (p *bytesPort) Close() error                       { return nil }
func (p *bytesPort) Name() string                       { return "bytes" }
func (p *bytesPort) SetReadTimeout(time.Duration) error { return nil }
func (p *bytesPort) SetBaud(b int) error                { p.baud = b; return nil }
func (p *bytesPort) Baud() int                          { return p.baud }
func (p *bytesPort) SetLines(bool, bool) error          { return serialio.ErrNoModemLines }
func (p *bytesPort) ResetInput() error                  { return nil }
func (p *bytesPort) Drain() error                       { return nil }

// FuzzReplies feeds arbitrary board output to the command layer: it must
// return replies or errors, never panic or loop.
func FuzzReplies(f *testing.F) {
	sync := rom.Encode(rom.Response{Op: rom.OpSync, Value: rom.SyncValue, Data: []byte{0, 0}}.Marshal())
	f.Add(append(append([]byte("ets Jan  8 2013,rst cause:2, boot mode:(3,6)\r\n"), sync...), sync...))
	f.Add(rom.Encode(rom.Response{Op: rom.OpReadReg, Value: 0xFFF0C101, Data: []byte{0, 0}}.Marshal()))
	f.Add([]byte{0xC0, 0x01, 0x0A, 0xFF, 0xFF, 0xC0})
	f.Add([]byte{0xC0, 0xDB, 0x01, 0xC0, 0xC0})
	f.Fuzz(func(t *testing.T, in []byte) {
		c := newPortConn(&bytesPort{in: in, baud: 115200}, nil)
		ctx := context.Background()
		for i := 0; i < len(in)+1; i++ {
			r, err := c.recv(ctx, time.Millisecond)
			if err != nil {
				break
			}
			_, _ = r.Status(0)
		}
		_ = printed(c.junk())
		_ = bootModeRE.FindSubmatch(in)
	})
}

// Addresses and ADDRESS FILE pairs come from the command line: never a
// panic, and what parses prints back to the same value.
func FuzzParseAddress(f *testing.F) {
	for _, s := range []string{"0x0", "0x10000", "4096", "4M", "64k", "0X1F", "", "0x", "-1", "0x100000000", "99999999999", "1e3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseAddress("address", s)
		if err != nil {
			return
		}
		if w, err := ParseAddress("address", fmt.Sprintf("0x%x", v)); err != nil || w != v {
			t.Fatalf("%q -> 0x%x does not round-trip (%v)", s, v, err)
		}
		segs, _, err := ParseSegments("flash", []string{s, "f.bin", s, "g.bin"})
		if err != nil || len(segs) != 2 || segs[0].Offset != v {
			t.Fatalf("pairs of %q: %v %v", s, segs, err)
		}
	})
}
