package sim

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// device is the Device a sketch gets for one boot. Everything it does is
// bound to that boot: after a reset its writes are dropped and reads end.
type device struct {
	b      *Board
	ctx    context.Context
	cancel context.CancelFunc
	flash  []byte
	start  time.Time

	mu      sync.Mutex
	reason  RestartReason
	restart bool
}

func (d *device) Write(p []byte) (int, error) {
	if err := d.ctx.Err(); err != nil {
		return 0, err
	}
	if err := d.b.send(d.ctx, p, d.b.UARTBaud()); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (d *device) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return d.b.rx.read(d.ctx, p, -1)
}

func (d *device) Begin(baud int) {
	if baud <= 0 || d.ctx.Err() != nil {
		return
	}
	d.b.setUARTBaud(baud)
}

func (d *device) Millis() uint32 { return uint32(time.Since(d.start) / time.Millisecond) }

func (d *device) Sleep(ctx context.Context, dur time.Duration) error {
	if err := d.ctx.Err(); err != nil {
		return err
	}
	if dur <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(dur)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-d.ctx.Done():
		return d.ctx.Err()
	}
}

func (d *device) Flash() []byte { return d.flash }

func (d *device) Restart(reason RestartReason) {
	d.mu.Lock()
	if !d.restart {
		d.restart, d.reason = true, reason
	}
	d.mu.Unlock()
	d.cancel()
}

// runApp runs the sketch chosen from flash until it restarts the board or
// the boot's ctx ends.
func (b *Board) runApp(ctx context.Context, flash []byte, cause int) (rebootReq, bool) {
	var fw Firmware
	if b.opts.Firmware != nil {
		fw = b.opts.Firmware(flash)
	}
	if fw == nil {
		fw = demoApp{baud: b.opts.AppBaud, chipID: b.ChipID()}
	}
	actx, cancel := context.WithCancel(ctx)
	defer cancel()
	d := &device{b: b, ctx: actx, cancel: cancel, flash: flash, start: time.Now()}
	b.stMu.Lock()
	b.state = Running
	b.dev = d
	b.stMu.Unlock()
	err := fw.Run(actx, d)
	d.mu.Lock()
	restart, reason := d.restart, d.reason
	d.mu.Unlock()
	if !restart {
		if ctx.Err() != nil {
			return rebootReq{}, false
		}
		// A sketch never returns from loop(); if Run does, the chip just
		// idles (the Arduino core would spin in loop forever).
		if err != nil {
			b.log.Warn("sim: firmware stopped", "err", err)
		}
		<-ctx.Done()
		return rebootReq{}, false
	}
	b.stMu.Lock()
	b.dev = nil
	b.state = Crashed
	baud := b.uartBaud
	b.stMu.Unlock()
	if dump := crashDump(reason, flash, d.Millis()); dump != "" {
		if b.send(ctx, []byte(dump), baud) != nil {
			return rebootReq{}, false
		}
	}
	if reason == RestartHardWDT {
		return rebootReq{cause: causeWDT}, true
	}
	return rebootReq{cause: cause}, true
}

// demoApp is the built-in sketch: a start-up line, then a tick line every
// second in the format many sketches use ("[millis] text"), and an echo of
// what it receives so wrong-baud input is visible.
type demoApp struct {
	baud   int
	chipID uint32
}

func (a demoApp) Run(ctx context.Context, dev Device) error {
	dev.Begin(a.baud)
	fmt.Fprintf(dev, "\r\nblynkbridge sim: demo sketch at %d baud, chip id %06x (no Blynk firmware configured)\r\n", a.baud, a.chipID)
	go func() {
		buf := make([]byte, 256)
		for {
			n, err := dev.Read(buf)
			if err != nil {
				return
			}
			fmt.Fprintf(dev, "[%d] rx %d bytes: %q\r\n", dev.Millis(), n, buf[:n])
		}
	}()
	for i := 0; ; i++ {
		fmt.Fprintf(dev, "[%d] tick %d\r\n", dev.Millis(), i)
		if err := dev.Sleep(ctx, time.Second); err != nil {
			return nil
		}
	}
}
