package relay

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/blynk/blynktest"
	"github.com/blynkbridge/blynkbridge/certs"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/sim"
	"github.com/blynkbridge/blynkbridge/sim/blynkfw"
)

// boardOnline starts a relay for the board behind link, powers the board
// on once the relay holds the port (so the ROM's boot text crosses the relay
// too) and waits for the board's login at the server.
func boardOnline(t *testing.T, b *sim.Board, link string, s *blynktest.Server, o Options) *running {
	t.Helper()
	o.Boards = []Board{{Name: "uno", Open: OpenPath(link, 9600)}}
	if o.Server == "" {
		o.Server = s.Addr()
	}
	if o.TLS == TLSVerify && o.CA == nil {
		o.CA = caPEM(t)
	}
	run := startRelay(t, o)
	waitStats(t, run.r, 0, 5*time.Second, "port open", func(st Stats) bool { return st.State != StateWaitBoard })
	b.PowerOn()
	return run
}

// waitOnline waits until s has accepted the board's login and the relay
// reports the board online: the starting point of the unplug and reset tests.
func waitOnline(t *testing.T, s *blynktest.Server, run *running) {
	t.Helper()
	if r, err := s.WaitLogin(ctxT(t, 20*time.Second)); err != nil || r.Detail != "ok" {
		t.Fatalf("login: %v %v", r, err)
	}
	waitStats(t, run.r, 0, 5*time.Second, "online", func(st Stats) bool { return st.State == StateOnline })
}

