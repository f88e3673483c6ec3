package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/serialio"
)

// Config is the daemon's setup. Zero values take the documented defaults.
type Config struct {
	// Socket is the control socket path (default DefaultSocket()).
	Socket string
	// LogDir holds one directory per board with raw.log and journal.jsonl
	// (default DefaultLogDir()).
	LogDir string
	// LogMaxSize rotates a log past this size (default 16 MiB); LogKeep
	// rotated files are kept (default 4).
	LogMaxSize int64
	LogKeep    int
	// Boards are the boards given explicitly.
	Boards []BoardConfig
	// Discover adds every likely ESP board that appears (serialio.List),
	// at DiscoverBaud; with no Boards it is the default.
	Discover     bool
	DiscoverBaud int
	// RFC2217Allow lists client networks allowed on an RFC 2217 server
	// bound to a non-loopback address (loopback clients are always
	// allowed). A non-loopback bind without it is refused.
	RFC2217Allow []netip.Prefix
	// Poll is how often absent boards and the socket are checked (default 1 s).
	Poll time.Duration
	// List enumerates ports for discovery (default serialio.List; tests
	// give a fake, as there is no USB board on a test machine).
	List func() ([]serialio.PortInfo, error)
	// Version is reported by GET /v1/version.
	Version string
	Logger  *slog.Logger
}

