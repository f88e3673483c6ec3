package daemon

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/serialio"
)

// APIVersion is the schema version of every JSON body ("v": 1).
const APIVersion = 1

// apiServer serves the control API on the Unix socket and puts the socket
// back if someone removes it.
type apiServer struct {
	d   *Daemon
	mux *http.ServeMux

	mu  sync.Mutex
	ln  net.Listener
	ino uint64
}

// listenAPI makes the socket: owner-only directory (when it creates it),
// socket mode 0600, a stale socket from a crashed daemon replaced, a live
// one refused.
func (d *Daemon) listenAPI() (*apiServer, error) {
	a := &apiServer{d: d, mux: http.NewServeMux()}
	a.routes()
	if err := a.listen(); err != nil {
		return nil, err
	}
	return a, nil
}

func (a *apiServer) listen() error {
	path := a.d.cfg.Socket
	dir := path[:max(strings.LastIndexByte(path, '/'), 0)]
	if dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return bberr.Wrap(err, bberr.Permission, "choose a writable --socket path (or run under systemd, which makes /run/blynkbridge)", "cannot create the socket directory %s", dir)
		}
	}
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		c.Close()
		return bberr.Wrap(serialio.ErrBusy, bberr.PortBusy, "stop the other daemon first (blynkbridge status shows it), or give --socket another path", "a blynkbridge daemon already listens on %s", path)
	}
	_ = os.Remove(path) // a stale socket of a daemon that died
	ln, err := net.Listen("unix", path)
	if err != nil {
		return bberr.Wrap(err, bberr.Permission, "choose a writable --socket path", "cannot listen on %s", path)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return bberr.Wrap(err, bberr.Permission, "", "cannot restrict %s to its owner", path)
	}
	// The listener must not delete the path on Close: after a replacement
	// the path is the new listener's.
	if ul, ok := ln.(*net.UnixListener); ok {
		ul.SetUnlinkOnClose(false)
	}
	a.mu.Lock()
	a.ln, a.ino = ln, inode(path)
	a.mu.Unlock()
	return nil
}

// serve answers requests until ctx ends; every Poll it checks that the
// socket is still there (a cleanup script, a careless rm) and makes it
// again if not.
func (a *apiServer) serve(ctx context.Context) {
	srv := &http.Server{Handler: a.mux, ReadHeaderTimeout: 10 * time.Second}
	var wg sync.WaitGroup
	start := func(ln net.Listener) {
		wg.Add(1)
		go func() { defer wg.Done(); _ = srv.Serve(ln) }()
	}
	a.mu.Lock()
	start(a.ln)
	a.mu.Unlock()
	t := time.NewTicker(a.d.cfg.Poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			_ = srv.Shutdown(sctx)
			cancel()
			_ = srv.Close() // hijacked and streaming connections
			a.mu.Lock()
			if inode(a.d.cfg.Socket) == a.ino {
				_ = os.Remove(a.d.cfg.Socket)
			}
			a.mu.Unlock()
			wg.Wait()
			return
		case <-t.C:
		}
		a.mu.Lock()
		gone := inode(a.d.cfg.Socket) != a.ino
		a.mu.Unlock()
		if !gone {
			continue
		}
		a.d.log.Warn("control socket was removed; making it again", "socket", a.d.cfg.Socket)
		a.mu.Lock()
		old := a.ln
		a.mu.Unlock()
		if err := a.listen(); err != nil {
			a.d.log.Error("cannot make the control socket again (retrying)", "err", err)
			continue
		}
		_ = old.Close()
		a.mu.Lock()
		start(a.ln)
		a.mu.Unlock()
	}
}

func (a *apiServer) routes() {
	m := a.mux
	m.HandleFunc("GET /v1/version", a.version)
	m.HandleFunc("GET /v1/boards", a.list)
	m.HandleFunc("GET /v1/boards/{name}", a.board(func(w http.ResponseWriter, r *http.Request, b *Board) {
		writeJSON(w, http.StatusOK, struct {
			V int `json:"v"`
			BoardStatus
		}{APIVersion, b.Status()})
	}))
	m.HandleFunc("GET /v1/boards/{name}/events", a.board(a.events))
	m.HandleFunc("GET /v1/boards/{name}/journal", a.board(func(w http.ResponseWriter, r *http.Request, b *Board) {
		a.file(w, r, b.jrFile, "application/x-ndjson")
	}))
	m.HandleFunc("GET /v1/boards/{name}/log", a.board(func(w http.ResponseWriter, r *http.Request, b *Board) {
		a.file(w, r, b.rawFile, "text/plain; charset=utf-8")
	}))
	m.HandleFunc("POST /v1/boards/{name}/reset", a.board(a.reset))
	m.HandleFunc("POST /v1/boards/{name}/send", a.board(a.sendData))
	m.HandleFunc("GET /v1/boards/{name}/attach", a.board(a.attach))
	m.HandleFunc("POST /v1/boards/{name}/lend", a.board(a.lend))
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		apiError(w, http.StatusNotFound, "no such route: "+r.Method+" "+r.URL.Path, "routes are listed in docs/daemon.md (GET /v1/boards to start)")
	})
}

