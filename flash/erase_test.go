package flash

import (
	"testing"

	"github.com/blynkbridge/blynkbridge/flash/rom"
)

// The worked values of reference section 7 (esptool's get_erase_size).
func TestEraseSizeWorkedValues(t *testing.T) {
	const sec = rom.SectorSize
	for _, tc := range []struct {
		name          string
		offset, size  uint32
		want          uint32
		romErasesSecs uint32
	}{
		{"1 MiB at 0", 0, 1 << 20, 0xF0000, 256},
		{"10 sectors at 0x8000", 0x8000, 10 * sec, 5 * sec, 10},
		{"20 sectors at 0x8000", 0x8000, 20 * sec, 12 * sec, 20},
		{"3 sectors at 0 (odd inside a block)", 0, 3 * sec, 2 * sec, 4},
		{"size 0 is the SPI attach", 0, 0, 0, 0},
		{"1 byte", 0x1000, 1, sec, 2},
		{"whole 4 MiB", 0, 4 << 20, (1024 - 16) * sec, 1024},
		{"64 KiB at 0x10000", 0x10000, 0x10000, 8 * sec, 16},
		{"17 sectors at 0xF000", 0xF000, 17 * sec, 16 * sec, 17},
	} {
		got := EraseSize(tc.offset, tc.size)
		if got != tc.want {
			t.Errorf("%s: EraseSize = 0x%X, want 0x%X", tc.name, got, tc.want)
		}
		if e := romErasedSectors(tc.offset, got); e != tc.romErasesSecs {
			t.Errorf("%s: ROM erases %d sectors, want %d", tc.name, e, tc.romErasesSecs)
		}
	}
}

// Every request, at every sector offset in a block, makes the buggy ROM
// erase all sectors it needs and at most one more (the odd-count case).
func TestEraseSizeCoversExactly(t *testing.T) {
	for s := uint32(0); s < 48; s++ {
		for n := uint32(1); n <= 80; n++ {
			off, size := s*rom.SectorSize, n*rom.SectorSize
			e := romErasedSectors(off, EraseSize(off, size))
			if e < n || e > n+1 {
				t.Fatalf("start sector %d, %d sectors: ROM erases %d", s, n, e)
			}
			if e == n+1 && overErase(off, size) != 1 {
				t.Fatalf("overErase disagrees at %d/%d", s, n)
			}
			// Exact is impossible only for an odd count below twice the
			// sectors left in the first 64 KiB block (R+min(R,head) is
			// even for R <= head, and at least 2*head+1 otherwise).
			head := 16 - s%16
			if e == n+1 && !(n%2 == 1 && n < 2*head) {
				t.Fatalf("unexpected over-erase at start %d, n %d", s, n)
			}
		}
	}
}
