package sim

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// Options configure a simulated board.
type Options struct {
	FlashFile string                      // "" = in-memory flash; else a raw 4 MiB file kept in sync
	Flash     []byte                      // initial flash content (nil = all 0xFF), used if FlashFile empty/new
	Boot      BootMode                    // BootRun or BootDownload: GPIO0 strap at power-on
	Timing    bool                        // UART/flash timing model on (CLI default on; unit tests off)
	Firmware  func(flash []byte) Firmware // chooses the application from flash content; nil = built-in demo app
	Logger    *slog.Logger

	// MAC overrides the board's MAC (default 5C:CF:7F:C3:A1:5E, an
	// Espressif OUI). The eFuse words are derived from it.
	MAC [6]byte
	// AppBaud is the demo sketch's Serial.begin rate (default 115200).
	AppBaud int
	// PowerOff leaves the board unpowered after New until PowerOn, so a
	// pty can be attached (and a host can open it) before the first boot.
	PowerOff bool
}

// ROMBaud is the rate the mask ROM prints at on a 26 MHz board.
const ROMBaud = 74880

// DefaultMAC is the simulated board's MAC unless Options.MAC is set.
var DefaultMAC = [6]byte{0x5C, 0xCF, 0x7F, 0xC3, 0xA1, 0x5E}

// ROM reset causes printed in the banner (reference logs 2.1).
const (
	causePowerOn = 1
	causeExtRst  = 2
	causeSoftRst = 3
	causeWDT     = 4
)

// Board is a simulated WeMos D1 mini. All methods are safe for concurrent use.
type Board struct {
	opts  Options
	log   *slog.Logger
	flash *norFlash
	regs  *regFile
	mac   [6]byte

	// ctl serialises power and reset events (lines, unplug, close). It is
	// held while an epoch is stopped, so epoch code never takes it.
	ctl         sync.Mutex
	dtr, rts    bool
	button      bool // FLASH button / jumper: GPIO0 held low
	enHigh      bool
	gpio0Log    []lineEvent // GPIO0 level changes, to sample the strap at the right instant
	powered     bool
	unplugged   bool
	closed      bool
	epochCancel context.CancelFunc
	epochDone   chan struct{}
	bootTimer   *time.Timer
	rstCause    atomic.Int32

	stMu     sync.Mutex
	state    State
	uartBaud int // the board UART's rate (TX and RX)
	loader   bool
	stubBaud bool    // a stub runs: the UART keeps its rate (no autobaud)
	dev      *device // the running sketch's device, for Crash

	rx *byteQueue // board UART receive FIFO
	tx *wire      // board UART -> hosts, with the timing model on

	sinkMu sync.Mutex
	sinks  map[sink]struct{}
	ports  []*hostPort
	pty    *ptyLink

	stopSync chan struct{}
	wg       sync.WaitGroup
}

// sink is a host attached to the board's UART: the in-process port or a pty.
type sink interface {
	hostBaud() int
	deliver(p []byte)
}

// New powers a board on; it boots per opts.Boot.
func New(opts Options) (*Board, error) {
	f, err := newFlash(opts.Flash, opts.FlashFile)
	if err != nil {
		return nil, bberr.Wrap(err, bberr.BadInput, "give --flash a raw flash image of at most 4 MiB, or a new file name", "sim: flash")
	}
	b := &Board{
		opts:     opts,
		log:      opts.Logger,
		flash:    f,
		mac:      opts.MAC,
		rx:       newByteQueue(64 << 10),
		sinks:    map[sink]struct{}{},
		uartBaud: ROMBaud,
		stopSync: make(chan struct{}),
	}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	b.tx = newWire(b.toHosts)
	if b.mac == ([6]byte{}) {
		b.mac = DefaultMAC
	}
	if b.opts.AppBaud <= 0 {
		b.opts.AppBaud = 115200
	}
	b.regs = newRegFile(efuseFor(b.mac), b.UARTBaud)
	if err := f.sync(); err != nil {
		return nil, bberr.Wrap(err, bberr.Permission, "check that the --flash file's directory is writable", "sim: write flash file")
	}
	b.button = opts.Boot == BootDownload
	b.wg.Add(1)
	go b.syncLoop()
	b.ctl.Lock()
	if opts.PowerOff {
		b.setState(Off)
	} else {
		b.powerOnLocked()
	}
	b.ctl.Unlock()
	return b, nil
}

// PowerOn powers a board made with Options.PowerOff (a power-on reset, rst
// cause 1). It does nothing when the board is already powered.
func (b *Board) PowerOn() {
	b.ctl.Lock()
	defer b.ctl.Unlock()
	if b.closed || b.powered || b.unplugged {
		return
	}
	b.powerOnLocked()
}

