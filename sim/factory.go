package sim

import "encoding/binary"

// FactoryMarker is a string inside the factory sketch's code, so a firmware
// chooser can tell the factory demo from a real upload.
const FactoryMarker = "blynkbridge-sim factory demo sketch"

// FactoryImage returns what a new simulated D1 mini ships with, as one
// Arduino-layout .bin to place at flash 0x0 (reference 12.2): an
// eboot-shaped v1 image (3424 + 40 bytes at 0x4010F000 / 0x3FFF20B8, as
// core 3.x logs show) padded with 0xAA to 0x1000, then a 5-segment sketch
// image whose first irom0 words hold the image length and its CRC. The
// bytes are synthetic (not Espressif's or the core's code); what the ROM
// and eboot print about them is computed like for any other image.
func FactoryImage() []byte {
	rnd := xorshift(0x8266)
	fill := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rnd())
		}
		return b
	}
	eboot := v1Image(0x4010f004, 0x40, []uint32{0x4010f000, 0x3fff20b8}, [][]byte{fill(3424), fill(40)})
	out := make([]byte, 0x1000)
	for i := range out {
		out[i] = 0xAA
	}
	copy(out, eboot)
	irom := fill(0x3A000)
	copy(irom[8:], FactoryMarker)
	binary.LittleEndian.PutUint64(irom, 0) // __crc_len, __crc_val
	sketch := v1Image(0x4010f6a0, 0x40,
		[]uint32{0x40201010, 0x40100000, 0x40106e00, 0x3ffe8000, 0x3ffe85a0},
		[][]byte{irom, fill(0x6e00), fill(0x4b0), fill(0x5a0), fill(0x11c0)})
	out = append(out, sketch...)
	// elf2bin: the length and a CRC-32/MPEG-2 over the file (with those 8
	// bytes zero) go into the first irom0 words at 0x1010.
	binary.LittleEndian.PutUint32(out[0x1010:], uint32(len(out)))
	crc := crc32MPEG2(out)
	binary.LittleEndian.PutUint32(out[0x1014:], crc)
	return out
}

func v1Image(entry uint32, sizeFreq byte, addrs []uint32, segs [][]byte) []byte {
	b := []byte{imageMagic, byte(len(segs)), 0x02 /* DIO */, sizeFreq}
	b = binary.LittleEndian.AppendUint32(b, entry)
	chk := byte(0xEF)
	for i, s := range segs {
		b = binary.LittleEndian.AppendUint32(b, addrs[i])
		b = binary.LittleEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
		for _, v := range s {
			chk ^= v
		}
	}
	for len(b)%16 != 15 {
		b = append(b, 0)
	}
	return append(b, chk)
}

// crc32MPEG2: poly 0x04C11DB7, init 0xFFFFFFFF, MSB first, no reflection,
// no final XOR (the Arduino core's crc32).
func crc32MPEG2(p []byte) uint32 {
	c := uint32(0xFFFFFFFF)
	for _, v := range p {
		c ^= uint32(v) << 24
		for i := 0; i < 8; i++ {
			if c&0x80000000 != 0 {
				c = c<<1 ^ 0x04C11DB7
			} else {
				c <<= 1
			}
		}
	}
	return c
}

func xorshift(seed uint32) func() uint32 {
	s := seed
	return func() uint32 {
		s ^= s << 13
		s ^= s >> 17
		s ^= s << 5
		return s
	}
}
