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

// stub imitates the flasher stub esptool uploads with MEM_BEGIN/DATA/END
// (reference 9): no erase bug, 16 KiB blocks, compressed writes, MD5,
// read-flash, erase, baud change. Whatever code was uploaded, the board
// behaves like the stub from then on; that is what a flasher observes.
type stub struct {
	l *loader

	on         bool   // FLASH_BEGIN/FLASH_DEFL_BEGIN seen
	defl       bool   // compressed session
	offset     uint32 // next flash address to write
	remaining  uint32 // uncompressed bytes still expected
	erasedTo   uint32 // flash below this (from the session start) is erased
	z          *inflater
	lastWrite  byte // deferred write error code, reported by FLASH_END
	changeBaud int  // set by CHANGE_BAUDRATE for the board to apply
}

// OHAI is the stub's greeting frame payload.
var stubGreeting = []byte("OHAI")

func (s *stub) reply(op rom.Op, payload []byte, code byte) []byte {
	d := append(append([]byte(nil), payload...), code, 0)
	return rom.Response{Op: op, Value: 0, Data: d}.Marshal()
}

func (s *stub) handle(ctx context.Context, frame []byte) ([][]byte, loaderAction) {
	if len(frame) < rom.HeaderLen || frame[0] != rom.DirRequest {
		return nil, actNone // READ_FLASH acks and stray frames
	}
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
		if uint64(offset)+uint64(size) > uint64(s.l.flash.size()) {
			return one(stubTooMuch)
		}
		s.closeInflate()
		s.on, s.defl = true, op == rom.OpFlashDeflBegin
		s.offset, s.remaining, s.erasedTo, s.lastWrite = offset, size, offset&^(SectorSize-1), 0
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
		if !s.defl {
			if err := s.write(ctx, payload); err != 0 {
				s.lastWrite = err
			}
			return one(0)
		}
		out, err := s.inflate(payload)
		if err != nil {
			return one(stubInflate)
		}
		if code := s.write(ctx, out); code != 0 {
			return one(code)
		}
		return one(0)
	case rom.OpFlashEnd, rom.OpFlashDeflEnd:
		if len(d) != 4 {
			return one(stubBadDataLen)
		}
		code := s.lastWrite
		if s.on && s.remaining > 0 {
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
		if uint64(addr)+uint64(n) > uint64(s.l.flash.size()) {
			return one(stubTooMuch)
		}
		sum := md5.Sum(s.l.flash.read(int(addr), int(n)))
		// Reading flash costs time too: about 1 s per 4 MB on the real stub.
		_ = s.l.wait(ctx, time.Duration(n)*250*time.Nanosecond)
		return [][]byte{s.reply(op, sum[:], 0)}, actNone
	case rom.OpEraseFlash:
		n := s.l.flash.eraseSectors(0, s.l.flash.size()/SectorSize)
		_ = s.l.wait(ctx, time.Duration(n)*SectorEraseTime/4) // 64 KiB block erases
		return one(0)
	case rom.OpEraseRegion:
		if len(d) != 8 {
			return one(stubBadDataLen)
		}
		off, n := rom.Word(d, 0), rom.Word(d, 1)
		if off%SectorSize != 0 {
			return one(0x32)
		}
		if n%SectorSize != 0 {
			return one(0x33)
		}
		done := s.l.flash.eraseSectors(int(off/SectorSize), int(n/SectorSize))
		_ = s.l.wait(ctx, time.Duration(done)*SectorEraseTime)
		return one(0)
	case rom.OpReadFlash:
		if len(d) != 16 {
			return one(stubBadDataLen)
		}
		off, n, pkt := rom.Word(d, 0), rom.Word(d, 1), rom.Word(d, 2)
		if pkt == 0 || pkt > 0x4000 || uint64(off)+uint64(n) > uint64(s.l.flash.size()) {
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

// write programs p at the session's current offset, erasing sectors just in
// time as the stub does. It returns a stub error code or 0.
func (s *stub) write(ctx context.Context, p []byte) byte {
	if uint32(len(p)) > s.remaining {
		if s.defl {
			return stubTooMuch
		}
		p = p[:s.remaining] // the last uncompressed block is 0xFF padded
	}
	end := s.offset + uint32(len(p))
	for s.erasedTo < end {
		n := s.l.flash.eraseSectors(int(s.erasedTo/SectorSize), 1)
		_ = s.l.wait(ctx, time.Duration(n)*SectorEraseTime)
		s.erasedTo += SectorSize
	}
	pages := s.l.flash.program(int(s.offset), p)
	_ = s.l.wait(ctx, time.Duration(pages)*PageProgramTime)
	s.offset = end
	s.remaining -= uint32(len(p))
	return 0
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

// inflate feeds one compressed block and returns the output it produced.
func (s *stub) inflate(p []byte) ([]byte, error) {
	z := s.z
	if z == nil {
		return nil, io.ErrClosedPipe
	}
	if !z.needPending {
		select {
		case <-z.fr.need:
		case <-z.done:
			return nil, errTooMuchInput(z.err)
		}
	}
	z.needPending = false
	select {
	case z.fr.in <- p:
	case <-z.done:
		return nil, errTooMuchInput(z.err)
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
		return out, z.err
	default:
		return out, nil
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
