package flash

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/blynkbridge/blynkbridge/flash/rom"
	"github.com/blynkbridge/blynkbridge/serialio"
)

// connection is the seam between the protocol logic and the port: whole
// packets in, whole packets out, plus the few port controls resets and
// diagnosis need. Tests wrap it to corrupt or drop packets.
type connection interface {
	// send writes one request as one SLIP frame.
	send(req rom.Request) error
	// recv returns the next response frame, errTimeout after timeout, or
	// ctx's error. Bytes outside frames are kept for junk().
	recv(ctx context.Context, timeout time.Duration) (rom.Response, error)
	// flushInput drops buffered input (the port's and decoded frames).
	flushInput() error
	setBaud(baud int) error
	baud() int
	// setLines drives DTR and RTS together (true = asserted).
	setLines(dtr, rts bool) error
	// readRaw returns every byte that arrives within d (or until ctx ends),
	// undecoded: used to capture the boot banner at 74880.
	readRaw(ctx context.Context, d time.Duration) []byte
	// junk returns and forgets bytes seen outside SLIP frames.
	junk() []byte
	// sendRaw writes b as one SLIP frame (READ_FLASH acknowledgements).
	sendRaw(b []byte) error
	// recvRaw returns the next frame undecoded: the stub's OHAI greeting,
	// READ_FLASH data and MD5 frames.
	recvRaw(ctx context.Context, timeout time.Duration) ([]byte, error)
	name() string
}

// errTimeout is a read that got no complete frame in time.
var errTimeout = errors.New("timed out waiting for a reply")

// readSlice bounds one blocking Read so ctx is honoured promptly.
const readSlice = 100 * time.Millisecond

// maxJunk bounds the kept junk so a chatty app cannot grow memory.
const maxJunk = 8192

type portConn struct {
	p       serialio.Port
	dec     rom.Decoder
	frames  [][]byte
	junkBuf []byte
	rbuf    []byte
	wbuf    []byte
	timeout time.Duration // read timeout last set on the port
	tr      *tracer
}

func newPortConn(p serialio.Port, tr *tracer) *portConn {
	return &portConn{p: p, rbuf: make([]byte, 4096), timeout: -2, tr: tr}
}

func (c *portConn) name() string { return c.p.Name() }
func (c *portConn) baud() int    { return c.p.Baud() }

func (c *portConn) setBaud(b int) error {
	c.tr.note("baud %d", b)
	return c.p.SetBaud(b)
}

func (c *portConn) setLines(dtr, rts bool) error {
	c.tr.note("lines dtr=%v rts=%v", dtr, rts)
	return c.p.SetLines(dtr, rts)
}

func (c *portConn) send(req rom.Request) error {
	pkt := req.Marshal()
	c.tr.packet("->", req.Op, pkt)
	return c.write(pkt)
}

func (c *portConn) sendRaw(b []byte) error {
	c.tr.note("-> frame % X", b)
	return c.write(b)
}

func (c *portConn) write(pkt []byte) error {
	c.wbuf = rom.AppendEncode(c.wbuf[:0], pkt)
	b := c.wbuf
	for len(b) > 0 {
		n, err := c.p.Write(b)
		if err != nil {
			return portErr(err, "write")
		}
		if n == 0 {
			return fmt.Errorf("write to %s made no progress", c.p.Name())
		}
		b = b[n:]
	}
	return nil
}

func (c *portConn) setTimeout(d time.Duration) error {
	if d == c.timeout {
		return nil
	}
	c.timeout = d
	return c.p.SetReadTimeout(d)
}

// fill does one bounded Read and feeds the decoder.
func (c *portConn) fill(d time.Duration) error {
	if d > readSlice {
		d = readSlice
	}
	if d < time.Millisecond {
		d = time.Millisecond
	}
	if err := c.setTimeout(d); err != nil {
		return portErr(err, "set read timeout")
	}
	n, err := c.p.Read(c.rbuf)
	if n > 0 {
		for _, ev := range c.dec.Feed(c.rbuf[:n]) {
			var j *rom.JunkError
			switch {
			case ev.Frame != nil:
				c.frames = append(c.frames, ev.Frame)
			case errors.As(ev.Err, &j):
				c.addJunk(j.Bytes)
			case ev.Err != nil:
				c.tr.note("slip: %v", ev.Err)
			}
		}
	}
	if err != nil {
		return portErr(err, "read")
	}
	return nil
}

func (c *portConn) addJunk(b []byte) {
	c.tr.junk(b)
	if room := maxJunk - len(c.junkBuf); room > 0 {
		if len(b) > room {
			b = b[:room]
		}
		c.junkBuf = append(c.junkBuf, b...)
	}
}

func (c *portConn) recv(ctx context.Context, timeout time.Duration) (rom.Response, error) {
	deadline := time.Now().Add(timeout)
	for {
		for len(c.frames) > 0 {
			f := c.frames[0]
			c.frames = c.frames[1:]
			r, err := rom.ParseResponse(f)
			if err != nil {
				// Not a response (an echo, a stub greeting): keep it as
				// junk so diagnosis can see it, and keep reading.
				c.tr.note("unparsable frame % X: %v", f, err)
				continue
			}
			c.tr.packet("<-", r.Op, f)
			return r, nil
		}
		if err := ctx.Err(); err != nil {
			return rom.Response{}, err
		}
		rem := time.Until(deadline)
		if rem <= 0 {
			return rom.Response{}, errTimeout
		}
		if err := c.fill(rem); err != nil {
			return rom.Response{}, err
		}
	}
}

func (c *portConn) recvRaw(ctx context.Context, timeout time.Duration) ([]byte, error) {
	deadline := time.Now().Add(timeout)
	for {
		if len(c.frames) > 0 {
			f := c.frames[0]
			c.frames = c.frames[1:]
			c.tr.note("<- frame %d bytes", len(f))
			return f, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rem := time.Until(deadline)
		if rem <= 0 {
			return nil, errTimeout
		}
		if err := c.fill(rem); err != nil {
			return nil, err
		}
	}
}

func (c *portConn) flushInput() error {
	c.frames = nil
	if p := c.dec.Pending(); len(p) > 0 {
		c.addJunk(p)
	}
	c.dec.Reset()
	return portErr(c.p.ResetInput(), "flush input")
}

func (c *portConn) readRaw(ctx context.Context, d time.Duration) []byte {
	var out []byte
	deadline := time.Now().Add(d)
	for ctx.Err() == nil {
		rem := time.Until(deadline)
		if rem <= 0 {
			break
		}
		if rem > readSlice {
			rem = readSlice
		}
		if err := c.setTimeout(rem); err != nil {
			break
		}
		n, err := c.p.Read(c.rbuf)
		out = append(out, c.rbuf[:n]...)
		if err != nil {
			break
		}
	}
	c.tr.junk(out)
	return out
}

func (c *portConn) junk() []byte {
	if p := c.dec.Pending(); len(p) > 0 {
		c.addJunk(p)
	}
	j := c.junkBuf
	c.junkBuf = nil
	return j
}

// portErr keeps serialio's typed errors (they carry hints) and names the
// operation for anything else.
func portErr(err error, op string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, serialio.ErrUnplugged) || errors.Is(err, serialio.ErrNoModemLines) {
		return err
	}
	return fmt.Errorf("%s: %w", op, err)
}
