// Package firmware holds pure functions over ESP firmware bytes:
//
//   - parse and verify images: ESP8266 v1 (0xE9: header, segments, XOR
//     checksum, padding), ESP8266 v2 (0xEA, enough to report and re-seal)
//     and ESP32-family images (extended header, appended SHA-256);
//   - the Arduino layout: eboot at 0x0 padded with 0xAA, the sketch image at
//     0x1000, the CRC words at 0x1010/0x1014 (CRC-32/MPEG-2, hand-rolled);
//   - build an image from an ELF as Arduino's elf2bin.py does (FromELF);
//   - find, decode and rewrite the blynkbridge config block
//     (firmware/arduino/blynkbridge_config.h), replace string literals, list
//     fingerprint-looking literals, and re-seal everything the image carries
//     (Patch, ReplaceString, Reseal);
//   - DiffSectors, the 4 KiB sectors two images differ in (flash --base).
//
// No I/O: every function takes []byte and returns new slices, so the
// flasher, the CLI and the sim can use it and tests need no files. Errors
// are *bberr.Error (exit code + hint) wrapping a sentinel (ErrNoConfig,
// ErrTruncated, ...) for errors.Is; image structure errors are *ImageError
// with a file offset.
//
// It does not talk to boards (package flash does), does not fetch
// certificates (certs does) and does not run firmware (sim does).
package firmware
