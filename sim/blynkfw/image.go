package blynkfw

import (
	"bytes"
	"encoding/binary"
)

// BootImage is the smallest ESP8266 v1 image the simulated ROM starts (one
// 64-byte segment, correct checksum). A blank simulated flash halts in the
// ROM, so `sim --firmware …` without a flashed image needs something at 0x0
// for the board to reach the sketch; what the image "contains" does not
// matter, the Firmware runs.
func BootImage() []byte {
	data := bytes.Repeat([]byte{0x55}, 64)
	b := []byte{0xE9, 1, 0x02, 0x40} // magic, 1 segment, DIO, 4 MB / 40 MHz
	b = binary.LittleEndian.AppendUint32(b, 0x40100000)
	b = binary.LittleEndian.AppendUint32(b, 0x40100000)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(data)))
	b = append(b, data...)
	chk := byte(0xEF)
	for _, v := range data {
		chk ^= v
	}
	for len(b)%16 != 15 {
		b = append(b, 0)
	}
	return append(b, chk)
}

// Blank reports whether flash holds no image at 0x0 (erased or empty).
func Blank(flash []byte) bool { return len(flash) == 0 || flash[0] != 0xE9 }
