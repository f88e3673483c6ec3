package sim

import (
	"compress/zlib"
	"context"
	"crypto/md5"
	"encoding/binary"
	"io"
	"sync"
	"time"

	"github.com/blynkbridge/blynkbridge/flash/rom"
)

// Stub status codes (first status byte; reference 2.4).
const (
	stubBadDataLen  = 0xC0
	stubBadChecksum = 0xC1
	stubBadBlock    = 0xC2
	stubNotInFlash  = 0xC6
	stubInflate     = 0xC7
	stubNotEnough   = 0xC8
	stubTooMuch     = 0xC9
	stubNotImpl     = 0xFF
	stubMaxBlock    = 0x4000
)

// Stub timing (timing model on): a 64 KiB block erase, and the rate the
// stub reads flash and hashes it for SPI_FLASH_MD5 (flash read at 40 MHz
// DIO plus the ROM's MD5 at 80 MHz: about 4 MB/s together).
const (
	BlockEraseTime = 150 * time.Millisecond
	StubMD5Rate    = 4 << 20 // bytes per second
)

// stub imitates blynkbridge's flasher stub (flash/stub; esptool's stubs
// behave alike, reference 9) once MEM_END started uploaded code: whatever
// was uploaded, the board behaves like the stub from then on. Its checks
// and error codes are those of flash/stub/src/stub.c, which flash's QEMU
// tests compare with this model.
//
// A data block is acknowledged before it is written: its erase and program
// time (busyUntil) delays the reply to the next frame, not this one, so
// the next block crosses the UART meanwhile, as on the chip. Errors found
// after the acknowledgement (inflate, too much data) are answered to the
// next data block or FLASH_END.
type stub struct {
	l *loader

	on         bool   // FLASH_BEGIN/FLASH_DEFL_BEGIN seen
	defl       bool   // compressed session
	offset     uint32 // next flash address to write
	remaining  uint32 // uncompressed bytes still expected
	sessionEnd uint32
	erasedTo   uint32 // flash below this (from the session start) is erased
	seqNext    uint32
	z          *inflater
	zDone      bool // the zlib stream ended
	err        byte // deferred error code
	changeBaud int  // set by CHANGE_BAUDRATE for the board to apply
	size       uint32
	busyUntil  time.Time
}

// OHAI is the stub's greeting frame payload.
var stubGreeting = []byte("OHAI")

func (s *stub) reply(op rom.Op, payload []byte, code byte) []byte {
	d := append(append([]byte(nil), payload...), code, 0)
	return rom.Response{Op: op, Value: 0, Data: d}.Marshal()
}

// flashSize is what SPI_SET_PARAMS said, within the chip.
func (s *stub) flashSize() uint32 {
	if s.size == 0 || s.size > uint32(s.l.flash.size()) {
		return uint32(s.l.flash.size())
	}
	return s.size
}

// within reports whether [off, off+n) lies on the flash.
func (s *stub) within(off, n uint32) bool {
	return uint64(off)+uint64(n) <= uint64(s.flashSize())
}

// busy books d of work that starts when earlier work ends; with timing
// off it does nothing.
func (s *stub) busy(d time.Duration) {
	if s.l.sleep == nil || d <= 0 {
		return
	}
	now := time.Now()
	if s.busyUntil.Before(now) {
		s.busyUntil = now
	}
	s.busyUntil = s.busyUntil.Add(d)
}

// waitIdle holds the next reply until booked work is done.
func (s *stub) waitIdle(ctx context.Context) {
	if d := time.Until(s.busyUntil); d > 0 {
		_ = s.l.wait(ctx, d)
	}
}

