package daemon

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blynkbridge/blynkbridge/decode"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/internal/secret"
	"github.com/blynkbridge/blynkbridge/monitor"
	"github.com/blynkbridge/blynkbridge/relay"
	"github.com/blynkbridge/blynkbridge/serialio"
)

// BoardConfig is one board the daemon owns.
type BoardConfig struct {
	// Name is how clients and the API name the board (default: from the
	// port spec). Letters, digits, '-', '_' and '.'.
	Name string
	// Port is a --port spec: a path, usb:VID:PID[:SERIAL], an identity
	// (usbpath:...), or rfc2217://host:port.
	Port string
	// Baud is the sketch's rate (default 115200).
	Baud int
	// Open overrides how the port is opened (tests join a sim's reset
	// circuit to a pty with monitor.WithLines). nil: resolve Port and open
	// it, waiting for it while it is absent.
	Open func(ctx context.Context) (serialio.Port, error)
	// RFC2217 is the address of this board's RFC 2217 server ("" = none).
	RFC2217 string
	// Relay, when set, relays the board's Blynk frames (BlynkSimpleStream
	// over USB) with these options; Boards is filled in by the daemon.
	Relay *relay.Options
	// Secrets (tokens, Wi-Fi passwords the daemon knows of) are masked in
	// the raw log, the journal and every stream.
	Secrets []string
	// ELF decodes crash addresses when set.
	ELF *decode.Symbolizer
}

// Board is one board's session: the engine that owns its port, capture to
// the raw log and the journal, the decoded state, and the clients.
type Board struct {
	cfg BoardConfig
	d   *Daemon
	log *slog.Logger
	eng *monitor.Engine

	rawFile, jrFile *rotFile
	raw             *monitor.RawLog
	rawMask, jrMask *secret.MaskWriter
	redact          loginRedactor
	enc             *monitor.Printer // encodes one journal record into line
	line            bytes.Buffer

	mu          sync.Mutex
	tracker     *monitor.Tracker
	state       monitor.State
	problems    []decode.Problem
	subs        map[*subscriber]struct{}
	taps        map[*tapPort]struct{}
	keyboard    *tapPort   // the attached client whose writes reach the board
	attachQ     []*tapPort // attached clients, first come first: the keyboard passes in this order
	lentTo      string
	relay       *relay.Relay
	rfcAddr     string
	rfcClients  int
	lastData    time.Time
	logErr      [2]string // last reported error of the raw log, the journal
	bytesLogged atomic.Int64
}

func newBoard(d *Daemon, cfg BoardConfig) *Board {
	if cfg.Baud == 0 {
		cfg.Baud = 115200
	}
	b := &Board{cfg: cfg, d: d, log: d.log.With("board", cfg.Name), tracker: monitor.NewTracker(),
		subs: map[*subscriber]struct{}{}, taps: map[*tapPort]struct{}{}}
	dir := filepath.Join(d.cfg.LogDir, cfg.Name)
	b.rawFile = newRotFile(filepath.Join(dir, "raw.log"), d.cfg.LogMaxSize, d.cfg.LogKeep)
	b.jrFile = newRotFile(filepath.Join(dir, "journal.jsonl"), d.cfg.LogMaxSize, d.cfg.LogKeep)
	b.rawMask = secret.NewMaskWriter(b.rawFile, cfg.Secrets...)
	b.jrMask = secret.NewMaskWriter(b.jrFile, cfg.Secrets...)
	b.raw = monitor.NewRawLog(b.rawMask)
	b.enc = monitor.NewPrinter(&b.line, true)
	open := cfg.Open
	if open == nil {
		open = b.openPort
	}
	b.eng = monitor.New(monitor.Options{
		Open: open,
		Baud: cfg.Baud,
		// Nobody scrolls the daemon's engine: the raw log is the history,
		// and the engine's 4 MiB default per board would be most of the
		// daemon's memory with 32 boards.
		Scrollback: 64 << 10,
		Decoder:    decode.New(decode.Options{ELF: cfg.ELF}),
		Reconnect:  true,
		Logger:     b.log,
	})
	return b
}

// Name is the board's name.
func (b *Board) Name() string { return b.cfg.Name }

