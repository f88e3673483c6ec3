// Package rom is the ESP8266 ROM serial loader's wire format, shared by the
// flasher (host side) and the simulated board (chip side): SLIP framing,
// request and response packets, opcodes, status bytes and the data-block
// checksum. Facts: ../shared/reference/esp-rom-protocol.md sections 1-4.
//
// It does no I/O and keeps no connection state; flash owns the conversation,
// sim owns the chip's behaviour.
package rom
