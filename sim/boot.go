package sim

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	"github.com/blynkbridge/blynkbridge/flash/rom"
)

// rebootReq asks the epoch for a software reboot with this rst cause.
type rebootReq struct{ cause int }

// Banner is the ROM's first output after a reset, as bytes on the wire
// (reference logs section 2): a blank line, the line with a leading space
// and two spaces between "Jan" and "8", and a blank line.
func Banner(cause int, download bool) string {
	m, s := 3, 6
	if download {
		m, s = 1, 7
	}
	return fmt.Sprintf("\r\n ets Jan  8 2013,rst cause:%d, boot mode:(%d,%d)\r\n\r\n", cause, m, s)
}

// boot runs one boot from the ROM banner on. It returns a reboot request
// (software reset) or ok=false when ctx ended.
func (b *Board) boot(ctx context.Context, cause int, download bool) (rebootReq, bool) {
	b.stMu.Lock()
	b.state = ROMBoot
	b.uartBaud = ROMBaud
	b.loader = false
	b.stubBaud = false
	b.dev = nil
	b.stMu.Unlock()
	b.log.Debug("sim: boot", "cause", cause, "download", download)
	text := Banner(cause, download)
	if cause == causeWDT {
		text += "wdt reset\r\n"
	}
	if b.send(ctx, []byte(text), ROMBaud) != nil {
		return rebootReq{}, false
	}
	if download {
		return b.runLoader(ctx, cause)
	}
	return b.bootFlash(ctx, cause)
}

// romLoadLines is what the ROM prints while it loads the image at 0x0, and
// whether it then jumps to it (reference logs 2.3).
func romLoadLines(flash []byte) (string, image, bool) {
	im := parseImage(flash, 0)
	if im.magic != imageMagic {
		// Blank (0xFF) or foreign data: the ROM gives up.
		return "ets_main.c \r\n", im, false
	}
	var sb strings.Builder
	room, prevTail := 16, 0
	chk := byte(0xEF)
	for i, s := range im.segs {
		if i > 0 && prevTail+8 > 16 {
			fmt.Fprintf(&sb, "ho 0 tail %d room %d\r\n", prevTail, 16-prevTail)
		}
		fmt.Fprintf(&sb, "load 0x%08x, len %d, room %d \r\n", s.addr, int32(s.length), room)
		if i == im.bad {
			return sb.String(), im, false // reads off the end: the ROM hangs here
		}
		tail := ((int(s.length)-room)%16 + 16) % 16
		for _, v := range flash[s.offset : s.offset+int(s.length)] {
			chk ^= v
		}
		fmt.Fprintf(&sb, "tail %d\r\nchksum 0x%02x\r\n", tail, chk)
		room = (16 - (tail+8)%16) % 16
		prevTail = tail
	}
	if im.bad >= 0 {
		return sb.String(), im, false
	}
	fmt.Fprintf(&sb, "csum 0x%02x\r\n", im.stored)
	if im.stored != im.checksum {
		// Checksum mismatch: the image is not started.
		sb.WriteString("ets_main.c \r\n")
		return sb.String(), im, false
	}
	return sb.String(), im, true
}

// bootFlash is the flash boot: ROM loader lines, eboot's lines (Arduino
// layout), then the sketch.
func (b *Board) bootFlash(ctx context.Context, cause int) (rebootReq, bool) {
	flash := b.flash.snapshot()
	lines, im, ok := romLoadLines(flash)
	if b.send(ctx, []byte(lines), ROMBaud) != nil {
		return rebootReq{}, false
	}
	if !ok {
		<-ctx.Done() // halted in the ROM until the next reset
		return rebootReq{}, false
	}
	if im.isEboot() {
		// eboot prints the word at 0x1010, "~" (no OTA command) and "ld",
		// then loads the sketch image at 0x1000 (reference logs 2.4).
		text := fmt.Sprintf("v%08x\r\n~ld\r\n", binary.LittleEndian.Uint32(flash[0x1010:]))
		sk := parseImage(flash, 0x1000)
		fail := 0
		switch {
		case sk.magic != imageMagic:
			fail = 1
		case sk.bad >= 0 || len(sk.segs) == 0:
			fail = 2
		}
		if fail != 0 {
			text += fmt.Sprintf("e:%d\r\n", fail)
		}
		if b.send(ctx, []byte(text), ROMBaud) != nil {
			return rebootReq{}, false
		}
		if fail != 0 {
			return rebootReq{cause: causeSoftRst}, true // eboot's SWRST
		}
	}
	// A real sketch prints nothing for tens of milliseconds after "~ld":
	// eboot copies the segments, the SDK and core initialise, then setup()
	// calls Serial.begin. Monitors rely on that quiet gap to switch from the
	// ROM's 74880 baud to the sketch's rate, so it is modelled in real time
	// even with the timing model off.
	if b.drainTx(ctx) != nil {
		return rebootReq{}, false
	}
	select {
	case <-ctx.Done():
		return rebootReq{}, false
	case <-time.After(SketchStartDelay):
	}
	return b.runApp(ctx, flash, cause)
}

// SketchStartDelay is the quiet time between eboot's "~ld" and the sketch's
// first output (SDK and core start-up before setup()).
const SketchStartDelay = 60 * time.Millisecond

// runLoader is the ROM's UART download mode: SLIP frames in, replies out,
// at whatever rate the host uses (autobaud).
func (b *Board) runLoader(ctx context.Context, cause int) (rebootReq, bool) {
	b.stMu.Lock()
	b.state = Download
	b.loader = true
	b.stMu.Unlock()
	var busy func(context.Context, time.Duration) error
	if b.opts.Timing {
		// Erase and program time delays the loader's next reply on the
		// line (see wire.hold); the loader reads on meanwhile, as the ROM
		// cannot, but a stop-and-wait host sends nothing before the reply.
		busy = func(ctx context.Context, d time.Duration) error {
			b.tx.hold(d)
			return ctx.Err()
		}
	}
	l := newLoader(b.flash, b.regs, busy)
	defer l.close()
	var dec rom.Decoder
	buf := make([]byte, 4096)
	for {
		n, err := b.rx.read(ctx, buf, -1)
		if err != nil {
			return rebootReq{}, false
		}
		for _, ev := range dec.Feed(buf[:n]) {
			if ev.Err != nil || ev.Frame == nil {
				continue // the ROM drops bad frames and junk silently
			}
			replies, act := l.handle(ctx, ev.Frame)
			if ctx.Err() != nil {
				return rebootReq{}, false
			}
			var out []byte
			for _, r := range replies {
				out = rom.AppendEncode(out, r)
			}
			if b.send(ctx, out, b.UARTBaud()) != nil {
				return rebootReq{}, false
			}
			switch act {
			case actReboot:
				b.syncFlash()
				return rebootReq{cause: cause}, true
			case actRunApp:
				b.syncFlash()
				b.stMu.Lock()
				b.loader = false
				b.stubBaud = false
				b.state = ROMBoot
				b.uartBaud = ROMBaud
				b.stMu.Unlock()
				// The ROM jumps into the flash boot path without a reset
				// and without a new banner.
				return b.bootFlash(ctx, cause)
			case actStartStub:
				l.stub = &stub{l: l}
				b.stMu.Lock()
				b.stubBaud = true
				b.stMu.Unlock()
				if b.send(ctx, rom.Encode(stubGreeting), b.UARTBaud()) != nil {
					return rebootReq{}, false
				}
			}
			if l.stub != nil && l.stub.changeBaud > 0 {
				b.setUARTBaud(l.stub.changeBaud)
				l.stub.changeBaud = 0
			}
		}
	}
}
