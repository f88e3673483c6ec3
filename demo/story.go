package demo

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/blynk/blynktest"
	"github.com/blynkbridge/blynkbridge/flash"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/monitor"
	"github.com/blynkbridge/blynkbridge/serialio"
	"github.com/blynkbridge/blynkbridge/sim"
	"github.com/blynkbridge/blynkbridge/sim/blynkfw"
)

// Options configure the demo.
type Options struct {
	// Timing turns the sim's UART/flash timing model on (the CLI does: it
	// is a show; tests do not).
	Timing bool
	// WiFiJoin is how long the simulated station takes to join (0 = the
	// sketch's default 1.5 s; <0 at once, for tests).
	WiFiJoin time.Duration
	// Link, if set, is a symlink to the board's pty (for a second viewer).
	Link   string
	Logger *slog.Logger
}

// CertHost is the only name in the demo server's certificate (a DNS SAN;
// there is deliberately no IP SAN, as for a typical local server).
const CertHost = "localhost"

// SSID is the network the simulated sketch joins.
const SSID = "blynkbridge-lab"

// Demo is the running set: a simulated D1 mini on a pty, a local Blynk
// server with a fresh certificate, and the firmware of the forum story.
type Demo struct {
	Board  *sim.Board
	Server *blynktest.Server
	PTY    string      // the pty the monitor opens
	Port   int         // the server's TLS port on 127.0.0.1
	Token  blynk.Token // the token the server accepts and the image carries

	mu    sync.Mutex
	image []byte // what is in flash at 0x0 (the flasher's --base)
	log   *slog.Logger
	power sync.Once
}

// Start builds everything; the board stays powered off until the monitor
// opens its port (Open), so the first boot is seen from the first byte.
func Start(opts Options) (*Demo, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	tok, err := newToken()
	if err != nil {
		return nil, err
	}
	issued, err := blynktest.NewCert([]string{CertHost}, nil)
	if err != nil {
		return nil, bberr.Wrap(err, bberr.Failure, "", "demo: issuing the server certificate")
	}
	srv, err := blynktest.Start(blynktest.Options{TLS: &issued.TLS, Tokens: []blynk.Token{tok}, Logger: log})
	if err != nil {
		return nil, bberr.Wrap(err, bberr.Network, "check that a loopback TCP port can be opened", "demo: starting the local Blynk server")
	}
	d := &Demo{Server: srv, Token: tok, log: log}
	_, ps, _ := net.SplitHostPort(srv.Addr())
	d.Port, _ = strconv.Atoi(ps)
	img, err := ForumImage("127.0.0.1", d.Port, tok, SSID, srv.Fingerprint())
	if err != nil {
		srv.Close()
		return nil, bberr.Wrap(err, bberr.Failure, "", "demo: building the firmware")
	}
	d.image = img
	flags := blynkfw.Config{
		Kind:     blynkfw.WiFiSSL,
		Lib:      "0.4.10",
		ByIP:     true, // the sketch passes IPAddress(...) while the block holds an address
		SSID:     SSID,
		WiFiJoin: opts.WiFiJoin,
		Dial:     loopbackDial,
	}
	logf := func(format string, args ...any) { log.Warn(fmt.Sprintf(format, args...)) }
	b, err := sim.New(sim.Options{
		Flash:    img,
		Timing:   opts.Timing,
		Firmware: blynkfw.Chooser(flags, logf),
		Logger:   log,
		PowerOff: true,
	})
	if err != nil {
		srv.Close()
		return nil, err
	}
	d.Board = b
	d.PTY, err = b.AttachPTY(opts.Link)
	if err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// loopbackDial is the simulated network's DNS: "localhost" is 127.0.0.1
// (the demo server listens on IPv4 loopback only).
func loopbackDial(network, addr string, timeout time.Duration) (net.Conn, error) {
	if h, p, err := net.SplitHostPort(addr); err == nil && h == CertHost {
		addr = net.JoinHostPort("127.0.0.1", p)
	}
	return net.DialTimeout(network, addr, timeout)
}

func newToken() (blynk.Token, error) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return blynk.Token{}, err
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return blynk.NewToken(string(b[:])), nil
}

// Open is the monitor's opener: the board's pty through go.bug.st/serial
// (a real pseudo-terminal, as a user's serial tool sees it), with SetLines
// wired to the board's reset circuit because a pty has no DTR/RTS.
func (d *Demo) Open(ctx context.Context) (serialio.Port, error) {
	p, err := serialio.Open(ctx, d.PTY, 115200)
	if err != nil {
		return nil, err
	}
	return monitor.WithLines(p, d.Board.SetLines), nil
}

// PowerOn plugs the board in once the monitor has the port, through
// Engine.Boot so the power-on banner is read at the ROM's 74880 baud.
func (d *Demo) PowerOn(ctx context.Context, eng *monitor.Engine) error {
	var err error
	d.power.Do(func() {
		err = eng.Boot(ctx, "board powered on (USB cable plugged in)", func() error { d.Board.PowerOn(); return nil })
	})
	return err
}

// Image returns the image currently in the board's flash at 0x0.
func (d *Demo) Image() []byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.image
}

// Apply writes fx through the monitor (Engine.Flash: Borrow + flash.Flasher)
// against the image on the board, so only the changed sectors are erased
// and written; the flasher's hard reset then boots the fixed sketch.
func (d *Demo) Apply(ctx context.Context, eng *monitor.Engine, fx *Fix, progress func(done, total int)) (*flash.Result, error) {
	// The story is the demo's output: the flasher's own notes (an erase
	// rounded up for the ROM's erase bug) are internal detail there, shown
	// only with -v (a logger with debug enabled).
	flog := d.log
	if !flog.Enabled(ctx, slog.LevelDebug) {
		flog = slog.New(slog.DiscardHandler)
	}
	res, err := eng.Flash(ctx, monitor.FlashRequest{
		Image:   fx.Image,
		Offset:  0,
		Base:    d.Image(),
		Options: flash.Options{Progress: progress, Logger: flog},
	})
	if err != nil {
		return res, err
	}
	d.mu.Lock()
	d.image = fx.Image
	d.mu.Unlock()
	return res, nil
}

// Close stops the board and the server.
func (d *Demo) Close() error {
	if d.Board != nil {
		d.Board.Close()
	}
	return d.Server.Close()
}
