package blynktest

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/blynk"
)

const tok = "0123456789abcdef0123456789abcdef"

func readFrame(t *testing.T, c net.Conn) blynk.Frame {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	dec := blynk.NewDecoder(blynk.DecoderOptions{})
	b := make([]byte, 1)
	for {
		if _, err := c.Read(b); err != nil {
			t.Fatalf("read: %v", err)
		}
		for _, it := range dec.Feed(b) {
			if !it.IsSkip() {
				return it.Frame
			}
		}
	}
}

func TestServerTLSSession(t *testing.T) {
	cert, err := NewCert([]string{"localhost"}, []net.IP{net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	s, err := Start(Options{TLS: &cert.TLS, Tokens: []blynk.Token{blynk.NewToken(tok)}, Echo: true, JSONLog: &log})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if fp := s.Fingerprint(); len(fp) != 59 {
		t.Fatalf("fingerprint %q", fp)
	}
	c, err := tls.Dial("tcp", s.Addr(), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Bad token first: 9.
	c.Write(blynk.Login(blynk.CmdLogin, blynk.NewToken("ffffffffffffffffffffffffffffffff")).Marshal())
	if f := readFrame(t, c); f.Cmd != blynk.CmdResponse || f.ID != 1 || f.Status() != blynk.StatusInvalidToken {
		t.Fatalf("bad token answer %v", f)
	}
	c.Write(blynk.Login(blynk.CmdHWLogin, blynk.NewToken(tok)).Marshal())
	if f := readFrame(t, c); f.Status() != blynk.StatusSuccess || f.ID != 1 {
		t.Fatalf("login answer %v", f)
	}
	info := blynk.NewFrame(blynk.CmdInternal, 2, blynk.KVBody([]blynk.KV{{Key: "ver", Value: "0.4.10"}, {Key: "h-beat", Value: "10"}}, true))
	c.Write(info.Marshal())
	if f := readFrame(t, c); f.Status() != blynk.StatusSuccess || f.ID != 2 {
		t.Fatalf("info answer %v", f)
	}
	c.Write(blynk.Ping(3).Marshal())
	if f := readFrame(t, c); f.Status() != blynk.StatusSuccess || f.ID != 3 {
		t.Fatalf("ping answer %v", f)
	}
	c.Write(blynk.Hardware(4, "vw", "5", "42").Marshal())
	if f := readFrame(t, c); f.Cmd != blynk.CmdHardware || string(f.Body) != "vw\x005\x0042" {
		t.Fatalf("echo %v", f)
	}
	if v, ok := s.PinValue(5); !ok || v[0] != "42" {
		t.Fatalf("pin value %v", v)
	}
	if err := s.SendHardware("dw", "2", "1"); err != nil {
		t.Fatal(err)
	}
	if f := readFrame(t, c); f.Cmd != blynk.CmdHardware || f.ID == 0 || string(f.Body) != "dw\x002\x001" {
		t.Fatalf("sent %v", f)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	// Stall: ping unanswered.
	s.Stall(true)
	c.Write(blynk.Ping(5).Marshal())
	if _, err := s.WaitFrame(ctx, In, func(f blynk.Frame) bool { return f.Cmd == blynk.CmdPing && f.ID == 5 }); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if n, _ := c.Read(make([]byte, 8)); n != 0 {
		t.Fatal("stalled server answered")
	}
	s.Stall(false)
	s.DropAll()
	if _, err := s.Wait(ctx, func(r Record) bool { return r.Event == EventDisconnect }); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(log.String(), tok) {
		t.Fatal("token in JSON log")
	}
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	var first map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil || first["v"] != float64(1) || first["event"] != "connect" {
		t.Fatalf("json line %s: %v", lines[0], err)
	}
}

func TestServerHeartbeatIdle(t *testing.T) {
	s, err := Start(Options{Tokens: []blynk.Token{blynk.NewToken(tok)}, HeartbeatFactor: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write(blynk.Login(blynk.CmdLogin, blynk.NewToken(tok)).Marshal())
	readFrame(t, c)
	// h-beat 1 s × 0.1 → 100 ms read-idle timeout.
	c.Write(blynk.NewFrame(blynk.CmdInternal, 2, blynk.KVBody([]blynk.KV{{Key: "h-beat", Value: "1"}}, true)).Marshal())
	readFrame(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	r, err := s.Wait(ctx, func(r Record) bool { return r.Event == EventDisconnect })
	if err != nil || !strings.Contains(r.Detail, "idle") {
		t.Fatalf("disconnect %v %v", r, err)
	}
}
