package sim

import (
	"bytes"
	"compress/zlib"
	"crypto/md5"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/flash/rom"
)

func downloadHost(t *testing.T, opts Options) (*Board, *host) {
	t.Helper()
	opts.Boot = BootDownload
	b := newBoard(t, opts)
	p := b.HostPort()
	waitState(t, b, Download)
	h := &host{t: t, p: p}
	h.sync()
	return b, h
}

// esptoolEraseSize is esptool's ESP8266ROM.get_erase_size (reference 7).
func esptoolEraseSize(offset, size uint32) uint32 {
	const sectorsPerBlock = 16
	n := (size + SectorSize - 1) / SectorSize
	start := offset / SectorSize
	head := sectorsPerBlock - start%sectorsPerBlock
	if n < head {
		head = n
	}
	if n < 2*head {
		return (n + 1) / 2 * SectorSize
	}
	return (n - head) * SectorSize
}

func TestROMEraseRangeWorkedValues(t *testing.T) {
	// Reference 7: what esptool sends, and what the ROM then erases.
	for _, c := range []struct{ offset, size, send, erased uint32 }{
		{0, 1 << 20, 0xF0000, 256},
		{0x8000, 10 * SectorSize, 5 * SectorSize, 10},
		{0x8000, 20 * SectorSize, 12 * SectorSize, 20},
		{0, 3 * SectorSize, 2 * SectorSize, 4},
	} {
		send := esptoolEraseSize(c.offset, c.size)
		if send != c.send {
			t.Errorf("esptool size for %d@0x%x = 0x%x, want 0x%x", c.size, c.offset, send, c.send)
		}
		_, n := ROMEraseRange(c.offset, send)
		if uint32(n) != c.erased {
			t.Errorf("ROM erases %d sectors for 0x%x@0x%x, want %d", n, send, c.offset, c.erased)
		}
	}
}

// writeFlash runs FLASH_BEGIN(eraseSize)+FLASH_DATA blocks like esptool
// --no-stub, and returns the status of each reply.
func writeFlash(t *testing.T, h *host, offset, eraseSize uint32, data []byte) {
	t.Helper()
	blocks := (len(data) + rom.FlashBlockSize - 1) / rom.FlashBlockSize
	okStatus(t, h.cmd(rom.OpFlashBegin, rom.Words(eraseSize, uint32(blocks), rom.FlashBlockSize, offset), 0))
	for i := 0; i < blocks; i++ {
		blk := bytes.Repeat([]byte{0xFF}, rom.FlashBlockSize)
		copy(blk, data[i*rom.FlashBlockSize:])
		okStatus(t, h.cmd(rom.OpFlashData, rom.DataBlock(uint32(i), blk), rom.Checksum(blk)))
	}
}

func TestFlashBeginEraseBug(t *testing.T) {
	// Flash full of a pattern; write 10 sectors at 0x8000.
	init := bytes.Repeat([]byte{0x5A}, 0x40000)
	data := pattern(10*SectorSize, 9)

	t.Run("naive size erases twice as much", func(t *testing.T) {
		b, h := downloadHost(t, Options{Flash: init})
		writeFlash(t, h, 0x8000, uint32(len(data)), data)
		f := b.FlashContents()
		if !bytes.Equal(f[0x8000:0x8000+len(data)], data) {
			t.Fatal("written data wrong")
		}
		// The ROM erased 10+8 sectors: 0x12000..0x1A000 is now blank,
		// data beyond the written range destroyed, as on the chip.
		if !bytes.Equal(f[0x12000:0x1A000], bytes.Repeat([]byte{0xFF}, 0x8000)) {
			t.Fatal("over-erase not reproduced")
		}
		if f[0x1A000] != 0x5A || f[0x7FFF] != 0x5A {
			t.Fatal("erased outside the ROM's range")
		}
	})
	t.Run("esptool's corrected size", func(t *testing.T) {
		b, h := downloadHost(t, Options{Flash: init})
		writeFlash(t, h, 0x8000, esptoolEraseSize(0x8000, uint32(len(data))), data)
		f := b.FlashContents()
		if !bytes.Equal(f[0x8000:0x8000+len(data)], data) {
			t.Fatal("written data wrong")
		}
		if f[0x12000] != 0x5A || f[0x7FFF] != 0x5A {
			t.Fatal("data outside the written range was destroyed")
		}
	})
	t.Run("under-erase shows as a write error", func(t *testing.T) {
		// esp-serial-flasher's rule under-erases 20 sectors at 0x8000 when
		// it halves: 10 requested -> ROM erases 10+8 = 18 < 20.
		_, h := downloadHost(t, Options{Flash: init})
		blocks := uint32(20 * 4)
		okStatus(t, h.cmd(rom.OpFlashBegin, rom.Words(10*SectorSize, blocks, rom.FlashBlockSize, 0x8000), 0))
		var last rom.Response
		for i := uint32(0); i < blocks; i++ {
			blk := make([]byte, rom.FlashBlockSize) // zeros AND fine; use 0xA5
			for j := range blk {
				blk[j] = 0xA5
			}
			last = h.cmd(rom.OpFlashData, rom.DataBlock(i, blk), rom.Checksum(blk))
			if last.Data[0] != 0 {
				break
			}
		}
		if !bytes.Equal(last.Data, []byte{1, byte(rom.ReasonFlashWrite)}) {
			t.Fatalf("status %x, want 01 08", last.Data)
		}
	})
}

