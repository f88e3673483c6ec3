package flash

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/blynkbridge/blynkbridge/flash/rom"
)

// Timeouts from esptool (reference section 11).
const (
	defaultTimeout    = 3 * time.Second
	syncTimeout       = 100 * time.Millisecond
	eraseTimeoutPerMB = 40 * time.Second
	maxTimeout        = 240 * time.Second
	syncExtraReplies  = 7
)

// StatusError is a reply whose status says the command failed: the ROM's
// flag 1 and a reason, or a stub's error code (StubCode, first byte).
type StatusError struct {
	Op       rom.Op
	Reason   rom.Reason
	StubCode byte
}

func (e *StatusError) Error() string {
	if e.StubCode != 0 {
		return fmt.Sprintf("%s failed: %s (0x%02X)", e.Op, stubCodeString(e.StubCode), e.StubCode)
	}
	return fmt.Sprintf("%s failed: %s (0x%02X)", e.Op, e.Reason, uint8(e.Reason))
}

// statusError reads a reply's status bytes after payloadLen bytes: nil
// when they say OK. The ESP8266 ROM fails with flag 1 and a reason; a stub
// puts its own code (0x32.., 0xC0..) in the first byte.
func statusError(op rom.Op, r rom.Response, payloadLen int) error {
	flag, reason := r.Status(payloadLen)
	switch flag {
	case 0:
		return nil
	case 1:
		return &StatusError{Op: op, Reason: rom.Reason(reason)}
	}
	return &StatusError{Op: op, StubCode: flag}
}

// command sends one request and waits for the reply with the same opcode.
// Replies to other opcodes are stray (the 7 extra SYNC replies, a late reply
// to a timed-out block) and are skipped, as esptool does, up to 100 of them.
func command(ctx context.Context, c connection, op rom.Op, data []byte, chk uint32, timeout time.Duration) (rom.Response, error) {
	if err := c.send(rom.Request{Op: op, Checksum: chk, Data: data}); err != nil {
		return rom.Response{}, err
	}
	deadline := time.Now().Add(timeout)
	for i := 0; i < 100; i++ {
		r, err := c.recv(ctx, time.Until(deadline))
		if err != nil {
			return rom.Response{}, err
		}
		if r.Op != op {
			continue
		}
		return r, nil
	}
	return rom.Response{}, fmt.Errorf("%s: no matching reply among 100 packets", op)
}

// checked runs command and turns a failure status into *StatusError.
func checked(ctx context.Context, c connection, op rom.Op, data []byte, chk uint32, timeout time.Duration) (rom.Response, error) {
	r, err := command(ctx, c, op, data, chk, timeout)
	if err != nil {
		return r, err
	}
	return r, statusError(op, r, 0)
}

// syncOnce is one esptool sync try: flush, SYNC, first reply within 100 ms,
// then drain the ROM's 7 extra replies so they do not answer later commands.
func syncOnce(ctx context.Context, c connection) (stub bool, err error) {
	if err := c.flushInput(); err != nil {
		return false, err
	}
	r, err := command(ctx, c, rom.OpSync, rom.SyncPayload, 0, syncTimeout)
	if err != nil {
		return false, err
	}
	if flag, reason := r.Status(0); flag != 0 {
		return false, &StatusError{Op: rom.OpSync, Reason: rom.Reason(reason)}
	}
	for i := 0; i < syncExtraReplies; i++ {
		if _, err := c.recv(ctx, syncTimeout); err != nil {
			if errors.Is(err, errTimeout) {
				break
			}
			return false, err
		}
	}
	return r.Value == 0, nil
}

func readReg(ctx context.Context, c connection, addr uint32) (uint32, error) {
	r, err := checked(ctx, c, rom.OpReadReg, rom.Words(addr), 0, defaultTimeout)
	if err != nil {
		return 0, err
	}
	return r.Value, nil
}

func writeReg(ctx context.Context, c connection, addr, value uint32) error {
	_, err := checked(ctx, c, rom.OpWriteReg, rom.Words(addr, value, 0xFFFFFFFF, 0), 0, defaultTimeout)
	return err
}

// eraseTimeout scales with the bytes to erase as esptool's timeout_per_mb:
// 40 s per decimal MB, at least the default, at most the cap.
func eraseTimeout(size uint32) time.Duration {
	t := time.Duration(float64(eraseTimeoutPerMB) * float64(size) / 1e6)
	if t < defaultTimeout {
		t = defaultTimeout
	}
	if t > maxTimeout {
		t = maxTimeout
	}
	return t
}

// flashBegin starts a ROM flash write of size bytes at offset. The ROM
// erases the range before replying, hence the size-scaled timeout.
func flashBegin(ctx context.Context, c connection, size, offset uint32) error {
	blocks := (size + rom.FlashBlockSize - 1) / rom.FlashBlockSize
	data := rom.Words(EraseSize(offset, size), blocks, rom.FlashBlockSize, offset)
	_, err := checked(ctx, c, rom.OpFlashBegin, data, 0, eraseTimeout(size))
	return err
}

func flashData(ctx context.Context, c connection, seq uint32, block []byte, timeout time.Duration) error {
	_, err := checked(ctx, c, rom.OpFlashData, rom.DataBlock(seq, block), rom.Checksum(block), timeout)
	return err
}

// flashEnd leaves flash mode: run=true jumps to the app without a reset
// (FLASH_END(1)), false reboots.
func flashEnd(ctx context.Context, c connection, run bool) error {
	flag := uint32(0)
	if run {
		flag = 1
	}
	_, err := checked(ctx, c, rom.OpFlashEnd, rom.Words(flag), 0, defaultTimeout)
	return err
}