// openPort resolves the spec and opens it, waiting (polling) while the
// board is absent: a daemon starts before its boards are plugged in, and a
// replugged board may come back under another node (the identity finds it).
func (b *Board) openPort(ctx context.Context) (serialio.Port, error) {
	var lastErr string
	for {
		info, err := serialio.Resolve(b.cfg.Port)
		if err == nil {
			var p serialio.Port
			if p, err = serialio.Open(ctx, info.Path, b.cfg.Baud); err == nil {
				return p, nil
			}
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if msg := err.Error(); msg != lastErr {
			b.log.Info("board not available; waiting for it", "port", b.cfg.Port, "why", msg)
			lastErr = msg
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(b.d.cfg.Poll):
		}
	}
}

// run owns the board until ctx ends.
func (b *Board) run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := b.eng.Run(ctx); err != nil && ctx.Err() == nil {
			b.log.Error("board session ended", "err", err)
		}
	}()
	if b.cfg.Relay != nil {
		wg.Add(1)
		go func() { defer wg.Done(); b.runRelay(ctx) }()
	}
	if b.cfg.RFC2217 != "" {
		wg.Add(1)
		go func() { defer wg.Done(); b.serveRFC2217(ctx) }()
	}
	b.consume(ctx)
	wg.Wait()
	b.closeLogs()
}

// consume is the engine's one consumer: it writes the raw log and the
// journal, folds the state and fans out to clients. One board's consumer
// never waits for another board or for a client (clients that fall behind
// are cut off), so a board flooding at full speed starves nobody.
func (b *Board) consume(ctx context.Context) {
	for {
		wctx, cancel := context.WithTimeout(context.Background(), time.Second)
		items, err := b.eng.Wait(wctx)
		cancel()
		for _, it := range items {
			b.handle(it)
		}
		b.flushLogs(len(items) == 0)
		if err != nil && !errors.Is(err, context.DeadlineExceeded) {
			b.mu.Lock()
			for t := range b.taps {
				t.fail(bberr.Wrap(serialio.ErrUnplugged, bberr.Unplugged, "", "%s: daemon stopped", b.cfg.Name))
			}
			for s := range b.subs {
				s.end()
			}
			b.mu.Unlock()
			return
		}
	}
}

func (b *Board) handle(it monitor.Item) {
	st := b.eng.Status()
	switch it.Kind {
	case monitor.ItemData:
		_ = b.raw.Write(it.Time, b.redact.Feed(it.Data))
		b.bytesLogged.Add(int64(len(it.Data)))
		b.mu.Lock()
		b.lastData = it.Time
		for t := range b.taps {
			t.feed(it.Data)
		}
		b.mu.Unlock()
	case monitor.ItemNote:
		if rest := b.redact.Flush(); len(rest) > 0 {
			_ = b.raw.Write(it.Time, rest)
		}
		_ = b.raw.Note(it.Time, it.Note)
		b.record(it)
		if strings.HasPrefix(it.Note, "board unplugged") {
			b.mu.Lock()
			for t := range b.taps {
				t.fail(bberr.Wrap(serialio.ErrUnplugged, bberr.Unplugged, "", "%s unplugged", b.cfg.Name))
			}
			b.mu.Unlock()
		}
	case monitor.ItemEvent:
		b.record(it)
	case monitor.ItemStatus:
		b.mu.Lock()
		b.publishLocked(statusLine(b.cfg.Name, st))
		b.mu.Unlock()
	}
	b.mu.Lock()
	b.tracker.Observe(it, st)
	b.state = b.tracker.State()
	if it.Kind == monitor.ItemEvent {
		b.problems = b.tracker.Problems()
	}
	b.mu.Unlock()
}

// record writes an event or note to the journal and to subscribers.
func (b *Board) record(it monitor.Item) {
	b.line.Reset()
	if err := b.enc.Print(it); err != nil || b.line.Len() == 0 {
		return
	}
	line := b.line.Bytes()
	_, _ = b.jrMask.Write(line)
	b.mu.Lock()
	b.publishLocked(line)
	b.mu.Unlock()
}

func (b *Board) publishLocked(line []byte) {
	if len(b.subs) == 0 {
		return
	}
	out := line
	if len(b.cfg.Secrets) > 0 {
		out = secret.Mask(line, b.cfg.Secrets...)
	} else {
		out = append([]byte(nil), line...)
	}
	for s := range b.subs {
		if !s.push(out) {
			delete(b.subs, s)
		}
	}
}

// statusLine is the stream record of a link status change.
func statusLine(name string, st monitor.Status) []byte {
	return fmt.Appendf(nil, `{"v":1,"kind":"link-status","board":%q,"port":%q,"connected":%t,"lent":%t,"baud":%d,"bytes_in":%d}`+"\n",
		name, st.Port, st.Connected, st.Lent, st.Baud, st.BytesIn)
}

