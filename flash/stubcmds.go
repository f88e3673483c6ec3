package flash

import (
	"context"
	"crypto/md5"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/blynkbridge/blynkbridge/flash/rom"
)

// Stub-only commands (reference section 3 and 9). The stub takes 16 KiB
// data blocks.
const (
	StubBlockSize   = 0x4000
	readPacketSize  = 0x1000 // READ_FLASH frame size, as esptool
	readMaxUnacked  = 64
	md5BytesPerSec  = 4 << 20 // conservative flash read + MD5 rate of the stub, for timeouts
	eraseChipTimout = 120 * time.Second
)

// md5Timeout scales with the bytes hashed.
func md5Timeout(n uint32) time.Duration {
	return defaultTimeout + time.Duration(float64(n)/md5BytesPerSec*float64(time.Second))
}

func spiAttach(ctx context.Context, c connection) error {
	_, err := checked(ctx, c, rom.OpSPIAttach, rom.Words(0), 0, defaultTimeout)
	return err
}

// spiSetParams tells the stub the flash size (the ROM's routines refuse
// addresses past the size they were told), as esptool does.
func spiSetParams(ctx context.Context, c connection, size uint32) error {
	_, err := checked(ctx, c, rom.OpSPISetParams, rom.Words(0, size, rom.EraseBlockSize, rom.SectorSize, 0x100, 0xFFFF), 0, defaultTimeout)
	return err
}

func changeBaud(ctx context.Context, c connection, newBaud, oldBaud int) error {
	_, err := checked(ctx, c, rom.OpChangeBaud, rom.Words(uint32(newBaud), uint32(oldBaud)), 0, defaultTimeout)
	return err
}

// stubMD5 asks the stub for the MD5 of flash [addr, addr+n).
func stubMD5(ctx context.Context, c connection, addr, n uint32) ([16]byte, error) {
	var sum [16]byte
	r, err := command(ctx, c, rom.OpSPIFlashMD5, rom.Words(addr, n, 0, 0), 0, md5Timeout(n))
	if err != nil {
		return sum, err
	}
	if err := statusError(rom.OpSPIFlashMD5, r, 16); err != nil {
		return sum, err
	}
	if len(r.Data) < 16 {
		return sum, fmt.Errorf("SPI_FLASH_MD5: reply of %d bytes, want 16 + status", len(r.Data))
	}
	copy(sum[:], r.Data)
	return sum, nil
}

// stubMD5s hashes several ranges with the requests pipelined: all are sent
// before the first reply is read (the stub queues them in its receive
// ring), so a round trip is paid once per batch, not per range.
func stubMD5s(ctx context.Context, c connection, rs []Range) ([][16]byte, error) {
	const batch = 16 // 16 x 26 bytes, far below the stub's ring
	out := make([][16]byte, 0, len(rs))
	for len(rs) > 0 {
		b := rs[:min(batch, len(rs))]
		rs = rs[len(b):]
		var total uint32
		for _, r := range b {
			if err := c.send(rom.Request{Op: rom.OpSPIFlashMD5, Data: rom.Words(r.Start, r.Len(), 0, 0)}); err != nil {
				return nil, err
			}
			total += r.Len()
		}
		deadline := time.Now().Add(md5Timeout(total))
		for range b {
			var resp rom.Response
			for {
				r, err := c.recv(ctx, time.Until(deadline))
				if err != nil {
					return nil, err
				}
				if r.Op == rom.OpSPIFlashMD5 {
					resp = r
					break
				}
			}
			if err := statusError(rom.OpSPIFlashMD5, resp, 16); err != nil {
				return nil, err
			}
			if len(resp.Data) < 16 {
				return nil, fmt.Errorf("SPI_FLASH_MD5: reply of %d bytes, want 16 + status", len(resp.Data))
			}
			var s [16]byte
			copy(s[:], resp.Data)
			out = append(out, s)
		}
	}
	return out, nil
}

func eraseFlash(ctx context.Context, c connection) error {
	_, err := checked(ctx, c, rom.OpEraseFlash, nil, 0, eraseChipTimout)
	return err
}

func eraseRegion(ctx context.Context, c connection, r Range) error {
	_, err := checked(ctx, c, rom.OpEraseRegion, rom.Words(r.Start, r.Len()), 0, eraseTimeout(r.Len()))
	return err
}

// deflBegin starts a compressed write: size is the uncompressed length.
func deflBegin(ctx context.Context, c connection, size, blocks, offset uint32) error {
	_, err := checked(ctx, c, rom.OpFlashDeflBegin, rom.Words(size, blocks, StubBlockSize, offset), 0, defaultTimeout)
	return err
}

func deflData(ctx context.Context, c connection, seq uint32, block []byte, timeout time.Duration) error {
	_, err := checked(ctx, c, rom.OpFlashDeflData, rom.DataBlock(seq, block), rom.Checksum(block), timeout)
	return err
}

// deflEnd ends a compressed write and collects errors of the writes the
// stub did after acknowledging their blocks. stay keeps the stub running.
func deflEnd(ctx context.Context, c connection, stay bool, timeout time.Duration) error {
	flag := uint32(0)
	if stay {
		flag = 1
	}
	_, err := checked(ctx, c, rom.OpFlashDeflEnd, rom.Words(flag), 0, timeout)
	return err
}

// readFlash reads [r.Start, r.End) through the stub's READ_FLASH stream:
// frames of readPacketSize bytes, each acknowledged with the running
// total, then the MD5 of the whole range, checked here.
func readFlash(ctx context.Context, c connection, r Range, progress func(done, total int)) ([]byte, error) {
	if _, err := checked(ctx, c, rom.OpReadFlash, rom.Words(r.Start, r.Len(), readPacketSize, readMaxUnacked), 0, defaultTimeout); err != nil {
		return nil, err
	}
	out := make([]byte, 0, r.Len())
	ack := make([]byte, 4)
	for uint32(len(out)) < r.Len() {
		f, err := c.recvRaw(ctx, defaultTimeout)
		if err != nil {
			return out, fmt.Errorf("READ_FLASH at 0x%x: %w", r.Start+uint32(len(out)), err)
		}
		want := min(uint32(readPacketSize), r.Len()-uint32(len(out)))
		if uint32(len(f)) != want {
			return out, fmt.Errorf("READ_FLASH at 0x%x: frame of %d bytes, want %d", r.Start+uint32(len(out)), len(f), want)
		}
		out = append(out, f...)
		binary.LittleEndian.PutUint32(ack, uint32(len(out)))
		if err := c.sendRaw(ack); err != nil {
			return out, err
		}
		progress(len(out), int(r.Len()))
	}
	f, err := c.recvRaw(ctx, defaultTimeout)
	if err != nil {
		return out, fmt.Errorf("READ_FLASH: waiting for the MD5: %w", err)
	}
	if sum := md5.Sum(out); len(f) != 16 || string(f) != string(sum[:]) {
		return out, fmt.Errorf("READ_FLASH: the data's MD5 %x does not match the stub's %x", sum, f)
	}
	return out, nil
}

func runUserCode(c connection) error {
	return c.send(rom.Request{Op: rom.OpRunUserCode})
}
