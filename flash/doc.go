// Package flash is the ESP8266 flasher: the ROM loader client and our own
// flasher stub's host side, layered as espflash is:
//
//	rom (flash/rom)  SLIP framing and packets, shared with the sim
//	conn.go          connection: whole packets over a serialio.Port (+ --trace)
//	commands.go      SYNC, READ_REG, WRITE_REG, FLASH_BEGIN/DATA/END
//	chip.go          ESP8266 facts: registers, other chips' magics, MAC,
//	                 crystal, flash ID through the SPI user-command registers
//	erase.go         the FLASH_BEGIN erase-size correction for the ROM bug
//	reset.go         reset strategies (tight, classic, custom sequences)
//	connect.go       reset + SYNC loop, chip check, sync-failure diagnosis
//	stub.go          the embedded stub (stub/stub.elf, built from stub/src),
//	                 upload (MEM_BEGIN/DATA/END, OHAI), baud switch
//	stubcmds.go      stub-only commands: deflate writes, MD5, READ_FLASH,
//	                 ERASE_FLASH/REGION, CHANGE_BAUDRATE, SPI_SET_PARAMS
//	plan.go          what to write: back-alignment, changed-sector runs
//	write.go         Flasher.Write in ROM mode: blocks, retries, baud fallback
//	stubwrite.go     Flasher.Write through the stub: MD5 sector skip, zlib
//	                 stream in 16 KiB blocks, MD5 verify
//	ops.go           Read, Erase, Verify
//	resume.go        the resume state file
//
// By default Connect uploads the stub into the chip's RAM and talks to it
// (compressed writes acknowledged before they are programmed, MD5 verify
// and skip, read-back, faster baud); when it does not start, or with
// Options.NoStub, everything goes through the mask ROM.
//
// It owns the conversation with the chip: connecting (reset into the
// bootloader, SYNC with retries), chip detection, the erase-size
// correction, block writes with retries, falling back to a lower baud,
// resuming, sector skipping, and saying exactly what was written when
// interrupted. It never prints: progress goes to a callback, warnings and
// details to a *slog.Logger; errors users see are *bberr.Error with a hint.
//
// It does not parse or build images (firmware) or open ports (serialio).
// The stub's C sources, linker scripts and build script live in stub/;
// qemu_test.go runs the same sources under qemu-system-xtensa.
package flash
