package sim

import (
	"context"
	"sync"
	"time"
)

// byteQueue is a bounded FIFO of bytes with blocking reads: the receive
// FIFO of a UART (board side) or the host's input buffer (host side). When
// full, new bytes are dropped, as a UART overrun drops them.
type byteQueue struct {
	mu      sync.Mutex
	buf     []byte
	limit   int
	notify  chan struct{} // closed and replaced whenever bytes arrive
	dropped int
}

func newByteQueue(limit int) *byteQueue {
	return &byteQueue{limit: limit, notify: make(chan struct{})}
}

func (q *byteQueue) push(p []byte) {
	if len(p) == 0 {
		return
	}
	q.mu.Lock()
	room := q.limit - len(q.buf)
	if room < len(p) {
		q.dropped += len(p) - max(room, 0)
		p = p[:max(room, 0)]
	}
	q.buf = append(q.buf, p...)
	close(q.notify)
	q.notify = make(chan struct{})
	q.mu.Unlock()
}

func (q *byteQueue) clear() {
	q.mu.Lock()
	q.buf = nil
	q.mu.Unlock()
}

// read waits until bytes are available, ctx is done, or timeout passes
// (timeout < 0: no timeout). It returns (0, nil) on timeout.
func (q *byteQueue) read(ctx context.Context, p []byte, timeout time.Duration) (int, error) {
	var deadline <-chan time.Time
	if timeout >= 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		deadline = t.C
	}
	for {
		q.mu.Lock()
		if len(q.buf) > 0 {
			n := copy(p, q.buf)
			q.buf = q.buf[n:]
			q.mu.Unlock()
			return n, nil
		}
		ch := q.notify
		q.mu.Unlock()
		if timeout == 0 {
			return 0, nil
		}
		select {
		case <-ch:
		case <-deadline:
			return 0, nil
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
}
