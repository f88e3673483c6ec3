package sim

import (
	"context"
	"encoding/binary"
	"time"

	"github.com/blynkbridge/blynkbridge/flash/rom"
)

// loaderAction is what the board must do after a loader reply was sent.
type loaderAction int

const (
	actNone      loaderAction = iota
	actReboot                 // FLASH_END(0) / MEM_END into nothing: software reboot
	actRunApp                 // FLASH_END(1): leave the loader, run from flash without reset
	actStartStub              // MEM_END(0, entry): uploaded code runs; we imitate a flasher stub
)

// loader is the ESP8266 mask-ROM serial loader (reference sections 2-7, 14):
// one request frame in, zero or more reply frames out. It is pure apart from
// flash, registers and the sleep used by the timing model, so the fuzz
// target can drive it directly.
type loader struct {
	flash *norFlash
	regs  *regFile
	sleep func(ctx context.Context, d time.Duration) error // nil = no timing

	// FLASH_BEGIN state.
	flashOn     bool
	flashOffset uint32
	flashBlocks uint32
	flashBlock  uint32
	flashNext   uint32 // next expected sequence number

	// MEM_BEGIN state.
	memOn     bool
	memAddr   uint32
	memSize   uint32
	memBlocks uint32
	memBlock  uint32
	memNext   uint32
	ram       map[uint32][]byte // MEM_BEGIN address -> uploaded bytes

	stub *stub // non-nil once an uploaded stub "runs"

	lastValue uint32 // the ROM leaves junk in the value field; we leave the last register value
}

func newLoader(f *norFlash, regs *regFile, sleep func(context.Context, time.Duration) error) *loader {
	return &loader{flash: f, regs: regs, sleep: sleep, ram: map[uint32][]byte{}}
}

// Timing figures of the 4 MB NOR flash (datasheet typicals, issue 2), what
// the loader spends per erased 4 KiB sector and per programmed 256-byte page
// with the timing model on. Exported so benchmarks compute their bounds from
// the model instead of copies of it.
const (
	SectorEraseTime = 45 * time.Millisecond
	PageProgramTime = 700 * time.Microsecond
)

func (l *loader) wait(ctx context.Context, d time.Duration) error {
	if l.sleep == nil || d <= 0 {
		return nil
	}
	return l.sleep(ctx, d)
}

// status builds a ROM reply: value field, optional payload, 2 status bytes.
func (l *loader) reply(op rom.Op, value uint32, flag byte, reason rom.Reason) []byte {
	return rom.Response{Op: op, Value: value, Data: []byte{flag, byte(reason)}}.Marshal()
}

func (l *loader) ok(op rom.Op) []byte { return l.reply(op, l.lastValue, 0, 0) }

func (l *loader) fail(op rom.Op, r rom.Reason) []byte { return l.reply(op, l.lastValue, 1, r) }

// ROMEraseRange is the ESP8266 ROM's FLASH_BEGIN erase (reference section
// 7, SPIEraseArea): asked for eraseSize bytes at offset it erases
// R + min(R, head) sectors from the sector holding offset, where R is the
// requested sector count and head the sectors left to the next 64 KiB
// boundary. It returns the first sector and the count.
func ROMEraseRange(offset, eraseSize uint32) (startSector, count int) {
	r := int((uint64(eraseSize) + SectorSize - 1) / SectorSize)
	start := int(offset / SectorSize)
	head := 16 - start%16
	return start, r + min(r, head)
}

// ROMEraseTime is how long the ROM's SPIEraseArea takes for a FLASH_BEGIN
// with eraseSize at offset. Its structure, as reverse-engineered (Cesanta,
// "flashing ESP8266: too many erased sectors", the source of the erase-size
// bug of reference 7): the sectors up to the next 64 KiB boundary one by
// one, then, for the full requested count again (the bug), 64 KiB block
// erases while more than 16 sectors remain, then the rest one by one. So
// the ROM does use block erases where aligned, as the bug's arithmetic
// suggests.
func ROMEraseTime(offset, eraseSize uint32) time.Duration {
	r := int((uint64(eraseSize) + SectorSize - 1) / SectorSize)
	head := min(r, 16-int(offset/SectorSize)%16)
	rest := r
	blocks := 0
	for rest > 16 {
		blocks++
		rest -= 16
	}
	return time.Duration(head+rest)*SectorEraseTime + time.Duration(blocks)*BlockEraseTime
}

