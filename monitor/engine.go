package monitor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/blynkbridge/blynkbridge/decode"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/serialio"
)

// Opener opens the board's port. After an unplug the engine calls it again
// until it succeeds (the caller decides how to find the same board: a fixed
// path, or serialio.WaitFor by identity).
type Opener func(ctx context.Context) (serialio.Port, error)

// Decoder is the decode pipeline as the engine uses it.
type Decoder interface {
	Feed(p []byte) []decode.Event
	Flush() []decode.Event
}

// Options configure an Engine. Zero values take the documented defaults.
type Options struct {
	Open          Opener
	Baud          int           // sketch baud; default 115200
	ROMBaud       int           // ROM boot banner baud; default 74880
	ROMWindow     time.Duration // time at ROMBaud after a reset we caused; default 350 ms
	Scrollback    int           // bytes kept for display; default 4 MiB
	RawLog        io.Writer     // every byte with host timestamps; nil = none (see RawLog: written as received, synced on unplug and exit)
	Unredacted    bool          // keep login tokens in RawLog (they are masked by default)
	Decoder       Decoder       // nil = no decoding
	Reconnect     bool          // wait for the board to come back after an unplug
	ReconnectPoll time.Duration // default 200 ms
	IdleFlush     time.Duration // flush a partial line to the decoder after this quiet time; default 150 ms
	Logger        *slog.Logger
	Now           func() time.Time
}

// ItemKind says what an Item carries.
type ItemKind int

const (
	ItemData   ItemKind = iota // bytes from the board
	ItemEvent                  // a decoded event
	ItemNote                   // something the host did or saw (reset, gap, baud, flash)
	ItemStatus                 // the status changed
)

// Item is one thing the engine publishes, in order.
type Item struct {
	Kind  ItemKind
	Time  time.Time
	Data  []byte       // ItemData
	Event decode.Event // ItemEvent
	Note  string       // ItemNote
}

// Status is the engine's view of the link.
type Status struct {
	Port      string
	Baud      int
	Connected bool
	Lent      bool // the port is lent to the flasher
	BytesIn   int64
	BytesOut  int64
	Rate      float64 // bytes/s over the last second
	Gaps      int     // unplug/replug gaps seen
	LastGap   time.Duration
}

// Engine runs the monitor. Create with New, start with Run, consume with Wait.
type Engine struct {
	opt Options
	log *slog.Logger

	ctl chan func(p serialio.Port) error // executed by the reader between reads

	mu      sync.Mutex
	pending []Item
	status  Status
	ring    *Ring
	ready   chan struct{}
	stopped chan struct{} // closed when Run returns
	rate    rateMeter
	raw     *RawLog
	closed  bool
	lastErr error
	dq      *decodeQueue // nil without a decoder
}

