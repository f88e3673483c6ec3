// Package flash is the ESP8266 ROM loader client, layered as espflash is:
// rom (SLIP and packets, in flash/rom) -> commands over a connection ->
// ESP8266 chip facts (a data table) -> reset strategies -> Flasher.
//
// It owns the conversation with the ROM: connecting (reset into the
// bootloader, SYNC with retries), chip detection, the FLASH_BEGIN erase-size
// correction, block writes with retries, resuming, sector skipping against a
// known base image, and saying exactly what was written when interrupted.
// It never prints: progress goes to a callback, details to a *slog.Logger.
//
// It does not parse or build images (firmware) or open ports (serialio).
package flash
