// Package firmware holds pure functions over firmware bytes: parse and verify
// ESP8266 v1 images and the Arduino layout (eboot at 0x0, sketch at 0x1000,
// CRC words at 0x1010/0x1014), build an image from an ELF, find and rewrite
// the blynkbridge config block, and re-seal every checksum the image carries.
//
// No I/O: every function takes []byte and returns new slices, so the flasher,
// the CLI and the sim can all use it and tests need no files.
package firmware