// MAC returns the board's station MAC address.
func (b *Board) MAC() [6]byte { return b.mac }

// ChipID is what system_get_chip_id returns: the last three MAC bytes.
func (b *Board) ChipID() uint32 {
	return uint32(b.mac[3])<<16 | uint32(b.mac[4])<<8 | uint32(b.mac[5])
}

// State returns what the board is doing now.
func (b *Board) State() State {
	b.stMu.Lock()
	defer b.stMu.Unlock()
	return b.state
}

func (b *Board) setState(s State) {
	b.stMu.Lock()
	if b.state != s {
		b.log.Debug("sim: state", "from", b.state, "to", s)
	}
	b.state = s
	b.stMu.Unlock()
}

// ResetCause is the rst cause the ROM latched at the last hardware reset
// (1 power-on, 2 EN pin, 4 watchdog), the number its banner prints.
func (b *Board) ResetCause() int {
	return int(b.rstCause.Load())
}

// UARTBaud returns the rate the board's UART runs at now: 74880 in the ROM
// banner, the host's rate in the loader (autobaud), the sketch's rate after
// Serial.begin.
func (b *Board) UARTBaud() int {
	b.stMu.Lock()
	defer b.stMu.Unlock()
	return b.uartBaud
}

func (b *Board) setUARTBaud(n int) {
	b.stMu.Lock()
	b.uartBaud = n
	b.stMu.Unlock()
}

// FlashContents returns a copy of the 4 MiB flash.
func (b *Board) FlashContents() []byte { return b.flash.snapshot() }

// SyncFlash writes the flash file now if it changed.
func (b *Board) SyncFlash() error { return b.flash.sync() }

func (b *Board) syncLoop() {
	defer b.wg.Done()
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			b.syncFlash()
		case <-b.stopSync:
			return
		}
	}
}

func (b *Board) syncFlash() {
	if err := b.flash.sync(); err != nil {
		b.log.Warn("sim: writing flash file failed", "err", err)
	}
}

// SetLines drives the D1 mini's auto-reset circuit: true = asserted (pin
// low), as pyserial and termios count it. Reference 10.1: EN is pulled low
// (reset held) only for DTR de-asserted + RTS asserted; GPIO0 is pulled low
// only for DTR asserted + RTS de-asserted; equal levels never reset.
func (b *Board) SetLines(dtr, rts bool) {
	b.ctl.Lock()
	defer b.ctl.Unlock()
	b.dtr, b.rts = dtr, rts
	b.applyLinesLocked()
}

// PressFlashButton holds GPIO0 low (true) or releases it, like the FLASH
// button or a jumper; it matters at the next reset.
func (b *Board) PressFlashButton(pressed bool) {
	b.ctl.Lock()
	b.button = pressed
	b.ctl.Unlock()
}

// PressReset pulses EN low like the RST button.
func (b *Board) PressReset() {
	b.ctl.Lock()
	defer b.ctl.Unlock()
	if b.closed || !b.powered {
		return
	}
	b.stopEpochLocked()
	b.enHigh = false
	b.setState(Off)
	b.applyLinesLocked()
}

func (b *Board) enLevel() bool    { return !(!b.dtr && b.rts) }
func (b *Board) gpio0Level() bool { return !(b.dtr && !b.rts) && !b.button }

// lineEvent is the GPIO0 level from time at on.
type lineEvent struct {
	at    time.Time
	level bool
}

// gpio0At returns the GPIO0 level at t from the log (the current level if
// t is after the last change).
func (b *Board) gpio0At(t time.Time) bool {
	level := b.gpio0Level()
	for i := len(b.gpio0Log) - 1; i >= 0; i-- {
		if !b.gpio0Log[i].at.After(t) {
			return b.gpio0Log[i].level
		}
	}
	if len(b.gpio0Log) > 0 {
		return !b.gpio0Log[0].level
	}
	return level
}