func TestEndToEndOverPTY(t *testing.T) {
	s := startServer(t, "", testToken)
	b, link := streamBoard(t, blynkfw.Config{WriteEvery: 200 * time.Millisecond, Heartbeat: 1, TimeoutMS: 1000})
	run := boardOnline(t, b, link, s, Options{})
	ctx := ctxT(t, 15*time.Second)

	if r, err := s.WaitLogin(ctx); err != nil || r.Detail != "ok" {
		t.Fatalf("login: %v %v", r, err)
	}
	info, err := s.WaitFrame(ctx, blynktest.In, func(f blynk.Frame) bool { return f.Cmd == blynk.CmdInternal })
	if err != nil {
		t.Fatal(err)
	}
	if kv, _ := blynk.ParseKV(info.Body); !strings.Contains(string(blynk.Body(flat(kv)...)), "Stream") {
		t.Errorf("info packet %v", kv)
	}
	// Board -> server: the sketch's periodic V5.
	if _, err := s.WaitFrame(ctx, blynktest.In, vwFrom("5")); err != nil {
		t.Fatalf("virtual write from the board: %v", err)
	}
	// Server -> board and back: write V1, then read it back (the board
	// answers the vr with the request's id).
	if err := s.SendHardware("vw", "1", "42"); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(blynk.Frame{Cmd: blynk.CmdHardware, ID: 0x7A01, Body: blynk.VirtualRead(1)}); err != nil {
		t.Fatal(err)
	}
	got, err := s.WaitFrame(ctx, blynktest.In, func(f blynk.Frame) bool { return f.ID == 0x7A01 })
	if err != nil {
		t.Fatalf("vr answer: %v", err)
	}
	if op, _ := blynk.ParsePinOp(got.Body); op.Pin != "1" || len(op.Values) != 1 || op.Values[0] != "42" {
		t.Errorf("V1 read back as %v", got)
	}
	// A server PING reaches the board and its answer comes back.
	if err := s.Send(blynk.Ping(0x1234)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.WaitFrame(ctx, blynktest.In, func(f blynk.Frame) bool { return f.ID == 0x1234 && f.Cmd == blynk.CmdResponse }); err != nil {
		t.Fatalf("ping answer: %v", err)
	}
	// The board's own PINGs (heartbeat 1 s) go through and are timed.
	if _, err := s.WaitFrame(ctx, blynktest.In, func(f blynk.Frame) bool { return f.Cmd == blynk.CmdPing }); err != nil {
		t.Fatalf("board ping: %v", err)
	}
	st := waitStats(t, run.r, 0, 5*time.Second, "ping RTT", func(st Stats) bool { return st.LastPingRTTms > 0 })
	if st.State != StateOnline || st.LoginsOK != 1 || st.BoardLogins != 1 || st.FramesUp < 4 || st.FramesDown < 3 {
		t.Errorf("stats %+v", st)
	}
	// The ROM's 74880-baud boot text reached the 9600-baud port as
	// garbage: skipped and counted, never sent.
	if st.SkippedBytes == 0 {
		t.Errorf("no boot text skipped: %+v", st)
	}
	noMalformed(t, s)
	if err := run.stop(t); err != nil {
		t.Errorf("Run after cancel: %v", err)
	}
	if got := run.r.Stats()[0].State; got != StateStopped {
		t.Errorf("state after stop %s", got)
	}
}

func flat(kv []blynk.KV) []string {
	var out []string
	for _, p := range kv {
		out = append(out, p.Key, p.Value)
	}
	return out
}

// The server is killed (listener and every connection closed) and started
// again on the same address: the relay reconnects, replays the board's login
// and info packet, and the board's session goes on without a reset: no second
// login from the board, its message ids keep counting, and no server ever
// sees a malformed frame.
func TestServerRestartSessionContinues(t *testing.T) {
	s1 := startServer(t, "", testToken)
	addr := s1.Addr()
	b, link := streamBoard(t, blynkfw.Config{WriteEvery: 100 * time.Millisecond})
	run := boardOnline(t, b, link, s1, Options{})
	ctx := ctxT(t, 20*time.Second)
	if r, err := s1.WaitLogin(ctx); err != nil || r.Detail != "ok" {
		t.Fatalf("login: %v %v", r, err)
	}
	last, err := s1.WaitFrame(ctx, blynktest.In, func(f blynk.Frame) bool { return vwFrom("5")(f) && f.ID > 4 })
	if err != nil {
		t.Fatal(err)
	}
	s1.Close()
	time.Sleep(300 * time.Millisecond) // an outage: the board's writes are buffered
	s2 := startServer(t, addr, testToken)

	if r, err := s2.WaitLogin(ctx); err != nil || r.Detail != "ok" {
		t.Fatalf("replayed login: %v %v", r, err)
	}
	if _, err := s2.WaitFrame(ctx, blynktest.In, func(f blynk.Frame) bool { return f.Cmd == blynk.CmdInternal }); err != nil {
		t.Fatalf("replayed info packet: %v", err)
	}
	next, err := s2.WaitFrame(ctx, blynktest.In, func(f blynk.Frame) bool { return vwFrom("5")(f) && f.ID > last.ID+3 })
	if err != nil {
		t.Fatalf("board's writes after the restart: %v", err)
	}
	t.Logf("last id before the restart %d, a later one after %d", last.ID, next.ID)
	st := waitStats(t, run.r, 0, 5*time.Second, "replay", func(st Stats) bool { return st.Replays == 1 && st.State == StateOnline })
	if st.BoardLogins != 1 || st.Reconnects < 1 || st.LoginsOK != 2 {
		t.Errorf("the board should not have logged in again: %+v", st)
	}
	// Frames buffered during the outage were delivered after the replay.
	var buffered int
	for _, e := range run.taps.events() {
		if e.Action == Buffered && e.Frame.Cmd == blynk.CmdHardware {
			buffered++
		}
	}
	if buffered == 0 {
		t.Error("no frame was buffered during the outage")
	}
	for _, r := range s2.Records() {
		if r.Event == blynktest.EventFrame && r.Dir == blynktest.In && r.Frame.Cmd.IsLogin() && r.Conn != s2.Records()[0].Conn {
			t.Errorf("second login on s2: %v", r)
		}
	}
	noMalformed(t, s1)
	noMalformed(t, s2)
}

// The board is unplugged (its pty vanishes) and plugged back (same link):
// the relay reopens it, the rebooted board logs in afresh and its login goes
// to the server as-is.
func TestUnplugReplug(t *testing.T) {
	s := startServer(t, "", testToken)
	b, link := streamBoard(t, blynkfw.Config{WriteEvery: 200 * time.Millisecond})
	run := boardOnline(t, b, link, s, Options{})
	waitOnline(t, s, run)
	b.Unplug()
	waitStats(t, run.r, 0, 5*time.Second, "port lost", func(st Stats) bool { return st.Unplugs == 1 && st.State == StateWaitBoard })
	time.Sleep(200 * time.Millisecond)
	if err := b.Replug(); err != nil {
		t.Fatal(err)
	}
	st := waitStats(t, run.r, 0, 10*time.Second, "second login", func(st Stats) bool { return st.LoginsOK == 2 && st.State == StateOnline })
	if st.BoardLogins != 2 || st.Replays != 0 {
		t.Errorf("stats %+v", st)
	}
	n := 0
	for _, r := range s.Records() {
		if r.Event == blynktest.EventLogin && r.Detail == "ok" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("server saw %d successful logins, want 2", n)
	}
	noMalformed(t, s)
}

// A reset (RST button) reboots the board: its fresh login is forwarded
// as-is on a new server connection.
func TestBoardReset(t *testing.T) {
	s := startServer(t, "", testToken)
	b, link := streamBoard(t, blynkfw.Config{WriteEvery: 200 * time.Millisecond})
	run := boardOnline(t, b, link, s, Options{})
	waitOnline(t, s, run)
	b.PressReset()
	st := waitStats(t, run.r, 0, 10*time.Second, "login after reset", func(st Stats) bool { return st.LoginsOK == 2 && st.State == StateOnline })
	if st.BoardLogins != 2 || st.Replays != 0 || st.Unplugs != 0 {
		t.Errorf("stats %+v", st)
	}
	noMalformed(t, s)
}

// A wrong pin or an untrusted server is found at start, before any port
// is opened or any board traffic: Run ends with exit 8 and a hint within
// StartCheckTimeout, and the server saw no frame.
func TestWrongPinOrCARefusedAtStart(t *testing.T) {
	s := startServer(t, "", testToken)
	b, link := streamBoard(t, blynkfw.Config{})
	b.PowerOn()
	wrong, err := ParsePin("AA BB CC DD EE FF 00 11 22 33 44 55 66 77 88 99 AA BB CC DD")
	if err != nil {
		t.Fatal(err)
	}
	other, err := certs.NewCA("other CA", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]Options{
		"wrong pin":       {TLS: TLSPinned, Pin: wrong},
		"untrusted CA":    {TLS: TLSVerify, CA: other.CertPEM},
		"system CAs only": {TLS: TLSVerify},
	}
	for name, o := range cases {
		t.Run(name, func(t *testing.T) {
			o.Boards = []Board{{Name: "uno", Open: OpenPath(link, 9600)}}
			o.Server = s.Addr()
			r, err := New(o)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			runErr := make(chan error, 1)
			go func() { runErr <- r.Run(context.Background()) }()
			var err2 error
			select {
			case err2 = <-runErr:
			case <-time.After(StartCheckTimeout + 2*time.Second):
				t.Fatal("relay did not refuse the server at start")
			}
			took := time.Since(start)
			if bberr.CodeOf(err2) != bberr.Network || bberr.HintOf(err2) == "" {
				t.Fatalf("error %v, code %d, want %d with a hint", err2, bberr.CodeOf(err2), bberr.Network)
			}
			if st := r.Stats()[0]; st.State != StateWaitBoard || st.BoardLogins != 0 || st.FramesUp != 0 {
				t.Fatalf("board traffic before the refusal: %+v", st)
			}
			if name == "wrong pin" {
				want := certs.SHA1Of(s.Leaf()).ESP8266()
				if !strings.Contains(err2.Error(), "does not match --fingerprint") || !strings.Contains(err2.Error(), want) {
					t.Errorf("message %q should say it does not match and name the server's %s", err2, want)
				}
			}
			t.Logf("%s: refused in %s: %v", name, took.Round(time.Millisecond), err2)
		})
	}
	for _, r := range s.Records() {
		if r.Event == blynktest.EventFrame {
			t.Errorf("a frame crossed a refused connection: %v", r)
		}
	}
}

// The right pin in each accepted form gets through.
func TestPinnedForms(t *testing.T) {
	s := startServer(t, "", testToken)
	leaf := s.Leaf()
	for _, pin := range []string{
		certs.SHA1Of(leaf).Colon(),
		certs.SHA256Of(leaf).ESP8266(),
		"sha256/" + certs.SPKIPin(leaf),
		"sha256//" + certs.SPKIPin(leaf),
	} {
		p, err := ParsePin(pin)
		if err != nil {
			t.Fatalf("%s: %v", pin, err)
		}
		o := &Options{TLS: TLSPinned, Pin: p}
		od := o.withDefaults()
		r := &Relay{o: od}
		c, err := tlsConfig(&r.o, "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		conn, err := r.dialer(c)(ctxT(t, 5*time.Second), s.Addr())
		if err != nil {
			t.Errorf("pin %s: %v", pin, err)
			continue
		}
		conn.Close()
	}
}

func TestInvalidTokenReported(t *testing.T) {
	s := startServer(t, "", "ffffffffffffffffffffffffffffffff")
	b, link := streamBoard(t, blynkfw.Config{})
	run := boardOnline(t, b, link, s, Options{})
	st := waitStats(t, run.r, 0, 10*time.Second, "refusal", func(st Stats) bool { return st.LoginsFailed >= 1 })
	if st.State != StateAuthFailed {
		t.Errorf("state %s", st.State)
	}
	err := run.r.Err()[0]
	var be *bberr.Error
	if !errors.As(err, &be) || be.Code != bberr.Auth || !strings.Contains(be.Msg, "INVALID_TOKEN") || be.Hint == "" {
		t.Fatalf("error %#v", err)
	}
	// The board heard the refusal: the answer was forwarded, not eaten.
	// (Taps are delivered just after the counters change: poll.)
	var fwd bool
	for end := time.Now().Add(2 * time.Second); !fwd && time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		for _, e := range run.taps.events() {
			if e.Dir == Down && e.Action == Forwarded && e.Frame.Cmd == blynk.CmdResponse && e.Frame.Status() == blynk.StatusInvalidToken {
				fwd = true
			}
		}
	}
	if !fwd {
		t.Error("INVALID_TOKEN answer not forwarded to the board")
	}
	run.stop(t)

	// With FailFast, Run returns it (exit code 12 in the CLI).
	s2 := startServer(t, "", "ffffffffffffffffffffffffffffffff")
	b2, link2 := streamBoard(t, blynkfw.Config{})
	run2 := boardOnline(t, b2, link2, s2, Options{FailFast: true})
	select {
	case err := <-run2.done:
		run2.done <- err
		if bberr.CodeOf(err) != bberr.Auth {
			t.Fatalf("Run: %v (code %d)", err, bberr.CodeOf(err))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return on the refusal")
	}
}

// A board at 9600 read by a relay at 115200: nothing but skipped bytes.
// The relay says so once and names its baud.
func TestBaudMismatchHint(t *testing.T) {
	s := startServer(t, "", testToken)
	b, link := streamBoard(t, blynkfw.Config{WriteEvery: 100 * time.Millisecond})
	run := startRelay(t, Options{Server: s.Addr(), CA: caPEM(t),
		Boards: []Board{{Name: "uno", Open: OpenPath(link, 115200), Baud: 115200}}})
	waitStats(t, run.r, 0, 5*time.Second, "port open", func(st Stats) bool { return st.State != StateWaitBoard })
	b.PowerOn()
	waitStats(t, run.r, 0, 15*time.Second, "skipped bytes", func(st Stats) bool { return st.SkippedBytes >= baudHintBytes })
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(run.log.String(), "every byte from the board is skipped") {
		if time.Now().After(deadline) {
			t.Fatalf("no baud hint; log:\n%s", run.log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if l := run.log.String(); !strings.Contains(l, "--baud 115200") || strings.Count(l, "every byte from the board is skipped") != 1 {
		t.Fatalf("hint should name --baud 115200, once:\n%s", l)
	}
	if st := run.r.Stats()[0]; st.BoardLogins != 0 || st.FramesUp != 0 {
		t.Fatalf("frames got through at the wrong baud: %+v", st)
	}
}
