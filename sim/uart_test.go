package sim

import (
	"bytes"
	"context"
	"testing"
	"time"
)

func TestResampleSameRate(t *testing.T) {
	p := []byte("hello\r\n\x00\xff\x55")
	if got := Resample(p, 115200, 115600); !bytes.Equal(got, p) {
		t.Fatalf("%q", got)
	}
}

func TestResampleWrongRate(t *testing.T) {
	text := []byte(Banner(2, false))
	fast := Resample(text, ROMBaud, 115200)
	if bytes.Contains(fast, []byte("rst cause")) || len(fast) == 0 {
		t.Fatalf("115200 reading 74880 gave %q", fast)
	}
	slow := Resample([]byte("[1234] tick 5\r\n"), 115200, ROMBaud)
	if bytes.Contains(slow, []byte("tick")) {
		t.Fatalf("74880 reading 115200 gave %q", slow)
	}
	// An idle gap lets the receiver resynchronise: the same byte sent on
	// its own always decodes the same way.
	a := Resample([]byte{'U'}, ROMBaud, 115200)
	b := Resample([]byte{'U'}, ROMBaud, 115200)
	if !bytes.Equal(a, b) {
		t.Fatal("not deterministic")
	}
	// Half the rate: every received bit is two sent bits.
	if got := Resample([]byte{0xFF}, 9600, 19200); len(got) != 1 || got[0] != 0xFE {
		// start bit (2 low samples at 19200: start + bit0=0), rest high
		t.Fatalf("0xFF at 9600 read at 19200: %x", got)
	}
}

func TestWrongBaudBanner(t *testing.T) {
	b := newBoard(t, Options{Boot: BootRun, Flash: arduinoFlash(t)})
	p := b.HostPort() // 115200
	waitState(t, b, Running)
	cleanReset(b, p)
	got := readUntil(t, p, "tick 0", time.Second)
	head := got[:bytes.Index(got, []byte("blynkbridge sim"))]
	if bytes.Contains(head, []byte("rst cause")) || bytes.Contains(head, []byte("load 0x")) || len(head) < 50 {
		t.Fatalf("115200 saw the 74880 text: %q", head)
	}
	// At 74880 the banner is exact and the sketch's 115200 output is garbage.
	p.SetBaud(ROMBaud)
	cleanReset(b, p)
	got = readUntil(t, p, "~ld\r\n", 2*time.Second)
	if !bytes.HasPrefix(got, []byte(Banner(2, false)+"load 0x4010f000")) {
		t.Fatalf("74880: %q", got)
	}
	got = append(got, readFor(p, 200*time.Millisecond)...)
	if bytes.Contains(got, []byte("tick")) {
		t.Fatal("74880 read the 115200 sketch text")
	}
}

func TestHostToBoardWrongBaud(t *testing.T) {
	got := make(chan []byte, 16)
	fw := FirmwareFunc(func(ctx context.Context, dev Device) error {
		dev.Begin(115200)
		dev.Write([]byte("ready\r\n"))
		buf := make([]byte, 64)
		for {
			n, err := dev.Read(buf)
			if err != nil {
				return nil
			}
			select {
			case got <- append([]byte(nil), buf[:n]...):
			case <-ctx.Done():
				return nil
			}
		}
	})
	b := newBoard(t, Options{Boot: BootRun, Flash: arduinoFlash(t), Firmware: func([]byte) Firmware { return fw }})
	p := b.HostPort()
	readUntil(t, p, "ready", time.Second)
	p.Write([]byte("hi\n"))
	select {
	case g := <-got:
		if string(g) != "hi\n" {
			t.Fatalf("same rate: %q", g)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("nothing received at the same rate")
	}
	p.SetBaud(57600)
	p.Write([]byte("hello"))
	var all []byte
	for len(all) == 0 {
		select {
		case g := <-got:
			all = append(all, g...)
		case <-time.After(time.Second):
			t.Fatal("nothing received")
		}
	}
	if bytes.Contains(all, []byte("hello")) {
		t.Fatalf("57600 into 115200 arrived intact: %q", all)
	}
}

// The timing model is never faster than the wire: every delivery comes no
// sooner than the wire time of all bytes delivered so far, counted from the
// hand-over (and, after the line went idle, from the new hand-over: idle
// time is never credited). One-sided, so a loaded machine cannot fail it.
func TestWireNeverEarly(t *testing.T) {
	const baud = 921600
	type got struct {
		at time.Time
		n  int
	}
	ch := make(chan got, 1024)
	w := newWire(func(p []byte, b int) {
		if b != baud {
			t.Errorf("delivered at %d baud", b)
		}
		ch <- got{time.Now(), len(p)}
	})
	defer w.stop()
	collect := func(start time.Time, total int) {
		t.Helper()
		sum := 0
		timeout := time.After(10 * time.Second)
		for sum < total {
			select {
			case g := <-ch:
				sum += g.n
				if min := byteTime(sum, baud); g.at.Sub(start) < min {
					t.Fatalf("%d bytes delivered %v after hand-over, wire needs %v", sum, g.at.Sub(start), min)
				}
			case <-timeout:
				t.Fatalf("only %d of %d bytes delivered", sum, total)
			}
		}
	}
	start := time.Now()
	var free time.Time
	for i := 0; i < 100; i++ {
		free = w.book(make([]byte, 10), baud)
	}
	if booked := free.Sub(start); booked < byteTime(1000, baud) {
		t.Fatalf("booked %v for 1000 bytes, want >= %v", booked, byteTime(1000, baud))
	}
	collect(start, 1000)
	// Idle, then a short reply: it still takes its full wire time.
	time.Sleep(5 * time.Millisecond)
	start = time.Now()
	w.book(make([]byte, 12), baud)
	collect(start, 12)
}