func (s *stub) handle(ctx context.Context, frame []byte) ([][]byte, loaderAction) {
	if len(frame) < rom.HeaderLen || frame[0] != rom.DirRequest {
		return nil, actNone // READ_FLASH acks and stray frames
	}
	s.waitIdle(ctx)
	op := rom.Op(frame[1])
	if int(binary.LittleEndian.Uint16(frame[2:])) != len(frame)-rom.HeaderLen {
		return [][]byte{s.reply(op, nil, stubBadDataLen)}, actNone
	}
	req := rom.Request{Op: op, Checksum: binary.LittleEndian.Uint32(frame[4:]), Data: frame[8:]}
	d := req.Data
	one := func(code byte) ([][]byte, loaderAction) { return [][]byte{s.reply(op, nil, code)}, actNone }
	switch op {
	case rom.OpSync:
		r := s.reply(op, nil, 0)
		return [][]byte{r, r, r, r, r, r, r, r}, actNone
	case rom.OpReadReg:
		if len(d) != 4 {
			return one(stubBadDataLen)
		}
		v := s.l.regs.read(rom.Word(d, 0))
		return [][]byte{rom.Response{Op: op, Value: v, Data: []byte{0, 0}}.Marshal()}, actNone
	case rom.OpWriteReg:
		if len(d) == 0 || len(d)%16 != 0 {
			return one(stubBadDataLen)
		}
		for i := 0; i < len(d)/16; i++ {
			s.l.regs.write(rom.Word(d, 4*i), rom.Word(d, 4*i+1), rom.Word(d, 4*i+2))
		}
		return one(0)
	case rom.OpSPIAttach:
		if len(d) != 4 {
			return one(stubBadDataLen)
		}
		return one(0)
	case rom.OpSPISetParams:
		if len(d) != 24 {
			return one(stubBadDataLen)
		}
		s.size = rom.Word(d, 1)
		return one(0)
	case rom.OpChangeBaud:
		if len(d) != 8 || rom.Word(d, 0) == 0 {
			return one(stubBadDataLen)
		}
		s.changeBaud = int(rom.Word(d, 0))
		return one(0)
	case rom.OpFlashBegin, rom.OpFlashDeflBegin:
		if len(d) != 16 && len(d) != 20 {
			return one(stubBadDataLen)
		}
		size, block, offset := rom.Word(d, 0), rom.Word(d, 2), rom.Word(d, 3)
		if block > stubMaxBlock {
			return one(stubBadBlock)
		}
		if !s.within(offset, size) {
			s.on = false
			return one(stubTooMuch)
		}
		s.closeInflate()
		s.on, s.defl, s.zDone = true, op == rom.OpFlashDeflBegin, false
		s.offset, s.remaining, s.sessionEnd, s.erasedTo = offset, size, offset+size, offset&^(SectorSize-1)
		s.seqNext, s.err = 0, 0
		if s.defl {
			s.startInflate()
		}
		return one(0)
	case rom.OpFlashData, rom.OpFlashDeflData:
		if !s.on || s.defl != (op == rom.OpFlashDeflData) {
			return one(stubNotInFlash)
		}
		if len(d) < rom.DataHeaderLen || rom.Word(d, 0) != uint32(len(d)-rom.DataHeaderLen) {
			return one(stubBadDataLen)
		}
		payload := d[rom.DataHeaderLen:]
		if rom.Checksum(payload) != req.Checksum {
			return one(stubBadChecksum)
		}
		if s.err != 0 {
			return one(s.err)
		}
		switch seq := rom.Word(d, 1); {
		case s.seqNext > 0 && seq == s.seqNext-1:
			return one(0) // sent again because the reply was lost: taken already
		case seq != s.seqNext:
			return one(stubBadBlock) // out of sequence
		}
		s.seqNext++
		// Acknowledged now; written after (its time delays the next reply).
		if !s.defl {
			s.write(payload)
			return one(0)
		}
		if s.zDone {
			return one(0) // bytes after the stream's end are ignored
		}
		out, done, err := s.inflate(payload)
		if err != nil {
			s.err = stubInflate
			return one(0)
		}
		s.zDone = done
		if uint32(len(out)) > s.remaining {
			s.write(out[:s.remaining])
			s.err = stubTooMuch
			return one(0)
		}
		s.write(out)
		return one(0)
	case rom.OpFlashEnd, rom.OpFlashDeflEnd:
		if len(d) != 4 {
			return one(stubBadDataLen)
		}
		code := s.err
		if s.on && code == 0 && s.remaining > 0 {
			code = stubNotEnough
		}
		s.on = false
		s.closeInflate()
		if rom.Word(d, 0) == 0 {
			return [][]byte{s.reply(op, nil, code)}, actReboot
		}
		return one(code)
	case rom.OpSPIFlashMD5:
		if len(d) != 16 {
			return one(stubBadDataLen)
		}
		addr, n := rom.Word(d, 0), rom.Word(d, 1)
		if !s.within(addr, n) {
			return one(stubTooMuch)
		}
		if addr&3 != 0 {
			return one(stubBadDataLen)
		}
		sum := md5.Sum(s.l.flash.read(int(addr), int(n)))
		_ = s.l.wait(ctx, time.Duration(float64(n)/StubMD5Rate*float64(time.Second)))
		return [][]byte{s.reply(op, sum[:], 0)}, actNone
	case rom.OpEraseFlash:
		n := s.l.flash.eraseSectors(0, s.l.flash.size()/SectorSize)
		_ = s.l.wait(ctx, time.Duration(n/16)*BlockEraseTime)
		return one(0)
	case rom.OpEraseRegion:
		if len(d) != 8 {
			return one(stubBadDataLen)
		}
		off, n := rom.Word(d, 0), rom.Word(d, 1)
		if !s.within(off, n) {
			return one(stubTooMuch)
		}
		if off%SectorSize != 0 {
			return one(0x32)
		}
		if n%SectorSize != 0 {
			return one(0x33)
		}
		_ = s.l.wait(ctx, s.erase(off, n))
		return one(0)
	case rom.OpReadFlash:
		if len(d) != 16 {
			return one(stubBadDataLen)
		}
		off, n, pkt, unacked := rom.Word(d, 0), rom.Word(d, 1), rom.Word(d, 2), rom.Word(d, 3)
		if pkt == 0 || pkt > stubMaxBlock || unacked == 0 || off&3 != 0 || !s.within(off, n) {
			return one(stubBadDataLen)
		}
		// The stub streams raw frames and waits for acks when max_unacked
		// are in flight; the host's acks arrive as short frames we ignore.
		// We send everything: a host reading steadily sees the same bytes.
		data := s.l.flash.read(int(off), int(n))
		out := [][]byte{s.reply(op, nil, 0)}
		for i := 0; i < len(data); i += int(pkt) {
			out = append(out, data[i:min(i+int(pkt), len(data))])
		}
		sum := md5.Sum(data)
		return append(out, sum[:]), actNone
	case rom.OpRunUserCode:
		return nil, actRunApp
	default:
		return one(stubNotImpl)
	}
}

