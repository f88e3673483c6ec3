package serialio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/serialio/rfc2217"
)

// RFC2217Scheme prefixes a --port that names a port served over the network
// (ser2net, esptool's esp_rfc2217_server, a blynkbridge daemon's --rfc2217).
const RFC2217Scheme = "rfc2217://"

// IsRFC2217 reports whether spec is an rfc2217:// URL.
func IsRFC2217(spec string) bool {
	return len(spec) >= len(RFC2217Scheme) && strings.EqualFold(spec[:len(RFC2217Scheme)], RFC2217Scheme)
}

// RFC2217Options tune a client connection. The zero value is what
// `--port rfc2217://host:port` gives.
type RFC2217Options struct {
	// Timeout bounds each wait for the server: the telnet handshake and
	// every acknowledgement of a baud change. Default 3 s (pyserial's).
	Timeout time.Duration
	// IgnoreSetControl is esptool's and pyserial's ?ign_set_control: the
	// server does not acknowledge SET-CONTROL. This client never blocks on
	// those acknowledgements anyway (ser2net on a pty never sends them), so
	// the option is accepted for compatibility and only recorded.
	IgnoreSetControl bool
}

// ParseRFC2217 splits rfc2217://host:port[?option[&option]] into the
// address and options. It accepts pyserial's options: ign_set_control,
// timeout=SECONDS, and (ignored) logging=LEVEL and poll_modem.
func ParseRFC2217(spec string) (addr string, opt RFC2217Options, err error) {
	bad := func(format string, args ...any) error {
		return bberr.New(bberr.Usage, "write it as rfc2217://host:port, optionally with ?ign_set_control or ?timeout=5 (as esptool does)",
			"bad --port %q: %s", spec, fmt.Sprintf(format, args...))
	}
	if !IsRFC2217(spec) {
		return "", opt, bad("not an rfc2217:// URL")
	}
	u, perr := url.Parse(RFC2217Scheme + spec[len(RFC2217Scheme):])
	if perr != nil {
		return "", opt, bad("%v", errors.Unwrap(perr))
	}
	if u.Host == "" || u.Port() == "" || (u.Path != "" && u.Path != "/") || u.User != nil {
		return "", opt, bad("want host:port")
	}
	if p, e := strconv.Atoi(u.Port()); e != nil || p <= 0 || p > 65535 {
		return "", opt, bad("port %q out of range", u.Port())
	}
	for _, kv := range strings.Split(u.RawQuery, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "ign_set_control":
			opt.IgnoreSetControl = true
		case "poll_modem", "logging":
		case "timeout":
			f, e := strconv.ParseFloat(v, 64)
			if e != nil || f <= 0 || f > 3600 {
				return "", opt, bad("timeout=%q: want seconds, e.g. timeout=5", v)
			}
			opt.Timeout = time.Duration(f * float64(time.Second))
		default:
			return "", opt, bad("unknown option %q", k)
		}
	}
	return u.Host, opt, nil
}

// DialRFC2217 connects to an RFC 2217 server (spec is an rfc2217:// URL),
// negotiates the COM port option and sets baud, 8N1. Errors are
// *bberr.Error: a refused or unreachable address wraps ErrNotFound, a server
// that does not speak RFC 2217 ErrNotFound too, a lost connection later
// ErrUnplugged.
func DialRFC2217(ctx context.Context, spec string, baud int) (*RFC2217Port, error) {
	addr, opt, err := ParseRFC2217(spec)
	if err != nil {
		return nil, err
	}
	if opt.Timeout == 0 {
		opt.Timeout = 3 * time.Second
	}
	d := net.Dialer{Timeout: opt.Timeout, KeepAlive: 15 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		hint := "check that the RFC 2217 server (ser2net, esp_rfc2217_server, blynkbridge daemon --rfc2217) runs there and the address is right"
		if errors.Is(err, syscall.ECONNREFUSED) {
			return nil, sentinelError(bberr.PortNotFound, ErrNotFound, err, fmt.Sprintf("nothing listens at %s (connection refused)", addr), hint)
		}
		return nil, sentinelError(bberr.PortNotFound, ErrNotFound, err, fmt.Sprintf("cannot reach %s", addr), hint)
	}
	return NewRFC2217(ctx, conn, spec, baud, opt)
}

