package flash

import (
	"bytes"
	"context"
	"debug/elf"
	_ "embed"
	"errors"
	"fmt"
	"time"

	"github.com/blynkbridge/blynkbridge/flash/rom"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// stubELF is the flasher stub built from stub/src by stub/build.sh
// (Debian's gcc-xtensa-lx106); CI rebuilds it and fails if the bytes differ.
//
//go:embed stub/stub.elf
var stubELF []byte

// StubImage is a stub program as the ROM loader takes it: RAM segments and
// an entry address.
type StubImage struct {
	Entry    uint32
	Segments []StubSegment
}

// StubSegment is one block of code or data and its RAM address.
type StubSegment struct {
	Addr uint32
	Data []byte
}

// Size is the number of bytes uploaded.
func (s *StubImage) Size() int {
	n := 0
	for _, g := range s.Segments {
		n += len(g.Data)
	}
	return n
}

// ParseStub reads a stub from an ELF file: its loadable segments with file
// content (text, data) and its entry point; .bss is zeroed by the stub.
func ParseStub(b []byte) (*StubImage, error) {
	f, err := elf.NewFile(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("stub: %w", err)
	}
	if f.Machine != elf.EM_XTENSA || f.Class != elf.ELFCLASS32 {
		return nil, fmt.Errorf("stub: not a 32-bit Xtensa ELF (%v %v)", f.Class, f.Machine)
	}
	im := &StubImage{Entry: uint32(f.Entry)}
	for _, p := range f.Progs {
		if p.Type != elf.PT_LOAD || p.Filesz == 0 {
			continue
		}
		d := make([]byte, p.Filesz)
		if _, err := p.ReadAt(d, 0); err != nil {
			return nil, fmt.Errorf("stub: segment at 0x%x: %w", p.Vaddr, err)
		}
		im.Segments = append(im.Segments, StubSegment{Addr: uint32(p.Vaddr), Data: d})
	}
	if len(im.Segments) == 0 {
		return nil, errors.New("stub: no loadable segments")
	}
	return im, nil
}

// EmbeddedStub is the stub this build carries.
func EmbeddedStub() *StubImage {
	im, err := ParseStub(stubELF)
	if err != nil {
		panic("flash: embedded stub: " + err.Error()) // a broken build, caught by tests
	}
	return im
}

// ohaiWait bounds the wait for the stub's greeting after MEM_END.
const ohaiWait = time.Second

var stubGreeting = []byte("OHAI")

// uploadStub loads im into RAM through the ROM (MEM_BEGIN/DATA/END) and
// waits for its OHAI. The ROM's reply to MEM_END may be lost as the stub
// takes over the UART: that is not an error, a missing OHAI is.
func uploadStub(ctx context.Context, c connection, im *StubImage) error {
	for _, g := range im.Segments {
		n := uint32(len(g.Data))
		blocks := (n + rom.RAMBlockSize - 1) / rom.RAMBlockSize
		if _, err := checked(ctx, c, rom.OpMemBegin, rom.Words(n, blocks, rom.RAMBlockSize, g.Addr), 0, defaultTimeout); err != nil {
			return fmt.Errorf("MEM_BEGIN at 0x%x: %w", g.Addr, err)
		}
		for i := uint32(0); i < blocks; i++ {
			lo := i * rom.RAMBlockSize
			blk := g.Data[lo:min(lo+rom.RAMBlockSize, n)]
			if _, err := checked(ctx, c, rom.OpMemData, rom.DataBlock(i, blk), rom.Checksum(blk), defaultTimeout); err != nil {
				return fmt.Errorf("MEM_DATA %d at 0x%x: %w", i, g.Addr, err)
			}
		}
	}
	if err := c.send(rom.Request{Op: rom.OpMemEnd, Data: rom.Words(0, im.Entry)}); err != nil {
		return err
	}
	deadline := time.Now().Add(ohaiWait)
	for {
		f, err := c.recvRaw(ctx, time.Until(deadline))
		if err != nil {
			if errors.Is(err, errTimeout) {
				return errors.New("the uploaded stub did not greet (no OHAI)")
			}
			return err
		}
		if bytes.Equal(f, stubGreeting) {
			return nil
		}
		// the ROM's MEM_END reply, or noise: keep waiting
	}
}

// Stub status codes (first status byte of a stub reply; reference 2.4).
const (
	StubBadDataLen   = 0xC0
	StubBadChecksum  = 0xC1
	StubBadBlockSize = 0xC2
	StubInvalidCmd   = 0xC3
	StubFailedSPI    = 0xC4
	StubNotInFlash   = 0xC6
	StubInflate      = 0xC7
	StubNotEnough    = 0xC8
	StubTooMuch      = 0xC9
	StubNotImpl      = 0xFF
)

var stubCodeText = map[byte]string{
	StubBadDataLen:   "bad data length",
	StubBadChecksum:  "data checksum error",
	StubBadBlockSize: "bad block size",
	StubInvalidCmd:   "invalid command",
	StubFailedSPI:    "SPI flash operation failed",
	0xC5:             "SPI flash unlock failed",
	StubNotInFlash:   "not in flash mode",
	StubInflate:      "inflate error (compressed data damaged)",
	StubNotEnough:    "not enough data",
	StubTooMuch:      "too much data (past the end of the write or the flash)",
	StubNotImpl:      "command not implemented",
	0x32:             "erase address not sector-aligned",
	0x33:             "erase length not a multiple of the sector size",
}

func stubCodeString(c byte) string {
	if s, ok := stubCodeText[c]; ok {
		return s
	}
	return fmt.Sprintf("stub error 0x%02X", c)
}

// defaultFlashSize is a D1 mini's flash, assumed when the ID says nothing.
const defaultFlashSize = 4 << 20

// startStub uploads the stub (unless one already answered SYNC), tells it
// the flash size and switches to FlashBaud. A stub that does not start is
// not fatal: the ROM still works, slower, and the user is told in one line.
func (f *Flasher) startStub(ctx context.Context) error {
	if !f.stubAnswered {
		im := f.opts.Stub
		if im == nil {
			im = EmbeddedStub()
		}
		if err := uploadStub(ctx, f.c, im); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			f.log.Warn("the flasher stub did not start, using the ROM loader (slower: no compression, MD5 or baud change): " + err.Error())
			// The ROM may be mid-upload: sync again before ROM commands.
			if err := f.sync(ctx); err != nil {
				return err
			}
			if !f.stubAnswered {
				return nil
			}
		}
	}
	f.stub = true
	size := f.opts.FlashSize
	if size == 0 {
		if id, err := spiCommand(ctx, f.c, rom.SPIFlashRDID, 24); err == nil {
			size = uint32(flashSizeFromID(id & 0xFFFFFF))
		}
		if size == 0 {
			size = defaultFlashSize
		}
	}
	if err := spiSetParams(ctx, f.c, size); err != nil {
		return f.ioError(err, "set the flash parameters")
	}
	f.flashSize = size
	f.log.Debug("stub running", "flash_size", size)
	if f.opts.FlashBaud > 0 && f.opts.FlashBaud != f.c.baud() {
		return f.switchBaud(ctx)
	}
	return nil
}

