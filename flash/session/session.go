package session

import (
	"context"
	"io"

	"github.com/blynkbridge/blynkbridge/flash"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/serialio"
)

// Session is an open port with a Flasher on it.
type Session struct {
	Port    serialio.Port
	F       *flash.Flasher
	closers []io.Closer
}

// Open resolves spec (a path, "auto", usb:VID:PID ...), opens it at baud
// and builds a Flasher. With opts.FlashBaud 0 the stub switches to the
// fastest rate the port's bridge chip takes (flash.MaxFlashBaud). closers
// (a trace file) are closed with the session, also when Open fails.
func Open(ctx context.Context, spec string, baud int, opts flash.Options, closers ...io.Closer) (*Session, error) {
	s := &Session{closers: closers}
	if baud <= 0 {
		s.Close()
		return nil, bberr.New(bberr.Usage, "use a rate such as 115200, 460800 or 921600", "bad --baud %d", baud)
	}
	if opts.FlashBaud < 0 {
		s.Close()
		return nil, bberr.New(bberr.Usage, "use a rate such as 921600, 1500000 or 2000000", "bad --baud-flash %d", opts.FlashBaud)
	}
	pi, err := serialio.Resolve(spec)
	if err != nil {
		s.Close()
		return nil, err
	}
	if opts.FlashBaud == 0 {
		opts.FlashBaud = max(flash.MaxFlashBaud(pi.Chip), baud)
	}
	port, err := serialio.Open(ctx, pi.Path, baud)
	if err != nil {
		s.Close()
		return nil, err
	}
	s.Port = port
	if s.F, err = flash.New(port, opts); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// OnPort builds a session on a port opened elsewhere (lent by the daemon).
func OnPort(port serialio.Port, opts flash.Options, closers ...io.Closer) (*Session, error) {
	s := &Session{Port: port, closers: closers}
	var err error
	if s.F, err = flash.New(port, opts); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the port and the closers, first returning a stub left at
// a faster rate by a failed command to the connect rate (Flasher.Release).
func (s *Session) Close() {
	if s.F != nil {
		s.F.Release(context.Background())
	}
	if s.Port != nil {
		s.Port.Close()
	}
	for _, c := range s.closers {
		c.Close()
	}
}
