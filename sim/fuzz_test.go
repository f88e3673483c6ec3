package sim

import (
	"bytes"
	"compress/zlib"
	"context"
	"testing"

	"github.com/blynkbridge/blynkbridge/flash/rom"
)

func frameOf(op rom.Op, data []byte, chk uint32) []byte {
	return rom.Encode(rom.Request{Op: op, Data: data, Checksum: chk}.Marshal())
}

// FuzzLoader throws SLIP-framed (and unframed) bytes at the ROM loader and
// the stub it can turn into: it must never panic, and every ROM reply must
// be a well-formed response echoing the opcode with 2 status bytes.
func FuzzLoader(f *testing.F) {
	blk := pattern(rom.FlashBlockSize, 3)
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(pattern(5000, 1))
	zw.Close()
	seeds := [][]byte{
		frameOf(rom.OpSync, rom.SyncPayload, 0),
		frameOf(rom.OpReadReg, rom.Words(rom.ChipMagicReg), 0),
		frameOf(rom.OpWriteReg, rom.Words(rom.RegSPICmd, rom.SPICmdUsr, 0xFFFFFFFF, 0), 0),
		append(frameOf(rom.OpFlashBegin, rom.Words(0x2000, 2, 0x400, 0x1000), 0),
			frameOf(rom.OpFlashData, rom.DataBlock(0, blk), rom.Checksum(blk))...),
		frameOf(rom.OpFlashEnd, rom.Words(1), 0),
		append(append(frameOf(rom.OpMemBegin, rom.Words(4, 1, 0x1800, 0x4010D000), 0),
			frameOf(rom.OpMemData, rom.DataBlock(0, []byte{1, 2, 3, 4}), rom.Checksum([]byte{1, 2, 3, 4}))...),
			append(frameOf(rom.OpMemEnd, rom.Words(0, 0x4010D004), 0),
				append(frameOf(rom.OpFlashDeflBegin, rom.Words(5000, 1, 0x4000, 0x10000), 0),
					frameOf(rom.OpFlashDeflData, rom.DataBlock(0, z.Bytes()), rom.Checksum(z.Bytes()))...)...)...),
		{0xC0, 0x00, 0xDB, 0x07, 0xC0, 0x41, 0xC0},
		{0xC0, 0x00, 0x0A, 0x04, 0x00},
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		fl, _ := newFlashSize(0x40000, nil, "")
		l := newLoader(fl, newRegFile(efuseFor(DefaultMAC), nil), nil)
		defer l.close()
		var dec rom.Decoder
		for _, ev := range dec.Feed(in) {
			if ev.Frame == nil {
				continue
			}
			inStub := l.stub != nil
			replies, act := l.handle(context.Background(), ev.Frame)
			if !inStub {
				for _, r := range replies {
					resp, err := rom.ParseResponse(r)
					if err != nil {
						t.Fatalf("bad reply %x: %v", r, err)
					}
					if byte(resp.Op) != ev.Frame[1] || len(resp.Data) != 2 {
						t.Fatalf("reply %x to %x", r, ev.Frame)
					}
				}
			}
			if act == actStartStub {
				l.stub = &stub{l: l}
			}
		}
	})
}

// FuzzBootLines feeds arbitrary flash content to the ROM/eboot boot path
// parsers: never a panic, whatever is in flash.
func FuzzBootLines(f *testing.F) {
	f.Add(FactoryImage()[:0x1200])
	f.Add(arduinoFlash(f)[:0x1100])
	f.Add([]byte{0xE9, 0x10, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, in []byte) {
		flash := bytes.Repeat([]byte{0xFF}, 0x3000)
		copy(flash, in)
		lines, im, ok := romLoadLines(flash)
		if ok && im.stored != im.checksum {
			t.Fatal("booted an image with a bad checksum")
		}
		_ = lines
		parseImage(flash, 0x1000)
		crashDump(RestartException, flash, 1)
	})
}

// FuzzResample: any bytes at any pair of rates; equal rates pass through.
func FuzzResample(f *testing.F) {
	f.Add([]byte("ets Jan  8 2013"), uint32(74880), uint32(115200))
	f.Add([]byte{0, 0xFF, 0x55}, uint32(9600), uint32(921600))
	f.Fuzz(func(t *testing.T, in []byte, tx, rx uint32) {
		txb, rxb := int(tx%4_000_000)+300, int(rx%4_000_000)+300
		if len(in) > 4096 {
			in = in[:4096]
		}
		out := Resample(in, txb, rxb)
		if sameRate(txb, rxb) && !bytes.Equal(out, in) {
			t.Fatal("same rate changed the bytes")
		}
		// A receiver can't see more start bits than there are sender bits.
		if len(out) > 10*len(in) {
			t.Fatalf("%d bytes out of %d", len(out), len(in))
		}
	})
}