// Daemon owns the boards and serves the control API.
type Daemon struct {
	cfg     Config
	log     *slog.Logger
	started time.Time

	mu     sync.Mutex
	boards map[string]*Board
	order  []string
	ctx    context.Context
	wg     sync.WaitGroup
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// BoardName makes a board name from a port spec: the last path element
// (ttyUSB0, the sim's link name), an identity's serial or location, or the
// host:port of an rfc2217 URL, with anything else replaced by '-'.
func BoardName(spec string) string {
	s := spec
	if serialio.IsRFC2217(s) {
		s = s[len(serialio.RFC2217Scheme):]
		s, _, _ = strings.Cut(s, "?")
	} else if i := strings.LastIndexAny(s, `/\`); i >= 0 {
		s = s[i+1:]
	}
	s = strings.Map(func(r rune) rune {
		if r < 128 && (r == '.' || r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return r
		}
		return '-'
	}, s)
	s = strings.Trim(s, "-.")
	if len(s) > 64 {
		s = s[len(s)-64:]
	}
	if s == "" {
		s = "board"
	}
	return s
}

// New checks cfg and returns a daemon; nothing runs until Run.
func New(cfg Config) (*Daemon, error) {
	if cfg.Socket == "" {
		cfg.Socket = DefaultSocket()
	}
	if cfg.LogDir == "" {
		cfg.LogDir = DefaultLogDir()
	}
	if cfg.LogMaxSize == 0 {
		cfg.LogMaxSize = 16 << 20
	}
	if cfg.LogKeep == 0 {
		cfg.LogKeep = 4
	}
	if cfg.Poll == 0 {
		cfg.Poll = time.Second
	}
	if cfg.DiscoverBaud == 0 {
		cfg.DiscoverBaud = 115200
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.List == nil {
		cfg.List = serialio.List
	}
	if len(cfg.Boards) == 0 {
		cfg.Discover = true
	}
	d := &Daemon{cfg: cfg, log: cfg.Logger, boards: map[string]*Board{}}
	for _, bc := range cfg.Boards {
		if bc.Name == "" {
			bc.Name = BoardName(bc.Port)
		}
		if !nameRE.MatchString(bc.Name) {
			return nil, bberr.New(bberr.Usage, "board names use letters, digits, '.', '_' and '-' (up to 64)", "bad board name %q", bc.Name)
		}
		if _, dup := d.boards[bc.Name]; dup {
			return nil, bberr.New(bberr.Usage, "give each board its own name: --port NAME=PORT", "two boards named %q", bc.Name)
		}
		if bc.RFC2217 != "" {
			addr, err := CheckRFC2217Addr(bc.RFC2217, cfg.RFC2217Allow)
			if err != nil {
				return nil, err
			}
			bc.RFC2217 = addr
		}
		d.boards[bc.Name] = newBoard(d, bc)
		d.order = append(d.order, bc.Name)
	}
	return d, nil
}

// CheckRFC2217Addr normalises an --rfc2217 address ("4000" and ":4000"
// mean 127.0.0.1:4000) and refuses a non-loopback address unless allow
// names who may connect.
func CheckRFC2217Addr(addr string, allow []netip.Prefix) (string, error) {
	if !strings.Contains(addr, ":") {
		addr = ":" + addr
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", bberr.Wrap(err, bberr.Usage, "write --rfc2217 as PORT, HOST:PORT or NAME=HOST:PORT", "bad --rfc2217 %q", addr)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	if host != "localhost" {
		ip, err := netip.ParseAddr(host)
		if err != nil {
			return "", bberr.New(bberr.Usage, "give an IP address to bind (0.0.0.0 for every interface)", "bad --rfc2217 host %q", host)
		}
		if !ip.IsLoopback() && len(allow) == 0 {
			return "", bberr.New(bberr.Usage,
				"RFC 2217 has no authentication: anyone who reaches the port can flash the board; add --rfc2217-allow 192.168.1.0/24 (the machines that may connect)",
				"--rfc2217 %s listens beyond this machine", addr)
		}
	}
	return net.JoinHostPort(host, port), nil
}

// DefaultSocket is $XDG_RUNTIME_DIR/blynkbridge/daemon.sock, or
// /run/blynkbridge/daemon.sock (systemd's RuntimeDirectory) without it.
func DefaultSocket() string {
	if p := os.Getenv("BLYNKBRIDGE_DAEMON_SOCKET"); p != "" {
		return p
	}
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
		return filepath.Join(dir, "blynkbridge", "daemon.sock")
	}
	return SystemSocket
}

// DefaultLogDir is $STATE_DIRECTORY (systemd), else
// $XDG_STATE_HOME/blynkbridge/boards, else ~/.local/state/blynkbridge/boards.
func DefaultLogDir() string {
	if dir := os.Getenv("STATE_DIRECTORY"); dir != "" {
		return filepath.Join(strings.Split(dir, ":")[0], "boards")
	}
	if dir := os.Getenv("XDG_STATE_HOME"); dir != "" {
		return filepath.Join(dir, "blynkbridge", "boards")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "state", "blynkbridge", "boards")
	}
	return filepath.Join(os.TempDir(), "blynkbridge-boards")
}

// Socket is the control socket path in use.
func (d *Daemon) Socket() string { return d.cfg.Socket }

// Board returns the named board.
func (d *Daemon) Board(name string) *Board {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.boards[name]
}

// Boards returns the boards in the order they were added.
func (d *Daemon) Boards() []*Board {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]*Board, 0, len(d.order))
	for _, n := range d.order {
		out = append(out, d.boards[n])
	}
	return out
}

// Run listens on the control socket, runs every board and returns when ctx
// ends (nil) or the socket cannot be set up.
func (d *Daemon) Run(ctx context.Context) error {
	d.started = time.Now()
	api, err := d.listenAPI()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	d.mu.Lock()
	d.ctx = ctx
	for _, n := range d.order {
		b := d.boards[n]
		d.log.Info("board", "board", n, "port", b.cfg.Port, "baud", b.cfg.Baud, "relay", describeRelay(b.cfg.Relay), "rfc2217", b.cfg.RFC2217)
		d.startLocked(b)
	}
	d.mu.Unlock()
	d.log.Info("daemon ready", "socket", d.cfg.Socket, "boards", len(d.order), "logs", d.cfg.LogDir)
	if d.cfg.Discover {
		d.wg.Add(1)
		go func() { defer d.wg.Done(); d.discover(ctx) }()
	}
	d.wg.Add(1)
	go func() { defer d.wg.Done(); api.serve(ctx) }()
	<-ctx.Done()
	d.wg.Wait()
	return nil
}

func (d *Daemon) startLocked(b *Board) {
	d.wg.Add(1)
	go func() { defer d.wg.Done(); b.run(d.ctx) }()
}

// discover adds likely ESP boards as they appear, by identity (a board
// replugged into another socket without a serial number is a new board;
// one with a serial is the same).
func (d *Daemon) discover(ctx context.Context) {
	known := map[string]bool{}
	for {
		ports, _ := d.cfg.List()
		for _, p := range ports {
			if !p.Likely {
				continue
			}
			id := p.Identity.String()
			if id == "" {
				id = p.Path
			}
			if known[id] || d.hasPort(p, id) {
				known[id] = true
				continue
			}
			known[id] = true
			name := BoardName(p.Path)
			if p.Serial != "" {
				name = BoardName(p.Serial)
			}
			d.mu.Lock()
			for i := 2; d.boards[name] != nil; i++ {
				name = fmt.Sprintf("%s-%d", BoardName(p.Path), i)
			}
			b := newBoard(d, BoardConfig{Name: name, Port: id, Baud: d.cfg.DiscoverBaud})
			d.boards[name] = b
			d.order = append(d.order, name)
			d.startLocked(b)
			d.mu.Unlock()
			d.log.Info("board found", "board", name, "port", p.Path, "identity", id)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(2 * d.cfg.Poll):
		}
	}
}

func (d *Daemon) hasPort(p serialio.PortInfo, id string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, b := range d.boards {
		if b.cfg.Port == id || b.cfg.Port == p.Path || (p.ByID != "" && b.cfg.Port == p.ByID) {
			return true
		}
	}
	return false
}

// serveRFC2217 listens on the board's --rfc2217 address; each client gets
// the port lent for the length of its connection (capture pauses, the
// journal says who had it). Clients outside the allow-list are refused.
func (b *Board) serveRFC2217(ctx context.Context) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", b.cfg.RFC2217)
	if err != nil {
		b.log.Error("RFC 2217 server not started", "addr", b.cfg.RFC2217, "err", err)
		return
	}
	b.mu.Lock()
	b.rfcAddr = ln.Addr().String()
	b.mu.Unlock()
	if ap, err := netip.ParseAddrPort(ln.Addr().String()); err == nil && !ap.Addr().IsLoopback() {
		b.log.Warn("RFC 2217 server reachable from the network: it has no authentication; only --rfc2217-allow clients are accepted",
			"addr", ln.Addr().String(), "allow", fmt.Sprint(b.d.cfg.RFC2217Allow))
	}
	b.log.Info("RFC 2217 server listening", "addr", ln.Addr().String())
	go func() { <-ctx.Done(); ln.Close() }()
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(50 * time.Millisecond)
			continue
		}
		peer := conn.RemoteAddr().String()
		if !b.d.allowed(conn.RemoteAddr()) {
			b.log.Warn("RFC 2217 client refused (not in --rfc2217-allow)", "peer", peer)
			conn.Close()
			continue
		}
		go func() {
			defer conn.Close()
			if tc, ok := conn.(*net.TCPConn); ok {
				_ = tc.SetNoDelay(true)
			}
			b.mu.Lock()
			b.rfcClients++
			b.mu.Unlock()
			defer func() {
				b.mu.Lock()
				b.rfcClients--
				b.mu.Unlock()
			}()
			what := "RFC 2217 client " + peer
			if err := b.serveLent(ctx, conn, what); err != nil && ctx.Err() == nil {
				b.log.Warn("RFC 2217 session ended", "peer", peer, "err", err)
				// Tell a client that got no port why (busy, absent).
				_, _ = conn.Write([]byte("blynkbridge: " + err.Error() + "\r\n"))
			}
		}()
	}
}

func (d *Daemon) allowed(a net.Addr) bool {
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return false
	}
	ip := ap.Addr().Unmap()
	if ip.IsLoopback() {
		return true
	}
	for _, p := range d.cfg.RFC2217Allow {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}
