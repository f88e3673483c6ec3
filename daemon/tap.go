package daemon

import (
	"errors"
	"sync"
	"time"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/serialio"
)

// tapPort is a board's byte stream seen from inside the daemon, as a
// serialio.Port: the relay reads the board's frames from one, an attached
// monitor's RFC 2217 session from another. Every tap sees every byte the
// board's engine read from the moment it was made. Writes go to the board
// through its engine (send). A tap that falls more than tapLimit behind is
// cut off (Read fails) rather than slowing the board or the other taps.
type tapPort struct {
	name string
	send func(p []byte) error

	mu      sync.Mutex
	buf     []byte
	err     error // set when cut off, unplugged or closed
	timeout time.Duration
	dataCh  chan struct{}
}

const tapLimit = 4 << 20

var errTapOverrun = errors.New("reader fell too far behind the board (more than 4 MiB unread)")

func newTap(name string, send func([]byte) error) *tapPort {
	return &tapPort{name: name, send: send, timeout: serialio.NoTimeout, dataCh: make(chan struct{}, 1)}
}

func (t *tapPort) signal() {
	select {
	case t.dataCh <- struct{}{}:
	default:
	}
}

// feed appends board bytes; it never blocks.
func (t *tapPort) feed(p []byte) {
	t.mu.Lock()
	if t.err == nil {
		if len(t.buf)+len(p) > tapLimit {
			t.err = errTapOverrun
			t.buf = nil
		} else {
			t.buf = append(t.buf, p...)
		}
	}
	t.mu.Unlock()
	t.signal()
}

// fail ends the tap: Read returns err once the buffer is empty.
func (t *tapPort) fail(err error) {
	t.mu.Lock()
	if t.err == nil {
		t.err = err
	}
	t.mu.Unlock()
	t.signal()
}

func (t *tapPort) Read(p []byte) (int, error) {
	t.mu.Lock()
	to := t.timeout
	t.mu.Unlock()
	var deadline <-chan time.Time
	if to >= 0 {
		tm := time.NewTimer(to)
		defer tm.Stop()
		deadline = tm.C
	}
	for {
		t.mu.Lock()
		if len(t.buf) > 0 {
			n := copy(p, t.buf)
			t.buf = t.buf[n:]
			if len(t.buf) == 0 {
				t.buf = nil
			}
			t.mu.Unlock()
			return n, nil
		}
		err := t.err
		t.mu.Unlock()
		if err != nil {
			return 0, err
		}
		if to == 0 {
			return 0, nil
		}
		select {
		case <-t.dataCh:
		case <-deadline:
			return 0, nil
		}
	}
}

func (t *tapPort) Write(p []byte) (int, error) {
	if err := t.send(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (t *tapPort) Close() error {
	t.fail(bberr.Wrap(errClosed, bberr.Failure, "", "%s: tap closed", t.name))
	return nil
}

var errClosed = errors.New("closed")

func (t *tapPort) Name() string { return t.name }

func (t *tapPort) SetReadTimeout(d time.Duration) error {
	if d != serialio.NoTimeout && d < 0 {
		d = 0
	}
	t.mu.Lock()
	t.timeout = d
	t.mu.Unlock()
	return nil
}

// SetBaud is accepted and ignored: the board's rate is the daemon's (its
// engine also switches to 74880 for the ROM banner by itself).
func (t *tapPort) SetBaud(int) error { return nil }
func (t *tapPort) Baud() int         { return 0 }

// SetLines: a tap does not own the lines; resets go through the board.
func (t *tapPort) SetLines(bool, bool) error {
	return bberr.Wrap(serialio.ErrNoModemLines, bberr.DeviceError, "reset through the daemon (POST /v1/boards/NAME/reset)", "%s: a shared view has no modem lines", t.name)
}

// ResetInput drops what this tap has not read yet.
func (t *tapPort) ResetInput() error {
	t.mu.Lock()
	t.buf = nil
	t.mu.Unlock()
	return nil
}

func (t *tapPort) Drain() error { return nil }