// RFC2217Port is a serial port on the other end of a telnet connection
// speaking RFC 2217. It implements Port: Read follows Device's timeout
// semantics, SetBaud waits for the server's acknowledgement, SetLines sends
// DTR then RTS and never waits (see RFC2217Options.IgnoreSetControl).
type RFC2217Port struct {
	name string
	conn net.Conn
	opt  RFC2217Options

	wmu sync.Mutex // one writer at a time on conn

	mu      sync.Mutex
	rx      []byte // received serial data not yet read
	rxErr   error  // why the reader stopped
	readTO  time.Duration
	baud    int
	neg     rfc2217.Negotiator
	waiters map[byte]chan []byte
	comPort chan struct{} // closed when the server agrees to COM-PORT-OPTION
	comOnce sync.Once
	ctlAcks int64 // SET-CONTROL acknowledgements seen (a pty behind ser2net: none)

	dataCh chan struct{} // a byte arrived (cap 1)
	roomCh chan struct{} // Read made room (cap 1)
	done   chan struct{} // reader ended
	closed atomic.Bool
}

var _ Port = (*RFC2217Port)(nil)

// rxLimit bounds received-but-unread data; past it the reader stops
// reading the connection and TCP flow control holds the server back.
const rxLimit = 1 << 20

// NewRFC2217 runs the client side of RFC 2217 over conn (a TCP connection,
// or the daemon's Unix-socket stream): option negotiation, then baud and
// 8N1. name is what Name returns. On failure conn is closed.
func NewRFC2217(ctx context.Context, conn net.Conn, name string, baud int, opt RFC2217Options) (*RFC2217Port, error) {
	if baud <= 0 {
		conn.Close()
		return nil, bberr.New(bberr.Usage, "use a positive rate such as 115200 or 74880", "invalid baud rate %d", baud)
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 3 * time.Second
	}
	p := &RFC2217Port{
		name: name, conn: conn, opt: opt, readTO: NoTimeout,
		neg:     rfc2217.Negotiator{Local: []byte{rfc2217.OptBinary, rfc2217.OptSGA, rfc2217.OptComPort}, Remote: []byte{rfc2217.OptBinary, rfc2217.OptSGA}},
		waiters: map[byte]chan []byte{}, comPort: make(chan struct{}),
		dataCh: make(chan struct{}, 1), roomCh: make(chan struct{}, 1), done: make(chan struct{}),
	}
	hello := p.neg.Hello()
	go p.reader()
	fail := func(err error) (*RFC2217Port, error) {
		p.Close()
		return nil, err
	}
	if err := p.send(hello); err != nil {
		return fail(err)
	}
	t := time.NewTimer(opt.Timeout)
	defer t.Stop()
	select {
	case <-p.comPort:
	case <-p.done:
		return fail(p.readerErr("handshake"))
	case <-ctx.Done():
		return fail(ctx.Err())
	case <-t.C:
		return fail(sentinelError(bberr.PortNotFound, ErrNotFound, nil,
			fmt.Sprintf("%s did not agree to RFC 2217 within %s", name, opt.Timeout),
			"the address must be an RFC 2217 (telnet) port: ser2net's accepter needs telnet(rfc2217), not plain tcp"))
	}
	if err := p.configure(baud); err != nil {
		return fail(err)
	}
	return p, nil
}