// flushLogs pushes buffered capture to the files; on a quiet second the
// login redactor's held tail goes too.
func (b *Board) flushLogs(quiet bool) {
	if quiet {
		if rest := b.redact.Flush(); len(rest) > 0 {
			_ = b.raw.Write(time.Now(), rest)
		}
	}
	_ = b.raw.Flush()
	if quiet {
		_ = b.rawMask.Flush()
		_ = b.jrMask.Flush()
	}
	b.rawFile.Flush(time.Second)
	b.jrFile.Flush(time.Second)
	b.reportLogHealth()
}

// reportLogHealth says once when a log stops being writable and once when
// it recovers (the daemon's own log usually lives elsewhere: journald).
func (b *Board) reportLogHealth() {
	for i, f := range []*rotFile{b.rawFile, b.jrFile} {
		h := f.Health()
		if h.Error != b.logErr[i] {
			if h.Error != "" {
				b.log.Warn("cannot write a log; holding what the board prints in memory and retrying", "file", h.Path, "err", h.Error, "held_bytes", h.Held)
			} else {
				b.log.Info("log writable again; everything held was written", "file", h.Path, "dropped_bytes", h.Dropped)
			}
			b.logErr[i] = h.Error
		}
	}
}

func (b *Board) closeLogs() {
	if rest := b.redact.Flush(); len(rest) > 0 {
		_ = b.raw.Write(time.Now(), rest)
	}
	_ = b.raw.Flush()
	_ = b.rawMask.Flush()
	_ = b.jrMask.Flush()
	_ = b.rawFile.Close()
	_ = b.jrFile.Close()
}

// send writes to the board unless the port is lent (a flash or a remote
// client owns it: bytes for the sketch would corrupt that).
func (b *Board) send(ctx context.Context, p []byte) error {
	if b.eng.Status().Lent {
		return bberr.New(bberr.PortBusy, "wait until the flash or the remote client is done", "%s is lent to %s", b.cfg.Name, b.lender())
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return b.eng.Send(ctx, p)
}

func (b *Board) lender() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.lentTo
}

// newTap starts a view of the board's stream for an in-daemon reader.
func (b *Board) newTap(what string) *tapPort {
	t := newTap(b.cfg.Name+" ("+what+")", func(p []byte) error { return b.send(context.Background(), p) })
	b.mu.Lock()
	b.taps[t] = struct{}{}
	b.mu.Unlock()
	return t
}

func (b *Board) dropTap(t *tapPort) {
	b.mu.Lock()
	delete(b.taps, t)
	b.attachQ = slices.DeleteFunc(b.attachQ, func(x *tapPort) bool { return x == t })
	if b.keyboard == t {
		b.keyboard = nil
		if len(b.attachQ) > 0 {
			b.keyboard = b.attachQ[0]
		}
	}
	b.mu.Unlock()
	t.Close()
}

// Lend gives the port to f (a flasher, a remote RFC 2217 client) and
// resumes capture when f returns. Only one borrower at a time: a second
// gets ErrBusy at once instead of waiting behind a remote session that may
// last hours.
func (b *Board) Lend(ctx context.Context, what string, f func(ctx context.Context, p serialio.Port) error) error {
	b.mu.Lock()
	if b.lentTo != "" {
		holder := b.lentTo
		b.mu.Unlock()
		return bberr.Wrap(serialio.ErrBusy, bberr.PortBusy, "wait until it is done (blynkbridge status shows it)", "%s is lent to %s", b.cfg.Name, holder)
	}
	b.lentTo = what
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		b.lentTo = ""
		b.mu.Unlock()
	}()
	if !b.eng.Status().Connected {
		return bberr.Wrap(serialio.ErrUnplugged, bberr.Unplugged, "plug the board in; the daemon picks it up by itself", "%s is absent", b.cfg.Name)
	}
	return b.eng.Borrow(ctx, what, f)
}

// serveLent runs an exclusive RFC 2217 session on conn with the lent port.
func (b *Board) serveLent(ctx context.Context, conn net.Conn, what string) error {
	return b.Lend(ctx, what, func(ctx context.Context, p serialio.Port) error {
		_ = p.SetReadTimeout(50 * time.Millisecond)
		warned := false
		be := &portBackend{p: p}
		be.lr = newLineRecognizer(func(dtr, rts bool) {
			if err := p.SetLines(dtr, rts); err != nil && !warned {
				warned = true
				b.log.Warn("cannot set DTR/RTS for "+what, "err", err)
			}
		}, func(k resetKind) { b.log.Info(what + ": " + k.String() + " (played locally)") })
		return serveRFC2217(ctx, conn, be, b.log)
	})
}

