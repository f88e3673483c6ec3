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
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/serialio"
)

// Client talks to a running daemon over its control socket. Commands use
// it to go through the daemon when one runs (monitor attaches, flash
// borrows the port, status and ports read its view) and work as before
// when none does.
type Client struct {
	Socket string
	hc     *http.Client
}

// ErrNoDaemon means no daemon answers on the socket.
var ErrNoDaemon = errors.New("no blynkbridge daemon is running")

// ErrNotYours means a daemon's socket exists but this user may not use
// it (mode 0600: the daemon runs as another user, e.g. under systemd).
var ErrNotYours = errors.New("a blynkbridge daemon runs, but its socket belongs to another user")

// SocketCandidates are where clients look for a daemon, in order:
// $BLYNKBRIDGE_DAEMON_SOCKET alone when set; else the user's own daemon
// ($XDG_RUNTIME_DIR/blynkbridge/daemon.sock), then the system service's
// (/run/blynkbridge/daemon.sock).
func SocketCandidates() []string {
	if p := os.Getenv("BLYNKBRIDGE_DAEMON_SOCKET"); p != "" {
		return []string{p}
	}
	var out []string
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
		out = append(out, filepath.Join(dir, "blynkbridge", "daemon.sock"))
	}
	return append(out, SystemSocket)
}

// SystemSocket is the socket of the systemd service (RuntimeDirectory).
const SystemSocket = "/run/blynkbridge/daemon.sock"

// Connect returns a client if a daemon answers on socket ("" = the first
// of SocketCandidates that answers), ErrNoDaemon at once if none does, or
// ErrNotYours when the only one found refuses this user. Setting
// BLYNKBRIDGE_NO_DAEMON=1 makes commands ignore a running daemon.
func Connect(ctx context.Context, socket string) (*Client, error) {
	cands := []string{socket}
	if socket == "" {
		if os.Getenv("BLYNKBRIDGE_NO_DAEMON") == "1" {
			return nil, ErrNoDaemon
		}
		cands = SocketCandidates()
	}
	d := net.Dialer{Timeout: time.Second}
	err := ErrNoDaemon
	for _, path := range cands {
		c, derr := d.DialContext(ctx, "unix", path)
		if derr != nil {
			if errors.Is(derr, os.ErrPermission) {
				err = fmt.Errorf("%w (%s)", ErrNotYours, path)
			}
			continue
		}
		c.Close()
		cl := &Client{Socket: path}
		cl.hc = &http.Client{Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				return d.DialContext(ctx, "unix", path)
			},
		}}
		return cl, nil
	}
	return nil, err
}

func (c *Client) url(path string) string { return "http://blynkbridge" + path }

// get decodes GET path into v.
func (c *Client) get(ctx context.Context, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url(path), nil)
	if err != nil {
		return err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return c.connErr(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return readError(resp)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(v)
}

func (c *Client) connErr(err error) error {
	return bberr.Wrap(err, bberr.Failure, "check that the daemon runs (systemctl status blynkbridge)", "talking to the daemon at %s", c.Socket)
}

// readError turns an error response into a *bberr.Error with the
// daemon's message, hint and exit code.
func readError(resp *http.Response) error {
	var eb ErrorBody
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if json.Unmarshal(body, &eb) != nil || eb.Error == "" {
		eb.Error = fmt.Sprintf("daemon answered %s", resp.Status)
	}
	code := bberr.Code(eb.Code)
	if code == 0 {
		switch resp.StatusCode {
		case http.StatusConflict:
			code = bberr.PortBusy
		case http.StatusServiceUnavailable:
			code = bberr.Unplugged
		case http.StatusNotFound:
			code = bberr.PortNotFound
		default:
			code = bberr.Failure
		}
	}
	var sentinel error
	switch code {
	case bberr.PortBusy:
		sentinel = serialio.ErrBusy
	case bberr.Unplugged:
		sentinel = serialio.ErrUnplugged
	case bberr.PortNotFound:
		sentinel = serialio.ErrNotFound
	}
	return &bberr.Error{Code: code, Msg: "daemon: " + eb.Error, Hint: eb.Hint, Err: sentinel}
}

// Version asks the daemon who it is.
func (c *Client) Version(ctx context.Context) (VersionBody, error) {
	var v VersionBody
	return v, c.get(ctx, "/v1/version", &v)
}

// Boards lists the daemon's boards.
func (c *Client) Boards(ctx context.Context) ([]BoardStatus, error) {
	var l ListBody
	if err := c.get(ctx, "/v1/boards", &l); err != nil {
		return nil, err
	}
	return l.Boards, nil
}

// FindBoard picks the board a --port spec means: "auto" (or "") is the one
// board when there is one; otherwise the spec is a board name, the spec a
// board was configured with, the path it has open, or a spec that
// resolves to that path or identity. ok is false when no board matches
// (the command then opens the port itself, as without a daemon).
func (c *Client) FindBoard(ctx context.Context, spec string) (BoardStatus, bool, error) {
	boards, err := c.Boards(ctx)
	if err != nil {
		return BoardStatus{}, false, err
	}
	return MatchBoard(boards, spec)
}

// MatchBoard is FindBoard over a listing.
func MatchBoard(boards []BoardStatus, spec string) (BoardStatus, bool, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" || strings.EqualFold(spec, serialio.AutoSpec) {
		switch len(boards) {
		case 0:
			return BoardStatus{}, false, nil
		case 1:
			return boards[0], true, nil
		}
		names := make([]string, len(boards))
		for i, b := range boards {
			names[i] = b.Name
		}
		return BoardStatus{}, false, &bberr.Error{Code: bberr.PortNotFound, Err: serialio.ErrAmbiguous,
			Msg:  fmt.Sprintf("the daemon has %d boards (%s)", len(boards), strings.Join(names, ", ")),
			Hint: fmt.Sprintf("choose one: --port %s", names[0])}
	}
	for _, b := range boards {
		if spec == b.Name || spec == b.Port || (b.Path != "" && spec == b.Path) {
			return b, true, nil
		}
	}
	if serialio.IsRFC2217(spec) {
		return BoardStatus{}, false, nil
	}
	real := func(p string) string {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return r
		}
		return p
	}
	info, err := serialio.Resolve(spec)
	if err != nil {
		return BoardStatus{}, false, nil
	}
	for _, b := range boards {
		if info.Identity.String() == b.Port || real(info.Path) == real(b.Port) || (b.Path != "" && real(info.Path) == real(b.Path)) {
			return b, true, nil
		}
	}
	return BoardStatus{}, false, nil
}

