package relay

import (
	"context"
	"crypto/tls"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/serialio"
)

// Relay carries several boards, each with its own server connection, in one
// process.
type Relay struct {
	o        Options
	sessions []*session
	fatalCh  chan error
}

// New checks the options and prepares a session per board. Nothing is
// opened or dialled until Run.
func New(opts Options) (*Relay, error) {
	o := opts.withDefaults()
	if len(o.Boards) == 0 {
		return nil, bberr.New(bberr.Usage, "give at least one board port (--port)", "no board to relay")
	}
	r := &Relay{o: o, fatalCh: make(chan error, 1)}
	seen := map[string]bool{}
	for i, b := range o.Boards {
		if b.Open == nil {
			return nil, bberr.New(bberr.Usage, "", "board %d has no opener", i)
		}
		if b.Name == "" {
			b.Name = "board" + strconv.Itoa(i+1)
		}
		if seen[b.Name] {
			return nil, bberr.New(bberr.Usage, "give each board once", "board %q given twice", b.Name)
		}
		seen[b.Name] = true
		server := b.Server
		if server == "" {
			server = o.Server
		}
		if err := checkServer(server); err != nil {
			return nil, err
		}
		o.Boards[i] = b
	}
	// Build the TLS pieces once (a bad --ca fails here, not per dial).
	var pool *tls.Config
	if o.TLS != TLSOff {
		c, err := tlsConfig(&o, "check")
		if err != nil {
			return nil, err
		}
		pool = c
	}
	r.o = o
	for _, b := range o.Boards {
		r.sessions = append(r.sessions, newSession(&r.o, b, r.dialer(pool), r.fatal))
	}
	return r, nil
}

func checkServer(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	n, perr := strconv.Atoi(port)
	if err != nil || host == "" || perr != nil || n <= 0 || n > 65535 {
		return bberr.New(bberr.Usage, "give the server as HOST:PORT, e.g. blynk.cloud:443 or 192.168.1.10:9443",
			"invalid server address %q", addr)
	}
	return nil
}

// dialer returns the function sessions use to reach a server: TCP, then
// (unless TLSOff) a handshake with SNI and name check from the host part.
func (r *Relay) dialer(base *tls.Config) func(ctx context.Context, addr string) (net.Conn, error) {
	return func(ctx context.Context, addr string) (net.Conn, error) {
		ctx, cancel := context.WithTimeout(ctx, r.o.DialTimeout)
		defer cancel()
		raw, err := r.o.Dial(ctx, "tcp", addr)
		if err != nil {
			return nil, err
		}
		if r.o.TLS == TLSOff {
			return raw, nil
		}
		host, _, _ := net.SplitHostPort(addr)
		c := base.Clone()
		c.ServerName = host
		if net.ParseIP(host) != nil && r.o.TLS != TLSVerify {
			c.ServerName = ""
		}
		tc := tls.Client(raw, c)
		if err := tc.HandshakeContext(ctx); err != nil {
			_ = raw.Close()
			return nil, err
		}
		return tc, nil
	}
}

// StartCheckTimeout bounds the server check Run makes before anything else.
const StartCheckTimeout = 3 * time.Second

// checkServers connects once to every server the boards use, before any
// port is opened, so a wrong --fingerprint, an untrusted certificate or a
// plain port given as TLS is an error at once (exit 8 with its hint)
// instead of a relay sitting idle until a board logs in. A server that does
// not answer is only a warning: the relay waits for it, as a service must.
func (r *Relay) checkServers(ctx context.Context) error {
	if r.o.TLS == TLSOff || r.o.SkipStartCheck {
		return nil
	}
	seen := map[string]bool{}
	for _, s := range r.sessions {
		addr := s.server
		if seen[addr] {
			continue
		}
		seen[addr] = true
		cctx, cancel := context.WithTimeout(ctx, StartCheckTimeout)
		conn, err := s.dial(cctx, addr)
		cancel()
		if err == nil {
			_ = conn.Close()
			r.o.Logger.Info("server certificate verified", "server", addr, "tls", r.o.TLS.String())
			continue
		}
		if ctx.Err() != nil {
			return nil
		}
		be, permanent := classifyDialErr(addr, err)
		if permanent {
			return be
		}
		r.o.Logger.Warn("server not reachable now; the relay keeps trying when a board logs in", "server", addr, "err", err.Error())
	}
	return nil
}

func (r *Relay) fatal(err error) {
	select {
	case r.fatalCh <- err:
	default:
	}
}

// Run opens every board's port, then relays until ctx ends (it returns nil:
// a stop is not a failure) or, with FailFast, until a refusal that retrying
// cannot fix. A port that cannot be opened at the start is an error (the
// user most likely mistyped it); once running, lost ports are waited for.
func (r *Relay) Run(ctx context.Context) error {
	if err := r.checkServers(ctx); err != nil {
		return err
	}
	for _, s := range r.sessions {
		p, err := s.board.Open(ctx)
		if err != nil {
			for _, t := range r.sessions {
				if t.initial != nil {
					_ = t.initial.Close()
					t.initial = nil
				}
			}
			return err
		}
		s.initial = p
	}
	switch r.o.TLS {
	case TLSInsecure:
		r.o.Logger.Warn("TLS certificate NOT verified (--insecure): anyone on the path can impersonate the server and read the boards' tokens")
	case TLSOff:
		r.o.Logger.Warn("plain TCP (--no-tls): the boards' tokens and data cross the network unencrypted")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for _, s := range r.sessions {
		wg.Add(1)
		go func() { defer wg.Done(); s.run(ctx) }()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case err := <-r.fatalCh:
		cancel()
		<-done
		return err
	case <-done:
	}
	select {
	case err := <-r.fatalCh:
		return err
	default:
	}
	return nil
}

// Stats returns every board's counters, in the order the boards were given.
func (r *Relay) Stats() []Stats {
	out := make([]Stats, len(r.sessions))
	for i, s := range r.sessions {
		out[i] = s.stats()
	}
	return out
}

// Err returns the last error each board met (nil where none), e.g. a
// *bberr.Error with code Auth when the server refused its token.
func (r *Relay) Err() []error {
	out := make([]error, len(r.sessions))
	for i, s := range r.sessions {
		out[i] = s.lastErr()
	}
	return out
}

// OpenPath is the usual Opener: open a port by path (a pty, the sim's
// --link, a /dev/serial/by-id name) at baud. After an unplug the same path
// is tried again; a by-id or link path follows the board to its new node.
func OpenPath(path string, baud int) Opener {
	return func(ctx context.Context) (serialio.Port, error) {
		return serialio.Open(ctx, path, baud)
	}
}

// randFloat is the jitter source (math/rand/v2's global generator is safe
// for concurrent use).
func randFloat() float64 { return rand.Float64() }
