package flash

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/blynkbridge/blynkbridge/flash/rom"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/serialio"
)

// bannerBaud is the rate the ESP8266 ROM prints its boot messages at.
const bannerBaud = 74880

// syncRetryPause is esptool's pause between failed SYNC tries.
const syncRetryPause = 50 * time.Millisecond

// Connect resets the board into its ROM loader (unless Before is NoReset),
// synchronises, and checks that the chip is an ESP8266.
func (f *Flasher) Connect(ctx context.Context) error {
	if err := f.sync(ctx); err != nil {
		return err
	}
	magic, err := readReg(ctx, f.c, rom.ChipMagicReg)
	if err != nil {
		return f.ioError(err, "read the chip type")
	}
	if magic != rom.ESP8266Magic {
		if name := ChipName(magic); name != "" {
			return bberr.New(bberr.DeviceError,
				"blynkbridge flashes ESP8266 boards (D1 mini); use esptool or espflash for "+name+" boards",
				"this is an %s (chip magic 0x%08X), not an ESP8266", name, magic)
		}
		return bberr.New(bberr.DeviceError,
			"check --port: another device may answer there; blynkbridge flashes ESP8266 boards only",
			"unknown chip (magic 0x%08X), not an ESP8266 (0x%08X)", magic, uint32(rom.ESP8266Magic))
	}
	f.connected = true
	f.log.Debug("connected", "port", f.c.name(), "baud", f.c.baud(), "chip", "ESP8266")
	if f.opts.NoStub {
		return nil
	}
	return f.startStub(ctx)
}

// canReset reports whether resets through DTR/RTS are to be attempted.
func (f *Flasher) canReset() bool { return f.opts.Before == DefaultReset && !f.noLines }

// markNoLines records that the port has no modem lines and warns once.
func (f *Flasher) markNoLines() {
	if !f.noLines {
		f.log.Warn("port has no DTR/RTS lines: not resetting the board (as --before no-reset); it must already be in the loader",
			"port", f.c.name())
	}
	f.noLines = true
}

// sync is esptool's connect loop: per attempt one reset strategy (cycling
// through the list), then up to SyncTries SYNCs 50 ms apart.
func (f *Flasher) sync(ctx context.Context) error {
	orig := f.c.baud()
	for attempt := 0; attempt < f.opts.ConnectAttempts; attempt++ {
		if f.canReset() {
			s := f.strategies[attempt%len(f.strategies)]
			if err := f.c.flushInput(); err != nil {
				return f.ioError(err, "flush input")
			}
			f.log.Debug("reset into loader", "strategy", s.Name)
			if err := s.run(ctx, f.c); err != nil {
				if !errors.Is(err, serialio.ErrNoModemLines) {
					return f.ioError(err, "reset the board")
				}
				f.markNoLines()
			}
		}
		// Without a reset, a flasher stub left running by an earlier
		// command (--after no-reset) may listen at another rate: a stub
		// does not autobaud as the ROM does. Every other attempt tries
		// esptool's stub rate, 115200.
		rate := orig
		if !f.canReset() && attempt%2 == 1 && orig != stubRestBaud {
			rate = stubRestBaud
		}
		if rate != f.c.baud() {
			if err := f.c.setBaud(rate); err != nil {
				return f.ioError(err, fmt.Sprintf("switch to %d baud", rate))
			}
		}
		for try := 0; try < f.opts.SyncTries; try++ {
			stub, err := syncOnce(ctx, f.c)
			if err == nil {
				f.stubAnswered = stub
				f.connectBaud = f.c.baud()
				if stub && f.opts.NoStub {
					f.log.Warn("a flasher stub answered SYNC (value 0); --no-stub: continuing with ROM commands")
				}
				f.log.Debug("synced", "attempt", attempt+1, "try", try+1, "baud", f.c.baud(), "stub", stub)
				return nil
			}
			var se *StatusError
			if !errors.Is(err, errTimeout) && !errors.As(err, &se) {
				return f.ioError(err, "sync")
			}
			if err := sleep(ctx, syncRetryPause); err != nil {
				return f.ioError(err, "sync")
			}
		}
	}
	if f.c.baud() != orig {
		if err := f.c.setBaud(orig); err != nil {
			return f.ioError(err, fmt.Sprintf("switch to %d baud", orig))
		}
	}
	return f.syncFailure(ctx)
}

// stubRestBaud is the rate esptool leaves its stub at and starts at.
const stubRestBaud = 115200

var bootModeRE = regexp.MustCompile(`boot mode:\((\d+),(\d+)\)`)

