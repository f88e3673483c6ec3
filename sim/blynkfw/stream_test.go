package blynkfw

import (
	"context"
	"io"
	"net"
	"path/filepath"
	"testing"
	"time"

	"go.bug.st/serial"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/blynk/blynktest"
)

// The USB stream board over a real pty: a plain pump (no relay logic) joins
// the pty to the test server, and the board logs in and writes its pins.
func TestUSBStreamOverPTY(t *testing.T) {
	s, err := blynktest.Start(blynktest.Options{Tokens: []blynk.Token{blynk.NewToken(testToken)}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(); logServer(t, s) })
	// Powered on only once the host holds the port open: output to a pty
	// nobody has open is dropped (as a USB-serial driver drops it), and
	// the login must not be.
	b := boardOff(t, bootImage(), Config{Kind: USBStream, Token: blynk.NewToken(testToken), WriteEvery: 200 * time.Millisecond})
	path, err := b.AttachPTY(filepath.Join(t.TempDir(), "uno"))
	if err != nil {
		t.Fatal(err)
	}
	port, err := serial.Open(path, &serial.Mode{BaudRate: 9600})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	conn, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(); port.Close() })
	go func() { _, _ = io.Copy(conn, port) }()
	go func() { _, _ = io.Copy(port, conn) }()
	b.PowerOn()

	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Second)
	defer cancel()
	r, err := s.WaitLogin(ctx)
	if err != nil || r.Detail != "ok" {
		t.Fatalf("login: %v %v", r, err)
	}
	info, err := s.WaitFrame(ctx, blynktest.In, func(f blynk.Frame) bool { return f.Cmd == blynk.CmdInternal })
	if err != nil {
		t.Fatal(err)
	}
	kv, _ := blynk.ParseKV(info.Body)
	if con, _ := blynk.Lookup(kv, "con"); con != "Stream" {
		t.Errorf("info packet %v", kv)
	}
	for i := 0; i < 2; i++ {
		vw, err := s.WaitFrame(ctx, blynktest.In, func(f blynk.Frame) bool {
			op, err := blynk.ParsePinOp(f.Body)
			return f.Cmd == blynk.CmdHardware && err == nil && op.Op == "vw" && op.Pin == "5" && f.ID > uint16(2+i)
		})
		if err != nil {
			t.Fatalf("virtual write %d: %v", i, err)
		}
		t.Logf("got %v", vw)
	}
	if _, ok := s.PinValue(5); !ok {
		t.Error("server has no value for V5")
	}
	// The server answers a vr with the board's vw, reusing the request id.
	if err := s.Send(blynk.Frame{Cmd: blynk.CmdHardware, ID: 0x8A70, Body: blynk.VirtualRead(5)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.WaitFrame(ctx, blynktest.In, func(f blynk.Frame) bool { return f.ID == 0x8A70 && f.Cmd == blynk.CmdHardware }); err != nil {
		t.Fatalf("vr answer: %v", err)
	}
	// PING from the server is answered.
	if err := s.Send(blynk.Ping(0x1234)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.WaitFrame(ctx, blynktest.In, func(f blynk.Frame) bool { return f.ID == 0x1234 && f.Cmd == blynk.CmdResponse }); err != nil {
		t.Fatalf("ping answer: %v", err)
	}
}

// BLYNK_PRINT on the protocol UART: the log text lands between the frames;
// the server's decoder skips it and still sees the login and the writes.
func TestUSBStreamPrintOnSerial(t *testing.T) {
	s, err := blynktest.Start(blynktest.Options{Tokens: []blynk.Token{blynk.NewToken(testToken)}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(); logServer(t, s) })
	_, hp := boardFlash(t, bootImage(), Config{Kind: USBStream, Token: blynk.NewToken(testToken), PrintOnSerial: true, WriteEvery: 100 * time.Millisecond}, 9600)
	_ = hp.SetReadTimeout(20 * time.Millisecond)
	conn, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	go func() {
		buf := make([]byte, 512)
		for {
			n, err := hp.Read(buf)
			if n > 0 {
				if _, werr := conn.Write(buf[:n]); werr != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	go func() { _, _ = io.Copy(hp, conn) }()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if r, err := s.WaitLogin(ctx); err != nil || r.Detail != "ok" {
		t.Fatalf("login %v %v", r, err)
	}
	if _, err := s.WaitFrame(ctx, blynktest.In, func(f blynk.Frame) bool { return f.Cmd == blynk.CmdHardware }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Wait(ctx, func(r blynktest.Record) bool { return r.Event == blynktest.EventSkipped && r.Skipped > 10 }); err != nil {
		t.Fatalf("the log text was not skipped as garbage: %v", err)
	}
}