// configure sets baud and 8N1 and turns flow control off, as pyserial does
// on open. Only the baud acknowledgement is required; the rest are sent and
// their answers awaited briefly in parallel.
func (p *RFC2217Port) configure(baud int) error {
	acks := []byte{rfc2217.SetBaudRate, rfc2217.SetDataSize, rfc2217.SetParity, rfc2217.SetStopSize}
	chans := make([]chan []byte, len(acks))
	for i, c := range acks {
		chans[i] = p.expect(c)
	}
	var b []byte
	b = rfc2217.AppendComPort(b, rfc2217.SetBaudRate, rfc2217.Baud(baud)...)
	b = rfc2217.AppendComPort(b, rfc2217.SetDataSize, 8)
	b = rfc2217.AppendComPort(b, rfc2217.SetParity, rfc2217.ParityNone)
	b = rfc2217.AppendComPort(b, rfc2217.SetStopSize, rfc2217.StopOne)
	b = rfc2217.AppendComPort(b, rfc2217.SetControl, rfc2217.ControlNoFlow)
	if err := p.send(b); err != nil {
		return err
	}
	for i, ch := range chans {
		v, err := p.await(ch, "set "+[]string{"baud", "data size", "parity", "stop bits"}[i])
		if err != nil {
			return err
		}
		if i == 0 {
			p.setBaudFromAck(baud, v)
		}
	}
	return nil
}

func (p *RFC2217Port) setBaudFromAck(want int, v []byte) {
	got, ok := rfc2217.ParseBaud(v)
	p.mu.Lock()
	defer p.mu.Unlock()
	if ok && got > 0 {
		p.baud = got
	} else {
		p.baud = want
	}
}

// expect registers interest in the server's answer to cmd before the
// command is sent, so a fast answer is not missed.
func (p *RFC2217Port) expect(cmd byte) chan []byte {
	ch := make(chan []byte, 1)
	p.mu.Lock()
	p.waiters[cmd] = ch
	p.mu.Unlock()
	return ch
}

func (p *RFC2217Port) await(ch chan []byte, what string) ([]byte, error) {
	t := time.NewTimer(p.opt.Timeout)
	defer t.Stop()
	select {
	case v := <-ch:
		return v, nil
	case <-p.done:
		return nil, p.readerErr(what)
	case <-t.C:
		return nil, sentinelError(bberr.NoResponse, ErrUnplugged, nil,
			fmt.Sprintf("%s did not acknowledge %s within %s", p.name, what, p.opt.Timeout),
			"check the RFC 2217 server; a slow link may need ?timeout=10 on the URL")
	}
}

func (p *RFC2217Port) readerErr(op string) error {
	p.mu.Lock()
	err := p.rxErr
	p.mu.Unlock()
	if p.closed.Load() {
		return classifyRFC(p.name, op, os.ErrClosed, true)
	}
	return classifyRFC(p.name, op, err, false)
}

// classifyRFC maps a connection failure to the same errors a local device
// gives: a closed port is fs.ErrClosed, a lost connection ErrUnplugged (so
// the monitor waits and reconnects as it does for a replugged board).
func classifyRFC(name, op string, err error, closed bool) error {
	if closed {
		return bberr.Wrap(os.ErrClosed, bberr.Failure, "", "%s on %s: port closed", op, name)
	}
	if err == nil {
		err = io.EOF
	}
	return sentinelError(bberr.Unplugged, ErrUnplugged, err,
		fmt.Sprintf("connection to %s lost during %s", name, op),
		"check the network and the RFC 2217 server; the monitor reconnects by itself")
}

func (p *RFC2217Port) send(b []byte) error {
	if p.closed.Load() {
		return classifyRFC(p.name, "write", nil, true)
	}
	p.wmu.Lock()
	defer p.wmu.Unlock()
	// A server that stops reading must not hang us for ever.
	_ = p.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, err := p.conn.Write(b)
	if err != nil {
		return classifyRFC(p.name, "write", err, p.closed.Load())
	}
	return nil
}