// New returns an engine; nothing happens until Run.
func New(opt Options) *Engine {
	if opt.Baud == 0 {
		opt.Baud = 115200
	}
	if opt.ROMBaud == 0 {
		opt.ROMBaud = 74880
	}
	if opt.ROMWindow == 0 {
		opt.ROMWindow = 350 * time.Millisecond
	}
	if opt.Scrollback == 0 {
		opt.Scrollback = 4 << 20
	}
	if opt.ReconnectPoll == 0 {
		opt.ReconnectPoll = 200 * time.Millisecond
	}
	if opt.IdleFlush == 0 {
		opt.IdleFlush = 150 * time.Millisecond
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	e := &Engine{
		opt:     opt,
		log:     opt.Logger,
		ctl:     make(chan func(serialio.Port) error),
		ring:    NewRing(opt.Scrollback),
		ready:   make(chan struct{}, 1),
		stopped: make(chan struct{}),
	}
	if opt.RawLog != nil {
		e.raw = NewRawLog(opt.RawLog)
		if opt.Unredacted {
			e.raw.Unredacted()
		}
	}
	e.status.Baud = opt.Baud
	return e
}

// Wait blocks until items are available (or ctx ends or the engine stops)
// and returns all of them. One consumer only. Items are never dropped: the
// reader queues them without blocking, so a slow consumer costs memory, not
// bytes.
func (e *Engine) Wait(ctx context.Context) ([]Item, error) {
	for {
		e.mu.Lock()
		if len(e.pending) > 0 {
			items := e.pending
			e.pending = nil
			e.mu.Unlock()
			return items, nil
		}
		closed, err := e.closed, e.lastErr
		e.mu.Unlock()
		if closed {
			if err == nil {
				err = io.EOF
			}
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-e.ready:
		}
	}
}

// Status returns the current status.
func (e *Engine) Status() Status {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.status
	s.Rate = e.rate.rate(e.opt.Now())
	return s
}

// Scrollback returns a copy of the bytes kept for display.
func (e *Engine) Scrollback() []byte {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.ring.Bytes()
}

func (e *Engine) publish(items ...Item) {
	e.mu.Lock()
	e.pending = append(e.pending, items...)
	e.mu.Unlock()
	select {
	case e.ready <- struct{}{}:
	default:
	}
}

func (e *Engine) note(format string, args ...any) {
	now := e.opt.Now()
	text := fmt.Sprintf(format, args...)
	if e.raw != nil {
		_ = e.raw.Note(now, text)
	}
	e.publish(Item{Kind: ItemNote, Time: now, Note: text})
}

func (e *Engine) setStatus(f func(s *Status)) {
	e.mu.Lock()
	f(&e.status)
	e.mu.Unlock()
	e.publish(Item{Kind: ItemStatus, Time: e.opt.Now()})
}

// ErrStopped is returned by control calls after Run has ended.
var ErrStopped = errors.New("monitor stopped")

// do runs f in the reader goroutine with the port, between reads, and waits
// for it. This is how every operation that touches the port is serialised
// with reading: there is exactly one goroutine using the port.
func (e *Engine) do(ctx context.Context, f func(p serialio.Port) error) error {
	done := make(chan error, 1)
	wrapped := func(p serialio.Port) error { err := f(p); done <- err; return err }
	select {
	case e.ctl <- wrapped:
	case <-ctx.Done():
		return ctx.Err()
	case <-e.stopped:
		return ErrStopped
	}
	// Once handed over, f runs to its end (every f is bounded or watches
	// ctx): returning early would hide its result - a flasher's record of
	// what it wrote before an interruption - and let the caller think the
	// port is free while f still holds it.
	return <-done
}

// Run owns the port until ctx ends. It returns nil on cancellation, or the
// error that stopped it (the first open failing, or an unplug without
// Reconnect).
func (e *Engine) Run(ctx context.Context) (err error) {
	e.startDecoder()
	defer func() {
		// Every byte read is decoded and published before Wait reports the end.
		e.stopDecoder()
		if e.raw != nil {
			_ = e.raw.Sync()
		}
		e.mu.Lock()
		e.closed = true
		e.lastErr = err
		e.mu.Unlock()
		close(e.stopped)
		select {
		case e.ready <- struct{}{}:
		default:
		}
	}()
	p, err := e.opt.Open(ctx)
	if err != nil {
		return err
	}
	for {
		err := e.session(ctx, p)
		_ = p.Close()
		if ctx.Err() != nil {
			return nil
		}
		if !errors.Is(err, serialio.ErrUnplugged) || !e.opt.Reconnect {
			return err
		}
		lost := e.opt.Now()
		e.setStatus(func(s *Status) { s.Connected = false })
		e.note("board unplugged; waiting for it to come back")
		if e.raw != nil {
			_ = e.raw.Sync() // the capture up to the unplug is on disk
		}
		for {
			p, err = e.opt.Open(ctx)
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				return nil
			}
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(e.opt.ReconnectPoll):
			}
		}
		gap := e.opt.Now().Sub(lost)
		e.setStatus(func(s *Status) { s.Gaps++; s.LastGap = gap })
		e.note("board back after %s (nothing was received in that gap)", gap.Round(time.Millisecond))
		// A USB-powered board restarts when plugged back in: that boot
		// is the replug's doing, not a restart to diagnose.
		e.hostReset("unplugged and plugged back in")
	}
}

// session reads one opened port until it fails or ctx ends.
func (e *Engine) session(ctx context.Context, p serialio.Port) error {
	if err := p.SetBaud(e.currentBaud()); err != nil {
		return err
	}
	if err := p.SetReadTimeout(20 * time.Millisecond); err != nil {
		return err
	}
	e.setStatus(func(s *Status) { s.Port = p.Name(); s.Connected = true })
	e.note("%s open at %d baud", p.Name(), e.currentBaud())
	buf := make([]byte, 64<<10)
	lastData := e.opt.Now()
	flushed := true
	for {
		select {
		case <-ctx.Done():
			e.flushDecoder()
			return ctx.Err()
		case f := <-e.ctl:
			if err := f(p); err != nil && errors.Is(err, serialio.ErrUnplugged) {
				return err
			}
			continue
		default:
		}
		n, err := p.Read(buf)
		if n > 0 {
			e.ingest(buf[:n])
			lastData = e.opt.Now()
			flushed = false
		}
		if err != nil {
			e.flushDecoder()
			if errors.Is(err, serialio.ErrUnplugged) {
				return err
			}
			return bberr.Wrap(err, bberr.Unplugged, "check the cable, then run the monitor again", "reading %s", p.Name())
		}
		if e.raw != nil {
			_ = e.raw.Tick(e.opt.Now())
		}
		if n == 0 && !flushed && e.opt.Now().Sub(lastData) > e.opt.IdleFlush {
			e.flushDecoder()
			flushed = true
		}
	}
}

func (e *Engine) currentBaud() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.status.Baud
}

// ingest records bytes everywhere they go: ring, raw log, consumer, and
// the decode queue.
func (e *Engine) ingest(p []byte) {
	now := e.opt.Now()
	data := make([]byte, len(p))
	copy(data, p)
	if e.raw != nil {
		_ = e.raw.Write(now, data)
	}
	e.mu.Lock()
	_, _ = e.ring.Write(data)
	e.status.BytesIn += int64(len(data))
	e.rate.add(now, len(data))
	e.mu.Unlock()
	e.publish(Item{Kind: ItemData, Time: now, Data: data})
	// Decoding happens beside the reader (decodeq.go): its events follow.
	e.enqueue(decodeJob{data: data, at: now})
}

// hostReset tells the decoder, in stream order, that the host reset or
// repowered the board.
func (e *Engine) hostReset(cause string) { e.enqueue(decodeJob{flush: true, hostReset: cause}) }

// flushDecoder asks the decoder to release a partial line, an open dump.
func (e *Engine) flushDecoder() { e.enqueue(decodeJob{flush: true}) }
