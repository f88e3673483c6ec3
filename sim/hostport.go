package sim

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/serialio"
)

// hostPort is the in-process host side of the board's USB-serial bridge: a
// serialio.Port whose SetLines reaches the auto-reset circuit. Its baud is
// the host UART's rate for the timing model and resampling.
type hostPort struct {
	b    *Board
	name string
	in   *byteQueue // what the host reads

	mu        sync.Mutex
	baud      int
	timeout   time.Duration
	closed    bool
	unplugged bool
	done      chan struct{}

	// Host->board bytes: with the timing model on they are booked on
	// line at Write and reach the board after their wire time; without
	// it pump hands them over from out.
	out     *byteQueue
	line    *wire
	pending int // bytes handed to Write and not yet delivered
	drained *sync.Cond
}

// HostPort returns a new in-process connection to the board, as if a host
// program opened the USB-serial port at 115200. Each call gives an
// independent port; ports die when the board is unplugged (call HostPort
// again after Replug).
func (b *Board) HostPort() serialio.Port {
	p := &hostPort{
		b:       b,
		name:    "sim:d1mini",
		in:      newByteQueue(16 << 20),
		out:     newByteQueue(16 << 20),
		baud:    115200,
		timeout: serialio.NoTimeout,
		done:    make(chan struct{}),
	}
	p.drained = sync.NewCond(&p.mu)
	p.line = newWire(p.toBoard)
	b.ctl.Lock()
	dead := b.unplugged || b.closed
	b.ctl.Unlock()
	if dead {
		p.unplugged = true
		close(p.done)
		return p
	}
	b.sinkMu.Lock()
	b.ports = append(b.ports, p)
	b.sinkMu.Unlock()
	b.addSink(p)
	if !b.opts.Timing {
		go p.pump()
	}
	return p
}

func (p *hostPort) hostBaud() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.baud
}

func (p *hostPort) deliver(b []byte) { p.in.push(b) }

// pump hands host->board bytes over at once (timing model off).
func (p *hostPort) pump() {
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-p.done; cancel() }()
	buf := make([]byte, 1024)
	for {
		n, err := p.out.read(ctx, buf, -1)
		if err != nil {
			return
		}
		p.toBoard(buf[:n], p.hostBaud())
	}
}

// toBoard gives the board bytes the host sent at baud and counts them as
// crossed, for Drain.
func (p *hostPort) toBoard(b []byte, baud int) {
	p.b.fromHost(b, baud)
	p.mu.Lock()
	p.pending -= len(b)
	if p.pending <= 0 {
		p.pending = 0
		p.drained.Broadcast()
	}
	p.mu.Unlock()
}

var errClosed = errors.New("sim: port closed")

func (p *hostPort) err() error {
	if p.unplugged {
		return bberr.Wrap(serialio.ErrUnplugged, bberr.Unplugged, "plug the board back in and open the port again", "%s", p.name)
	}
	if p.closed {
		return errClosed
	}
	return nil
}

func (p *hostPort) Read(b []byte) (int, error) {
	p.mu.Lock()
	if err := p.err(); err != nil {
		p.mu.Unlock()
		return 0, err
	}
	timeout := p.timeout
	p.mu.Unlock()
	if len(b) == 0 {
		return 0, nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-p.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	n, err := p.in.read(ctx, b, timeout)
	if err != nil {
		p.mu.Lock()
		defer p.mu.Unlock()
		if e := p.err(); e != nil {
			return n, e
		}
		return n, err
	}
	return n, nil
}

func (p *hostPort) Write(b []byte) (int, error) {
	p.mu.Lock()
	if err := p.err(); err != nil {
		p.mu.Unlock()
		return 0, err
	}
	p.pending += len(b)
	baud := p.baud
	p.mu.Unlock()
	if p.b.opts.Timing {
		p.line.book(b, baud) // the host's UART clocks them out from now on
	} else {
		p.out.push(b)
	}
	return len(b), nil
}

func (p *hostPort) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	if !p.unplugged {
		close(p.done)
	}
	p.drained.Broadcast()
	unplugged := p.unplugged
	p.mu.Unlock()
	p.line.stop()
	p.b.removeSink(p)
	if !unplugged {
		// Closing a tty drops DTR and RTS (HUPCL): equal levels, so the
		// board is not reset, but a reset held by the lines is released.
		p.b.SetLines(false, false)
	}
	return nil
}

// unplug kills the port: pending and future I/O fail with ErrUnplugged.
func (p *hostPort) unplug() {
	p.mu.Lock()
	if p.unplugged || p.closed {
		p.unplugged = true
		p.mu.Unlock()
		return
	}
	p.unplugged = true
	close(p.done)
	p.drained.Broadcast()
	p.mu.Unlock()
	p.line.stop()
	p.b.removeSink(p)
}

func (p *hostPort) Name() string { return p.name }

func (p *hostPort) SetReadTimeout(d time.Duration) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if d < 0 {
		d = serialio.NoTimeout
	}
	p.timeout = d
	return p.err()
}

func (p *hostPort) SetBaud(baud int) error {
	if baud <= 0 {
		return bberr.New(bberr.Usage, "use a positive baud rate such as 115200", "invalid baud rate %d", baud)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.err(); err != nil {
		return err
	}
	p.baud = baud
	return nil
}

func (p *hostPort) Baud() int { return p.hostBaud() }

// SetLines drives DTR and RTS together (one TIOCMSET on a real adapter).
func (p *hostPort) SetLines(dtr, rts bool) error {
	p.mu.Lock()
	err := p.err()
	p.mu.Unlock()
	if err != nil {
		return err
	}
	p.b.SetLines(dtr, rts)
	return nil
}

func (p *hostPort) ResetInput() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.in.clear()
	return p.err()
}

// Drain waits until everything written has crossed the wire to the board.
func (p *hostPort) Drain() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	deadline := time.Now().Add(30 * time.Second)
	for p.pending > 0 && p.err() == nil {
		if time.Now().After(deadline) {
			return fmt.Errorf("sim: drain timed out with %d bytes pending", p.pending)
		}
		waitCond(p.drained, 50*time.Millisecond)
	}
	return p.err()
}

// waitCond waits on c (whose lock is held) for at most d.
func waitCond(c *sync.Cond, d time.Duration) {
	t := time.AfterFunc(d, func() {
		c.L.Lock()
		c.Broadcast()
		c.L.Unlock()
	})
	c.Wait()
	t.Stop()
}
