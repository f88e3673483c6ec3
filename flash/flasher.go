package flash

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/blynkbridge/blynkbridge/flash/rom"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/serialio"
)

// Flasher talks to one ESP8266 ROM loader over a port it borrows: it never
// opens or closes the port. Use: New, Connect, then Info and/or Write, then
// Finish. A Flasher is not safe for concurrent use.
type Flasher struct {
	c          connection
	opts       Options
	log        *slog.Logger
	strategies []ResetStrategy
	noLines    bool
	connected  bool

	// stubAnswered: the last SYNC was answered by a running stub (value 0).
	stubAnswered bool
	// stub: commands go to our flasher stub (compression, MD5, read,
	// erase, baud change), not the ROM.
	stub      bool
	flashSize uint32 // told to the stub with SPI_SET_PARAMS
	// connectBaud is the rate the loader was reached at.
	connectBaud int
}

// Stub reports whether the flasher stub runs (false: ROM loader mode).
func (f *Flasher) Stub() bool { return f.stub }

// After is what Finish does.
func (f *Flasher) After() After { return f.opts.After }

// Baud is the line rate in use now.
func (f *Flasher) Baud() int { return f.c.baud() }

// New prepares a Flasher on p. It fails only on a bad ResetSequence.
func New(p serialio.Port, opts Options) (*Flasher, error) {
	return newFlasher(newPortConn(p, newTracer(opts.Trace)), opts)
}

func newFlasher(c connection, opts Options) (*Flasher, error) {
	opts = opts.withDefaults()
	f := &Flasher{c: c, opts: opts, log: opts.Logger, strategies: DefaultStrategies()}
	if opts.ResetSequence != "" {
		s, err := ParseResetSequence(opts.ResetSequence)
		if err != nil {
			return nil, bberr.Wrap(err, bberr.Usage, `write steps such as "D0|R1|W100|D1|R0|W50|D0"`, "bad --connect-seq")
		}
		f.strategies = []ResetStrategy{s}
	}
	return f, nil
}

// Info reads the chip description, MAC, crystal and flash ID. Connect first.
func (f *Flasher) Info(ctx context.Context) (*ChipInfo, error) {
	if err := f.mustBeConnected(); err != nil {
		return nil, err
	}
	e, err := readEfuse(ctx, f.c)
	if err != nil {
		return nil, f.ioError(err, "read the eFuses")
	}
	info := &ChipInfo{ChipID: e.chipID()}
	info.Chip, info.Features = e.description()
	if m, err := e.mac(); err == nil {
		info.MAC = formatMAC(m)
	} else {
		f.log.Warn("cannot derive the MAC address", "err", err)
	}
	div, err := readReg(ctx, f.c, rom.RegUARTClkDiv)
	if err != nil {
		return nil, f.ioError(err, "read the UART divider")
	}
	var raw float64
	info.CrystalMHz, raw = crystalMHz(div, f.c.baud())
	if d := raw - float64(info.CrystalMHz); d > 1 || d < -1 {
		f.log.Warn("crystal frequency looks odd", "measured_mhz", raw, "assumed_mhz", info.CrystalMHz)
	}
	if err := f.attach(ctx); err != nil {
		return nil, f.ioError(err, "attach the SPI flash")
	}
	id, err := spiCommand(ctx, f.c, rom.SPIFlashRDID, 24)
	if err != nil {
		return nil, f.ioError(err, "read the flash ID")
	}
	id &= 0xFFFFFF
	info.FlashID = id
	info.FlashMfr = uint8(id)
	info.FlashDev = uint16((id>>8)&0xFF)<<8 | uint16(id>>16)
	info.FlashSize = flashSizeFromID(id)
	if id == 0xFFFFFF || id == 0 {
		f.log.Warn("flash ID reads as all ones or zeros: the flash chip may be missing or not answering", "id", id)
	}
	return info, nil
}

// Finish leaves the loader as Options.After says.
func (f *Flasher) Finish(ctx context.Context) error {
	switch f.opts.After {
	case StayInLoader:
		// The stub stays; back at the rate of the connect, so the next
		// run, which syncs at its --baud, reaches it (a stub does not
		// autobaud as the ROM does).
		if f.stub && f.connectBaud > 0 && f.c.baud() != f.connectBaud {
			if err := f.setStubBaud(ctx, f.connectBaud); err != nil {
				return f.ioError(err, fmt.Sprintf("return to %d baud", f.connectBaud))
			}
		}
		return nil
	case HardReset:
		if !f.noLines {
			err := hardReset.run(ctx, f.c)
			if err == nil {
				f.log.Debug("hard reset via RTS")
				return nil
			}
			if !errors.Is(err, serialio.ErrNoModemLines) {
				return f.ioError(err, "reset the board")
			}
		}
		f.log.Warn("port has no DTR/RTS lines: leaving the loader by soft reset instead of a hard reset", "port", f.c.name())
	}
	return f.softReset(ctx)
}

// softReset is the ROM's protocol-level "run the app": FLASH_BEGIN(0,0) then
// FLASH_END(1). The app may start before the reply leaves the chip, so a
// missing reply to FLASH_END is not an error.
func (f *Flasher) softReset(ctx context.Context) error {
	if f.stub {
		// RUN_USER_CODE has no reply: the stub leaves for the app.
		if err := runUserCode(f.c); err != nil {
			return f.ioError(err, "leave the stub (run the app)")
		}
		return nil
	}
	if err := attachFlash(ctx, f.c); err != nil {
		return f.ioError(err, "leave the loader (soft reset)")
	}
	if err := flashEnd(ctx, f.c, true); err != nil {
		if errors.Is(err, errTimeout) {
			f.log.Debug("no reply to FLASH_END(1); the app has probably started")
			return nil
		}
		return f.ioError(err, "leave the loader (soft reset)")
	}
	return nil
}

// attach makes the SPI flash usable: the stub's SPI_ATTACH, or the ROM's
// FLASH_BEGIN(0, 0) which attaches as a side effect.
func (f *Flasher) attach(ctx context.Context) error {
	if f.stub {
		return spiAttach(ctx, f.c)
	}
	return attachFlash(ctx, f.c)
}

func (f *Flasher) mustBeConnected() error {
	if !f.connected {
		return bberr.New(bberr.Failure, "this is a bug: please report it", "flash: Connect must succeed before use")
	}
	return nil
}

// padBlock returns block padded with 0xFF to a full ROM block, reusing buf.
func padBlock(buf, block []byte) []byte {
	if len(block) == rom.FlashBlockSize {
		return block
	}
	buf = append(buf[:0], block...)
	for len(buf) < rom.FlashBlockSize {
		buf = append(buf, 0xFF)
	}
	return buf
}
