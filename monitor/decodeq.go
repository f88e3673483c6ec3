package monitor

import (
	"time"

	"github.com/blynkbridge/blynkbridge/decode"
)

// decodeQueue runs the decoder beside the reader, not in it. The reader
// must never fall behind the board: a USB bridge's buffer (and the sim's
// UART queue) overruns and drops bytes when the host does not read for a
// while, and decoding a flood while the process is short of CPU took longer
// than the board took to print it (bench/monitor lost bytes at 2 MB/s on a
// starved machine). The reader now only copies bytes into the ring, the raw
// log and this queue; a worker decodes them in order. A slow decoder costs
// memory, not bytes.
type decodeQueue struct {
	jobs    []decodeJob
	wake    chan struct{}
	done    chan struct{} // closed when the worker has drained and exited
	closing bool
}

type decodeJob struct {
	data      []byte // nil with flush
	at        time.Time
	flush     bool
	hostReset string // with flush: tell the decoder the host reset or repowered the board, and why
}

// HostResetter is a Decoder that can be told of restarts the host caused
// (decode.Decoder is one): the boot that follows is then not counted as the
// board restarting on its own.
type HostResetter interface {
	HostReset(cause string) []decode.Event
}

func (e *Engine) startDecoder() {
	if e.opt.Decoder == nil {
		return
	}
	e.dq = &decodeQueue{wake: make(chan struct{}, 1), done: make(chan struct{})}
	go e.decodeWorker()
}

// enqueue hands a job to the worker.
func (e *Engine) enqueue(j decodeJob) {
	if e.dq == nil {
		return
	}
	e.mu.Lock()
	e.dq.jobs = append(e.dq.jobs, j)
	e.mu.Unlock()
	select {
	case e.dq.wake <- struct{}{}:
	default:
	}
}

// stopDecoder lets the worker finish what is queued and waits for it.
func (e *Engine) stopDecoder() {
	if e.dq == nil {
		return
	}
	e.mu.Lock()
	e.dq.closing = true
	e.mu.Unlock()
	select {
	case e.dq.wake <- struct{}{}:
	default:
	}
	<-e.dq.done
}

func (e *Engine) decodeWorker() {
	defer close(e.dq.done)
	for {
		e.mu.Lock()
		jobs, closing := e.dq.jobs, e.dq.closing
		e.dq.jobs = nil
		e.mu.Unlock()
		for _, j := range jobs {
			var items []Item
			if j.flush {
				now := e.opt.Now()
				evs := e.opt.Decoder.Flush()
				if hr, ok := e.opt.Decoder.(HostResetter); ok && j.hostReset != "" {
					evs = append(evs, hr.HostReset(j.hostReset)...)
				}
				for _, ev := range evs {
					items = append(items, Item{Kind: ItemEvent, Time: now, Event: ev})
				}
			} else {
				for _, ev := range e.opt.Decoder.Feed(j.data) {
					items = append(items, Item{Kind: ItemEvent, Time: j.at, Event: ev})
				}
			}
			if len(items) > 0 {
				e.publish(items...)
			}
		}
		if len(jobs) > 0 {
			continue // more may have arrived meanwhile
		}
		if closing {
			return
		}
		<-e.dq.wake
	}
}