// Attach opens a shared view of the board as a serial port: every byte the
// board prints (from now on), writes reaching the board while this client
// holds the keyboard (the first attached does), DTR/RTS reset patterns
// played by the daemon. A monitor runs on it unchanged.
func (c *Client) Attach(ctx context.Context, board string, baud int) (*AttachedPort, error) {
	p, err := c.upgrade(ctx, http.MethodGet, "/v1/boards/"+url.PathEscape(board)+"/attach", board, baud)
	if err != nil {
		return nil, err
	}
	return &AttachedPort{RFC2217Port: p, c: c, board: board}, nil
}

// AttachedPort is a shared view of a daemon's board (Client.Attach) that
// can also borrow the board exclusively (serialio.Lender): the monitor's
// flash key then flashes through a loan, as `blynkbridge flash` does.
type AttachedPort struct {
	*serialio.RFC2217Port
	c     *Client
	board string
}

// Lend borrows the board for what until release is called.
func (a *AttachedPort) Lend(ctx context.Context, what string) (serialio.Port, func(), error) {
	baud := a.Baud()
	if baud <= 0 {
		baud = 115200
	}
	p, err := a.c.Lend(ctx, a.board, what, baud, false)
	if err != nil {
		return nil, nil, err
	}
	return p, func() { _ = p.Close() }, nil
}

// Lend borrows the board's port for what ("flash"): the daemon pauses its
// capture and relay for the board, journals the loan, and resumes when the
// returned port is closed (or this process dies). With resetAfter the
// daemon then resets the board into its sketch itself, reading the boot
// banner at the ROM's rate (a flasher leaves the board in its loader).
func (c *Client) Lend(ctx context.Context, board, what string, baud int, resetAfter bool) (*serialio.RFC2217Port, error) {
	q := "?what=" + url.QueryEscape(what)
	if resetAfter {
		q += "&after=reset"
	}
	return c.upgrade(ctx, http.MethodPost, "/v1/boards/"+url.PathEscape(board)+"/lend"+q, board, baud)
}

func (c *Client) upgrade(ctx context.Context, method, path, board string, baud int) (*serialio.RFC2217Port, error) {
	d := net.Dialer{Timeout: 2 * time.Second}
	conn, err := d.DialContext(ctx, "unix", c.Socket)
	if err != nil {
		return nil, c.connErr(err)
	}
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	req := fmt.Sprintf("%s %s HTTP/1.1\r\nHost: blynkbridge\r\nConnection: Upgrade\r\nUpgrade: rfc2217\r\nContent-Length: 0\r\n\r\n", method, path)
	if _, err := io.WriteString(conn, req); err != nil {
		conn.Close()
		return nil, c.connErr(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		conn.Close()
		return nil, c.connErr(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		defer conn.Close()
		return nil, readError(resp)
	}
	_ = conn.SetDeadline(time.Time{})
	return serialio.NewRFC2217(ctx, &bufConn{Conn: conn, r: br}, "daemon:"+board, baud, serialio.RFC2217Options{Timeout: 5 * time.Second})
}

// Events streams the board's journal records as they happen (NDJSON, the
// first line the board's status).
func (c *Client) Events(ctx context.Context, board string) (io.ReadCloser, error) {
	return c.stream(ctx, "/v1/boards/"+url.PathEscape(board)+"/events")
}

// Log returns the board's current raw log (tokens masked).
func (c *Client) Log(ctx context.Context, board string) (io.ReadCloser, error) {
	return c.stream(ctx, "/v1/boards/"+url.PathEscape(board)+"/log")
}

func (c *Client) stream(ctx context.Context, path string) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url(path), nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, c.connErr(err)
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		return nil, readError(resp)
	}
	return resp.Body, nil
}