func TestLoaderErrors(t *testing.T) {
	_, h := downloadHost(t, Options{})
	// Unknown opcode (GET_SECURITY_INFO): echo + [01 05].
	r := h.cmd(rom.OpGetSecInfo, nil, 0)
	if !bytes.Equal(r.Data, []byte{1, 5}) {
		t.Fatalf("unknown op status %x", r.Data)
	}
	// FLASH_DATA before FLASH_BEGIN.
	blk := make([]byte, rom.FlashBlockSize)
	if r := h.cmd(rom.OpFlashData, rom.DataBlock(0, blk), rom.Checksum(blk)); r.Data[0] != 1 {
		t.Fatalf("data without begin: %x", r.Data)
	}
	okStatus(t, h.cmd(rom.OpFlashBegin, rom.Words(0x2000, 2, rom.FlashBlockSize, 0), 0))
	// Bad checksum.
	if r := h.cmd(rom.OpFlashData, rom.DataBlock(0, blk), rom.Checksum(blk)^1); !bytes.Equal(r.Data, []byte{1, 7}) {
		t.Fatalf("checksum status %x, want 01 07", r.Data)
	}
	// len word disagreeing with the payload.
	d := rom.DataBlock(0, blk)
	d[0] = 0xFF
	if r := h.cmd(rom.OpFlashData, d, rom.Checksum(blk)); !bytes.Equal(r.Data, []byte{1, 5}) {
		t.Fatalf("len status %x", r.Data)
	}
	// Wrong sequence.
	if r := h.cmd(rom.OpFlashData, rom.DataBlock(1, blk), rom.Checksum(blk)); r.Data[0] != 1 {
		t.Fatalf("seq status %x", r.Data)
	}
	okStatus(t, h.cmd(rom.OpFlashData, rom.DataBlock(0, blk), rom.Checksum(blk)))
	// A retry of the same block is accepted.
	okStatus(t, h.cmd(rom.OpFlashData, rom.DataBlock(0, blk), rom.Checksum(blk)))
	// WRITE_REG then READ_REG: masked write.
	okStatus(t, h.cmd(rom.OpWriteReg, rom.Words(0x60000300, 0xFFFF, 0x0F0F, 0), 0))
	if v := h.readReg(0x60000300); v != 0x0F0F {
		t.Fatalf("masked write: 0x%x", v)
	}
	// SLIP junk and an invalid escape are dropped; the loader still answers.
	h.p.Write([]byte{0x12, 0x34, 0xC0, 0x00, 0xDB, 0x01, 0xC0})
	h.sync()
}

func TestSPIFlashID(t *testing.T) {
	_, h := downloadHost(t, Options{})
	// esptool's run_spiflash_command for RDID (24 bits in).
	okStatus(t, h.cmd(rom.OpWriteReg, rom.Words(rom.RegSPIUser1, (24-1)<<8, 0xFFFFFFFF, 0), 0))
	okStatus(t, h.cmd(rom.OpWriteReg, rom.Words(rom.RegSPIUser, 1<<31|1<<28, 0xFFFFFFFF, 0), 0))
	okStatus(t, h.cmd(rom.OpWriteReg, rom.Words(rom.RegSPIUser2, 7<<28|0x9F, 0xFFFFFFFF, 0), 0))
	okStatus(t, h.cmd(rom.OpWriteReg, rom.Words(rom.RegSPIW0, 0, 0xFFFFFFFF, 0), 0))
	okStatus(t, h.cmd(rom.OpWriteReg, rom.Words(rom.RegSPICmd, rom.SPICmdUsr, 0xFFFFFFFF, 0), 0))
	if v := h.readReg(rom.RegSPICmd); v&rom.SPICmdUsr != 0 {
		t.Fatal("USR bit not cleared")
	}
	if v := h.readReg(rom.RegSPIW0); v != 0x1640EF {
		t.Fatalf("RDID 0x%08x", v)
	}
}

func TestFlashEndRunAndReboot(t *testing.T) {
	b, h := downloadHost(t, Options{Flash: arduinoFlash(t)})
	okStatus(t, h.cmd(rom.OpFlashBegin, rom.Words(0, 0, rom.FlashBlockSize, 0), 0))
	okStatus(t, h.cmd(rom.OpFlashEnd, rom.Words(1), 0))
	waitState(t, b, Running)
	// FLASH_END(1) keeps the download strap latched: ESP.restart re-enters
	// the loader.
	b.Crash(RestartSoftware)
	waitState(t, b, Download)
	h.p.SetBaud(115200)
	h.q = nil
	h.sync()
	okStatus(t, h.cmd(rom.OpFlashEnd, rom.Words(0), 0))
	waitState(t, b, Download)
}