// handle runs one decoded request frame and returns the reply frames (not
// yet SLIP-encoded) and what to do after sending them. Malformed frames are
// answered the way the ROM answers (invalid message) or dropped.
func (l *loader) handle(ctx context.Context, frame []byte) ([][]byte, loaderAction) {
	if l.stub != nil {
		return l.stub.handle(ctx, frame)
	}
	if len(frame) < rom.HeaderLen || frame[0] != rom.DirRequest {
		// The ROM ignores frames that are not requests (e.g. its own echo).
		return nil, actNone
	}
	op := rom.Op(frame[1])
	size := int(binary.LittleEndian.Uint16(frame[2:]))
	if size != len(frame)-rom.HeaderLen {
		return [][]byte{l.fail(op, rom.ReasonInvalidMsg)}, actNone
	}
	req := rom.Request{Op: op, Checksum: binary.LittleEndian.Uint32(frame[4:]), Data: frame[8:]}
	switch op {
	case rom.OpSync:
		if !isSync(req.Data) {
			return [][]byte{l.fail(op, rom.ReasonInvalidMsg)}, actNone
		}
		r := l.reply(op, rom.SyncValue, 0, 0)
		out := make([][]byte, 8)
		for i := range out {
			out[i] = r
		}
		return out, actNone
	case rom.OpReadReg:
		if len(req.Data) != 4 {
			return [][]byte{l.fail(op, rom.ReasonInvalidMsg)}, actNone
		}
		v := l.regs.read(rom.Word(req.Data, 0))
		l.lastValue = v
		return [][]byte{l.reply(op, v, 0, 0)}, actNone
	case rom.OpWriteReg:
		if len(req.Data) != 16 {
			return [][]byte{l.fail(op, rom.ReasonInvalidMsg)}, actNone
		}
		addr, val, mask, delay := rom.Word(req.Data, 0), rom.Word(req.Data, 1), rom.Word(req.Data, 2), rom.Word(req.Data, 3)
		l.lastValue = l.regs.write(addr, val, mask)
		if err := l.wait(ctx, time.Duration(min(delay, 1_000_000))*time.Microsecond); err != nil {
			return nil, actNone
		}
		return [][]byte{l.ok(op)}, actNone
	case rom.OpFlashBegin:
		return l.flashBegin(ctx, req)
	case rom.OpFlashData:
		return l.flashData(ctx, req)
	case rom.OpFlashEnd:
		if len(req.Data) != 4 {
			return [][]byte{l.fail(op, rom.ReasonInvalidMsg)}, actNone
		}
		l.flashOn = false
		if rom.Word(req.Data, 0) == 0 {
			return [][]byte{l.ok(op)}, actReboot
		}
		return [][]byte{l.ok(op)}, actRunApp
	case rom.OpMemBegin:
		if len(req.Data) != 16 {
			return [][]byte{l.fail(op, rom.ReasonInvalidMsg)}, actNone
		}
		l.memSize, l.memBlocks, l.memBlock, l.memAddr = rom.Word(req.Data, 0), rom.Word(req.Data, 1), rom.Word(req.Data, 2), rom.Word(req.Data, 3)
		if l.memSize > 0x20000 || l.memBlock == 0 || l.memBlock > 0x4000 {
			l.memOn = false
			return [][]byte{l.fail(op, rom.ReasonInvalidParam)}, actNone
		}
		l.memOn, l.memNext = true, 0
		l.ram[l.memAddr] = make([]byte, 0, l.memSize)
		return [][]byte{l.ok(op)}, actNone
	case rom.OpMemData:
		if !l.memOn {
			return [][]byte{l.fail(op, rom.ReasonInvalidParam)}, actNone
		}
		payload, r, ok := dataBlock(req)
		if !ok {
			return [][]byte{l.fail(op, r)}, actNone
		}
		seq := rom.Word(req.Data, 1)
		if seq != l.memNext || uint32(len(l.ram[l.memAddr]))+uint32(len(payload)) > l.memSize {
			return [][]byte{l.fail(op, rom.ReasonInvalidParam)}, actNone
		}
		l.ram[l.memAddr] = append(l.ram[l.memAddr], payload...)
		l.memNext++
		return [][]byte{l.ok(op)}, actNone
	case rom.OpMemEnd:
		if len(req.Data) != 8 {
			return [][]byte{l.fail(op, rom.ReasonInvalidMsg)}, actNone
		}
		l.memOn = false
		noExec, entry := rom.Word(req.Data, 0), rom.Word(req.Data, 1)
		if noExec == 0 && entry != 0 {
			// Code was uploaded and started: reply first, then the uploaded
			// program takes over (we imitate a flasher stub, reference 9).
			return [][]byte{l.ok(op)}, actStartStub
		}
		return [][]byte{l.ok(op)}, actNone
	default:
		// Reference 2.4: unknown opcodes echo the opcode with [01 05].
		return [][]byte{l.fail(op, rom.ReasonInvalidMsg)}, actNone
	}
}

