// Package sim is a simulated WeMos D1 mini: an ESP8266EX with a 26 MHz
// crystal and 4 MiB of NOR flash, its two-transistor auto-reset circuit, the
// ROM serial loader (with the FLASH_BEGIN erase-size bug), the 74880-baud boot
// output computed from what is in flash, a UART timing model and baud
// resampling, firmware behaviour, and faults on demand. It is reached over a
// real pseudo-terminal or in-process through serialio.Port.
//
// It is a test and demo fixture that behaves like hardware; it does not
// import the flasher or the decoder.
package sim
