package sim

import (
	"encoding/binary"
	"math/rand/v2"
)

// SketchImage returns n bytes that compress like a real Arduino ESP8266
// sketch image (zlib level 9 to 0.55-0.70 of the input; measured by
// TestSketchImageCompressesLikeASketch), for flash benchmarks and tests
// where random bytes (incompressible) or zeros (all compressible) would
// make a compressing flasher look wrong. It is a v1 image header followed
// by a deterministic mix, in 1-4 KiB stretches, of:
//   - code: instruction sequences (3 to 18 bytes) drawn with a skewed
//     (Zipf) distribution from 1024 idioms, each followed by a 3-byte
//     instruction seen nowhere else, as compiled code repeats a few idioms
//     with varying operands;
//   - rodata: strings made of common words, and 32-bit pointers into
//     IRAM/DRAM/flash;
//   - tables: uniformly random bytes (CRC and crypto tables, calibration).
func SketchImage(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 0x5EED))
	z := rand.NewZipf(r, 1.05, 4, 1023)
	idioms := make([][]byte, 1024)
	for i := range idioms {
		idioms[i] = make([]byte, 3*(1+r.IntN(6)))
		for j := range idioms[i] {
			idioms[i][j] = byte(r.Uint32())
		}
	}
	words := []string{"WiFi", "connect", "Blynk", "server", "token", "error", "ready", "timeout", "http", "value",
		"sensor", "config", "update", "the", "failed", "to", "read", "write", "%d", "%s", "\n", ": ", "ms", "OK"}
	b := make([]byte, 0, n+64)
	b = append(b, 0xE9, 5, 0x02, 0x40, 0x10, 0x10, 0x20, 0x40) // v1 header, 5 segments (Arduino sketch at 0x1000)
	for len(b) < n {
		stretch := 1024 + r.IntN(3072)
		end := min(len(b)+stretch, n)
		switch k := r.IntN(100); {
		case k < 66: // code
			for len(b) < end {
				b = append(b, idioms[z.Uint64()]...)
				// then an instruction no idiom has (operands vary)
				b = append(b, byte(r.Uint32()), byte(r.Uint32()), byte(r.Uint32()))
			}
		case k < 82: // rodata: strings and pointers
			for len(b) < end {
				if r.IntN(3) == 0 {
					base := []uint32{0x40100000, 0x3FFE8000, 0x40201000}[r.IntN(3)]
					b = binary.LittleEndian.AppendUint32(b, base+uint32(r.IntN(0x20000))&^3)
					continue
				}
				for w := 1 + r.IntN(6); w > 0; w-- {
					b = append(b, words[r.IntN(len(words))]...)
					b = append(b, ' ')
				}
				b = append(b, 0)
			}
		default: // tables
			for len(b) < end {
				b = append(b, byte(r.Uint32()))
			}
		}
	}
	return b[:n]
}
