package firmware

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// refCRC is an independent bitwise CRC-32/MPEG-2, written the way
// elf2bin.py's crc8266() walks bits, to check the table-driven one.
func refCRC(data []byte) uint32 {
	crc := uint32(0xFFFFFFFF)
	for _, b := range data {
		for mask := byte(0x80); mask != 0; mask >>= 1 {
			bit := crc&0x80000000 != 0
			if b&mask != 0 {
				bit = !bit
			}
			crc <<= 1
			if bit {
				crc ^= 0x04C11DB7
			}
		}
	}
	return crc
}

// refArduinoCRC zeroes the CRC words in a copy and CRCs the whole file.
func refArduinoCRC(file []byte) uint32 {
	c := append([]byte(nil), file...)
	for i := 0x1010; i < 0x1018; i++ {
		c[i] = 0
	}
	return refCRC(c)
}

type seg struct {
	addr uint32
	data []byte
}

// makeV1 builds an ESP8266 v1 image independently of the package: header,
// segments, zero padding to 15 mod 16, XOR checksum.
func makeV1(entry uint32, segs ...seg) []byte {
	out := []byte{0xE9, byte(len(segs)), 2, 0x40, 0, 0, 0, 0}
	binary.LittleEndian.PutUint32(out[4:], entry)
	sum := byte(0xEF)
	for _, s := range segs {
		var h [8]byte
		binary.LittleEndian.PutUint32(h[:], s.addr)
		binary.LittleEndian.PutUint32(h[4:], uint32(len(s.data)))
		out = append(out, h[:]...)
		out = append(out, s.data...)
		for _, b := range s.data {
			sum ^= b
		}
	}
	for len(out)%16 != 15 {
		out = append(out, 0)
	}
	return append(out, sum)
}

// sampleBlock is a sealed version-1 block with a known token.
func sampleBlock() []byte {
	return EncodeConfig(&Config{Host: "blynk.example.com", Port: 9443, TLS: TLSNone})
}

// sketchWithBlock makes a plain v1 sketch image whose irom0 segment holds
// the block at irom data offset blockAt, padded to iromLen bytes.
func sketchWithBlock(blockAt, iromLen int, blocks ...[]byte) []byte {
	irom := make([]byte, iromLen)
	for i := 8; i < len(irom); i++ {
		irom[i] = byte(i * 7)
	}
	at := blockAt
	for _, b := range blocks {
		copy(irom[at:], b)
		at += len(b) + 64
	}
	return makeV1(0x40100004,
		seg{0x40201010, irom},
		seg{0x40100000, []byte{1, 2, 3, 4, 5, 6, 7, 8}},
		seg{0x3FFE8000, []byte("data")})
}

// arduinoWith wraps a sketch image into the Arduino layout with a fake
// eboot and fills the CRC words the way elf2bin does (independently).
func arduinoWith(sketch []byte) []byte {
	eb := makeV1(0x4010F000, seg{0x4010F000, []byte{0x12, 0x34, 0x56, 0x78}}, seg{0x3FFF20B8, []byte("eboot!!!")})
	out := append([]byte(nil), eb...)
	for len(out) < 0x1000 {
		out = append(out, 0xAA)
	}
	out = append(out, sketch...)
	crc := refArduinoCRC(out)
	binary.LittleEndian.PutUint32(out[0x1010:], uint32(len(out)))
	binary.LittleEndian.PutUint32(out[0x1014:], crc)
	return out
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func ptr[T any](v T) *T { return &v }
