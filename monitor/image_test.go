package monitor

import "encoding/binary"

// testFlash is a minimal Arduino-layout flash (eboot v1 image at 0x0, sketch
// v1 image at 0x1000) so the simulated board boots into its demo sketch.
func testFlash() []byte {
	img := func(entry uint32, segs ...[2]uint32) []byte {
		b := []byte{0xE9, byte(len(segs)), 0x02, 0x40}
		b = binary.LittleEndian.AppendUint32(b, entry)
		chk := byte(0xEF)
		for _, s := range segs {
			b = binary.LittleEndian.AppendUint32(b, s[0])
			b = binary.LittleEndian.AppendUint32(b, s[1])
			for i := uint32(0); i < s[1]; i++ {
				v := byte(i * 7)
				b = append(b, v)
				chk ^= v
			}
		}
		for len(b)%16 != 15 {
			b = append(b, 0)
		}
		return append(b, chk)
	}
	flash := make([]byte, 0x1000)
	for i := range flash {
		flash[i] = 0xAA
	}
	copy(flash, img(0x4010f000, [2]uint32{0x4010f000, 3424}, [2]uint32{0x3fff20b8, 40}))
	return append(flash, img(0x40100004,
		[2]uint32{0x40201010, 0x2000}, [2]uint32{0x40100000, 0x900}, [2]uint32{0x40100900, 0x20},
		[2]uint32{0x3ffe8000, 0x500}, [2]uint32{0x3ffe8500, 0x300})...)
}