func (b *Board) applyLinesLocked() {
	if b.closed || !b.powered {
		return
	}
	now := time.Now()
	if g := b.gpio0Level(); len(b.gpio0Log) == 0 || b.gpio0Log[len(b.gpio0Log)-1].level != g {
		b.gpio0Log = append(b.gpio0Log, lineEvent{now, g})
		if len(b.gpio0Log) > 16 {
			b.gpio0Log = b.gpio0Log[len(b.gpio0Log)-16:]
		}
	}
	en := b.enLevel()
	switch {
	case !en && b.enHigh:
		b.enHigh = false
		b.stopEpochLocked()
		b.setState(Off)
		b.syncFlash()
	case en && !b.enHigh:
		b.enHigh = true
		// EN rises through an RC; the ROM samples the straps a moment
		// later. esptool's classic sequence relies on this: its two
		// separate ioctls pass through (T,T) before GPIO0 goes low.
		if b.bootTimer != nil {
			b.bootTimer.Stop()
		}
		// The level is taken from the log at rise+strapDelay, so a timer
		// that fires late on a loaded machine samples the same instant.
		sampleAt := now.Add(strapDelay)
		b.bootTimer = time.AfterFunc(strapDelay, func() {
			b.ctl.Lock()
			defer b.ctl.Unlock()
			if b.closed || !b.powered || !b.enHigh || b.epochCancel != nil {
				return
			}
			b.rstCause.Store(causeExtRst)
			b.startEpochLocked(causeExtRst, !b.gpio0At(sampleAt))
		})
	}
}

const strapDelay = 2 * time.Millisecond

func (b *Board) powerOnLocked() {
	b.powered = true
	b.enHigh = b.enLevel()
	if !b.enHigh {
		b.setState(Off)
		return
	}
	b.rstCause.Store(causePowerOn)
	b.startEpochLocked(causePowerOn, !b.gpio0Level())
}

func (b *Board) stopEpochLocked() {
	if b.bootTimer != nil {
		b.bootTimer.Stop()
		b.bootTimer = nil
	}
	if b.epochCancel == nil {
		return
	}
	b.epochCancel()
	select {
	case <-b.epochDone:
	case <-time.After(3 * time.Second):
		// A sketch ignoring its context must not wedge the board; its
		// device is dead from now on (writes are dropped).
		b.log.Warn("sim: firmware did not stop within 3s after reset; abandoning it")
	}
	b.epochCancel, b.epochDone = nil, nil
	b.rx.clear()
	b.tx.drop() // the UART stops mid-byte; its FIFO is lost
	b.stMu.Lock()
	b.dev = nil
	b.loader = false
	b.stubBaud = false
	b.stMu.Unlock()
}

// startEpochLocked starts a boot: everything from the ROM banner until the
// next reset runs in one goroutine with one context.
func (b *Board) startEpochLocked(cause int, download bool) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	b.epochCancel, b.epochDone = cancel, done
	b.rx.clear()
	go func() {
		defer close(done)
		b.epoch(ctx, cause, download)
	}()
}

// epoch runs boots until ctx ends: software reboots (ESP.restart, crash,
// FLASH_END(0), eboot failure) stay inside the same epoch, since no reset
// line is involved.
func (b *Board) epoch(ctx context.Context, cause int, download bool) {
	for ctx.Err() == nil {
		next, ok := b.boot(ctx, cause, download)
		if !ok {
			return
		}
		// A software reset keeps the boot mode latched at the last
		// hardware reset (reference 9: after FLASH_END(1) under the ROM, a
		// later ESP.restart() re-enters the loader).
		cause = next.cause
		if cause == causeWDT || cause == causeSoftRst {
			b.rstCause.Store(int32(cause))
		}
		if err := b.drainTx(ctx); err != nil {
			return
		}
		if err := sleepCtx(ctx, rebootDelay); err != nil {
			return
		}
	}
}

// rebootDelay separates a software reset from the next banner (~10 ms on
// the chip); it also keeps a crash loop from spinning.
const rebootDelay = 10 * time.Millisecond

// send transmits p from the board's UART at baud. With the timing model on
// the bytes are booked on the line and reach the hosts after their wire
// time, and send returns once they fit in the UART's TX FIFO (so a sender
// is held to the line rate); without it every host has them at once.
func (b *Board) send(ctx context.Context, p []byte, baud int) error {
	if len(p) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if !b.opts.Timing {
		b.toHosts(p, baud)
		return nil
	}
	b.tx.book(p, baud)
	return b.tx.waitAhead(ctx, txWindow(baud))
}

// drainTx waits until everything sent has left the line: the boot paths
// call it before a quiet gap the host relies on (ROM -> sketch baud
// switch, reboot), so the gap is on the wire and not eaten by the FIFO.
func (b *Board) drainTx(ctx context.Context) error {
	if !b.opts.Timing {
		return ctx.Err()
	}
	return b.tx.waitAhead(ctx, 0)
}

// toHosts gives bytes the board sent at baud to every attached host, as
// its own UART setting makes of them.
func (b *Board) toHosts(p []byte, baud int) {
	b.sinkMu.Lock()
	sinks := make([]sink, 0, len(b.sinks))
	for s := range b.sinks {
		sinks = append(sinks, s)
	}
	b.sinkMu.Unlock()
	for _, s := range sinks {
		hb := s.hostBaud()
		if sameRate(hb, baud) {
			s.deliver(append([]byte(nil), p...))
		} else {
			s.deliver(Resample(p, baud, hb))
		}
	}
}

