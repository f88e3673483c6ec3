package relay

import (
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/blynk/blynktest"
)

// dropAfterServer is a Blynk test server that drops each connection after
// it has received n HARDWARE frames on it (a flaky server or NAT), and
// keeps the set of values it received over all connections.
type dropAfterServer struct {
	*blynktest.Server
	mu   sync.Mutex
	got  map[string]int // value -> times received
	perC map[int]int
}

func startDropAfter(t *testing.T, n int) *dropAfterServer {
	t.Helper()
	d := &dropAfterServer{got: map[string]int{}, perC: map[int]int{}}
	s, err := blynktest.Start(blynktest.Options{TLS: &testCert(t).TLS, Tokens: []blynk.Token{blynk.NewToken(testToken)},
		OnRecord: func(r blynktest.Record) {
			if r.Event != blynktest.EventFrame || r.Dir != blynktest.In || r.Frame.Cmd != blynk.CmdHardware {
				return
			}
			d.mu.Lock()
			parts := blynk.Split(r.Frame.Body)
			if len(parts) == 3 {
				d.got[parts[2]]++
			}
			d.perC[r.Conn]++
			drop := d.perC[r.Conn] == n
			d.mu.Unlock()
			if drop {
				go d.Drop(r.Conn)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	d.Server = s
	t.Cleanup(func() { s.Close() })
	return d
}

// The server drops the connection after every 6 values while the board
// writes 72: every value reaches it (frames written into a dying socket
// are confirmed or sent again), and what the relay counts as dropped
// equals what the server's frame log lacks - here nothing.
func TestDropAccountingMatchesServerLog(t *testing.T) {
	s := startDropAfter(t, 6)
	run, p := fakeRelay(t, s.Server, Options{ReconnectMin: 30 * time.Millisecond, ReconnectMax: 60 * time.Millisecond})
	login(t, p)
	waitStats(t, run.r, 0, 5*time.Second, "online", func(st Stats) bool { return st.State == StateOnline })
	const total = 72
	for i := range total {
		p.send(blynk.Hardware(uint16(100+i), "vw", "7", strconv.Itoa(i)).Marshal())
		time.Sleep(5 * time.Millisecond)
	}
	st := waitStats(t, run.r, 0, 15*time.Second, "all delivered or counted", func(st Stats) bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.got)+int(st.Dropped) >= total && st.Buffered == 0
	})
	s.mu.Lock()
	missing := 0
	for i := range total {
		if s.got[strconv.Itoa(i)] == 0 {
			missing++
		}
	}
	dups := 0
	for _, n := range s.got {
		dups += n - 1
	}
	s.mu.Unlock()
	if int64(missing) != st.Dropped {
		t.Fatalf("server lacks %d of %d values, relay counts %d dropped (%v); stats %+v", missing, total, st.Dropped, st.DroppedBy, st)
	}
	if missing != 0 {
		t.Fatalf("%d values lost with a default buffer", missing)
	}
	if st.Reconnects < 5 {
		t.Fatalf("only %d reconnects: the server did not drop as planned", st.Reconnects)
	}
	t.Logf("%d values, %d reconnects, %d sent again, %d seen twice by the server", total, st.Reconnects, st.Resent, dups)
}

// Frames still buffered when the relay stops are counted (cause
// shutdown), as are those a full outage buffer pushed out; together they
// are exactly what the server never received.
func TestDropAccountingOnShutdown(t *testing.T) {
	run, p, s1 := onlineThenOutage(t, Options{BufferFrames: 4, ReconnectMin: time.Hour, ReconnectMax: time.Hour})
	for i := range 10 {
		p.send(blynk.Hardware(uint16(100+i), "vw", "7", strconv.Itoa(i)).Marshal())
	}
	waitStats(t, run.r, 0, 5*time.Second, "buffered", func(st Stats) bool { return st.Buffered == 4 })
	if err := run.stop(t); err != nil {
		t.Fatal(err)
	}
	st := run.r.Stats()[0]
	got := 0
	for _, f := range s1.Frames(blynktest.In) {
		if f.Cmd == blynk.CmdHardware {
			got++
		}
	}
	if st.DroppedBy[DropShutdown] != 4 || st.DroppedBy[DropBufferFull] != 6 || int(st.Dropped) != 10-got {
		t.Fatalf("dropped %d %v, server got %d of 10", st.Dropped, st.DroppedBy, got)
	}
}

// During an outage the relay answers the board's PINGs only for
// LocalPingWindow; after it the board's PINGs go unanswered (counted,
// cause link-down) so the sketch's own heartbeat timeout sees the link
// down.
func TestLocalPingWindow(t *testing.T) {
	run, p, _ := onlineThenOutage(t, Options{LocalPingWindow: 300 * time.Millisecond, ReconnectMin: time.Hour, ReconnectMax: time.Hour})
	p.send(blynk.Ping(3).Marshal())
	p.expect(t, "local ping answer", func(f blynk.Frame) bool { return f.IsResponse() && f.ID == 3 })
	time.Sleep(400 * time.Millisecond)
	p.send(blynk.Ping(4).Marshal())
	st := waitStats(t, run.r, 0, 5*time.Second, "ping left unanswered", func(st Stats) bool { return st.DroppedBy[DropLinkDown] == 1 })
	if st.LocalPings != 1 {
		t.Fatalf("local pings %d, want 1", st.LocalPings)
	}
	select {
	case f := <-p.got:
		if f.IsResponse() && f.ID == 4 {
			t.Fatal("PING after the window was answered")
		}
	case <-time.After(200 * time.Millisecond):
	}
	if !strings.Contains(run.log.String(), "local ping window") {
		t.Fatal("no warning that the board is told the link is down")
	}
}

// onlineThenOutage logs a scripted board in through a relay, then stops
// the server: the start of every outage test.
func onlineThenOutage(t *testing.T, o Options) (*running, *fakePort, *blynktest.Server) {
	t.Helper()
	s := startServer(t, "", testToken)
	run, p := fakeRelay(t, s, o)
	login(t, p)
	waitStats(t, run.r, 0, 5*time.Second, "online", func(st Stats) bool { return st.State == StateOnline })
	s.Close()
	waitStats(t, run.r, 0, 5*time.Second, "offline", func(st Stats) bool { return st.State != StateOnline })
	return run, p, s
}
