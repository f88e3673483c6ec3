package firmware

import "hash/crc32"

// crcMPEG2Table is the MSB-first table for polynomial 0x04C11DB7. Go's
// hash/crc32 only does the reflected (LSB-first) form, which gives a
// different result, so the Arduino CRC is hand-rolled (reference 12.2).
var crcMPEG2Table = func() (t [256]uint32) {
	for i := range t {
		c := uint32(i) << 24
		for k := 0; k < 8; k++ {
			if c&0x80000000 != 0 {
				c = c<<1 ^ 0x04C11DB7
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}()

// CRC32MPEG2 is CRC-32/MPEG-2: poly 0x04C11DB7, init 0xFFFFFFFF, MSB-first,
// no reflection, no final XOR. It is what elf2bin.py stores at 0x1014, what
// ESP.checkFlashCRC() recomputes, and what seals the config block.
// CRC32MPEG2([]byte("123456789")) == 0x0376E6E7.
func CRC32MPEG2(data []byte) uint32 { return crcMPEG2Update(0xFFFFFFFF, data) }

func crcMPEG2Update(c uint32, data []byte) uint32 {
	for _, b := range data {
		c = c<<8 ^ crcMPEG2Table[byte(c>>24)^b]
	}
	return c
}

// v2CRC is the ESP8266 v2 image CRC (reference 12.3): IEEE CRC-32, stored
// inverted if bit 31 is set, else plus one.
func v2CRC(data []byte) uint32 {
	c := crc32.ChecksumIEEE(data)
	if c&0x80000000 != 0 {
		return c ^ 0xFFFFFFFF
	}
	return c + 1
}

// xorChecksum is the v1 checksum of some segment data.
func xorChecksum(seed byte, data []byte) byte {
	for _, b := range data {
		seed ^= b
	}
	return seed
}
