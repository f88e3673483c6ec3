package relay

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/blynk/blynktest"
	"github.com/blynkbridge/blynkbridge/serialio"

	"github.com/blynkbridge/blynkbridge/internal/testkit"
)

// fakePort is a scripted board: the test writes what the board sends with
// send and reads what the relay wrote to it with frames.
type fakePort struct {
	mu     sync.Mutex
	in     chan []byte
	closed chan struct{}
	once   sync.Once
	out    *blynk.Decoder
	got    chan blynk.Frame
}

func newFakePort() *fakePort {
	return &fakePort{in: make(chan []byte, 64), closed: make(chan struct{}),
		out: blynk.NewDecoder(blynk.DecoderOptions{}), got: make(chan blynk.Frame, 256)}
}

func (p *fakePort) send(b []byte) { p.in <- b }

func (p *fakePort) Read(b []byte) (int, error) {
	select {
	case d := <-p.in:
		return copy(b, d), nil
	case <-p.closed:
		return 0, io.ErrClosedPipe
	case <-time.After(100 * time.Millisecond):
		return 0, nil
	}
}

func (p *fakePort) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, it := range p.out.Feed(b) {
		if !it.IsSkip() {
			p.got <- it.Frame
		}
	}
	return len(b), nil
}

func (p *fakePort) Close() error                       { p.once.Do(func() { close(p.closed) }); return nil }
func (p *fakePort) Name() string                       { return "fake" }
func (p *fakePort) SetReadTimeout(time.Duration) error { return nil }
func (p *fakePort) SetBaud(int) error                  { return nil }
func (p *fakePort) Baud() int                          { return 9600 }
func (p *fakePort) SetLines(bool, bool) error          { return serialio.ErrNoModemLines }
func (p *fakePort) ResetInput() error                  { return nil }
func (p *fakePort) Drain() error                       { return nil }

func (p *fakePort) expect(t *testing.T, what string, match func(blynk.Frame) bool) blynk.Frame {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case f := <-p.got:
			if match(f) {
				return f
			}
		case <-deadline:
			t.Fatalf("board never got %s", what)
		}
	}
}

func fakeRelay(t *testing.T, s *blynktest.Server, o Options) (*running, *fakePort) {
	t.Helper()
	p := newFakePort()
	o.Boards = []Board{{Name: "fake", Open: func(context.Context) (serialio.Port, error) { return p, nil }}}
	if o.Server == "" {
		o.Server = s.Addr()
	}
	if o.CA == nil && o.TLS == TLSVerify {
		o.CA = caPEM(t)
	}
	return startRelay(t, o), p
}

func login(t *testing.T, p *fakePort) {
	t.Helper()
	p.send(blynk.Login(blynk.CmdHWLogin, blynk.NewToken(testToken)).Marshal())
	p.expect(t, "login answer", func(f blynk.Frame) bool { return f.IsResponse() && f.ID == 1 && f.Status() == blynk.StatusSuccess })
	info := blynk.NewFrame(blynk.CmdInternal, 2, blynk.KVBody([]blynk.KV{{Key: "ver", Value: "0.6.1"}, {Key: "h-beat", Value: "10"}, {Key: "buff-in", Value: "256"}}, true))
	p.send(info.Marshal())
	p.expect(t, "info answer", func(f blynk.Frame) bool { return f.IsResponse() && f.ID == 2 })
}