// reader parses everything the server sends until the connection ends.
func (p *RFC2217Port) reader() {
	defer close(p.done)
	var ps rfc2217.Parser
	buf := make([]byte, 32<<10)
	for {
		n, err := p.conn.Read(buf)
		for _, it := range ps.Feed(buf[:n]) {
			switch it.Kind {
			case rfc2217.KindData:
				p.deliver(it.Data)
			case rfc2217.KindNeg:
				p.negotiate(it.Verb, it.Opt)
			case rfc2217.KindSub:
				if it.Opt == rfc2217.OptComPort && len(it.Data) > 0 {
					p.answer(it.Data[0], it.Data[1:])
				}
			}
		}
		if err != nil {
			p.mu.Lock()
			p.rxErr = err
			p.mu.Unlock()
			p.signal(p.dataCh)
			return
		}
	}
}

func (p *RFC2217Port) signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

func (p *RFC2217Port) deliver(d []byte) {
	p.mu.Lock()
	for len(p.rx) >= rxLimit && !p.closed.Load() {
		p.mu.Unlock()
		select {
		case <-p.roomCh:
		case <-time.After(100 * time.Millisecond):
		}
		p.mu.Lock()
	}
	p.rx = append(p.rx, d...)
	p.mu.Unlock()
	p.signal(p.dataCh)
}

// negotiate answers the server's option requests: BINARY, SGA and
// COM-PORT-OPTION are accepted, everything else refused once. The
// server's DO COM-PORT-OPTION is the agreement NewRFC2217 waits for.
func (p *RFC2217Port) negotiate(verb, opt byte) {
	p.mu.Lock()
	out := p.neg.Answer(verb, opt)
	p.mu.Unlock()
	if verb == rfc2217.DO && opt == rfc2217.OptComPort {
		p.comOnce.Do(func() { close(p.comPort) })
	}
	if out != nil {
		_ = p.send(out)
	}
}

// answer routes a server COM-PORT-OPTION reply to whoever waits for it.
func (p *RFC2217Port) answer(cmd byte, val []byte) {
	if cmd < rfc2217.ServerOffset {
		return
	}
	c := cmd - rfc2217.ServerOffset
	p.mu.Lock()
	if c == rfc2217.SetControl && len(val) == 1 && val[0] >= rfc2217.ControlDTROn && val[0] <= rfc2217.ControlRTSOff {
		p.ctlAcks++
	}
	ch := p.waiters[c]
	delete(p.waiters, c)
	p.mu.Unlock()
	if ch != nil {
		ch <- append([]byte(nil), val...)
	}
}

// Name is the URL the port was opened with.
func (p *RFC2217Port) Name() string { return p.name }

// Read returns received serial data; (0, nil) when the read timeout
// expires; an error wrapping ErrUnplugged once the connection is gone and
// everything received before has been read.
func (p *RFC2217Port) Read(b []byte) (int, error) {
	var deadline <-chan time.Time
	p.mu.Lock()
	to := p.readTO
	p.mu.Unlock()
	if to >= 0 {
		t := time.NewTimer(to)
		defer t.Stop()
		deadline = t.C
	}
	for {
		if p.closed.Load() {
			return 0, classifyRFC(p.name, "read", nil, true)
		}
		p.mu.Lock()
		if len(p.rx) > 0 {
			n := copy(b, p.rx)
			p.rx = p.rx[n:]
			if len(p.rx) == 0 {
				p.rx = nil
			}
			p.mu.Unlock()
			p.signal(p.roomCh)
			return n, nil
		}
		rerr := p.rxErr
		p.mu.Unlock()
		if rerr != nil {
			return 0, classifyRFC(p.name, "read", rerr, p.closed.Load())
		}
		if to == 0 {
			return 0, nil
		}
		select {
		case <-p.dataCh:
		case <-deadline:
			return 0, nil
		}
	}
}

// Write sends b as serial data (IAC doubled).
func (p *RFC2217Port) Write(b []byte) (int, error) {
	if err := p.send(rfc2217.AppendData(make([]byte, 0, len(b)+8), b)); err != nil {
		return 0, err
	}
	return len(b), nil
}