// erase erases [off, off+n) as the stub's ERASE_REGION does, 64 KiB
// blocks where aligned, and returns the time it takes.
func (s *stub) erase(off, n uint32) time.Duration {
	var t time.Duration
	for n > 0 {
		if off%0x10000 == 0 && n >= 0x10000 {
			s.l.flash.eraseSectors(int(off/SectorSize), 16)
			t += BlockEraseTime
			off, n = off+0x10000, n-0x10000
			continue
		}
		s.l.flash.eraseSectors(int(off/SectorSize), 1)
		t += SectorEraseTime
		off, n = off+SectorSize, n-SectorSize
	}
	return t
}

// write programs p at the session's current offset, erasing just in time
// as the stub does (a 64 KiB block when aligned and at least that much of
// the session is left, else a sector), and books the time. Pages of all
// 0xFF are not programmed (they are so after the erase). Bytes past the
// session (the 0xFF padding of the last uncompressed block) are dropped.
func (s *stub) write(p []byte) {
	if uint32(len(p)) > s.remaining {
		p = p[:s.remaining]
	}
	end := s.offset + uint32(len(p))
	var t time.Duration
	for s.erasedTo < end {
		if s.erasedTo%0x10000 == 0 && s.sessionEnd-s.erasedTo >= 0x10000 {
			s.l.flash.eraseSectors(int(s.erasedTo/SectorSize), 16)
			s.erasedTo += 0x10000
			t += BlockEraseTime
			continue
		}
		s.l.flash.eraseSectors(int(s.erasedTo/SectorSize), 1)
		s.erasedTo += SectorSize
		t += SectorEraseTime
	}
	s.l.flash.program(int(s.offset), p)
	for a := s.offset &^ (PageSize - 1); a < end; a += PageSize {
		lo, hi := max(a, s.offset)-s.offset, min(a+PageSize, end)-s.offset
		if !allFF(p[lo:hi]) {
			t += PageProgramTime
		}
	}
	s.busy(t)
	s.offset = end
	s.remaining -= uint32(len(p))
}