// During an outage board PINGs are answered by the relay, frames are kept up
// to the bound and then the oldest dropped with a count; after the server is
// back the kept frames arrive in order, after the replayed login and info.
func TestOutageBufferAndLocalPings(t *testing.T) {
	run, p, s1 := onlineThenOutage(t, Options{BufferFrames: 5, ReconnectMin: 300 * time.Millisecond, ReconnectMax: 300 * time.Millisecond})
	addr := s1.Addr()

	p.send(blynk.Ping(3).Marshal())
	p.expect(t, "local ping answer", func(f blynk.Frame) bool { return f.IsResponse() && f.ID == 3 })
	for i := 0; i < 8; i++ {
		p.send(blynk.Hardware(uint16(10+i), "vw", "7", strconv.Itoa(i)).Marshal())
	}
	st := waitStats(t, run.r, 0, 5*time.Second, "drops", func(st Stats) bool { return st.Dropped == 3 })
	if st.Buffered != 5 || st.LocalPings != 1 {
		t.Errorf("stats %+v", st)
	}
	s2 := startServer(t, addr, testToken)
	ctx := ctxT(t, 10*time.Second)
	if _, err := s2.WaitFrame(ctx, blynktest.In, func(f blynk.Frame) bool { return f.ID == 17 }); err != nil {
		t.Fatal(err)
	}
	var ids []uint16
	var cmds []blynk.Cmd
	for _, f := range s2.Frames(blynktest.In) {
		if f.Cmd == blynk.CmdPing && f.ID >= confirmBase {
			continue // the relay's own confirming PING
		}
		ids = append(ids, f.ID)
		cmds = append(cmds, f.Cmd)
	}
	want := []uint16{1, 2, 13, 14, 15, 16, 17}
	if len(ids) != len(want) {
		t.Fatalf("server got ids %v (%v), want %v", ids, cmds, want)
	}
	for i := range want {
		if ids[i] != want[i] {
			t.Fatalf("server got ids %v, want %v", ids, want)
		}
	}
	if cmds[0] != blynk.CmdHWLogin || cmds[1] != blynk.CmdInternal {
		t.Errorf("replay order %v", cmds)
	}
	st = waitStats(t, run.r, 0, 5*time.Second, "swallowed", func(st Stats) bool { return st.Swallowed == 2 })
	if st.Buffered != 0 || st.Replays != 1 {
		t.Errorf("stats %+v", st)
	}
	// The board got no second login answer.
	select {
	case f := <-p.got:
		t.Errorf("board got %v after the replay", f)
	case <-time.After(100 * time.Millisecond):
	}
	noMalformed(t, s2)
}

// Garbage and oversize frames from the board never reach the server; a
// server frame bigger than the board's buff-in is refused.
func TestGarbageAndOversize(t *testing.T) {
	s := startServer(t, "", testToken)
	run, p := fakeRelay(t, s, Options{MaxBody: 64})
	p.send([]byte("[12] Connecting...\r\n"))
	login(t, p)
	big := blynk.NewFrame(blynk.CmdHardware, 5, append([]byte("vw\x001\x00"), make([]byte, 100)...))
	for i := range big.Body[5:] {
		big.Body[5+i] = 'x'
	}
	p.send(big.Marshal())
	p.send([]byte("text the sketch printed\r\n"))
	p.send(blynk.Hardware(6, "vw", "2", "ok").Marshal())
	ctx := ctxT(t, 5*time.Second)
	if _, err := s.WaitFrame(ctx, blynktest.In, func(f blynk.Frame) bool { return f.ID == 6 }); err != nil {
		t.Fatal(err)
	}
	st := run.r.Stats()[0]
	if st.Oversize != 1 || st.SkippedBytes < int64(big.Size()+20) {
		t.Errorf("stats %+v", st)
	}
	// Server -> board over the board's buff-in (256).
	if err := s.SendHardware("vw", "1", string(make([]byte, 300))); err != nil {
		t.Fatal(err)
	}
	if err := s.SendHardware("vw", "1", "small"); err != nil {
		t.Fatal(err)
	}
	f := p.expect(t, "the small write", func(f blynk.Frame) bool { return f.Cmd == blynk.CmdHardware })
	if len(f.Body) > 256 {
		t.Errorf("oversize frame forwarded to the board")
	}
	waitStats(t, run.r, 0, 5*time.Second, "refused down", func(st Stats) bool { return st.Oversize == 2 })
	noMalformed(t, s)
}

