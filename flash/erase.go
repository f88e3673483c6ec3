package flash

import "github.com/blynkbridge/blynkbridge/flash/rom"

// EraseSize is the erase_size to send in FLASH_BEGIN so that the ESP8266
// ROM erases exactly the sectors covering [offset, offset+size).
//
// The ROM's SPIEraseArea erases R + min(R, head) sectors for a request of R
// sectors, head being the sectors left to the next 64 KiB boundary (esptool
// issue #33). This is esptool's correction (reference section 7): sending
// size unchanged would wipe up to 64 KiB of whatever follows the image.
func EraseSize(offset, size uint32) uint32 {
	const sectorsPerBlock = rom.EraseBlockSize / rom.SectorSize
	n := (size + rom.SectorSize - 1) / rom.SectorSize
	start := offset / rom.SectorSize
	head := sectorsPerBlock - start%sectorsPerBlock
	if n < head {
		head = n
	}
	if n < 2*head {
		return (n + 1) / 2 * rom.SectorSize
	}
	return (n - head) * rom.SectorSize
}

// romErasedSectors models what the ROM actually erases for a FLASH_BEGIN
// with eraseSize at offset: R + min(R, head) sectors from offset's sector.
func romErasedSectors(offset, eraseSize uint32) uint32 {
	const sectorsPerBlock = rom.EraseBlockSize / rom.SectorSize
	r := (eraseSize + rom.SectorSize - 1) / rom.SectorSize
	head := sectorsPerBlock - (offset/rom.SectorSize)%sectorsPerBlock
	return r + min(r, head)
}

// overErase is the number of sectors past [offset, offset+size) that the ROM
// erases even with EraseSize's correction. It is 1 for an odd number of
// sectors below twice the sectors left in the first 64 KiB block: the ROM
// erases 2R there, or at least 2*head+1, so no request can be exact.
func overErase(offset, size uint32) uint32 {
	n := (size + rom.SectorSize - 1) / rom.SectorSize
	e := romErasedSectors(offset, EraseSize(offset, size))
	if e > n {
		return e - n
	}
	return 0
}
