package monitor

import (
	"bytes"
	"context"
	"errors"
	"time"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/serialio"
)

// ErrNoReset is returned by Reset on a port without DTR/RTS (a pty, some
// adapters): the user must press the board's RST button.
var ErrNoReset = &bberr.Error{Code: bberr.DeviceError, Msg: "this port cannot reset the board (no DTR/RTS lines)",
	Hint: "press the board's RST button (hold FLASH/BOOT too for download mode)", Err: serialio.ErrNoModemLines}

// Reset pulses the D1 mini auto-reset circuit. download=false boots the
// sketch (EN low with GPIO0 high); download=true enters the ROM loader
// (esptool's classic sequence). Right after the reset the engine listens at
// the ROM baud for ROMWindow so the boot banner is readable, then returns to
// the sketch baud; bytes read in both phases are kept.
func (e *Engine) Reset(ctx context.Context, download bool) error {
	return e.do(ctx, func(p serialio.Port) error {
		seq := runReset
		what := "reset into the sketch"
		if download {
			seq = downloadReset
			what = "reset into download mode"
		}
		_ = p.SetBaud(e.opt.ROMBaud)
		e.hostReset("reset by the monitor")
		for _, st := range seq {
			if err := p.SetLines(st.dtr, st.rts); err != nil {
				_ = p.SetBaud(e.currentBaud())
				if errors.Is(err, serialio.ErrNoModemLines) {
					return ErrNoReset
				}
				return err
			}
			sleepCtx(ctx, st.wait)
		}
		e.note("%s (listening at %d baud for the ROM banner)", what, e.opt.ROMBaud)
		return e.romWindow(p)
	})
}

// Boot runs f (something that makes the board boot: a power-on, a button
// press on a simulated board) with the port at the ROM baud, listens there
// for ROMWindow so the banner is readable, then returns to the sketch baud,
// exactly as after a Reset the engine causes itself.
func (e *Engine) Boot(ctx context.Context, what string, f func() error) error {
	return e.do(ctx, func(p serialio.Port) error {
		if err := p.SetBaud(e.opt.ROMBaud); err != nil {
			return err
		}
		e.hostReset(what)
		if err := f(); err != nil {
			_ = p.SetBaud(e.currentBaud())
			return err
		}
		e.note("%s (listening at %d baud for the ROM banner)", what, e.opt.ROMBaud)
		return e.romWindow(p)
	})
}

// romWindow reads the ROM's output at its own rate for ROMWindow (the port
// is already at ROMBaud), then switches back to the sketch baud. Bytes read
// in both phases are kept.
func (e *Engine) romWindow(p serialio.Port) error {
	deadline := time.Now().Add(e.opt.ROMWindow)
	buf := make([]byte, 4096)
	var seen []byte // ROM-rate text so far, to stop as soon as the sketch takes over
	for time.Now().Before(deadline) {
		n, err := p.Read(buf)
		if n > 0 {
			e.ingest(buf[:n])
			seen = append(seen, buf[:n]...)
		}
		if e.raw != nil {
			_ = e.raw.Tick(time.Now())
		}
		if err != nil {
			return err
		}
		// eboot's "~ld" is the last thing printed at the ROM's rate before
		// the sketch starts at its own; "waiting for host" ends a boot into
		// download mode. Switching back at once loses less of the sketch's
		// first line than waiting out the window.
		if bytes.Contains(seen, []byte("~ld\r\n")) || bytes.Contains(seen, []byte("waiting for host")) {
			break
		}
	}
	e.flushDecoder()
	if err := p.SetBaud(e.currentBaud()); err != nil {
		return err
	}
	e.note("back to %d baud", e.currentBaud())
	return nil
}

type lineStep struct {
	dtr, rts bool
	wait     time.Duration
}

// Line levels are "asserted" booleans as pyserial uses them (true = pin low).
var (
	runReset      = []lineStep{{false, true, 100 * time.Millisecond}, {false, false, 0}}
	downloadReset = []lineStep{{false, true, 100 * time.Millisecond}, {true, false, 50 * time.Millisecond}, {false, false, 0}}
)