// syncFailure explains why the loader did not answer. With modem lines it
// resets once more listening at 74880 baud, where the ROM prints its
// banner: "boot mode:(3,x)" means the app booted (GPIO0 was high), "(1,x)"
// means the loader runs but does not understand us, silence means no reset
// happened or this is not the board's port.
func (f *Flasher) syncFailure(ctx context.Context) error {
	port, baud := f.c.name(), f.c.baud()
	seen := f.c.junk()
	reset := f.canReset()
	if reset {
		seen = append(seen, f.captureBanner(ctx)...)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	const others = "; also check --baud (try 115200) and that no serial monitor holds the port"
	if m := bootModeRE.FindStringSubmatch(string(seen)); m != nil {
		if m[1] == "1" {
			return bberr.New(bberr.NoResponse,
				"the line rate may be too high for this USB bridge: try --baud 115200, and close any serial monitor using the port",
				"no answer from the boot loader on %s at %d baud, though the board printed %q after reset (it is in the loader)", port, baud, m[0])
		}
		return bberr.New(bberr.NoResponse,
			"the reset circuit did not pull GPIO0 low: hold the FLASH/BOOT button while pressing RESET, then rerun"+others,
			"no answer from the boot loader on %s: after reset the board printed %q, so the app booted instead of the loader", port, m[0])
	}
	if !reset {
		why := "--before no-reset"
		if f.noLines {
			why = "the port has no DTR/RTS lines"
		}
		return bberr.New(bberr.NoResponse,
			"put the board into the loader by hand (hold FLASH/BOOT, press and release RESET), check --port"+others,
			"no answer from the boot loader on %s at %d baud (no reset was done: %s)%s", port, baud, why, printed(seen))
	}
	if len(seen) > 0 {
		return bberr.New(bberr.NoResponse,
			"hold FLASH/BOOT while pressing RESET, then rerun"+others,
			"no answer from the boot loader on %s at %d baud; the board sent bytes but no boot banner%s", port, baud, printed(seen))
	}
	return bberr.New(bberr.NoResponse,
		"check --port (the board's USB serial device) and the cable (charge-only cables carry no data)"+others,
		"no answer from %s: nothing at all after a reset, so no reset happened or this is the wrong port", port)
}

// captureBanner resets once at 74880 baud and returns what the board printed.
func (f *Flasher) captureBanner(ctx context.Context) []byte {
	old := f.c.baud()
	if err := f.c.setBaud(bannerBaud); err != nil {
		f.log.Debug("cannot switch to 74880 for the boot banner", "err", err)
		return nil
	}
	defer func() {
		if err := f.c.setBaud(old); err != nil {
			f.log.Warn("cannot restore the baud rate", "baud", old, "err", err)
		}
	}()
	_ = f.c.flushInput()
	_ = f.c.junk()
	// GPIO0 released: the strategy's own levels decide the strap, exactly
	// as during the failed attempts.
	if err := f.strategies[0].run(ctx, f.c); err != nil {
		return nil
	}
	return f.c.readRaw(ctx, f.opts.BannerWait)
}

// printed renders a short readable excerpt of what the board sent.
func printed(b []byte) string {
	var sb strings.Builder
	for _, r := range string(b) {
		if r >= 0x20 && r < 0x7F {
			sb.WriteRune(r)
		} else if r == '\n' || r == '\r' || r == '\t' {
			sb.WriteByte(' ')
		}
	}
	s := strings.Join(strings.Fields(sb.String()), " ")
	if len(s) < 4 {
		return ""
	}
	if len(s) > 60 {
		s = s[:60] + "..."
	}
	return fmt.Sprintf("; it printed %q", s)
}

// ioError classifies a failure talking to the port or the board.
func (f *Flasher) ioError(err error, what string) error {
	var be *bberr.Error
	switch {
	case errors.As(err, &be):
		return err
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.Is(err, serialio.ErrUnplugged):
		return bberr.Wrap(err, bberr.Unplugged, "plug the board back in and rerun", "cannot %s on %s", what, f.c.name())
	case errors.Is(err, errTimeout):
		return bberr.Wrap(err, bberr.NoResponse, "check the cable and --baud (try 115200), then rerun", "cannot %s: the board stopped answering", what)
	}
	var se *StatusError
	if errors.As(err, &se) {
		return bberr.Wrap(err, bberr.DeviceError, "rerun; if it persists, the flash chip or its power supply may be failing", "cannot %s", what)
	}
	return bberr.Wrap(err, bberr.Failure, "rerun with --trace FILE and report the file", "cannot %s on %s", what, f.c.name())
}