// flashBauds are the rates tried below a failing --baud-flash.
var flashBauds = []int{2000000, 1500000, 921600, 460800}

// baudSettle is esptool's pause after CHANGE_BAUDRATE.
const baudSettle = 50 * time.Millisecond

// switchBaud moves stub and host to FlashBaud, checking the link with a
// READ_REG; when that fails it resets, restarts the stub and tries the
// next lower rate (a reset needs modem lines: without, it says which rate
// to give).
func (f *Flasher) switchBaud(ctx context.Context) error {
	start := f.c.baud()
	tries := []int{f.opts.FlashBaud}
	for _, b := range flashBauds {
		if b < f.opts.FlashBaud && b > start {
			tries = append(tries, b)
		}
	}
	for i, b := range tries {
		if err := f.setStubBaud(ctx, b); err != nil {
			return f.ioError(err, fmt.Sprintf("switch to %d baud", b))
		}
		if _, err := command(ctx, f.c, rom.OpReadReg, rom.Words(rom.ChipMagicReg), 0, 500*time.Millisecond); err == nil {
			f.log.Debug("switched baud", "baud", b)
			return nil
		} else if ctx.Err() != nil {
			return ctx.Err()
		}
		if !f.canReset() {
			return bberr.New(bberr.NoResponse, fmt.Sprintf("reset the board into the loader and rerun with --baud-flash %d or lower", nextLower(b, start)),
				"no answer from the stub at %d baud (the USB serial bridge may not support it)", b)
		}
		if i == len(tries)-1 {
			break
		}
		f.log.Warn(fmt.Sprintf("no answer from the stub at %d baud; resetting and trying %d", b, tries[i+1]))
		if err := f.restartAt(ctx, start); err != nil {
			return err
		}
	}
	f.log.Warn(fmt.Sprintf("no faster rate worked; flashing at %d baud", start))
	return f.restartAt(ctx, start)
}

// setStubBaud moves stub and port to baud: CHANGE_BAUDRATE is answered at
// the old rate, then both switch; the host waits for the stub to settle.
func (f *Flasher) setStubBaud(ctx context.Context, baud int) error {
	if err := changeBaud(ctx, f.c, baud, f.c.baud()); err != nil {
		return err
	}
	if err := f.c.setBaud(baud); err != nil {
		return err
	}
	if err := sleep(ctx, baudSettle); err != nil {
		return err
	}
	return f.c.flushInput()
}

func nextLower(b, floor int) int {
	for _, r := range flashBauds {
		if r < b && r > floor {
			return r
		}
	}
	return floor
}

// restartAt resets into the ROM at baud and starts the stub again, at that
// rate.
func (f *Flasher) restartAt(ctx context.Context, baud int) error {
	if err := f.c.setBaud(baud); err != nil {
		return f.ioError(err, fmt.Sprintf("switch the port to %d baud", baud))
	}
	f.stub, f.stubAnswered = false, false
	if err := f.sync(ctx); err != nil {
		return err
	}
	fb := f.opts.FlashBaud
	f.opts.FlashBaud = 0
	defer func() { f.opts.FlashBaud = fb }()
	return f.startStub(ctx)
}

// MaxFlashBaud is the default --baud-flash for a USB serial bridge chip
// (serialio's chip names): the fastest rate it carries that the ESP8266's
// UART divider (80 MHz / baud) hits closely, for chips known to take it.
// Unknown chips and pseudo-terminals get 921600, which every common bridge
// carries. Failing rates fall back (switchBaud).
func MaxFlashBaud(chip string) int {
	switch chip {
	case "CH340", "CH340K", "CH341", "CH9102", "CH343", "FT232R", "FT231X", "FT232H", "CP2104":
		return 2000000
	}
	return 921600
}