func isSync(d []byte) bool {
	if len(d) != len(rom.SyncPayload) {
		return false
	}
	for i, v := range rom.SyncPayload {
		if d[i] != v {
			return false
		}
	}
	return true
}

// dataBlock checks a *_DATA body: 16-byte header whose len word matches the
// payload, and the XOR checksum. It returns the payload or the ROM reason.
func dataBlock(req rom.Request) ([]byte, rom.Reason, bool) {
	if len(req.Data) < rom.DataHeaderLen {
		return nil, rom.ReasonInvalidMsg, false
	}
	payload := req.Data[rom.DataHeaderLen:]
	if rom.Word(req.Data, 0) != uint32(len(payload)) {
		return nil, rom.ReasonInvalidMsg, false
	}
	if rom.Checksum(payload) != req.Checksum&0xFF || req.Checksum > 0xFF {
		return nil, rom.ReasonChecksum, false
	}
	return payload, 0, true
}

func (l *loader) flashBegin(ctx context.Context, req rom.Request) ([][]byte, loaderAction) {
	op := req.Op
	if len(req.Data) != 16 {
		return [][]byte{l.fail(op, rom.ReasonInvalidMsg)}, actNone
	}
	eraseSize, blocks, block, offset := rom.Word(req.Data, 0), rom.Word(req.Data, 1), rom.Word(req.Data, 2), rom.Word(req.Data, 3)
	if uint64(offset) >= uint64(l.flash.size()) || (blocks > 0 && (block == 0 || block > 0x10000)) {
		l.flashOn = false
		return [][]byte{l.fail(op, rom.ReasonInvalidParam)}, actNone
	}
	if eraseSize > 0 {
		start, n := ROMEraseRange(offset, eraseSize)
		l.flash.eraseSectors(start, n)
		if err := l.wait(ctx, ROMEraseTime(offset, eraseSize)); err != nil {
			return nil, actNone
		}
	}
	l.flashOn = true
	l.flashOffset, l.flashBlocks, l.flashBlock, l.flashNext = offset, blocks, block, 0
	return [][]byte{l.ok(op)}, actNone
}

func (l *loader) flashData(ctx context.Context, req rom.Request) ([][]byte, loaderAction) {
	op := req.Op
	if !l.flashOn {
		return [][]byte{l.fail(op, rom.ReasonInvalidParam)}, actNone
	}
	payload, r, ok := dataBlock(req)
	if !ok {
		return [][]byte{l.fail(op, r)}, actNone
	}
	seq := rom.Word(req.Data, 1)
	// The ROM expects exactly block_size bytes per block, in sequence; a
	// retry of the block just written (its reply was lost) is accepted, as
	// programming the same bytes again changes nothing on NOR flash.
	if uint32(len(payload)) != l.flashBlock {
		return [][]byte{l.fail(op, rom.ReasonInvalidParam)}, actNone
	}
	if seq != l.flashNext && !(l.flashNext > 0 && seq == l.flashNext-1) {
		return [][]byte{l.fail(op, rom.ReasonInvalidParam)}, actNone
	}
	if seq >= l.flashBlocks {
		return [][]byte{l.fail(op, rom.ReasonInvalidParam)}, actNone
	}
	addr := uint64(l.flashOffset) + uint64(seq)*uint64(l.flashBlock)
	if addr >= uint64(l.flash.size()) {
		return [][]byte{l.fail(op, rom.ReasonFlashWrite)}, actNone
	}
	pages := l.flash.program(int(addr), payload)
	if err := l.wait(ctx, time.Duration(pages)*PageProgramTime); err != nil {
		return nil, actNone
	}
	// The ROM reads back and compares; with AND programming a byte that was
	// not erased first can differ from what was sent.
	back := l.flash.read(int(addr), len(payload))
	for i := range payload {
		if int(addr)+i < l.flash.size() && back[i] != payload[i] {
			if seq == l.flashNext {
				l.flashNext++
			}
			return [][]byte{l.fail(op, rom.ReasonFlashWrite)}, actNone
		}
	}
	if seq == l.flashNext {
		l.flashNext++
	}
	return [][]byte{l.ok(op)}, actNone
}
