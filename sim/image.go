package sim

import "encoding/binary"

// v1 image parsing, just enough for the boot path (reference 12.1). The
// firmware package owns the full parser; the sim keeps its own tiny one so
// it depends on nothing that is being written concurrently and so it can
// mirror the ROM's own (lax) view of the bytes.

const imageMagic = 0xE9

type segment struct {
	addr   uint32
	length uint32 // as stored; may be absurd on a corrupt image
	offset int    // flash offset of the data
}

type image struct {
	magic    byte
	entry    uint32
	segs     []segment
	checksum byte // XOR of all segment data, seeded 0xEF
	stored   byte // checksum byte stored after the segments
	bad      int  // index of the first segment that runs off the flash, or -1
}

// parseImage reads the image header at base in flash the way a loader
// walks it: header, then segment headers and data in sequence.
func parseImage(flash []byte, base int) image {
	im := image{bad: -1}
	if base+8 > len(flash) {
		return im
	}
	im.magic = flash[base]
	n := int(flash[base+1])
	im.entry = binary.LittleEndian.Uint32(flash[base+4:])
	if im.magic != imageMagic {
		return im
	}
	off := base + 8
	chk := byte(0xEF)
	for i := 0; i < n; i++ {
		if off+8 > len(flash) {
			im.bad = i
			return im
		}
		s := segment{
			addr:   binary.LittleEndian.Uint32(flash[off:]),
			length: binary.LittleEndian.Uint32(flash[off+4:]),
			offset: off + 8,
		}
		im.segs = append(im.segs, s)
		if s.length > 0x100000 || s.offset+int(s.length) > len(flash) {
			im.bad = i
			return im
		}
		for _, v := range flash[s.offset : s.offset+int(s.length)] {
			chk ^= v
		}
		off = s.offset + int(s.length)
	}
	im.checksum = chk
	// Zero padding until the length is 15 mod 16, then the checksum byte.
	csumAt := off + (15-(off-base)%16+16)%16
	if csumAt < len(flash) {
		im.stored = flash[csumAt]
	}
	return im
}

// isEboot says whether the image at 0x0 is the Arduino core's eboot: its
// code is loaded at 0x4010F000 (reference 12.2).
func (im image) isEboot() bool {
	for _, s := range im.segs {
		if s.addr>>12 == 0x4010F {
			return true
		}
	}
	return false
}