// SetReadTimeout: as Device.
func (p *RFC2217Port) SetReadTimeout(d time.Duration) error {
	if d != NoTimeout && d < 0 {
		d = 0
	}
	p.mu.Lock()
	p.readTO = d
	p.mu.Unlock()
	p.signal(p.dataCh) // a blocked Read re-reads the timeout on its next call
	return nil
}

// SetBaud asks the server for a new rate and waits for its answer.
func (p *RFC2217Port) SetBaud(baud int) error {
	if baud <= 0 {
		return bberr.New(bberr.Usage, "use a positive rate such as 115200 or 74880", "invalid baud rate %d", baud)
	}
	ch := p.expect(rfc2217.SetBaudRate)
	if err := p.send(rfc2217.AppendComPort(nil, rfc2217.SetBaudRate, rfc2217.Baud(baud)...)); err != nil {
		return err
	}
	v, err := p.await(ch, fmt.Sprintf("set baud %d", baud))
	if err != nil {
		return err
	}
	p.setBaudFromAck(baud, v)
	return nil
}

// Baud is the rate the server last confirmed.
func (p *RFC2217Port) Baud() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.baud
}

// SetLines sends DTR then RTS in one write and returns without waiting for
// acknowledgements: ser2net on a pty never sends them, and waiting would
// break the reset timing. DTR goes first so that, from reset held (DTR off,
// RTS on), "DTR on, RTS off" reaches a server that recognises the ESP
// bootloader sequence as one pair (esptool's esp_rfc2217_server, the
// blynkbridge daemon) and plays it with local timing.
func (p *RFC2217Port) SetLines(dtr, rts bool) error {
	d, r := rfc2217.ControlDTROff, rfc2217.ControlRTSOff
	if dtr {
		d = rfc2217.ControlDTROn
	}
	if rts {
		r = rfc2217.ControlRTSOn
	}
	b := rfc2217.AppendComPort(nil, rfc2217.SetControl, d)
	b = rfc2217.AppendComPort(b, rfc2217.SetControl, r)
	return p.send(b)
}

// ControlAcks is how many DTR/RTS acknowledgements the server sent (a test
// shows ser2net on a pty sends none and the client did not wait).
func (p *RFC2217Port) ControlAcks() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ctlAcks
}

// ResetInput asks the server to purge its receive buffer and drops what
// arrived here. It waits briefly for the purge's answer so that bytes the
// server sent before purging are dropped too; a server that never answers
// costs at most 200 ms.
func (p *RFC2217Port) ResetInput() error {
	ch := p.expect(rfc2217.PurgeData)
	if err := p.send(rfc2217.AppendComPort(nil, rfc2217.PurgeData, rfc2217.PurgeReceive)); err != nil {
		return err
	}
	t := time.NewTimer(min(p.opt.Timeout, 200*time.Millisecond))
	select {
	case <-ch:
	case <-t.C:
	case <-p.done:
	}
	t.Stop()
	p.mu.Lock()
	p.rx = nil
	p.mu.Unlock()
	p.signal(p.roomCh)
	return nil
}

// Drain returns at once: written bytes are in the kernel's TCP buffer, and
// RFC 2217 cannot ask whether the server's UART has sent them.
func (p *RFC2217Port) Drain() error {
	if p.closed.Load() {
		return classifyRFC(p.name, "drain", nil, true)
	}
	return nil
}

// Close ends the connection; a blocked Read returns. Closing twice is
// harmless.
func (p *RFC2217Port) Close() error {
	if p.closed.Swap(true) {
		return nil
	}
	err := p.conn.Close()
	p.signal(p.dataCh)
	p.signal(p.roomCh)
	<-p.done
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return bberr.Wrap(err, bberr.Failure, "", "close %s", p.name)
	}
	return nil
}
