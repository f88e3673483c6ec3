package daemon

import (
	"sync"
	"time"
)

// Reset-sequence recognition for the RFC 2217 server, the idea of
// esptool's esp_rfc2217_server: an RFC 2217 client sends DTR and RTS as
// separate telnet commands, and network latency between them breaks the
// ESP8266's reset timing (esptool issue 383). On the D1 mini's auto-reset
// circuit (RTS drives EN, DTR drives GPIO0, inverted, both asserted = no
// effect) esptool's bootloader entry is
//
//	DTR off, RTS on   (EN low: reset held)         wait 100 ms
//	DTR on,  RTS off  (GPIO0 low, EN high: boot)   wait 50 ms
//	DTR off           (GPIO0 released)
//
// Sent one line at a time, "DTR on" arrives while RTS is still on: both
// asserted, EN goes high with GPIO0 high and the chip boots the sketch
// before "RTS off" arrives. The recognizer therefore holds back "DTR on"
// while the chip is held in reset and applies it together with the
// following "RTS off" in one call (one TIOCMSET on Linux), after making
// sure reset was held at least resetHold; GPIO0 is then kept low for at
// least strapHold before a "DTR off" is applied. A hard reset (RTS on,
// RTS off with DTR off) also gets its full resetHold.
//
// The two patterns are also reported (onReset), so a shared client - a
// monitor attached through the daemon, which does not own the port - has
// them played by the board's engine instead (with its ROM-baud window).

const (
	resetHold  = 100 * time.Millisecond
	strapHold  = 50 * time.Millisecond
	dtrTimeout = 500 * time.Millisecond // a held-back "DTR on" not followed by "RTS off"
)

// resetKind is what a completed line pattern means.
type resetKind int

const (
	resetRun      resetKind = iota + 1 // hard reset into the sketch
	resetDownload                      // reset into the ROM loader
)

func (k resetKind) String() string {
	if k == resetDownload {
		return "reset into the bootloader"
	}
	return "hard reset"
}

type lineRecognizer struct {
	apply   func(dtr, rts bool) // set both lines on the port (nil: shared mode)
	onReset func(resetKind)     // a pattern completed
	sleep   func(time.Duration)
	now     func() time.Time

	mu         sync.Mutex
	dtr, rts   bool      // as applied
	pendingDTR bool      // "DTR on" held back during reset
	resetAt    time.Time // when EN went low
	strapAt    time.Time // when GPIO0 went low at EN's rise
	timer      *time.Timer
}

func newLineRecognizer(apply func(dtr, rts bool), onReset func(resetKind)) *lineRecognizer {
	return &lineRecognizer{apply: apply, onReset: onReset, sleep: time.Sleep, now: time.Now}
}

func (r *lineRecognizer) set(dtr, rts bool) {
	if !dtr && rts && !(!r.dtr && r.rts) {
		r.resetAt = r.now() // EN goes low now
	}
	r.dtr, r.rts = dtr, rts
	if r.apply != nil {
		r.apply(dtr, rts)
	}
}

// DTR handles a SET-CONTROL DTR ON/OFF.
func (r *lineRecognizer) DTR(on bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	inReset := r.rts && !r.dtr
	switch {
	case on && inReset:
		r.pendingDTR = true
		r.timer = time.AfterFunc(dtrTimeout, r.flushDTR)
	case !on && r.pendingDTR:
		r.stopTimerLocked()
		r.pendingDTR = false
	case !on && r.dtr && !r.rts && !r.strapAt.IsZero():
		if d := strapHold - r.now().Sub(r.strapAt); d > 0 {
			r.sleep(d)
		}
		r.strapAt = time.Time{}
		r.set(false, r.rts)
	default:
		r.set(on, r.rts)
	}
}

// RTS handles a SET-CONTROL RTS ON/OFF.
func (r *lineRecognizer) RTS(on bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case !on && r.rts && !r.dtr:
		r.holdReset()
		kind := resetRun
		if r.pendingDTR {
			r.stopTimerLocked()
			r.pendingDTR = false
			r.set(true, false)
			r.strapAt = r.now()
			kind = resetDownload
		} else {
			r.set(false, false)
		}
		if r.onReset != nil {
			r.onReset(kind)
		}
	default:
		r.set(r.dtr, on)
	}
}

func (r *lineRecognizer) holdReset() {
	if r.resetAt.IsZero() {
		return
	}
	if d := resetHold - r.now().Sub(r.resetAt); d > 0 {
		r.sleep(d)
	}
	r.resetAt = time.Time{}
}

func (r *lineRecognizer) stopTimerLocked() {
	if r.timer != nil {
		r.timer.Stop()
		r.timer = nil
	}
}

// flushDTR applies a held-back "DTR on" that no "RTS off" followed: the
// client really wants both lines asserted.
func (r *lineRecognizer) flushDTR() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pendingDTR {
		r.pendingDTR = false
		r.set(true, r.rts)
	}
}

// Lines reports the lines as applied.
func (r *lineRecognizer) Lines() (dtr, rts bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.dtr, r.rts
}

// Close stops the timer.
func (r *lineRecognizer) Close() {
	r.mu.Lock()
	r.stopTimerLocked()
	r.mu.Unlock()
}
