package relay

import (
	"context"
	"encoding/pem"
	"log/slog"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/blynk/blynktest"
	"github.com/blynkbridge/blynkbridge/certs"
	"github.com/blynkbridge/blynkbridge/sim"
	"github.com/blynkbridge/blynkbridge/sim/blynkfw"

	"github.com/blynkbridge/blynkbridge/internal/testkit"
)

const testToken = "0123456789abcdef0123456789abcdef"

// One certificate for every test: RSA key generation dominates test time.
var (
	certOnce sync.Once
	certVal  *certs.Issued
	certErr  error
)

func testCert(t testing.TB) *certs.Issued {
	t.Helper()
	certOnce.Do(func() {
		certVal, certErr = blynktest.NewCert([]string{"localhost"}, []net.IP{net.IPv4(127, 0, 0, 1)})
	})
	if certErr != nil {
		t.Fatal(certErr)
	}
	return certVal
}

// caPEM is the PEM of the CA that issued testCert (the last certificate of
// the chain).
func caPEM(t testing.TB) []byte {
	c := testCert(t)
	ca := c.TLS.Certificate[len(c.TLS.Certificate)-1]
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca})
}

func startServer(t testing.TB, addr string, tokens ...string) *blynktest.Server {
	t.Helper()
	var toks []blynk.Token
	for _, s := range tokens {
		toks = append(toks, blynk.NewToken(s))
	}
	var s *blynktest.Server
	var err error
	// The old listener's port may take a moment to be free again.
	for i := 0; i < 50; i++ {
		s, err = blynktest.Start(blynktest.Options{Addr: addr, TLS: &testCert(t).TLS, Tokens: toks})
		if err == nil || addr == "" {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// streamBoard is the sim's Arduino Uno on BlynkSimpleStream, behind a real
// pty whose stable link is returned.
func streamBoard(t testing.TB, cfg blynkfw.Config) (*sim.Board, string) {
	t.Helper()
	cfg.Kind = blynkfw.USBStream
	if cfg.Token.IsZero() {
		cfg.Token = blynk.NewToken(testToken)
	}
	b, err := sim.New(sim.Options{Flash: blynkfw.BootImage(), Firmware: blynkfw.Chooser(cfg, t.Logf), PowerOff: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	link := filepath.Join(t.TempDir(), "uno")
	if _, err := b.AttachPTY(link); err != nil {
		t.Fatal(err)
	}
	return b, link
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer = testkit.SyncBuffer

type running struct {
	r      *Relay
	cancel context.CancelFunc
	done   chan error
	log    *syncBuffer
	taps   *tapRecorder
}

type tapRecorder struct {
	mu sync.Mutex
	ev []TapEvent
}

func (tr *tapRecorder) tap(e TapEvent) {
	tr.mu.Lock()
	tr.ev = append(tr.ev, e)
	tr.mu.Unlock()
}

func (tr *tapRecorder) events() []TapEvent {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return append([]TapEvent(nil), tr.ev...)
}

// startRelay runs a relay in the background; stop() ends it and returns
// Run's error.
func startRelay(t testing.TB, o Options) *running {
	t.Helper()
	lb := &syncBuffer{}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewJSONHandler(lb, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	tr := &tapRecorder{}
	if o.Tap == nil {
		o.Tap = tr.tap
	}
	if o.ReconnectMin == 0 {
		o.ReconnectMin = 50 * time.Millisecond
	}
	if o.ReconnectMax == 0 {
		o.ReconnectMax = 400 * time.Millisecond
	}
	if o.ReopenEvery == 0 {
		o.ReopenEvery = 50 * time.Millisecond
	}
	r, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	run := &running{r: r, cancel: cancel, done: make(chan error, 1), log: lb, taps: tr}
	logOf[r] = lb
	go func() { run.done <- r.Run(ctx) }()
	t.Cleanup(func() { run.stop(t) })
	return run
}

func (run *running) stop(t testing.TB) error {
	run.cancel()
	select {
	case err := <-run.done:
		run.done <- err // keep it for a second stop
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("relay did not stop within 5 s of cancel")
		return nil
	}
}

// waitStats polls the relay's counters for board i until ok or timeout.
func waitStats(t testing.TB, r *Relay, i int, d time.Duration, what string, ok func(Stats) bool) Stats {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		st := r.Stats()[i]
		if ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			if lr, ok := logOf[r]; ok {
				t.Logf("relay log:\n%s", lr.String())
			}
			t.Fatalf("timed out waiting for %s; stats: %+v", what, st)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func ctxT(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// noMalformed fails if the server skipped bytes or saw an invalid frame.
func noMalformed(t testing.TB, s *blynktest.Server) {
	t.Helper()
	for _, r := range s.Records() {
		if r.Event == blynktest.EventSkipped {
			t.Errorf("server skipped %d malformed bytes (conn %d)", r.Skipped, r.Conn)
		}
		if r.Event == blynktest.EventFrame && r.Dir == blynktest.In {
			if err := r.Frame.Validate(0); err != nil {
				t.Errorf("server got an invalid frame %v: %v", r.Frame, err)
			}
		}
	}
}

func vwFrom(pin string) func(blynk.Frame) bool {
	return func(f blynk.Frame) bool {
		op, err := blynk.ParsePinOp(f.Body)
		return f.Cmd == blynk.CmdHardware && err == nil && op.Op == blynk.OpVirtualWrite && op.Pin == pin
	}
}

// logOf finds a relay's log for failure messages (tests start relays from
// the test goroutine only).
var logOf = map[*Relay]*syncBuffer{}