// A REDIRECT is followed by the relay (never shown to the board): it logs in
// at the new server, and the board hears that server's answer.
func TestRedirectFollowed(t *testing.T) {
	target := startServer(t, "", testToken)
	_, port, _ := net.SplitHostPort(target.Addr())
	redirector := testkit.ServeTLS(t, &tls.Config{Certificates: []tls.Certificate{testCert(t).TLS}}, func(c *tls.Conn) {
		buf := make([]byte, 64)
		if _, err := io.ReadAtLeast(c, buf, 5+32); err != nil {
			return
		}
		_, _ = c.Write(blynk.NewFrame(blynk.CmdRedirect, 1, blynk.Body("127.0.0.1", port)).Marshal())
		_, _ = io.Copy(io.Discard, c)
	})
	run, p := fakeRelay(t, nil, Options{Server: redirector})
	login(t, p)
	st := waitStats(t, run.r, 0, 5*time.Second, "online", func(st Stats) bool { return st.State == StateOnline })
	if st.Redirects != 1 || st.Server != target.Addr() || st.LoginsOK != 1 {
		t.Errorf("stats %+v", st)
	}
	for _, e := range run.taps.events() {
		if e.Dir == Down && e.Frame.Cmd == blynk.CmdRedirect && e.Action == Forwarded {
			t.Error("REDIRECT forwarded to the board")
		}
	}
	if _, err := target.WaitLogin(ctxT(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
}

// Backoff with the defaults: 1 s, 2 s, 3 s, 6 s, then 10 s (the cap), each
// within a fifth below its nominal value.
func TestBackoff(t *testing.T) {
	min, max := time.Second, 10*time.Second
	want := []time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 6 * time.Second, 10 * time.Second, 10 * time.Second}
	for n := 1; n < 40; n++ {
		nominal := max
		if n <= len(want) {
			nominal = want[n-1]
		}
		for i := 0; i < 20; i++ {
			d := backoff(min, max, n)
			if d < nominal*4/5 || d > nominal {
				t.Fatalf("attempt %d: %v outside [%v, %v]", n, d, nominal*4/5, nominal)
			}
		}
	}
}

// Several boards in one relay: each gets its own server connection and its
// own counters.
func TestSeveralBoards(t *testing.T) {
	other := "abcdefabcdefabcdefabcdefabcdef12"
	s := startServer(t, "", testToken, other)
	p1, p2 := newFakePort(), newFakePort()
	run := startRelay(t, Options{Server: s.Addr(), CA: caPEM(t), Boards: []Board{
		{Name: "one", Open: func(context.Context) (serialio.Port, error) { return p1, nil }},
		{Name: "two", Open: func(context.Context) (serialio.Port, error) { return p2, nil }},
	}})
	login(t, p1)
	p2.send(blynk.Login(blynk.CmdLogin, blynk.NewToken(other)).Marshal())
	p2.expect(t, "login answer", func(f blynk.Frame) bool { return f.IsResponse() && f.ID == 1 })
	p1.send(blynk.Hardware(3, "vw", "1", "from-one").Marshal())
	p2.send(blynk.Hardware(2, "vw", "1", "from-two").Marshal())
	ctx := ctxT(t, 5*time.Second)
	a, err := s.WaitFrame(ctx, blynktest.In, func(f blynk.Frame) bool { return string(f.Body) == "vw\x001\x00from-one" })
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.WaitFrame(ctx, blynktest.In, func(f blynk.Frame) bool { return string(f.Body) == "vw\x001\x00from-two" })
	if err != nil {
		t.Fatal(err)
	}
	conns := map[int]bool{}
	for _, r := range s.Records() {
		if r.Event == blynktest.EventLogin && r.Detail == "ok" {
			conns[r.Conn] = true
		}
	}
	if len(conns) != 2 {
		t.Errorf("logins on %d connections, want 2", len(conns))
	}
	st := run.r.Stats()
	if st[0].Board != "one" || st[1].Board != "two" || st[0].LoginsOK != 1 || st[1].LoginsOK != 1 || st[0].FramesUp < 3 || st[1].FramesUp < 2 {
		t.Errorf("stats %+v", st)
	}
	_, _ = a, b
}

// A relay started under a board that is mid-session (no login seen): the
// board is told NOT_AUTHENTICATED, which makes the library log in again at
// once; that login is then carried as usual.
func TestNoSessionAsksBoardToLogIn(t *testing.T) {
	s := startServer(t, "", testToken)
	run, p := fakeRelay(t, s, Options{})
	p.send(blynk.Hardware(41, "vw", "5", "12").Marshal())
	f := p.expect(t, "NOT_AUTHENTICATED", func(f blynk.Frame) bool { return f.IsResponse() && f.ID == 41 })
	if f.Status() != blynk.StatusNotAuthenticated {
		t.Fatalf("answer %v", f)
	}
	login(t, p)
	st := waitStats(t, run.r, 0, 5*time.Second, "online", func(st Stats) bool { return st.State == StateOnline })
	if st.Dropped != 1 || st.LoginsOK != 1 {
		t.Errorf("stats %+v", st)
	}
	for _, r := range s.Frames(blynktest.In) {
		if r.ID == 41 {
			t.Errorf("the sessionless frame reached the server: %v", r)
		}
	}
}