func allFF(p []byte) bool {
	for _, v := range p {
		if v != 0xFF {
			return false
		}
	}
	return true
}

// The compressed stream spans blocks, so inflate runs in a goroutine that
// reads blocks through feedReader. When it asks for more input, all output
// it could produce from the blocks so far has been collected; at the end of
// the stream it flushes everything. This keeps the handler deterministic.
type feedReader struct {
	in   chan []byte
	need chan struct{}
	cur  []byte
}

func (r *feedReader) Read(p []byte) (int, error) {
	if len(r.cur) == 0 {
		r.need <- struct{}{}
		b, ok := <-r.in
		if !ok {
			return 0, io.ErrUnexpectedEOF
		}
		r.cur = b
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

type inflater struct {
	fr          *feedReader
	needPending bool
	done        chan struct{}
	err         error
	mu          sync.Mutex
	out         []byte
}

func (s *stub) startInflate() {
	z := &inflater{fr: &feedReader{in: make(chan []byte), need: make(chan struct{}, 1)}, done: make(chan struct{})}
	s.z = z
	go func() {
		defer close(z.done)
		zr, err := zlib.NewReader(z.fr)
		if err != nil {
			z.err = err
			return
		}
		buf := make([]byte, 0x4000)
		for {
			n, rerr := zr.Read(buf)
			if n > 0 {
				z.mu.Lock()
				z.out = append(z.out, buf[:n]...)
				z.mu.Unlock()
			}
			if rerr == io.EOF {
				return
			}
			if rerr != nil {
				z.err = rerr
				return
			}
		}
	}()
}

// inflate feeds one compressed block and returns the output it produced
// and whether the stream ended.
func (s *stub) inflate(p []byte) ([]byte, bool, error) {
	z := s.z
	if z == nil {
		return nil, false, io.ErrClosedPipe
	}
	if !z.needPending {
		select {
		case <-z.fr.need:
		case <-z.done:
			return nil, true, errTooMuchInput(z.err)
		}
	}
	z.needPending = false
	select {
	case z.fr.in <- p:
	case <-z.done:
		return nil, true, errTooMuchInput(z.err)
	}
	select {
	case <-z.fr.need:
		z.needPending = true
	case <-z.done:
	}
	z.mu.Lock()
	out := z.out
	z.out = nil
	z.mu.Unlock()
	select {
	case <-z.done:
		return out, true, z.err
	default:
		return out, false, nil
	}
}

func errTooMuchInput(err error) error {
	if err != nil {
		return err
	}
	return io.ErrShortWrite
}

func (s *stub) closeInflate() {
	if s.z != nil {
		close(s.z.fr.in)
		s.z = nil
	}
}

// close releases the inflate goroutine of an unfinished session.
func (l *loader) close() {
	if l.stub != nil {
		l.stub.closeInflate()
	}
}
