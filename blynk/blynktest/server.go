package blynktest

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/blynkbridge/blynkbridge/blynk"
)

// Options configure a Server. The zero value is a plain-TCP server on a
// random loopback port that accepts no token.
type Options struct {
	// Addr to listen on; "" means 127.0.0.1:0.
	Addr string
	// TLS, when set, makes the server speak TLS with this certificate.
	TLS *tls.Certificate
	// Tokens accepted at login.
	Tokens []blynk.Token
	// Echo sends every HARDWARE vw the device writes back to it (as if an
	// app widget mirrored the pin).
	Echo bool
	// PinModes, if set, is pushed as a `pm` HARDWARE frame with msg id 1
	// right after a successful login, as the legacy server does for an
	// active project.
	PinModes []blynk.PinMode
	// HeartbeatFactor multiplies the device's h-beat into the read-idle
	// timeout (legacy server: 2.3, the default). IdleTimeout is the timeout
	// before an info packet arrives (legacy default 10 s × 2.3 = 23 s).
	HeartbeatFactor float64
	IdleTimeout     time.Duration
	// MaxBody is the largest body accepted (default 1024).
	MaxBody int
	// JSONLog, when set, receives every Record as one JSON line.
	JSONLog io.Writer
	// OnRecord, when set, is called with every Record (from connection
	// goroutines; keep it quick).
	OnRecord func(Record)
	// MaxRecords bounds the in-memory record (default 10000; oldest dropped).
	MaxRecords int
	Logger     *slog.Logger
}

// Direction of a recorded frame, seen from the server.
type Direction string

const (
	In  Direction = "in"  // device → server
	Out Direction = "out" // server → device
)

// Event kinds in a Record.
const (
	EventConnect    = "connect"
	EventTLSError   = "tls-error"
	EventFrame      = "frame"
	EventSkipped    = "skipped"
	EventLogin      = "login"
	EventDisconnect = "disconnect"
)

// Record is one thing that happened on a connection.
type Record struct {
	Time   time.Time    `json:"time"`
	Conn   int          `json:"conn"`
	Remote string       `json:"remote"`
	Event  string       `json:"event"`
	Dir    Direction    `json:"dir,omitempty"`
	Frame  *blynk.Frame `json:"frame,omitempty"`
	// Skipped is the number of garbage bytes the decoder discarded.
	Skipped int `json:"skipped,omitempty"`
	// Detail: login outcome ("ok", "invalid-token"), disconnect reason, TLS
	// error text.
	Detail string `json:"detail,omitempty"`
}

// MarshalJSON adds the schema version "v": 1.
func (r Record) MarshalJSON() ([]byte, error) {
	type plain Record
	return json.Marshal(struct {
		V int `json:"v"`
		plain
	}{1, plain(r)})
}

// Server is a running test server.
type Server struct {
	opts   Options
	ln     net.Listener
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	cond    chan struct{} // closed and replaced on every new record
	records []Record
	conns   map[int]*conn
	nextID  int
	stalled bool
	pins    map[string][]string // last vw values by pin
	logMu   sync.Mutex
}

// Start listens and serves until Close.
func Start(opts Options) (*Server, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.HeartbeatFactor <= 0 {
		opts.HeartbeatFactor = 2.3
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = 23 * time.Second
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = blynk.MaxBodyESP8266
	}
	if opts.MaxRecords <= 0 {
		opts.MaxRecords = 10000
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, err
	}
	if opts.TLS != nil {
		ln = tls.NewListener(ln, &tls.Config{
			Certificates: []tls.Certificate{*opts.TLS},
			// axTLS on the ESP8266 speaks TLS 1.1/1.2 with RSA key exchange.
			MinVersion: tls.VersionTLS10,
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{opts: opts, ln: ln, log: opts.Logger, ctx: ctx, cancel: cancel,
		cond: make(chan struct{}), conns: map[int]*conn{}, pins: map[string][]string{}}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// Addr is the listening address (host:port).
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Port is the listening port.
func (s *Server) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// TLS reports whether the server speaks TLS.
func (s *Server) TLS() bool { return s.opts.TLS != nil }

// Close stops listening, drops every connection and waits for them.
func (s *Server) Close() error {
	s.cancel()
	err := s.ln.Close()
	s.DropAll()
	s.wg.Wait()
	return err
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			if s.ctx.Err() == nil && !errors.Is(err, net.ErrClosed) {
				s.log.Warn("accept", "err", err)
			}
			return
		}
		s.mu.Lock()
		s.nextID++
		c := &conn{s: s, id: s.nextID, nc: nc, remote: nc.RemoteAddr().String(), nextOut: 100,
			idle: s.opts.IdleTimeout}
		s.conns[c.id] = c
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			c.serve()
		}()
	}
}

func (s *Server) record(r Record) {
	r.Time = time.Now()
	// The JSON line is written before waiters are woken, so a test that saw
	// a record also sees its line; logMu keeps lines in record order.
	s.logMu.Lock()
	if s.opts.JSONLog != nil {
		if b, err := json.Marshal(r); err == nil {
			_, _ = s.opts.JSONLog.Write(append(b, '\n'))
		}
	}
	s.mu.Lock()
	s.records = append(s.records, r)
	if len(s.records) > s.opts.MaxRecords {
		s.records = append(s.records[:0:0], s.records[len(s.records)-s.opts.MaxRecords:]...)
	}
	close(s.cond)
	s.cond = make(chan struct{})
	s.mu.Unlock()
	s.logMu.Unlock()
	if s.opts.OnRecord != nil {
		s.opts.OnRecord(r)
	}
}

// Records returns a copy of everything recorded so far.
func (s *Server) Records() []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Record(nil), s.records...)
}