// apiError writes {"v":1,"error":...,"hint":...}.
func apiError(w http.ResponseWriter, code int, msg, hint string) {
	writeJSON(w, code, ErrorBody{V: APIVersion, Error: msg, Hint: hint})
}

// ErrorBody is every error response.
type ErrorBody struct {
	V     int    `json:"v"`
	Error string `json:"error"`
	Hint  string `json:"hint,omitempty"`
	Code  int    `json:"exit_code,omitempty"` // the CLI exit code it maps to
}

func errorFrom(w http.ResponseWriter, err error) {
	code := http.StatusInternalServerError
	switch {
	case errors.Is(err, serialio.ErrBusy):
		code = http.StatusConflict
	case errors.Is(err, serialio.ErrUnplugged):
		code = http.StatusServiceUnavailable
	case bberr.CodeOf(err) == bberr.Usage:
		code = http.StatusBadRequest
	case bberr.CodeOf(err) == bberr.PortBusy:
		code = http.StatusConflict
	}
	writeJSON(w, code, ErrorBody{V: APIVersion, Error: err.Error(), Hint: bberr.HintOf(err), Code: int(bberr.CodeOf(err))})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// VersionBody is GET /v1/version.
type VersionBody struct {
	V       int    `json:"v"`
	Version string `json:"version"`
	PID     int    `json:"pid"`
	Socket  string `json:"socket"`
	LogDir  string `json:"log_dir"`
	Started string `json:"started"`
}

func (a *apiServer) version(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, VersionBody{V: APIVersion, Version: a.d.cfg.Version, PID: os.Getpid(),
		Socket: a.d.cfg.Socket, LogDir: a.d.cfg.LogDir, Started: a.d.started.UTC().Format(time.RFC3339)})
}

// ListBody is GET /v1/boards.
type ListBody struct {
	V      int           `json:"v"`
	Boards []BoardStatus `json:"boards"`
}

func (a *apiServer) list(w http.ResponseWriter, r *http.Request) {
	body := ListBody{V: APIVersion, Boards: []BoardStatus{}}
	for _, b := range a.d.Boards() {
		body.Boards = append(body.Boards, b.Status())
	}
	writeJSON(w, http.StatusOK, body)
}

func (a *apiServer) board(h func(http.ResponseWriter, *http.Request, *Board)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b := a.d.Board(r.PathValue("name"))
		if b == nil {
			names := []string{}
			for _, b := range a.d.Boards() {
				names = append(names, b.Name())
			}
			apiError(w, http.StatusNotFound, fmt.Sprintf("no board named %q", r.PathValue("name")),
				"boards: "+strings.Join(names, ", "))
			return
		}
		h(w, r, b)
	}
}

// events streams the board's journal records as they happen (NDJSON):
// decoded events, host notes, and link-status records. It starts with the
// board's status. A client that reads too slowly is cut off with an
// "overrun" record rather than slowing the board.
func (a *apiServer) events(w http.ResponseWriter, r *http.Request, b *Board) {
	fl, ok := w.(http.Flusher)
	if !ok {
		apiError(w, http.StatusInternalServerError, "streaming unsupported", "")
		return
	}
	s := newSubscriber()
	b.mu.Lock()
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		delete(b.subs, s)
		b.mu.Unlock()
	}()
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	first, _ := json.Marshal(struct {
		V    int    `json:"v"`
		Kind string `json:"kind"`
		BoardStatus
	}{APIVersion, "board-status", b.Status()})
	_, _ = w.Write(append(first, '\n'))
	fl.Flush()
	for {
		select {
		case <-r.Context().Done():
			return
		case line, ok := <-s.ch:
			if !ok {
				if s.overrun {
					_, _ = io.WriteString(w, `{"v":1,"kind":"overrun","text":"this stream fell too far behind and was cut off; the journal has everything (GET .../journal)"}`+"\n")
				}
				return
			}
			if _, err := w.Write(line); err != nil {
				return
			}
			// Write what else is queued before flushing: one syscall per
			// burst, not per event.
			for more := true; more; {
				select {
				case l, ok := <-s.ch:
					if !ok {
						more = false
						break
					}
					_, _ = w.Write(l)
				default:
					more = false
				}
			}
			fl.Flush()
		}
	}
}

// subscriber is one events stream.
type subscriber struct {
	ch      chan []byte
	once    sync.Once
	overrun bool
}

func newSubscriber() *subscriber { return &subscriber{ch: make(chan []byte, 4096)} }

// push queues a line; false (and the stream ends) when the queue is full.
func (s *subscriber) push(line []byte) bool {
	select {
	case s.ch <- line:
		return true
	default:
		s.overrun = true
		s.end()
		return false
	}
}

func (s *subscriber) end() { s.once.Do(func() { close(s.ch) }) }

