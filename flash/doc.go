// Package flash is the ESP8266 ROM loader client, layered as espflash is:
//
//	rom (flash/rom)  SLIP framing and packets, shared with the sim
//	conn.go          connection: whole packets over a serialio.Port (+ --trace)
//	commands.go      SYNC, READ_REG, WRITE_REG, FLASH_BEGIN/DATA/END
//	chip.go          ESP8266 facts: registers, other chips' magics, MAC,
//	                 crystal, flash ID through the SPI user-command registers
//	erase.go         the FLASH_BEGIN erase-size correction for the ROM bug
//	reset.go         reset strategies (tight, classic, custom sequences)
//	connect.go       reset + SYNC loop, chip check, sync-failure diagnosis
//	plan.go          what to write: back-alignment, changed-sector runs
//	write.go         Flasher.Write: blocks, retries, baud fallback, ranges
//	resume.go        the resume state file
//
// It owns the conversation with the ROM: connecting (reset into the
// bootloader, SYNC with retries), chip detection, the erase-size
// correction, block writes with retries, falling back to a lower baud,
// resuming, sector skipping against a known base image, and saying exactly
// what was written when interrupted. It never prints: progress goes to a
// callback, warnings and details to a *slog.Logger; errors users see are
// *bberr.Error with a hint.
//
// It does not parse or build images (firmware), open ports (serialio) or
// upload a flasher stub: everything goes through the mask ROM, so there is
// no compression, no MD5 verify and no baud change by protocol (the ROM
// auto-detects the rate the host syncs at).
package flash
