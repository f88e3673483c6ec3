package relay

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/serialio"
)

// upState is the server connection's state.
type upState int

const (
	upNone    upState = iota // no connection
	upDialing                // connecting, or waiting to retry
	upLogin                  // login sent, answer pending
	upReady                  // logged in: frames flow both ways
)

// session carries one board. Two goroutines: boardLoop owns the serial port
// (reads, framing, reopening) and serverLoop owns the server connection
// (dialling, backoff, reading). Shared state is under mu; writes to the
// server happen under mu too (so the order of frames is the order they were
// decided in), writes to the board under bmu.
type session struct {
	o     *Options
	board Board
	dial  func(ctx context.Context, addr string) (net.Conn, error)
	log   *slog.Logger
	fatal func(error)

	initial serialio.Port // opened by Relay.Run before the loops start
	framer  *framer       // boardLoop only

	bmu sync.Mutex // serialises writes to the board

	mu       sync.Mutex
	port     serialio.Port // current board port, nil when lost
	boardUp  bool
	dormant  bool // board came back but has sent nothing yet: no reason to dial
	server   string
	addr     string // current server address (changes on REDIRECT)
	conn     net.Conn
	up       upState
	closeWhy string // why mu's holder closed conn (for the log)

	login         *blynk.Frame // the board's last login: replayed after a reconnect
	info          *blynk.Frame // the info packet that followed it
	boardAwaiting bool         // the board's own login is unanswered: its answer goes to the board
	awaitInfo     bool         // the next INTERNAL from the board is the info packet
	replaying     bool         // the login in flight is a replay
	authFailed    bool         // the server refused the token: wait for the board's next login
	loginSentAt   time.Time
	readyAt       time.Time
	everReady     bool      // a login succeeded at least once in this run
	downSince     time.Time // when the server session was lost (zero while up)
	boardFrames   int       // frames ever read from the board
	// inflight are frames written to the current connection that the
	// server has not yet shown it read (a Blynk server acknowledges no
	// hardware frame). A PING's answer confirms every frame written
	// before it: the board's own heartbeat PINGs do this for free
	// (pingCovers); the relay sends one of its own only when confirmBatch
	// frames wait. If the connection dies first they go back to the front
	// of the outage buffer and are sent again (Stats.Resent): nothing
	// written into a dying socket is silently lost.
	inflight     []blynk.Frame
	trackedSeq   int64            // frames ever added to inflight
	confirmedSeq int64            // of which confirmed or moved back to the queue
	pingCovers   map[uint16]int64 // board PING id -> trackedSeq when it was sent
	confirmID    uint16           // the relay's PING in flight (0: none)
	confirmAt    int64            // trackedSeq when it was sent
	confirmSeq   uint16
	// eager: a connection ended with frames unconfirmed, so confirm after
	// every write until the session has been stable for a while (a server
	// that keeps dropping would otherwise get the same frames again and
	// again and never confirm them).
	eager         bool
	warnedBaud    bool
	pingsCut      bool // the local ping window has passed in this outage
	kick          bool // dial again at once (redirect, board logged in again)
	redirects     int
	everUp        bool
	warnedNoLogin bool
	boardMax      int
	upOversize    int64 // copied from the framer (boardLoop's) under mu
	downOversize  int64

	swallow map[uint16]int       // RESPONSE ids to swallow (answers to replays)
	pings   map[uint16]time.Time // board PINGs in flight
	queue   []blynk.Frame
	queueB  int
	taps    []TapEvent

	wake chan struct{}
	st   Stats
	err  error
}

func newSession(o *Options, b Board, dial func(context.Context, string) (net.Conn, error), fatal func(error)) *session {
	server := b.Server
	if server == "" {
		server = o.Server
	}
	s := &session{o: o, board: b, dial: dial, fatal: fatal, server: server, addr: server,
		log: o.Logger.With("board", b.Name), framer: newFramer(o.MaxBody), boardMax: o.BoardMaxBody,
		swallow: map[uint16]int{}, pings: map[uint16]time.Time{}, wake: make(chan struct{}, 1)}
	s.st.Board, s.st.Server = b.Name, server
	return s
}

func (s *session) run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); s.boardLoop(ctx) }()
	go func() { defer wg.Done(); s.serverLoop(ctx) }()
	wg.Wait()
	s.mu.Lock()
	s.st.State = StateStopped
	// Frames still waiting for the server when the relay stops never
	// reach it: count them.
	for _, f := range s.queue {
		s.dropLocked(Up, f, DropShutdown, "relay stopped before the server was back")
	}
	s.queue, s.queueB = nil, 0
	s.mu.Unlock()
}

func (s *session) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// unlock releases mu and then hands the collected tap events to the tap,
// so a slow or re-entrant tap (one that asks for Stats) cannot deadlock.
func (s *session) unlock() {
	t := s.taps
	s.taps = nil
	s.mu.Unlock()
	if s.o.Tap != nil {
		for _, e := range t {
			s.o.Tap(e)
		}
	}
}

