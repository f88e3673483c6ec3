package flash

import (
	"bytes"
	"fmt"

	"github.com/blynkbridge/blynkbridge/flash/rom"
)

// Range is a flash address range [Start, End).
type Range struct {
	Start uint32 `json:"start"`
	End   uint32 `json:"end"`
}

// Len is the range's size in bytes.
func (r Range) Len() uint32 { return r.End - r.Start }

// String prints the range inclusively, as esptool users read it: 0x0-0xfffff.
func (r Range) String() string {
	if r.End <= r.Start {
		return fmt.Sprintf("0x%x (empty)", r.Start)
	}
	return fmt.Sprintf("0x%x-0x%x", r.Start, r.End-1)
}

// sizeText renders a byte count in KiB (or bytes when not whole KiB).
func sizeText(n uint32) string {
	if n%1024 == 0 {
		return fmt.Sprintf("%d KiB", n/1024)
	}
	return fmt.Sprintf("%d bytes", n)
}

// backAlign lowers a non-sector-aligned offset to its sector start and
// prepends 0xFF, as esptool does without the stub: FLASH_BEGIN erases whole
// sectors anyway, so those bytes are lost either way.
func backAlign(offset uint32, data []byte) (uint32, []byte) {
	pad := offset % rom.SectorSize
	if pad == 0 {
		return offset, data
	}
	out := make([]byte, int(pad)+len(data))
	for i := range pad {
		out[i] = 0xFF
	}
	copy(out[pad:], data)
	return offset - pad, out
}

// changedRuns returns the image-relative runs of 4 KiB sectors where data
// differs from base (the image known to be on the flash at the same
// offset), adjacent changed sectors merged so each run is one FLASH_BEGIN.
// A nil base means "everything".
func changedRuns(data, base []byte) []Range {
	n := uint32(len(data))
	if base == nil {
		if n == 0 {
			return nil
		}
		return []Range{{0, n}}
	}
	var runs []Range
	for s := uint32(0); s < n; s += rom.SectorSize {
		e := min(s+rom.SectorSize, n)
		same := int(e) <= len(base) && bytes.Equal(data[s:e], base[s:e])
		if same {
			continue
		}
		if len(runs) > 0 && runs[len(runs)-1].End == s {
			runs[len(runs)-1].End = e
			continue
		}
		runs = append(runs, Range{s, e})
	}
	return runs
}

// coverOverErase extends each run whose FLASH_BEGIN would make the ROM
// erase sectors past its end (see overErase) so that those sectors, when
// they belong to the image, are written again instead of left blank. Runs
// that come to overlap are merged. A run that ends the image grows
// backwards instead, by one sector of the image: the ROM then erases
// exactly, and nothing after the image is touched (a changed last sector
// at 0xFF000 of a 1 MiB image is written as 0xFE000-0xFFFFF rather than
// erasing 0x100000 too). off is the image's flash offset.
func coverOverErase(runs []Range, off, n uint32) []Range {
	var out []Range
	for i := 0; i < len(runs); i++ {
		r := runs[i]
		for {
			extra := overErase(off+r.Start, r.Len())
			if extra == 0 {
				break
			}
			if end := min(floorSector(r.End+rom.SectorSize-1)+extra*rom.SectorSize, n); end > r.End {
				r.End = end
				// Swallow following runs that the extension reaches.
				for i+1 < len(runs) && runs[i+1].Start <= r.End {
					r.End = max(r.End, runs[i+1].End)
					i++
				}
				continue
			}
			if r.Start < rom.SectorSize {
				break // the image's first sector: nothing before it to rewrite
			}
			r.Start -= rom.SectorSize
			if len(out) > 0 && out[len(out)-1].End >= r.Start {
				r.Start = out[len(out)-1].Start
				out = out[:len(out)-1]
			}
		}
		out = append(out, r)
	}
	return out
}

// trimRuns drops everything below from (image-relative).
func trimRuns(runs []Range, from uint32) []Range {
	var out []Range
	for _, r := range runs {
		if r.End <= from {
			continue
		}
		if r.Start < from {
			r.Start = from
		}
		out = append(out, r)
	}
	return out
}

func floorSector(x uint32) uint32 { return x / rom.SectorSize * rom.SectorSize }

// FullWriteBytes is the FLASH_DATA payload a write of n bytes at offset
// sends when nothing is skipped and no block is re-sent: the back-aligned
// length (see backAlign) in whole 1 KiB blocks, the last one padded with
// 0xFF. Result.Bytes over it is the fraction of a full flash that a write
// with a base image (--base, --config-only) actually sent.
func FullWriteBytes(offset uint32, n int) int {
	if n <= 0 {
		return 0
	}
	total := int(offset%rom.SectorSize) + n
	return (total + rom.FlashBlockSize - 1) / rom.FlashBlockSize * rom.FlashBlockSize
}