// serveShared runs a shared RFC 2217 session on conn: the client sees the
// stream; the first attached client holds the keyboard (its writes reach
// the board), the others' writes are dropped until it leaves; resets it
// asks for are played by the engine.
func (b *Board) serveShared(ctx context.Context, conn net.Conn, who string) error {
	t := b.newTap(who)
	b.mu.Lock()
	if b.keyboard == nil {
		b.keyboard = t
	}
	b.attachQ = append(b.attachQ, t)
	b.mu.Unlock()
	defer b.dropTap(t)
	be := &sharedBackend{b: b, t: t, ctx: ctx}
	be.lr = newLineRecognizer(nil, func(k resetKind) {
		if !be.holds() {
			return
		}
		if err := b.eng.Reset(ctx, k == resetDownload); err != nil {
			b.log.Warn(who+": reset failed", "err", err)
		}
	})
	return serveRFC2217(ctx, conn, be, b.log)
}

// portBackend is the RFC 2217 server on a lent port.
type portBackend struct {
	p  serialio.Port
	lr *lineRecognizer
}

func (pb *portBackend) read(p []byte) (int, error) { return pb.p.Read(p) }
func (pb *portBackend) write(p []byte) error {
	_, err := pb.p.Write(p)
	return err
}
func (pb *portBackend) setBaud(n int) int {
	if n > 0 {
		_ = pb.p.SetBaud(n)
	}
	return pb.p.Baud()
}
func (pb *portBackend) purgeInput()            { _ = pb.p.ResetInput() }
func (pb *portBackend) lines() *lineRecognizer { return pb.lr }

// sharedBackend is the RFC 2217 server for an attached client.
type sharedBackend struct {
	b    *Board
	t    *tapPort
	lr   *lineRecognizer
	ctx  context.Context
	baud int
}

func (sb *sharedBackend) holds() bool {
	sb.b.mu.Lock()
	defer sb.b.mu.Unlock()
	return sb.b.keyboard == sb.t
}

func (sb *sharedBackend) read(p []byte) (int, error) {
	_ = sb.t.SetReadTimeout(100 * time.Millisecond)
	return sb.t.Read(p)
}

// write sends the keyboard holder's bytes; a lent port refuses them
// quietly (the client cannot do anything useful with the error).
func (sb *sharedBackend) write(p []byte) error {
	if !sb.holds() {
		return nil
	}
	_ = sb.b.send(sb.ctx, p)
	return nil
}

// setBaud answers what the client asked for without changing the board's
// rate: the board's engine keeps its sketch rate and switches to 74880 for
// the ROM banner itself; an attached client sees the decoded-rate stream.
func (sb *sharedBackend) setBaud(n int) int {
	if n > 0 {
		sb.baud = n
	}
	if sb.baud == 0 {
		return sb.b.eng.Status().Baud
	}
	return sb.baud
}
func (sb *sharedBackend) purgeInput()            { _ = sb.t.ResetInput() }
func (sb *sharedBackend) lines() *lineRecognizer { return sb.lr }

// runRelay relays the board's Blynk frames, reading them from a tap.
func (b *Board) runRelay(ctx context.Context) {
	opts := *b.cfg.Relay
	opts.Logger = b.log
	opts.Boards = []relay.Board{{Name: b.cfg.Name, Open: func(ctx context.Context) (serialio.Port, error) {
		// Wait until the board is there: the relay reopens after a tap
		// fails on unplug.
		for !b.eng.Status().Connected {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(b.d.cfg.Poll):
			}
		}
		return b.newTapClosing("relay"), nil
	}}}
	r, err := relay.New(opts)
	if err != nil {
		b.log.Error("relay not started", "err", err)
		return
	}
	b.mu.Lock()
	b.relay = r
	b.mu.Unlock()
	if err := r.Run(ctx); err != nil && ctx.Err() == nil {
		b.log.Error("relay stopped", "err", err)
	}
}

// newTapClosing is a tap that unregisters itself when the relay closes it.
func (b *Board) newTapClosing(what string) serialio.Port {
	t := b.newTap(what)
	return &closingTap{tapPort: t, b: b}
}

type closingTap struct {
	*tapPort
	b *Board
}

func (c *closingTap) Close() error {
	c.b.dropTap(c.tapPort)
	return nil
}