// fromHost is called with bytes a host sent at hostBaud, after their wire
// time. The loader autobauds (it follows the host's rate); the sketch's
// UART receives at its own rate; in reset or while the ROM prints, the
// bytes are lost.
func (b *Board) fromHost(p []byte, hostBaud int) {
	b.stMu.Lock()
	st, loader, ub := b.state, b.loader, b.uartBaud
	if loader && !b.stubBaud && hostBaud > 0 {
		b.uartBaud = hostBaud
		ub = hostBaud
	}
	b.stMu.Unlock()
	switch {
	case loader && sameRate(hostBaud, ub):
		b.rx.push(p)
	case loader:
		// The stub set its UART once (CHANGE_BAUDRATE): a host at another
		// rate is not understood.
		b.rx.push(Resample(p, hostBaud, ub))
	case st == Running:
		if sameRate(hostBaud, ub) {
			b.rx.push(p)
		} else {
			b.rx.push(Resample(p, hostBaud, ub))
		}
	}
}

func (b *Board) addSink(s sink) {
	b.sinkMu.Lock()
	b.sinks[s] = struct{}{}
	b.sinkMu.Unlock()
}

func (b *Board) removeSink(s sink) {
	b.sinkMu.Lock()
	delete(b.sinks, s)
	b.sinkMu.Unlock()
}

// Garbage sends n random bytes to the host, like a noisy line or a
// brown-out glitch.
func (b *Board) Garbage(n int) {
	if n <= 0 {
		return
	}
	p := make([]byte, n)
	_, _ = rand.Read(p)
	_ = b.send(context.Background(), p, b.UARTBaud())
}

// ErrNotRunning is returned by Crash when no sketch runs.
var ErrNotRunning = errors.New("sim: no sketch running (board is not in the Running state)")

// Crash makes the running sketch fail: kind picks the postmortem the
// Arduino core prints (exception, soft WDT, abort) or a hardware watchdog
// reset; RestartSoftware is a plain ESP.restart(). The board then reboots.
func (b *Board) Crash(kind RestartReason) error {
	b.stMu.Lock()
	d := b.dev
	b.stMu.Unlock()
	if d == nil {
		return ErrNotRunning
	}
	d.Restart(kind)
	return nil
}

// Unplug pulls the USB cable: the board loses power and the port vanishes
// (a pty's master is closed, so the host sees EIO/hang-up; in-process
// ports return serialio.ErrUnplugged).
func (b *Board) Unplug() {
	b.ctl.Lock()
	defer b.ctl.Unlock()
	if b.closed || b.unplugged {
		return
	}
	b.stopEpochLocked()
	b.powered = false
	b.unplugged = true
	b.setState(Unplugged)
	b.syncFlash()
	b.sinkMu.Lock()
	ports := b.ports
	b.ports = nil
	pl := b.pty
	b.sinkMu.Unlock()
	for _, p := range ports {
		p.unplug()
	}
	if pl != nil {
		pl.unplug()
	}
}

// Replug plugs the cable back in: a new port appears (for a pty: a new
// /dev/pts/N, with the same link re-pointed to it) and the board powers on
// with rst cause 1. Ports from before the unplug stay dead.
func (b *Board) Replug() error {
	b.ctl.Lock()
	defer b.ctl.Unlock()
	if b.closed {
		return errors.New("sim: board closed")
	}
	if !b.unplugged {
		return nil
	}
	b.sinkMu.Lock()
	pl := b.pty
	b.sinkMu.Unlock()
	if pl != nil {
		if err := pl.replug(); err != nil {
			return err
		}
	}
	b.unplugged = false
	b.powerOnLocked()
	return nil
}

// Close powers the board off, closes its ports and writes the flash file.
func (b *Board) Close() error {
	b.ctl.Lock()
	if b.closed {
		b.ctl.Unlock()
		return nil
	}
	b.stopEpochLocked()
	b.closed = true
	b.powered = false
	b.setState(Off)
	b.ctl.Unlock()
	b.tx.stop()
	close(b.stopSync)
	b.wg.Wait()
	b.sinkMu.Lock()
	ports := b.ports
	b.ports = nil
	pl := b.pty
	b.pty = nil
	b.sinkMu.Unlock()
	for _, p := range ports {
		p.Close()
	}
	if pl != nil {
		pl.close()
	}
	if err := b.flash.sync(); err != nil {
		return fmt.Errorf("sim: writing flash file: %w", err)
	}
	return nil
}