func sleepCtx(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// SetBaud changes the sketch baud the engine reads at.
func (e *Engine) SetBaud(ctx context.Context, baud int) error {
	return e.do(ctx, func(p serialio.Port) error {
		if err := p.SetBaud(baud); err != nil {
			return err
		}
		e.setStatus(func(s *Status) { s.Baud = baud })
		e.note("baud set to %d", baud)
		return nil
	})
}

// Send writes p to the board.
func (e *Engine) Send(ctx context.Context, data []byte) error {
	return e.do(ctx, func(p serialio.Port) error {
		_, err := p.Write(data)
		if err == nil {
			e.mu.Lock()
			e.status.BytesOut += int64(len(data))
			e.mu.Unlock()
		}
		return err
	})
}

// Borrow lends the port to f (the flasher) and resumes reading when f
// returns. Reading pauses while f runs, so the flasher sees every byte it
// needs; what the board prints after f returns (the boot after a flash) is
// read as usual. The decoder's partial line is flushed first.
func (e *Engine) Borrow(ctx context.Context, what string, f func(ctx context.Context, p serialio.Port) error) error {
	return e.do(ctx, func(p serialio.Port) error {
		e.flushDecoder()
		e.setStatus(func(s *Status) { s.Lent = true })
		e.note("port lent to %s", what)
		// A flasher resets the board into its loader and out again.
		e.hostReset(what)
		bp, release, err := borrowable(ctx, p, what)
		if err == nil {
			err = f(ctx, bp)
			release()
		}
		// The borrower may have changed rate and timeout; restore ours.
		_ = p.SetBaud(e.currentBaud())
		_ = p.SetReadTimeout(20 * time.Millisecond)
		e.setStatus(func(s *Status) { s.Lent = false })
		if err != nil {
			e.note("%s ended: %v", what, err)
		} else {
			e.note("%s done; monitoring again", what)
		}
		return err
	})
}

// borrowable is p itself or, for a port shared through a daemon
// (serialio.Lender), an exclusive loan of the same board.
func borrowable(ctx context.Context, p serialio.Port, what string) (serialio.Port, func(), error) {
	if l, ok := p.(serialio.Lender); ok {
		return l.Lend(ctx, what)
	}
	return p, func() {}, nil
}

// rateMeter measures bytes/s over the last second in 100 ms buckets.
type rateMeter struct {
	buckets [10]int64
	stamp   [10]int64 // bucket's 100 ms tick
}

func (r *rateMeter) add(t time.Time, n int) {
	tick := t.UnixMilli() / 100
	i := tick % 10
	if r.stamp[i] != tick {
		r.stamp[i], r.buckets[i] = tick, 0
	}
	r.buckets[i] += int64(n)
}

func (r *rateMeter) rate(t time.Time) float64 {
	tick := t.UnixMilli() / 100
	var sum int64
	for i := range r.buckets {
		if tick-r.stamp[i] < 10 {
			sum += r.buckets[i]
		}
	}
	return float64(sum)
}

// SetLines sets the DTR and RTS lines by hand (true = asserted, as pyserial
// and tio count them). On a D1 mini's auto-reset circuit some combinations
// hold the board in reset or pull GPIO0 low: the user asked for exactly
// that. A port without modem lines (a pty) returns ErrNoReset's cause.
func (e *Engine) SetLines(ctx context.Context, dtr, rts bool) error {
	return e.do(ctx, func(p serialio.Port) error {
		if err := p.SetLines(dtr, rts); err != nil {
			if errors.Is(err, serialio.ErrNoModemLines) {
				return &bberr.Error{Code: bberr.DeviceError, Msg: "this port has no DTR/RTS lines", Hint: "a pty or some adapters cannot drive them", Err: err}
			}
			return err
		}
		e.note("DTR %s, RTS %s (set by hand)", onOff(dtr), onOff(rts))
		return nil
	})
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
