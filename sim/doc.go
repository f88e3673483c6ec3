// Package sim is a simulated WeMos D1 mini: an ESP8266EX with a 26 MHz
// crystal, 4 MiB of NOR flash (erase sets 0xFF, programming ANDs), a MAC
// with an Espressif OUI encoded in the eFuse words exactly as esptool reads
// them, and the board's USB-serial side. It owns:
//
//   - the two-transistor auto-reset circuit driven by DTR/RTS (reference
//     esp-rom-protocol.md 10.1): EN low holds reset, the GPIO0 strap is
//     sampled 2 ms after EN rises, equal line levels never reset (board.go);
//   - the mask ROM: the 74880-baud banner, loader lines computed from the
//     image really in flash, blank/corrupt-flash behaviour (boot.go,
//     image.go), and the serial loader with SLIP, SYNC x8, autobaud,
//     READ_REG/WRITE_REG (eFuse, UART_CLKDIV, SPI user commands),
//     FLASH_BEGIN with the erase-size bug, FLASH_DATA checks, MEM_* (rom.go,
//     regs.go); an uploaded flasher stub is imitated from OHAI on (stub.go);
//   - eboot's lines and the sketch: a Firmware chosen from flash content,
//     or a demo sketch (app.go); Arduino-format crash dumps, watchdogs,
//     garbage bursts, unplug/replug (crash.go, board.go);
//   - the UART: 10 bit-times per byte at the line rate when Options.Timing
//     is on, each direction a wire that books bytes when they are handed
//     over and delivers them only once their last bit has arrived (never
//     early, exact on average, one timer per queue rather than a sleep per
//     write), the flash's erase/program times (SectorEraseTime,
//     PageProgramTime), and resampling of the 8N1 bit stream when host and board rates
//     differ, so a wrong baud gives the garbage real users see (uart.go);
//   - the host side: an in-process serialio.Port (hostport.go) and a raw
//     pseudo-terminal with a stable symlink, the host's rate read from
//     termios with TCGETS2 (pty_linux.go).
//
// It is a test and demo fixture that behaves like hardware; it does not
// import the flasher, the firmware parser or the decoder (it has its own
// small image reader). sim/blynkfw (Blynk firmware behaviour) is a separate
// package built on Firmware/Device.
package sim