func TestStubUploadAndCompressedWrite(t *testing.T) {
	b, h := downloadHost(t, Options{})
	text := pattern(8276, 1)
	okStatus(t, h.cmd(rom.OpMemBegin, rom.Words(uint32(len(text)), 2, rom.RAMBlockSize, 0x4010D000), 0))
	for i := 0; i*rom.RAMBlockSize < len(text); i++ {
		blk := text[i*rom.RAMBlockSize : min((i+1)*rom.RAMBlockSize, len(text))]
		okStatus(t, h.cmd(rom.OpMemData, rom.DataBlock(uint32(i), blk), rom.Checksum(blk)))
	}
	okStatus(t, h.cmd(rom.OpMemEnd, rom.Words(0, 0x4010D004), 0))
	if f := h.frame(time.Second); string(f) != "OHAI" {
		t.Fatalf("greeting %q", f)
	}
	// Stub SYNC: 8 replies with value 0.
	h.send(rom.OpSync, rom.SyncPayload, 0)
	for i := 0; i < 8; i++ {
		if r := h.resp(time.Second); r.Value != 0 {
			t.Fatal("stub sync value")
		}
	}
	okStatus(t, h.cmd(rom.OpSPISetParams, rom.Words(0, FlashSize, 0x10000, 0x1000, 0x100, 0xFFFF), 0))
	// Compressed write of 100 KiB at 0x10000 in 16 KiB slices.
	data := pattern(100<<10, 5)
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	zw.Write(data)
	zw.Close()
	comp := z.Bytes()
	blocks := (len(comp) + 0x3FFF) / 0x4000
	okStatus(t, h.cmd(rom.OpFlashDeflBegin, rom.Words(uint32(len(data)), uint32(blocks), 0x4000, 0x10000), 0))
	for i := 0; i < blocks; i++ {
		blk := comp[i*0x4000 : min((i+1)*0x4000, len(comp))]
		okStatus(t, h.cmd(rom.OpFlashDeflData, rom.DataBlock(uint32(i), blk), rom.Checksum(blk)))
	}
	r := h.cmd(rom.OpSPIFlashMD5, rom.Words(0x10000, uint32(len(data)), 0, 0), 0)
	sum := md5.Sum(data)
	if !bytes.Equal(r.Data[:16], sum[:]) {
		t.Fatal("MD5 mismatch")
	}
	okStatus(t, h.cmd(rom.OpFlashDeflEnd, rom.Words(1), 0))
	if !bytes.Equal(b.FlashContents()[0x10000:0x10000+len(data)], data) {
		t.Fatal("flash content")
	}
	// READ_FLASH: reply, frames, MD5.
	okStatus(t, h.cmd(rom.OpReadFlash, rom.Words(0x10000, 0x2800, 0x1000, 64), 0))
	var got []byte
	for len(got) < 0x2800 {
		got = append(got, h.frame(time.Second)...)
	}
	if !bytes.Equal(got, data[:0x2800]) {
		t.Fatal("read flash data")
	}
	if s := md5.Sum(got); !bytes.Equal(h.frame(time.Second), s[:]) {
		t.Fatal("read flash md5")
	}
}

func TestStubChangeBaud(t *testing.T) {
	_, h := downloadHost(t, Options{})
	okStatus(t, h.cmd(rom.OpMemBegin, rom.Words(4, 1, rom.RAMBlockSize, 0x4010D000), 0))
	okStatus(t, h.cmd(rom.OpMemData, rom.DataBlock(0, []byte{1, 2, 3, 4}), rom.Checksum([]byte{1, 2, 3, 4})))
	okStatus(t, h.cmd(rom.OpMemEnd, rom.Words(0, 0x4010D004), 0))
	if f := h.frame(time.Second); string(f) != "OHAI" {
		t.Fatalf("greeting %q", f)
	}
	// Reply at the old rate, then the stub's UART runs at the new one.
	okStatus(t, h.cmd(rom.OpChangeBaud, rom.Words(921600, 115200), 0))
	h.p.SetBaud(921600)
	// The stub switches its UART after its reply has gone out; a host must
	// let it settle before the next command, as the flasher (and esptool)
	// do. Without the wait, a command can meet the old rate: a CI flake.
	time.Sleep(50 * time.Millisecond)
	if v := h.readReg(rom.ChipMagicReg); v != rom.ESP8266Magic {
		t.Fatal("after baud change")
	}
	// A host that stays at the old rate is not understood any more.
	h.p.SetBaud(115200)
	h.send(rom.OpReadReg, rom.Words(rom.ChipMagicReg), 0)
	if got := readFor(h.p, 50*time.Millisecond); bytes.Contains(got, []byte{0x01, 0x0A, 0x02, 0x00, 0x01, 0xC1, 0xF0, 0xFF}) {
		t.Fatal("stub understood a host at the wrong rate")
	}
}
