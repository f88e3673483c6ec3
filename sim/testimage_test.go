package sim

import (
	"encoding/binary"
	"testing"
)

// buildImage makes a v1 image (reference 12.1) from segments.
func buildImage(entry uint32, flashByte3 byte, segs ...testSeg) []byte {
	b := []byte{0xE9, byte(len(segs)), 0x02, flashByte3}
	b = binary.LittleEndian.AppendUint32(b, entry)
	chk := byte(0xEF)
	for _, s := range segs {
		b = binary.LittleEndian.AppendUint32(b, s.addr)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(s.data)))
		b = append(b, s.data...)
		for _, v := range s.data {
			chk ^= v
		}
	}
	for len(b)%16 != 15 {
		b = append(b, 0)
	}
	return append(b, chk)
}

type testSeg struct {
	addr uint32
	data []byte
}

func pattern(n int, seed byte) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i*7) ^ seed
	}
	return p
}

// arduinoFlash is an Arduino-layout flash: eboot (3424 + 40 bytes, as in
// core 3.x) at 0x0, padded with 0xAA, and a 5-segment sketch at 0x1000.
func arduinoFlash(t testing.TB) []byte {
	eboot := buildImage(0x4010f000, 0x40,
		testSeg{0x4010f000, pattern(3424, 1)},
		testSeg{0x3fff20b8, pattern(40, 2)})
	img := make([]byte, 0x1000)
	for i := range img {
		img[i] = 0xAA
	}
	copy(img, eboot)
	irom := pattern(0x8000, 3)
	copy(irom, []byte{0x60, 0xfc, 0x04, 0x00, 0, 0, 0, 0}) // __crc_len, __crc_val
	sketch := buildImage(0x4010f000+0x400, 0x40,
		testSeg{0x40201010, irom},
		testSeg{0x40100000, pattern(0x900, 4)},
		testSeg{0x40100900, pattern(0x20, 5)},
		testSeg{0x3ffe8000, pattern(0x500, 6)},
		testSeg{0x3ffe8500, pattern(0x300, 7)})
	return append(img, sketch...)
}