// file serves the current log file (the newest; rotated ones sit beside it).
func (a *apiServer) file(w http.ResponseWriter, r *http.Request, f *rotFile, ctype string) {
	f.Flush(0)
	fh, err := os.Open(f.path)
	if err != nil {
		apiError(w, http.StatusNotFound, "no log yet: "+err.Error(), "the board has not printed anything since the daemon started")
		return
	}
	defer fh.Close()
	w.Header().Set("Content-Type", ctype)
	_, _ = io.Copy(w, fh)
}

func (a *apiServer) reset(w http.ResponseWriter, r *http.Request, b *Board) {
	mode := r.URL.Query().Get("mode")
	if mode != "" && mode != "run" && mode != "download" {
		apiError(w, http.StatusBadRequest, fmt.Sprintf("bad mode %q", mode), "mode=run (default) or mode=download")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	if err := b.eng.Reset(ctx, mode == "download"); err != nil {
		errorFrom(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"v": APIVersion, "reset": b.Name(), "mode": cmp(mode, "run")})
}

func cmp(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (a *apiServer) sendData(w http.ResponseWriter, r *http.Request, b *Board) {
	data, err := io.ReadAll(io.LimitReader(r.Body, 64<<10+1))
	if err != nil {
		apiError(w, http.StatusBadRequest, "reading the body: "+err.Error(), "")
		return
	}
	if len(data) > 64<<10 {
		apiError(w, http.StatusRequestEntityTooLarge, "body over 64 KiB", "send in pieces")
		return
	}
	if err := b.send(r.Context(), data); err != nil {
		errorFrom(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"v": APIVersion, "sent": len(data)})
}

// attach upgrades the connection to a shared RFC 2217 session (a monitor
// attached through the daemon).
func (a *apiServer) attach(w http.ResponseWriter, r *http.Request, b *Board) {
	conn, ok := upgrade(w, r)
	if !ok {
		return
	}
	defer conn.Close()
	who := "monitor " + peerOf(conn)
	_ = b.serveShared(a.d.ctx, conn, who)
}

// lend upgrades the connection to an exclusive RFC 2217 session on the
// board's port (flash through the daemon); capture pauses until the client
// hangs up, and the journal records who had the port. With after=reset the
// daemon resets the board into its sketch once the port is back.
func (a *apiServer) lend(w http.ResponseWriter, r *http.Request, b *Board) {
	what := r.URL.Query().Get("what")
	if what == "" {
		what = "client"
	}
	what = strings.Map(func(c rune) rune {
		if c < 0x20 || c == 0x7f {
			return -1
		}
		return c
	}, what)
	if len(what) > 40 {
		what = what[:40]
	}
	st := b.Status()
	switch {
	case st.LentTo != "":
		apiError(w, http.StatusConflict, fmt.Sprintf("%s is lent to %s", b.Name(), st.LentTo), "wait until it is done (blynkbridge status shows it)")
		return
	case !st.Connected:
		apiError(w, http.StatusServiceUnavailable, b.Name()+" is absent", "plug the board in; the daemon picks it up by itself")
		return
	}
	conn, ok := upgrade(w, r)
	if !ok {
		return
	}
	defer conn.Close()
	if err := b.serveLent(a.d.ctx, conn, what+" ("+peerOf(conn)+")"); err != nil {
		a.d.log.Warn("lend ended", "board", b.Name(), "what", what, "err", err)
	}
	if r.URL.Query().Get("after") == "reset" {
		// The borrower left the board in its loader and asked the daemon
		// to boot it: the engine's reset reads the new sketch's ROM banner
		// at 74880, which a reset played inside the loan would lose.
		ctx, cancel := context.WithTimeout(a.d.ctx, 5*time.Second)
		defer cancel()
		if err := b.eng.Reset(ctx, false); err != nil {
			a.d.log.Warn("reset after the loan failed", "board", b.Name(), "err", err)
		}
	}
}

// upgrade answers "Upgrade: rfc2217" with 101 and hands over the
// connection (with any bytes the server already buffered).
func upgrade(w http.ResponseWriter, r *http.Request) (net.Conn, bool) {
	if !strings.EqualFold(r.Header.Get("Upgrade"), "rfc2217") {
		apiError(w, http.StatusUpgradeRequired, "this route speaks RFC 2217 after an upgrade", "send Connection: Upgrade and Upgrade: rfc2217 (blynkbridge monitor and flash do)")
		return nil, false
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		apiError(w, http.StatusInternalServerError, "cannot upgrade this connection", "")
		return nil, false
	}
	conn, rw, err := hj.Hijack()
	if err != nil {
		return nil, false
	}
	_ = conn.SetDeadline(time.Time{})
	if _, err := rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: rfc2217\r\nConnection: Upgrade\r\n\r\n"); err != nil || rw.Flush() != nil {
		conn.Close()
		return nil, false
	}
	return &bufConn{Conn: conn, r: rw.Reader}, true
}

// bufConn reads through the bufio.Reader the HTTP server used, so bytes the
// client sent right after its request are not lost.
type bufConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufConn) Read(p []byte) (int, error) { return c.r.Read(p) }
