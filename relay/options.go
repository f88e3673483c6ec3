package relay

import (
	"context"
	"log/slog"
	"net"
	"time"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/serialio"
)

// Opener opens (or reopens, after an unplug) one board's serial port. It is
// called again every time the port is lost, so it must find the same board
// (by path, symlink or USB identity) rather than whatever port is there.
type Opener func(ctx context.Context) (serialio.Port, error)

// Board is one board the relay carries.
type Board struct {
	// Name identifies the board in logs, counters and the tap (usually the
	// port spec as given).
	Name string
	// Open opens its serial port.
	Open Opener
	// Server overrides Options.Server for this board ("" = Options.Server).
	Server string
	// Baud is the rate Open uses (0 = unknown): named in the warning when
	// every byte from the board is skipped.
	Baud int
}

// TLSMode says how the server's certificate is checked.
type TLSMode int

const (
	// TLSVerify checks the chain against the system roots (or Options.CA)
	// and the host name. The default.
	TLSVerify TLSMode = iota
	// TLSPinned accepts exactly the certificate (or key) Options.Pin names,
	// compared in constant time; no chain, name or date check (as an
	// ESP8266 pinning a fingerprint does).
	TLSPinned
	// TLSInsecure checks nothing (--insecure): logged as a warning.
	TLSInsecure
	// TLSOff is plain TCP (--no-tls), for legacy ports such as 8442/8080.
	TLSOff
)

func (m TLSMode) String() string {
	switch m {
	case TLSVerify:
		return "verify"
	case TLSPinned:
		return "pinned"
	case TLSInsecure:
		return "insecure"
	case TLSOff:
		return "none"
	}
	return "unknown"
}

// Options configure a Relay. Zero values take the documented defaults.
type Options struct {
	Boards []Board
	// Server is the Blynk server "host:port" every board connects to.
	Server string

	TLS TLSMode
	// CA is PEM with the certificates to trust in TLSVerify mode instead of
	// the system roots (--ca FILE's content).
	CA []byte
	// Pin is the pinned certificate for TLSPinned (see ParsePin).
	Pin Pin

	// MaxBody is the largest frame body carried from the board (default
	// blynk.MaxBodyESP8266 = 1024). Larger frames are refused and counted.
	MaxBody int
	// BoardMaxBody is the largest body sent to the board until its info
	// packet announces buff-in (default 1024). The library drops the
	// connection on a bigger frame (`Packet too big`), so the relay refuses
	// such frames instead of forwarding them.
	BoardMaxBody int

	// BufferFrames and BufferBytes bound what is kept for the server while
	// it is unreachable (defaults 128 frames, 16 KiB); beyond that the
	// oldest frames are dropped and counted.
	BufferFrames int
	BufferBytes  int

	// ReconnectMin and ReconnectMax shape the waits between connection
	// attempts (defaults 1 s and 10 s): min, 2 x min, 3 x min (as
	// blynk-ser.sh retries every few seconds), then doubling up to max;
	// each wait is jittered down by up to a fifth so that many relays
	// restarted together do not reconnect in lockstep.
	ReconnectMin time.Duration
	ReconnectMax time.Duration
	// DialTimeout bounds TCP connect plus TLS handshake (default 10 s).
	DialTimeout time.Duration
	// LoginTimeout bounds the wait for the server's answer to a login
	// (default 10 s).
	LoginTimeout time.Duration
	// PingTimeout: a board PING the server has not answered after this long
	// means the connection is dead (default 15 s); the relay reconnects.
	PingTimeout time.Duration
	// WriteTimeout bounds each write to the server (default 5 s).
	WriteTimeout time.Duration
	// ReopenEvery is how often a lost board port is looked for (default
	// 250 ms).
	ReopenEvery time.Duration
	// MaxRedirects in a row without a successful login (default 5).
	MaxRedirects int

	// FailFast makes Run return the first refusal that retrying cannot fix:
	// the server rejecting a token (bberr.Auth) or its certificate failing
	// verification (bberr.Network). By default these are logged, counted
	// and retried, as a service should - except a certificate refused before
	// any login succeeded, which always ends Run (a setup mistake).
	FailFast bool

	// SkipStartCheck skips Run's first connection to each server (which
	// verifies its certificate before any board traffic).
	SkipStartCheck bool
	// LocalPingWindow is how long into a server outage the relay answers
	// the board's PINGs itself (default 10 s). After it the PINGs go
	// unanswered, so the sketch's own heartbeat timeout runs,
	// Blynk.connected() turns false and its reconnect logic runs.
	LocalPingWindow time.Duration

	// Dial opens the TCP connection (default net.Dialer); tests inject
	// faults here.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Logger receives structured lines (default: discard). Tokens never
	// reach it: frames are logged through the codec's redaction.
	Logger *slog.Logger
	// LogFrames logs every frame at Info (otherwise at Debug).
	LogFrames bool
	// Tap, if set, sees every frame the relay handles (see TapEvent). It
	// is called from the session goroutines: keep it quick.
	Tap func(TapEvent)

	// now is the clock (tests).
	now func() time.Time
}

func (o *Options) withDefaults() Options {
	c := *o
	if c.MaxBody <= 0 {
		c.MaxBody = blynk.MaxBodyESP8266
	}
	if c.MaxBody > 0xFFFF {
		c.MaxBody = 0xFFFF
	}
	if c.BoardMaxBody <= 0 {
		c.BoardMaxBody = blynk.MaxBodyESP8266
	}
	if c.BufferFrames <= 0 {
		c.BufferFrames = 128
	}
	if c.BufferBytes <= 0 {
		c.BufferBytes = 16 << 10
	}
	if c.ReconnectMin <= 0 {
		c.ReconnectMin = time.Second
	}
	if c.ReconnectMax <= 0 {
		c.ReconnectMax = 10 * time.Second
	}
	if c.LocalPingWindow <= 0 {
		c.LocalPingWindow = 10 * time.Second
	}
	if c.ReconnectMax < c.ReconnectMin {
		c.ReconnectMax = c.ReconnectMin
	}
	if c.DialTimeout <= 0 {
		c.DialTimeout = 10 * time.Second
	}
	if c.LoginTimeout <= 0 {
		c.LoginTimeout = 10 * time.Second
	}
	if c.PingTimeout <= 0 {
		c.PingTimeout = 15 * time.Second
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 5 * time.Second
	}
	if c.ReopenEvery <= 0 {
		c.ReopenEvery = 250 * time.Millisecond
	}
	if c.MaxRedirects <= 0 {
		c.MaxRedirects = 5
	}
	if c.Dial == nil {
		d := &net.Dialer{KeepAlive: 15 * time.Second}
		c.Dial = d.DialContext
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}