func (s *session) tapLocked(dir Direction, a Action, f blynk.Frame, note string) {
	if s.o.LogFrames || s.log.Enabled(context.Background(), slog.LevelDebug) {
		lvl := slog.LevelDebug
		if s.o.LogFrames {
			lvl = slog.LevelInfo
		}
		// Frame.String redacts a login token.
		s.log.Log(context.Background(), lvl, "frame", "dir", string(dir), "action", string(a), "frame", f.String(), "note", note)
	}
	if s.o.Tap == nil {
		return
	}
	s.taps = append(s.taps, TapEvent{Time: s.o.now(), Board: s.board.Name, Dir: dir, Action: a,
		Text: f.String(), Frame: safeFrame(f), Note: note})
}

func (s *session) setErrLocked(err error) {
	s.err = err
	s.st.LastError = err.Error()
	s.st.LastErrorAt = s.o.now()
}

// stats returns a snapshot.
func (s *session) stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	st.DroppedBy = maps.Clone(s.st.DroppedBy)
	st.Server = s.addr
	st.Buffered = len(s.queue)
	if st.State != StateStopped {
		st.State = s.stateLocked()
	}
	return st
}

func (s *session) lastErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func (s *session) stateLocked() State {
	switch {
	case !s.boardUp:
		return StateWaitBoard
	case s.authFailed:
		return StateAuthFailed
	case s.up == upReady:
		return StateOnline
	case s.up == upLogin:
		return StateLoggingIn
	case s.up == upDialing || s.wantLocked():
		return StateConnecting
	}
	return StateIdle
}

// wantLocked: is there a board session to carry to the server?
func (s *session) wantLocked() bool {
	return s.login != nil && s.boardUp && !s.dormant && !s.authFailed
}

// closeConnLocked drops the server connection now; serverLoop notices and
// decides whether and when to dial again.
// dropLocked counts a frame that will not reach its peer, by cause, and
// shows it on the tap.
func (s *session) dropLocked(dir Direction, f blynk.Frame, cause, note string) {
	s.st.Dropped++
	if s.st.DroppedBy == nil {
		s.st.DroppedBy = map[string]int64{}
	}
	s.st.DroppedBy[cause]++
	s.tapLocked(dir, Dropped, f, note)
}

// trackLocked records frames just written to the server as unconfirmed and
// asks for a confirmation if none is pending.
func (s *session) trackLocked(fs ...blynk.Frame) {
	for _, f := range fs {
		switch {
		case f.Cmd.IsLogin(), f.Cmd == blynk.CmdPing, f.Cmd == blynk.CmdResponse,
			f.Cmd == blynk.CmdInternal && (s.awaitInfo || s.info != nil && s.info.ID == f.ID):
			// A login and its info packet are replayed anyway; a PING or
			// an answer belongs to its connection.
		default:
			s.inflight = append(s.inflight, f)
			s.trackedSeq++
		}
	}
	s.confirmLocked()
}

// confirmBatch unconfirmed frames make the relay send a PING of its own
// (fewer wait for the board's next heartbeat PING: on a lost connection
// they are sent again, possibly twice, never lost).
const confirmBatch = 32

// confirmToLocked marks the frames up to tracked sequence seq confirmed.
func (s *session) confirmToLocked(seq int64) {
	if n := seq - s.confirmedSeq; n > 0 {
		n = min(n, int64(len(s.inflight)))
		s.inflight = append(s.inflight[:0:0], s.inflight[n:]...)
		s.confirmedSeq += n
	}
}

// confirmBase is where the relay's own PING ids start: far above the ids a
// sketch reaches in a session (it counts up from 1), so answers do not
// collide.
const confirmBase = 0xF000

// confirmLocked sends the relay's PING after the unconfirmed frames when
// none is pending.
func (s *session) confirmLocked() {
	if s.eager && !s.readyAt.IsZero() && s.o.now().Sub(s.readyAt) > 10*time.Second {
		s.eager = false
	}
	need := confirmBatch
	if s.eager {
		need = 1
	}
	if s.confirmID != 0 || len(s.inflight) < need || s.conn == nil || s.up != upReady {
		return
	}
	s.confirmSeq = (s.confirmSeq + 1) % 0x0FFF
	id := confirmBase + s.confirmSeq
	ping := blynk.Frame{Cmd: blynk.CmdPing, ID: id}
	_ = s.conn.SetWriteDeadline(s.o.now().Add(s.o.WriteTimeout))
	if _, err := s.conn.Write(ping.Marshal()); err != nil {
		s.log.Warn("write to server failed", "err", err)
		s.closeConnLocked("write failed")
		return
	}
	s.confirmID, s.confirmAt = id, s.trackedSeq
}

// eagerChunk is how many frames from the outage buffer go out unconfirmed
// while eager: after a connection that ended with frames unconfirmed, the
// buffer is sent a few at a time, each few confirmed, so a server that
// keeps dropping still gets every frame once before the next ones.
const eagerChunk = 4

