package blynktest

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/blynkbridge/blynkbridge/blynk"
)

// conn is one device connection.
type conn struct {
	s      *Server
	id     int
	nc     net.Conn
	remote string

	wmu     sync.Mutex // serialises writes
	mu      sync.Mutex
	logged  bool
	closed  bool
	reason  string
	nextOut uint16
	idle    time.Duration
}

func (c *conn) loggedIn() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.logged && !c.closed
}

func (c *conn) close(reason string) {
	c.mu.Lock()
	if c.reason == "" {
		c.reason = reason
	}
	c.closed = true
	c.mu.Unlock()
	_ = c.nc.Close()
}

func (c *conn) rec(r Record) {
	r.Conn, r.Remote = c.id, c.remote
	c.s.record(r)
}

func (c *conn) serve() {
	defer func() {
		c.s.mu.Lock()
		delete(c.s.conns, c.id)
		c.s.mu.Unlock()
		c.mu.Lock()
		reason := c.reason
		c.mu.Unlock()
		c.rec(Record{Event: EventDisconnect, Detail: reason})
	}()
	c.rec(Record{Event: EventConnect})
	if tc, ok := c.nc.(*tls.Conn); ok {
		_ = tc.SetDeadline(time.Now().Add(10 * time.Second))
		ctx, cancel := context.WithTimeout(c.s.ctx, 10*time.Second)
		err := tc.HandshakeContext(ctx)
		cancel()
		if err != nil {
			c.rec(Record{Event: EventTLSError, Detail: err.Error()})
			c.close("tls handshake failed")
			return
		}
		_ = tc.SetDeadline(time.Time{})
	}
	dec := blynk.NewDecoder(blynk.DecoderOptions{MaxBody: c.s.opts.MaxBody})
	buf := make([]byte, 4096)
	for {
		c.mu.Lock()
		idle := c.idle
		c.mu.Unlock()
		_ = c.nc.SetReadDeadline(time.Now().Add(idle))
		n, err := c.nc.Read(buf)
		for _, it := range dec.Feed(buf[:n]) {
			if it.IsSkip() {
				c.rec(Record{Event: EventSkipped, Dir: In, Skipped: len(it.Skipped)})
				continue
			}
			c.handle(it.Frame)
		}
		if err != nil {
			switch {
			case errors.Is(err, os.ErrDeadlineExceeded):
				c.close("read idle timeout " + idle.String())
			case errors.Is(err, io.EOF):
				c.close("closed by device")
			default:
				c.close(err.Error())
			}
			if it := dec.Flush(); len(it) > 0 {
				c.rec(Record{Event: EventSkipped, Dir: In, Skipped: len(it[0].Skipped)})
			}
			return
		}
	}
}

func (c *conn) send(f blynk.Frame) error {
	if f.Cmd != blynk.CmdResponse {
		f.Len = uint16(len(f.Body))
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if f.ID == 0 {
		c.mu.Lock()
		f.ID = c.nextOut
		c.nextOut++
		if c.nextOut == 0 {
			c.nextOut = 1
		}
		c.mu.Unlock()
	}
	_ = c.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, err := c.nc.Write(f.Marshal())
	if err != nil {
		return err
	}
	c.rec(Record{Event: EventFrame, Dir: Out, Frame: &f})
	return nil
}

func (c *conn) reply(id uint16, st blynk.Status) {
	if c.s.isStalled() {
		return
	}
	_ = c.send(blynk.Response(id, st))
}

func (c *conn) handle(f blynk.Frame) {
	c.rec(Record{Event: EventFrame, Dir: In, Frame: &f})
	if f.ID == 0 {
		return // the library never sends id 0; record it and move on
	}
	if c.s.isStalled() {
		return
	}
	switch {
	case f.Cmd.IsLogin():
		if c.loggedIn() {
			c.reply(f.ID, blynk.StatusAlreadyRegistered)
			return
		}
		if !c.s.tokenOK(f.Body) {
			c.rec(Record{Event: EventLogin, Detail: "invalid-token"})
			c.reply(f.ID, blynk.StatusInvalidToken)
			return
		}
		c.mu.Lock()
		c.logged = true
		c.mu.Unlock()
		c.rec(Record{Event: EventLogin, Detail: "ok"})
		c.reply(f.ID, blynk.StatusSuccess)
		if len(c.s.opts.PinModes) > 0 {
			_ = c.send(blynk.NewFrame(blynk.CmdHardware, 1, blynk.PinModesBody(c.s.opts.PinModes)))
		}
		return
	case !c.loggedIn():
		c.reply(f.ID, blynk.StatusNotAuthenticated)
		return
	}
	switch f.Cmd {
	case blynk.CmdPing:
		c.reply(f.ID, blynk.StatusSuccess)
	case blynk.CmdInternal:
		if len(f.Body) == 0 {
			c.reply(f.ID, blynk.StatusIllegalCommand)
			return
		}
		if kv, err := blynk.ParseKV(f.Body); err == nil {
			if hb, ok := blynk.Lookup(kv, "h-beat"); ok {
				if n, err := strconv.Atoi(hb); err == nil && n > 0 && n < 3600 {
					c.mu.Lock()
					c.idle = c.s.heartbeatTimeout(n)
					c.mu.Unlock()
				}
			}
		}
		c.reply(f.ID, blynk.StatusSuccess)
	case blynk.CmdHardware:
		op, err := blynk.ParsePinOp(f.Body)
		if err != nil || op.Op != blynk.OpVirtualWrite {
			return
		}
		c.s.mu.Lock()
		c.s.pins[op.Pin] = op.Values
		c.s.mu.Unlock()
		if c.s.opts.Echo {
			_ = c.send(blynk.Frame{Cmd: blynk.CmdHardware, Body: f.Body})
		}
	case blynk.CmdHardwareSync:
		// Answer with the stored values, reusing the sync's msg id.
		c.s.mu.Lock()
		vals := map[string][]string{}
		for p, v := range c.s.pins {
			vals[p] = v
		}
		c.s.mu.Unlock()
		var want []string
		if fs := blynk.Split(f.Body); len(fs) > 1 && fs[0] == blynk.OpVirtualRead {
			want = fs[1:]
		} else {
			for p := range vals {
				want = append(want, p)
			}
		}
		for _, p := range want {
			if v, ok := vals[p]; ok {
				_ = c.send(blynk.NewFrame(blynk.CmdHardware, f.ID, blynk.Body(append([]string{blynk.OpVirtualWrite, p}, v...)...)))
			}
		}
	case blynk.CmdNotify, blynk.CmdEmail, blynk.CmdTweet, blynk.CmdSMS, blynk.CmdProperty, blynk.CmdEventLog:
		c.reply(f.ID, blynk.StatusSuccess)
	}
}
