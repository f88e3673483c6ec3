package daemon

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/blynkbridge/blynkbridge/serialio/rfc2217"
)

// rfcBackend is what an RFC 2217 server session drives: the board's port
// itself while it is lent (exclusive), or the board's session (shared: an
// attached monitor, which sees the stream and may type but does not own
// the port).
type rfcBackend interface {
	// read returns board bytes for the client; (0, nil) when none came in a
	// short while (so the session can notice its end).
	read(p []byte) (int, error)
	write(p []byte) error
	setBaud(n int) int // returns the rate now in force
	purgeInput()
	lines() *lineRecognizer
}

// serveRFC2217 runs the server side of RFC 2217 on conn until the client
// hangs up, ctx ends, or the backend fails. It never waits on the client
// for anything but its next command.
func serveRFC2217(ctx context.Context, conn net.Conn, be rfcBackend, log *slog.Logger) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s := &rfcSession{conn: conn, be: be, log: log,
		neg: rfc2217.Negotiator{Local: []byte{rfc2217.OptBinary, rfc2217.OptSGA}, Remote: []byte{rfc2217.OptBinary, rfc2217.OptSGA, rfc2217.OptComPort}}}
	if err := s.send(s.neg.Hello()); err != nil {
		return err
	}
	go func() {
		<-ctx.Done()
		_ = conn.Close()
	}()
	pumpErr := make(chan error, 1)
	go func() { pumpErr <- s.pump(ctx) }()
	err := s.readLoop()
	cancel()
	perr := <-pumpErr
	be.lines().Close()
	if errors.Is(err, net.ErrClosed) && perr != nil {
		err = perr // the pump closed the connection: its error says why
	}
	if errors.Is(err, net.ErrClosed) || errors.Is(err, context.Canceled) || errors.Is(err, io.EOF) {
		return nil // the client hung up: the normal end
	}
	return err
}

type rfcSession struct {
	conn net.Conn
	be   rfcBackend
	log  *slog.Logger
	wmu  sync.Mutex
	neg  rfc2217.Negotiator // used by readLoop only
}

func (s *rfcSession) send(b []byte) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	_ = s.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, err := s.conn.Write(b)
	return err
}

// pump copies board bytes to the client.
func (s *rfcSession) pump(ctx context.Context) error {
	buf := make([]byte, 16<<10)
	var out []byte
	for ctx.Err() == nil {
		n, err := s.be.read(buf)
		if n > 0 {
			out = rfc2217.AppendData(out[:0], buf[:n])
			if werr := s.send(out); werr != nil {
				return werr
			}
		}
		if err != nil {
			_ = s.conn.Close()
			return err
		}
	}
	return ctx.Err()
}

func (s *rfcSession) readLoop() error {
	var ps rfc2217.Parser
	buf := make([]byte, 16<<10)
	for {
		n, err := s.conn.Read(buf)
		for _, it := range ps.Feed(buf[:n]) {
			switch it.Kind {
			case rfc2217.KindData:
				if werr := s.be.write(it.Data); werr != nil {
					return werr
				}
			case rfc2217.KindNeg:
				if werr := s.negotiate(it.Verb, it.Opt); werr != nil {
					return werr
				}
			case rfc2217.KindSub:
				if it.Opt == rfc2217.OptComPort && len(it.Data) > 0 {
					if werr := s.command(it.Data[0], it.Data[1:]); werr != nil {
						return werr
					}
				}
			}
		}
		if err != nil {
			return err
		}
	}
}

func (s *rfcSession) negotiate(verb, opt byte) error {
	if out := s.neg.Answer(verb, opt); out != nil {
		return s.send(out)
	}
	return nil
}

// command handles one COM-PORT-OPTION command and acknowledges it (every
// command is answered, SET-CONTROL included: clients that wait for it, as
// pyserial does without ?ign_set_control, must not time out here).
func (s *rfcSession) command(cmd byte, val []byte) error {
	reply := func(v ...byte) error {
		return s.send(rfc2217.AppendComPort(nil, cmd+rfc2217.ServerOffset, v...))
	}
	switch cmd {
	case rfc2217.Signature:
		return reply([]byte("blynkbridge")...)
	case rfc2217.SetBaudRate:
		n, ok := rfc2217.ParseBaud(val)
		if !ok {
			return nil
		}
		return reply(rfc2217.Baud(s.be.setBaud(n))...) // 0 asks for the current rate
	case rfc2217.SetDataSize:
		return reply(8) // the ESP8266 speaks 8N1 only
	case rfc2217.SetParity:
		return reply(rfc2217.ParityNone)
	case rfc2217.SetStopSize:
		return reply(rfc2217.StopOne)
	case rfc2217.SetControl:
		if len(val) != 1 {
			return nil
		}
		lr := s.be.lines()
		v := val[0]
		switch v {
		case rfc2217.ControlDTROn, rfc2217.ControlDTROff:
			lr.DTR(v == rfc2217.ControlDTROn)
		case rfc2217.ControlRTSOn, rfc2217.ControlRTSOff:
			lr.RTS(v == rfc2217.ControlRTSOn)
		case rfc2217.ControlDTRReq:
			dtr, _ := lr.Lines()
			v = rfc2217.ControlDTROff
			if dtr {
				v = rfc2217.ControlDTROn
			}
		case rfc2217.ControlRTSReq:
			_, rts := lr.Lines()
			v = rfc2217.ControlRTSOff
			if rts {
				v = rfc2217.ControlRTSOn
			}
		case rfc2217.ControlRequestFlow, rfc2217.ControlNoFlow, rfc2217.ControlXonXoff, rfc2217.ControlHWFlow:
			v = rfc2217.ControlNoFlow // no flow control on an ESP8266 UART
		case rfc2217.ControlBreakReq, rfc2217.ControlBreakOn, rfc2217.ControlBreakOff:
			v = rfc2217.ControlBreakOff // BREAK is not passed on
		}
		return reply(v)
	case rfc2217.PurgeData:
		if len(val) == 1 && (val[0] == rfc2217.PurgeReceive || val[0] == rfc2217.PurgeBoth) {
			s.be.purgeInput()
		}
		return reply(val...)
	case rfc2217.SetLineStateMask, rfc2217.SetModemStateMask:
		return reply(val...)
	case rfc2217.NotifyLineState, rfc2217.NotifyModemState, rfc2217.FlowControlSuspend, rfc2217.FlowControlResume:
		return nil
	}
	return nil
}