// flushQueueLocked sends the outage buffer, in order, paced while eager.
func (s *session) flushQueueLocked() {
	for len(s.queue) > 0 && s.up == upReady {
		if s.eager && s.confirmID != 0 && len(s.inflight) >= eagerChunk {
			return // the answer to the confirming PING resumes it
		}
		q := s.queue[0]
		if s.sendUpLocked(q, Forwarded, "from the outage buffer") != nil {
			return
		}
		s.queue = s.queue[1:]
		s.queueB -= q.Size()
		if q.Cmd == blynk.CmdPing {
			s.notePingLocked(q.ID)
		}
	}
}

// confirmedLocked handles the answer to the relay's PING: everything
// written before it reached the server.
func (s *session) confirmedLocked() {
	s.confirmToLocked(s.confirmAt)
	s.confirmID = 0
	s.flushQueueLocked()
	s.confirmLocked()
}

// requeueInflightLocked puts unconfirmed frames back at the front of the
// outage buffer (the connection they were written to is gone).
func (s *session) requeueInflightLocked() {
	s.confirmID = 0
	clear(s.pingCovers)
	s.confirmedSeq = s.trackedSeq
	if len(s.inflight) == 0 {
		return
	}
	n := len(s.inflight)
	s.st.Resent += int64(n)
	s.eager = true
	old := s.queue
	s.queue = append(append([]blynk.Frame(nil), s.inflight...), old...)
	for _, f := range s.inflight {
		s.queueB += f.Size()
		s.tapLocked(Up, Buffered, f, "unconfirmed when the connection ended: sent again")
	}
	s.inflight = nil
	for len(s.queue) > s.o.BufferFrames || s.queueB > s.o.BufferBytes {
		o := s.queue[0]
		s.queue = s.queue[1:]
		s.queueB -= o.Size()
		s.dropLocked(Up, o, DropBufferFull, "outage buffer full")
	}
	s.log.Info("connection ended before the server confirmed frames; sending them again", "frames", n)
}

// markDownLocked notes when a ready server session ends (the local ping
// window counts from there).
func (s *session) markDownLocked() {
	if s.up == upReady && s.downSince.IsZero() {
		s.downSince = s.o.now()
	}
}

func (s *session) closeConnLocked(why string) {
	if s.conn == nil {
		return
	}
	s.closeWhy = why
	_ = s.conn.Close()
	s.conn = nil
	s.requeueInflightLocked()
	s.markDownLocked()
	s.up = upNone
	clear(s.swallow)
	clear(s.pings)
}

// ---------------------------------------------------------------------------
// Board side.

func (s *session) boardLoop(ctx context.Context) {
	port := s.initial
	s.initial = nil
	for {
		if port == nil {
			port = s.reopen(ctx)
			if port == nil {
				return
			}
		}
		s.attach(port)
		err := s.readBoard(ctx, port)
		_ = port.Close()
		s.detach(ctx, err)
		port = nil
		if ctx.Err() != nil {
			return
		}
	}
}

