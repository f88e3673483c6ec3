package tui

import (
	"context"
	"time"

	"github.com/blynkbridge/blynkbridge/decode"
	"github.com/blynkbridge/blynkbridge/monitor"
)

// Controller is everything the TUI asks of the monitor. monitor.Console
// implements it over a running engine; the demo wraps it; tests script it.
type Controller interface {
	Wait(ctx context.Context) ([]monitor.Item, error)
	Status() monitor.Status
	Reset(ctx context.Context, download bool) error
	SetBaud(ctx context.Context, baud int) error
	Send(ctx context.Context, p []byte) error
	// SetLines sets DTR and RTS by hand (true = asserted).
	SetLines(ctx context.Context, dtr, rts bool) error
	// FlashLabel says what the flash key writes ("" = nothing configured).
	FlashLabel() string
	// Flash writes it, reporting progress; the string is a summary line.
	Flash(ctx context.Context, progress func(done, total int)) (string, error)
	// ImageProblems are problems found in the configured image. It is
	// asked after every batch of items, so it must be cheap (cache).
	ImageProblems() []decode.Problem
	// SaveLog writes the scrollback to a new file and returns its path.
	SaveLog(now time.Time) (string, error)
}

// Config is the model's fixed setup.
type Config struct {
	Title string // shown in the help screen ("blynkbridge monitor", "blynkbridge demo")
	// Intro lines are shown as host notes at the top of the log (the demo
	// narrates its setup here).
	Intro []string
	// Now is the clock (uptime, timestamps); default time.Now. Golden tests
	// fix it.
	Now func() time.Time
	// FrameInterval is the minimum time between two Waits (default 33 ms:
	// at most ~30 updates a second however fast the board prints).
	FrameInterval time.Duration
	// MaxLines bounds the TUI's own line history (default 20000); the
	// engine's ring and --log keep everything.
	MaxLines int
	// EOL is what the send line ends with: "\n" (default), "\r\n", "\r"
	// or "none"; the E key cycles it.
	EOL string
	// Echo shows what is sent in the log (local echo); the L key toggles.
	Echo bool
	// Timestamps shows each line's host time; the T key toggles.
	Timestamps bool
	// Bauds is the baud key's cycle (default 115200, 74880, 9600, 57600,
	// 230400, 460800, 921600).
	Bauds []int
}
