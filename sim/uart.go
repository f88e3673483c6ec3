package sim

import (
	"context"
	"sync"
	"time"
)

// sameRate reports whether two UARTs at these rates understand each other:
// a receiver samples mid-bit, so ~2 % total error over a 10-bit frame is
// still read correctly.
func sameRate(a, b int) bool {
	if a <= 0 || b <= 0 {
		return true
	}
	d := a - b
	if d < 0 {
		d = -d
	}
	return d*100 <= 2*max(a, b)
}

// Resample returns what a UART receiving at rxBaud reads from bytes sent
// back-to-back as 8N1 at txBaud: the line idles high, each frame is a low
// start bit, 8 data bits LSB first and a high stop bit. The receiver waits
// for a falling edge, samples the middle of each of its own bit times, and
// delivers a byte per start bit, framing errors included (a Linux tty in raw
// mode passes such bytes through). With equal rates (within 2 %) the bytes
// come back unchanged.
func Resample(p []byte, txBaud, rxBaud int) []byte {
	if len(p) == 0 || sameRate(txBaud, rxBaud) {
		return append([]byte(nil), p...)
	}
	nbits := 10 * len(p)
	bit := func(i int) bool { // line level during sender bit i; idle high outside
		if i < 0 || i >= nbits {
			return true
		}
		k := i % 10
		switch k {
		case 0:
			return false
		case 9:
			return true
		default:
			return p[i/10]>>(k-1)&1 == 1
		}
	}
	tb := 1 / float64(txBaud) // sender bit time
	rb := 1 / float64(rxBaud) // receiver bit time
	level := func(t float64) bool { return bit(int(t / tb)) }
	var out []byte
	j := 0 // first sender bit index where a start edge may be
	for {
		// Hunt for a falling edge: a low bit right after a high one.
		for j < nbits && (bit(j) || !bit(j-1)) {
			j++
		}
		if j >= nbits {
			return out
		}
		start := float64(j) * tb
		if level(start + rb/2) { // glitch shorter than half a bit: not a start
			j++
			continue
		}
		var v byte
		for k := 0; k < 8; k++ {
			if level(start + (float64(k)+1.5)*rb) {
				v |= 1 << k
			}
		}
		out = append(out, v)
		// Resume hunting after the stop bit's sample point.
		stop := start + 9.5*rb
		j = int(stop/tb) + 1
	}
}

// pacer turns byte counts into wire time without sleeping per byte: it
// keeps the time the line becomes free and sleeps only when that is more
// than a couple of milliseconds ahead, so 921600 baud is reachable with
// coarse timers while the long-run rate stays exact.
type pacer struct {
	mu   sync.Mutex
	free time.Time
}

const (
	paceSlack = 2 * time.Millisecond
	paceIdle  = 10 * time.Millisecond
)

// wait books n bytes at baud (10 bit-times each) and sleeps if the line is
// booked far enough ahead. It returns ctx's error if cancelled.
func (p *pacer) wait(ctx context.Context, n, baud int) error {
	if n <= 0 || baud <= 0 {
		return nil
	}
	d := time.Duration(int64(n) * 10 * int64(time.Second) / int64(baud))
	p.mu.Lock()
	now := time.Now()
	// A line idle for a while starts fresh; a small lag (a timer that
	// fired late) is caught up instead of lost, so the long-run rate
	// stays at the line rate.
	if now.Sub(p.free) > paceIdle {
		p.free = now
	}
	p.free = p.free.Add(d)
	ahead := p.free.Sub(now)
	p.mu.Unlock()
	if ahead <= paceSlack {
		return nil
	}
	return sleepCtx(ctx, ahead-paceSlack/2)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