// reopen calls the opener until it gives a port or ctx ends. The first
// failure is logged at Warn, later ones at Debug with the attempt count: the
// wait is visible without flooding the log.
func (s *session) reopen(ctx context.Context) serialio.Port {
	for attempt := 1; ; attempt++ {
		p, err := s.board.Open(ctx)
		if err == nil {
			return p
		}
		if ctx.Err() != nil {
			return nil
		}
		if attempt == 1 {
			s.log.Warn("waiting for the board's port", "err", err)
		} else {
			s.log.Debug("board port still missing", "attempt", attempt, "err", err)
		}
		t := time.NewTimer(s.o.ReopenEvery)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

func (s *session) attach(p serialio.Port) {
	s.mu.Lock()
	s.port, s.boardUp = p, true
	s.st.Port = p.Name()
	s.mu.Unlock()
	s.log.Info("board port open", "port", p.Name())
	s.signal()
}

func (s *session) detach(ctx context.Context, err error) {
	dropped := s.framer.reset()
	s.mu.Lock()
	s.port, s.boardUp, s.dormant = nil, false, true
	s.st.SkippedBytes = s.framer.skipped
	stopping := ctx.Err() != nil
	if !stopping {
		s.st.Unplugs++
		// A board without power is offline: say so to the server rather
		// than keep a session nobody answers for. The cached login stays,
		// in case the board kept its session (self-powered) and goes on.
		s.closeConnLocked("board port lost")
	}
	s.unlock()
	if !stopping {
		s.log.Warn("board port lost; waiting for it to come back", "err", err, "partial_bytes_dropped", dropped)
	}
}

func (s *session) readBoard(ctx context.Context, p serialio.Port) error {
	// Closing the port is what interrupts a blocked Read on Ctrl-C.
	stop := context.AfterFunc(ctx, func() { _ = p.Close() })
	defer stop()
	// Block until bytes come: Close (on ctx end, above) interrupts the
	// read, so no timeout wakeups are needed (64 boards idle at no cost).
	_ = p.SetReadTimeout(serialio.NoTimeout)
	buf := make([]byte, 4096)
	for {
		n, err := p.Read(buf)
		if n > 0 {
			frames := s.framer.feed(buf[:n])
			if len(s.framer.lastSkips) > 0 {
				s.noteSkipped()
			}
			if len(frames) > 0 {
				s.fromBoard(frames...)
			}
		}
		if err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// baudHintBytes skipped with no frame at all make the wrong-baud warning.
const baudHintBytes = 256

func (s *session) noteSkipped() {
	s.mu.Lock()
	newOversize := s.framer.oversize > s.upOversize
	s.upOversize = s.framer.oversize
	s.st.SkippedBytes = s.framer.skipped
	s.st.Oversize = s.upOversize + s.downOversize
	allSkipped := !s.warnedBaud && s.boardFrames == 0 && s.framer.skipped >= baudHintBytes
	if allSkipped {
		s.warnedBaud = true
	}
	s.mu.Unlock()
	if allSkipped {
		// Every byte so far was skipped: not one frame. A sketch at
		// another rate than the relay's reads as exactly this.
		baud := "the relay's --baud"
		if s.board.Baud > 0 {
			baud = "--baud " + strconv.Itoa(s.board.Baud)
		}
		s.log.Warn("every byte from the board is skipped (" + strconv.FormatInt(s.framer.skipped, 10) + " bytes, no Blynk frame): " +
			"the sketch's Serial.begin rate probably differs from " + baud + "; give the rate the sketch uses (BlynkSimpleStream sketches often use 9600)")
	}
	total := 0
	for _, n := range s.framer.lastSkips {
		total += n
	}
	// Never the bytes themselves: a garbled login would carry the token.
	s.log.Debug("skipped bytes that are not frames (sketch prints, boot text, noise)", "bytes", total)
	if newOversize {
		s.log.Warn("refused a frame from the board over the size limit", "limit", s.o.MaxBody)
	}
}

// fromBoard handles the whole frames of one read from the board. While the
// server session is up, consecutive frames go out in one write (one TLS
// record, one syscall); anything else is handled frame by frame, after what
// was batched before it, so the order is kept.
func (s *session) fromBoard(frames ...blynk.Frame) {
	var local, batch []blynk.Frame
	s.mu.Lock()
	s.dormant = false
	s.boardFrames += len(frames)
	for _, f := range frames {
		if s.up == upReady && !f.Cmd.IsLogin() && len(s.queue) == 0 {
			s.noteInfoLocked(f)
			if f.Cmd == blynk.CmdPing {
				s.notePingLocked(f.ID)
			}
			batch = append(batch, f)
			continue
		}
		s.flushUpLocked(batch)
		batch = nil
		local = append(local, s.fromBoardLocked(f)...)
	}
	s.flushUpLocked(batch)
	port := s.port
	s.unlock()
	for _, r := range local {
		s.writeBoard(port, r, Up, Local)
	}
}

// flushUpLocked writes batched board frames to the server; if that fails
// they are kept for the next connection, in order.
func (s *session) flushUpLocked(batch []blynk.Frame) {
	if len(batch) == 0 {
		return
	}
	if s.conn != nil {
		var b []byte
		for _, f := range batch {
			b = f.AppendTo(b)
		}
		_ = s.conn.SetWriteDeadline(s.o.now().Add(s.o.WriteTimeout))
		_, err := s.conn.Write(b)
		if err == nil {
			s.st.FramesUp += int64(len(batch))
			s.st.BytesUp += int64(len(b))
			for _, f := range batch {
				s.tapLocked(Up, Forwarded, f, "")
			}
			s.trackLocked(batch...)
			return
		}
		s.log.Warn("write to server failed", "err", err)
		s.closeConnLocked("write failed")
	}
	for _, f := range batch {
		s.enqueueLocked(f)
	}
	s.signal()
}

// noteInfoLocked keeps the info packet (the first INTERNAL after the
// board's login) for replays, and its buff-in as the board's limit.
func (s *session) noteInfoLocked(f blynk.Frame) {
	if f.Cmd != blynk.CmdInternal || !s.awaitInfo {
		return
	}
	cp := f
	s.info, s.awaitInfo = &cp, false
	if kv, err := blynk.ParseKV(f.Body); err == nil {
		if v, ok := blynk.Lookup(kv, "buff-in"); ok {
			if n, err := strconv.Atoi(v); err == nil && n > 0 && n <= 0xFFFF {
				s.boardMax = n
			}
		}
	}
}

// fromBoardLocked handles one frame when the session is not simply up (or
// the frame is a login); it returns frames to answer the board with.
func (s *session) fromBoardLocked(f blynk.Frame) (local []blynk.Frame) {
	switch {
	case f.Cmd.IsLogin():
		s.st.BoardLogins++
		cp := f
		s.login, s.info, s.awaitInfo = &cp, nil, false
		s.boardAwaiting, s.authFailed, s.redirects = true, false, 0
		s.requeueInflightLocked()
		if n := len(s.queue); n > 0 {
			// Frames of the board's previous session: the new login
			// starts a new one.
			for _, q := range s.queue {
				s.dropLocked(Up, q, DropRelogin, "buffered in the board's previous session")
			}
			s.log.Warn("board logged in again; dropping frames buffered from its previous session", "frames", n)
		}
		s.queue, s.queueB = nil, 0
		if s.conn != nil {
			// The board restarted (or retried after its login timeout):
			// its login must be the first frame of a connection, and the
			// token may have changed, so start a fresh one.
			s.log.Info("board logged in again; starting a new server session")
			s.closeConnLocked("board logged in again")
			s.kick = true
		}
		s.tapLocked(Up, Buffered, f, "login: sent when connected")
		s.signal()
	case f.Cmd == blynk.CmdPing && s.up != upReady:
		down := s.downSince
		if down.IsZero() {
			down = s.o.now()
		}
		switch {
		case s.login != nil && !s.boardAwaiting && !s.authFailed && s.o.now().Sub(down) < s.o.LocalPingWindow:
			// A short outage: keep the board's session alive so it does
			// not time out and reset while the relay reconnects.
			local = append(local, blynk.Response(f.ID, blynk.StatusSuccess))
			s.st.LocalPings++
			s.tapLocked(Up, Local, f, "answered by the relay: server unreachable")
		case s.login != nil && !s.boardAwaiting && !s.authFailed:
			// Past the window: the board must learn the link is down
			// (Blynk.connected() false, its own reconnect logic), so its
			// PINGs go unanswered and its heartbeat timeout runs.
			s.dropLocked(Up, f, DropLinkDown, "server down longer than the local ping window: left unanswered so the board sees the link is down")
			if !s.pingsCut {
				s.pingsCut = true
				s.log.Warn("server down longer than the local ping window; no longer answering the board's pings, so it sees the link is down",
					"window", s.o.LocalPingWindow.String())
			}
		default:
			local = append(local, s.dropNoSessionLocked(f)...)
		}
	default:
		s.noteInfoLocked(f)
		switch {
		case s.up == upReady && len(s.queue) > 0:
			// The outage buffer is still going out (paced while the
			// server confirms): behind it, in order.
			s.enqueueLocked(f)
			s.flushQueueLocked()
		case s.up == upReady:
			if f.Cmd == blynk.CmdPing {
				s.notePingLocked(f.ID)
			}
			s.flushUpLocked([]blynk.Frame{f})
		case s.login == nil || s.authFailed:
			local = append(local, s.dropNoSessionLocked(f)...)
		default:
			s.enqueueLocked(f)
			s.signal()
		}
	}
	return local
}

// dropNoSessionLocked handles a frame from a board that believes it is
// logged in while the relay has no session for it: the relay was restarted
// under a running board, or the server refused a replayed login. The frame
// is dropped and the board is told NOT_AUTHENTICATED, as a server would
// tell it: the library drops its connection on that answer and logs in
// again within seconds, instead of after its heartbeat timeout.
func (s *session) dropNoSessionLocked(f blynk.Frame) []blynk.Frame {
	s.dropLocked(Up, f, DropNoSession, "no server session: the board has not logged in")
	if !s.warnedNoLogin && !s.authFailed {
		s.warnedNoLogin = true
		s.log.Warn("the board sends frames but has not logged in since the relay started; " +
			"answering NOT_AUTHENTICATED so that it logs in again")
	}
	if f.Cmd == blynk.CmdResponse {
		return nil
	}
	r := blynk.Response(f.ID, blynk.StatusNotAuthenticated)
	s.tapLocked(Down, Local, r, "no session: makes the board log in again")
	return []blynk.Frame{r}
}

func (s *session) notePingLocked(id uint16) {
	if len(s.pings) == 0 && s.conn != nil {
		_ = s.conn.SetReadDeadline(s.o.now().Add(s.o.PingTimeout))
	}
	s.pings[id] = s.o.now()
	if s.conn != nil && s.up == upReady {
		if s.pingCovers == nil {
			s.pingCovers = map[uint16]int64{}
		}
		s.pingCovers[id] = s.trackedSeq
	}
}

// enqueueLocked keeps f for the server; past the bound the oldest frames go
// (the newest values are the ones worth delivering after an outage).
func (s *session) enqueueLocked(f blynk.Frame) {
	s.queue = append(s.queue, f)
	s.queueB += f.Size()
	s.tapLocked(Up, Buffered, f, "server not ready")
	for len(s.queue) > s.o.BufferFrames || s.queueB > s.o.BufferBytes {
		old := s.queue[0]
		s.queue = s.queue[1:]
		s.queueB -= old.Size()
		s.dropLocked(Up, old, DropBufferFull, "outage buffer full")
		if s.st.Dropped == 1 || s.st.Dropped%100 == 0 {
			s.log.Warn("server unreachable and buffer full: dropping the oldest frames", "dropped_total", s.st.Dropped)
		}
	}
}

// sendUpLocked writes f to the server.
func (s *session) sendUpLocked(f blynk.Frame, a Action, note string) error {
	if s.conn == nil {
		return net.ErrClosed
	}
	b := f.Marshal()
	_ = s.conn.SetWriteDeadline(s.o.now().Add(s.o.WriteTimeout))
	if _, err := s.conn.Write(b); err != nil {
		s.log.Warn("write to server failed", "err", err)
		s.closeConnLocked("write failed")
		return err
	}
	s.st.FramesUp++
	s.st.BytesUp += int64(len(b))
	s.tapLocked(Up, a, f, note)
	if a == Forwarded {
		s.trackLocked(f)
	}
	return nil
}

func (s *session) writeBoard(p serialio.Port, f blynk.Frame, dir Direction, a Action) {
	if p == nil {
		s.mu.Lock()
		s.dropLocked(dir, f, DropBoardGone, "board port closed")
		s.unlock()
		return
	}
	b := f.Marshal()
	s.bmu.Lock()
	_, err := p.Write(b)
	s.bmu.Unlock()
	s.mu.Lock()
	if err != nil {
		s.dropLocked(dir, f, DropBoardWrite, "write to board failed")
	} else if a == Forwarded {
		s.st.FramesDown++
		s.st.BytesDown += int64(len(b))
	}
	s.unlock()
}

// ---------------------------------------------------------------------------
// Server side.

func (s *session) serverLoop(ctx context.Context) {
	attempt := 0
	for {
		if !s.waitWant(ctx) {
			return
		}
		s.mu.Lock()
		kick := s.kick
		s.kick = false
		addr := s.addr
		s.up = upDialing
		s.mu.Unlock()
		if attempt > 0 && !kick {
			d := backoff(s.o.ReconnectMin, s.o.ReconnectMax, attempt)
			s.log.Info("reconnecting", "in", d.Round(time.Millisecond).String(), "attempt", attempt)
			if !sleepCtx(ctx, d) {
				return
			}
		}
		conn, err := s.dial(ctx, addr)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			attempt++
			be, permanent := classifyDialErr(addr, err)
			s.mu.Lock()
			s.setErrLocked(be)
			s.up = upNone
			s.unlock()
			if permanent {
				s.log.Error(be.Msg, "hint", be.Hint)
				// A certificate refused before this session ever logged in
				// is a setup mistake retrying cannot fix: stop with it
				// rather than loop. After a good session it may be a
				// renewal in progress, so a service keeps trying.
				if s.o.FailFast || !s.everReady {
					s.fatal(be)
					return
				}
			} else {
				s.log.Warn(be.Msg, "hint", be.Hint)
			}
			continue
		}
		if !s.startSession(conn, addr) {
			_ = conn.Close()
			attempt++
			continue
		}
		rerr := s.readServer(ctx, conn)
		s.mu.Lock()
		stable := !s.readyAt.IsZero() && s.o.now().Sub(s.readyAt) > 10*time.Second
		why := s.closeWhy
		ours := s.conn == conn
		if ours {
			// Lost on its own (server closed, network, timeout).
			why = ""
			s.requeueInflightLocked()
			s.markDownLocked()
			s.conn, s.up = nil, upNone
			clear(s.swallow)
			clear(s.pings)
			_ = conn.Close()
		}
		s.closeWhy = ""
		s.readyAt = time.Time{}
		if ctx.Err() == nil && why == "" {
			be := bberr.Wrap(rerr, bberr.Network, "the relay reconnects by itself", "server connection to %s lost", addr)
			s.setErrLocked(be)
		}
		s.unlock()
		if ctx.Err() != nil {
			return
		}
		if why != "" {
			s.log.Info("server connection closed", "why", why)
		} else {
			s.log.Warn("server connection lost", "err", rerr)
		}
		if stable {
			attempt = 0
		}
		attempt++
	}
}

// waitWant blocks until there is a board session to carry, or ctx ends.
func (s *session) waitWant(ctx context.Context) bool {
	for {
		s.mu.Lock()
		want := s.wantLocked()
		s.mu.Unlock()
		if want {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-s.wake:
		}
	}
}

// startSession sends the login on a fresh connection: the board's own
// (forwarded as-is; its answer goes to the board) or the cached one again
// (a replay; its answer is swallowed, because the board believes it is still
// logged in and would take a second login answer for nothing - or, from
// library 0.6 on, for a protocol error).
func (s *session) startSession(conn net.Conn, addr string) bool {
	s.mu.Lock()
	defer s.unlock()
	if !s.wantLocked() {
		s.up = upNone
		return false // the board went away while dialling
	}
	s.conn, s.up = conn, upLogin
	s.st.Connects++
	if s.everUp {
		s.st.Reconnects++
	}
	s.everUp = true
	s.log.Info("server connected", "server", addr, "tls", s.o.TLS.String())
	a, note := Forwarded, ""
	s.replaying = !s.boardAwaiting
	if s.replaying {
		a, note = Replayed, "session resumed after reconnect"
		s.st.Replays++
	}
	now := s.o.now()
	_ = conn.SetReadDeadline(now.Add(s.o.LoginTimeout))
	s.loginSentAt = now
	return s.sendUpLocked(*s.login, a, note) == nil
}

func (s *session) readServer(ctx context.Context, conn net.Conn) error {
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	// The server's stream is framed exactly: a body over the board's limit
	// must be skipped whole (and refused), not re-scanned for frames.
	dec := blynk.NewDecoder(blynk.DecoderOptions{MaxBody: 0xFFFF})
	buf := make([]byte, 4096)
	for {
		n, err := conn.Read(buf)
		if n > 0 {
			// Everything decoded from one read goes to the board in one
			// write (a burst costs one syscall, not one per frame).
			var port serialio.Port
			var batch []blynk.Frame
			for _, it := range dec.Feed(buf[:n]) {
				if it.IsSkip() {
					s.log.Warn("server sent bytes that are not frames; not passed to the board", "bytes", len(it.Skipped))
					continue
				}
				p, out := s.fromServer(conn, it.Frame)
				if len(out) == 0 {
					continue
				}
				if p != port && len(batch) > 0 {
					s.writeBoardBatch(port, batch)
					batch = nil
				}
				port = p
				batch = append(batch, out...)
			}
			if len(batch) > 0 {
				s.writeBoardBatch(port, batch)
			}
		}
		if err != nil {
			if isTimeout(err) {
				s.mu.Lock()
				st := s.up
				s.mu.Unlock()
				if st == upLogin {
					return errors.New("no answer to the login within " + s.o.LoginTimeout.String())
				}
				return errors.New("no answer to the board's PING within " + s.o.PingTimeout.String())
			}
			return err
		}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// fromServer handles one frame from the server.
func (s *session) fromServer(conn net.Conn, f blynk.Frame) (serialio.Port, []blynk.Frame) {
	var out []blynk.Frame
	s.mu.Lock()
	if s.conn != conn {
		s.unlock()
		return nil, nil // a connection we already dropped
	}
	now := s.o.now()
	switch {
	case f.Cmd == blynk.CmdResponse && s.up == upLogin && f.ID == 1:
		out = s.loginAnswerLocked(f, now)
	case f.Cmd == blynk.CmdResponse && s.confirmID != 0 && f.ID == s.confirmID:
		s.tapLocked(Down, Swallowed, f, "answer to the relay's confirming PING")
		s.confirmedLocked()
	case f.Cmd == blynk.CmdResponse && s.swallow[f.ID] > 0:
		s.swallow[f.ID]--
		if s.swallow[f.ID] == 0 {
			delete(s.swallow, f.ID)
		}
		s.st.Swallowed++
		s.tapLocked(Down, Swallowed, f, "answer to a replayed frame")
		if f.Status() != blynk.StatusSuccess {
			s.log.Warn("server refused the replayed info packet", "status", f.Status().String())
		}
	case f.Cmd == blynk.CmdRedirect:
		s.redirectLocked(f)
	default:
		if f.Cmd == blynk.CmdResponse {
			if t, ok := s.pings[f.ID]; ok {
				s.st.LastPingRTTms = float64(now.Sub(t).Microseconds()) / 1000
				delete(s.pings, f.ID)
				if seq, ok := s.pingCovers[f.ID]; ok {
					s.confirmToLocked(seq) // the board's PING confirms what went before it
					delete(s.pingCovers, f.ID)
				}
				if len(s.pings) == 0 && s.up == upReady {
					_ = conn.SetReadDeadline(time.Time{})
				}
			}
		} else if len(f.Body) > s.boardMax {
			s.downOversize++
			s.st.Oversize = s.upOversize + s.downOversize
			s.dropLocked(Down, f, DropOversize, "body over the board's buffer (buff-in "+strconv.Itoa(s.boardMax)+")")
			s.log.Warn("refused a frame from the server over the board's buffer size (the library would drop the connection)",
				"len", len(f.Body), "limit", s.boardMax)
			break
		}
		out = append(out, f)
	}
	port := s.port
	if port == nil && len(out) > 0 {
		for _, o := range out {
			s.dropLocked(Down, o, DropBoardGone, "board port closed")
		}
		out = nil
	}
	for _, o := range out {
		s.tapLocked(Down, Forwarded, o, "")
	}
	s.unlock()
	return port, out
}

// writeBoardBatch writes frames from the server to the board in one write.
func (s *session) writeBoardBatch(p serialio.Port, frames []blynk.Frame) {
	var b []byte
	for _, f := range frames {
		b = f.AppendTo(b)
	}
	s.bmu.Lock()
	_, err := p.Write(b)
	s.bmu.Unlock()
	s.mu.Lock()
	if err != nil {
		for _, f := range frames {
			s.dropLocked(Down, f, DropBoardWrite, "write to board failed")
		}
	} else {
		s.st.FramesDown += int64(len(frames))
		s.st.BytesDown += int64(len(b))
	}
	s.unlock()
}

// loginAnswerLocked handles the server's answer to the login in flight.
func (s *session) loginAnswerLocked(f blynk.Frame, now time.Time) (out []blynk.Frame) {
	st := f.Status()
	rtt := now.Sub(s.loginSentAt)
	toBoard := !s.replaying && s.boardAwaiting
	if toBoard {
		out = append(out, f)
		s.boardAwaiting = false
	} else {
		s.st.Swallowed++
		s.tapLocked(Down, Swallowed, f, "answer to the replayed login")
	}
	switch st {
	case blynk.StatusSuccess, blynk.StatusAlreadyRegistered:
		s.up, s.redirects, s.readyAt, s.everReady = upReady, 0, now, true
		s.downSince, s.pingsCut = time.Time{}, false
		s.st.LoginsOK++
		s.st.LastLoginAt = now
		s.warnedNoLogin = false
		_ = s.conn.SetReadDeadline(time.Time{})
		if toBoard {
			s.awaitInfo = true
			s.log.Info("board logged in", "status", st.String(), "rtt_ms", rtt.Milliseconds())
		} else {
			s.log.Info("session resumed: replayed login accepted", "rtt_ms", rtt.Milliseconds())
			if s.info != nil {
				s.swallow[s.info.ID]++
				if s.sendUpLocked(*s.info, Replayed, "info packet") != nil {
					return out
				}
			}
		}
		// Deliver what the board sent during the outage, in order.
		s.flushQueueLocked()
	case blynk.StatusInvalidToken:
		s.st.LoginsFailed++
		e := bberr.New(bberr.Auth,
			"check the auth token in the sketch (Blynk console: device info), upload it again and reset the board",
			"Blynk server %s refused the board's auth token (status 9 INVALID_TOKEN)", s.addr)
		s.setErrLocked(e)
		s.log.Error(e.Msg, "hint", e.Hint)
		// Nothing to retry until the board logs in again (with a new
		// token, after a reflash). A board that believed its session
		// alive (replay) times out and logs in itself, and then hears
		// the answer.
		s.authFailed = true
		s.requeueInflightLocked()
		for _, q := range s.queue {
			s.dropLocked(Up, q, DropAuth, "the server refused the token")
		}
		s.queue, s.queueB = nil, 0
		s.closeConnLocked("login refused")
		if s.o.FailFast {
			s.fatal(e)
		}
	default:
		s.st.LoginsFailed++
		e := bberr.New(bberr.Network, "the relay retries; if it persists check the server's log",
			"Blynk server %s refused the login: status %d %s", s.addr, uint16(st), st.String())
		s.setErrLocked(e)
		s.log.Error(e.Msg, "hint", e.Hint)
		s.closeConnLocked("login refused")
	}
	return out
}

// redirectLocked follows a REDIRECT: stream firmware cannot (its transport
// has no socket to move), so the relay connects to the new server and sends
// the login there. The frame itself never reaches the board.
func (s *session) redirectLocked(f blynk.Frame) {
	host, port, err := blynk.ParseRedirect(f.Body)
	if err != nil || host == "" || len(host) > 253 {
		s.log.Warn("ignoring a malformed REDIRECT from the server")
		s.dropLocked(Down, f, DropBadRedirect, "malformed redirect")
		return
	}
	if port == 0 {
		// The library falls back to its plain default port; the relay
		// keeps the port it is using, which matches the TLS mode.
		_, p, _ := net.SplitHostPort(s.addr)
		port, _ = strconv.Atoi(p)
	}
	s.redirects++
	s.tapLocked(Down, Swallowed, f, "redirect followed by the relay")
	if s.redirects > s.o.MaxRedirects {
		e := bberr.New(bberr.Network, "the servers redirect in a loop; point --server at the right one",
			"more than %d redirects in a row from %s", s.o.MaxRedirects, s.server)
		s.setErrLocked(e)
		s.log.Error(e.Msg, "hint", e.Hint)
		s.addr, s.redirects = s.server, 0
		s.closeConnLocked("redirect loop")
		return
	}
	to := net.JoinHostPort(host, strconv.Itoa(port))
	s.st.Redirects++
	s.log.Info("server redirects the board; following", "from", s.addr, "to", to)
	s.addr = to
	s.kick = true
	s.closeConnLocked("redirect to " + to)
}

// backoff is the wait before connection attempt n (n >= 1): min, 2 x min,
// 3 x min, then doubling from there up to max; each jittered down by up to
// a fifth so that many relays restarted together do not reconnect in
// lockstep.
func backoff(min, max time.Duration, n int) time.Duration {
	d := nominalBackoff(min, max, n)
	return d - time.Duration(randFloat()*float64(d/5))
}

func nominalBackoff(lo, hi time.Duration, n int) time.Duration {
	d := hi
	switch {
	case n <= 3:
		d = lo * time.Duration(max(n, 1))
	case n < 30:
		if x := (3 * lo) << (n - 3); x > 0 {
			d = x
		}
	}
	return min(d, hi)
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