// Frames returns the recorded frames in direction dir ("" = both).
func (s *Server) Frames(dir Direction) []blynk.Frame {
	var out []blynk.Frame
	for _, r := range s.Records() {
		if r.Frame != nil && (dir == "" || r.Dir == dir) {
			out = append(out, *r.Frame)
		}
	}
	return out
}

// Wait blocks until a record (past or future) satisfies match, or ctx ends.
func (s *Server) Wait(ctx context.Context, match func(Record) bool) (Record, error) {
	seen := 0
	for {
		s.mu.Lock()
		recs := s.records[min(seen, len(s.records)):]
		ch := s.cond
		seen = len(s.records)
		for _, r := range recs {
			if match(r) {
				s.mu.Unlock()
				return r, nil
			}
		}
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return Record{}, fmt.Errorf("blynktest: waiting for a record: %w", ctx.Err())
		}
	}
}

// WaitFrame waits for a frame in direction dir for which match is true.
func (s *Server) WaitFrame(ctx context.Context, dir Direction, match func(blynk.Frame) bool) (blynk.Frame, error) {
	r, err := s.Wait(ctx, func(r Record) bool {
		return r.Frame != nil && r.Dir == dir && (match == nil || match(*r.Frame))
	})
	if err != nil {
		return blynk.Frame{}, err
	}
	return *r.Frame, nil
}

// WaitLogin waits for a login outcome ("ok" or "invalid-token").
func (s *Server) WaitLogin(ctx context.Context) (Record, error) {
	return s.Wait(ctx, func(r Record) bool { return r.Event == EventLogin })
}

// Stall makes the server stop answering (it still reads and records), so a
// device sees a login timeout or a heartbeat timeout.
func (s *Server) Stall(on bool) {
	s.mu.Lock()
	s.stalled = on
	s.mu.Unlock()
}

func (s *Server) isStalled() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stalled
}

// DropAll closes every connection.
func (s *Server) DropAll() {
	s.mu.Lock()
	cs := make([]*conn, 0, len(s.conns))
	for _, c := range s.conns {
		cs = append(cs, c)
	}
	s.mu.Unlock()
	for _, c := range cs {
		c.close("dropped")
	}
}

// Connections is the number of open connections.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Send writes f to every logged-in device. A zero ID gets the connection's
// next server-side id. It returns an error if no device is logged in.
func (s *Server) Send(f blynk.Frame) error {
	s.mu.Lock()
	var cs []*conn
	for _, c := range s.conns {
		if c.loggedIn() {
			cs = append(cs, c)
		}
	}
	s.mu.Unlock()
	if len(cs) == 0 {
		return errors.New("blynktest: no device is logged in")
	}
	var errs []error
	for _, c := range cs {
		errs = append(errs, c.send(f))
	}
	return errors.Join(errs...)
}

// SendHardware sends a HARDWARE frame with the given body fields (e.g.
// "vw", "3", "1") to every logged-in device.
func (s *Server) SendHardware(parts ...string) error {
	return s.Send(blynk.Frame{Cmd: blynk.CmdHardware, Body: blynk.Body(parts...)})
}

// PinValue returns the last values a device wrote to virtual pin V<pin>.
func (s *Server) PinValue(pin int) ([]string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.pins[strconv.Itoa(pin)]
	return v, ok
}

func (s *Server) tokenOK(body []byte) bool {
	for _, t := range s.opts.Tokens {
		if t.Reveal() == string(body) {
			return true
		}
	}
	return false
}

// heartbeatTimeout is the legacy server's rule: ceil(h-beat × 2.3) seconds.
func (s *Server) heartbeatTimeout(hbeat int) time.Duration {
	return time.Duration(math.Ceil(float64(hbeat)*s.opts.HeartbeatFactor)) * time.Second
}

// SendTo writes f to connection conn (the Record.Conn number), logged in or
// not. A zero ID gets the connection's next server-side id.
func (s *Server) SendTo(conn int, f blynk.Frame) error {
	s.mu.Lock()
	c := s.conns[conn]
	s.mu.Unlock()
	if c == nil {
		return fmt.Errorf("blynktest: no connection #%d", conn)
	}
	return c.send(f)
}

// Drop closes connection conn.
func (s *Server) Drop(conn int) {
	s.mu.Lock()
	c := s.conns[conn]
	s.mu.Unlock()
	if c != nil {
		c.close("dropped")
	}
}
