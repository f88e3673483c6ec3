// Package decode turns a serial byte stream into typed events with plain
// explanations: the ESP8266 ROM banner, loader and eboot lines (and the same
// text garbled by a wrong baud rate), Arduino core crash dumps (symbolized
// against an ELF in pure Go), the Blynk library's log and BLYNK_DEBUG frame
// dumps, SDK Wi-Fi and core debug lines, BearSSL and axTLS messages; and a
// Diagnoser that turns sequences of events into current problems, each with
// the command that checks or fixes it.
//
// Pipeline (Decoder.Feed): splitter (bytes to lines, host timestamps,
// "HH:MM:SS.mmm -> " monitor prefixes stripped, long lines cut at
// Options.MaxLine) -> garbage separator -> block assemblers (one event per
// crash dump, header+body frame dumps, runs of garbage) -> line classifiers
// (rom.go, crash.go, blynklog.go, frames.go, sdk.go) -> reboot inference
// (banner, garbage, Blynk millis going backwards; tied to a preceding
// crash). Flush releases whatever waits for more input; a live monitor
// calls it when the port goes idle.
//
// Invariant: concatenating Event.Raw over all events, in order, gives back
// the input byte for byte, except that auth tokens in login dumps are
// replaced by '*' of the same length (tested, and fuzzed).
//
// Symbolizer (symbolize.go) reads DWARF with debug/elf + debug/dwarf and
// builds its own sorted line index over every sequence (LineReader.SeekPC
// misses IRAM code); it agrees with xtensa-lx106-elf-addr2line -pfiaC on
// every address of the testdata fixture. Stack words are kept only when
// they are plausible return addresses (in the ELF's code, right after a
// CALL0/CALLX0).
//
// BLYNK_DEBUG dumps are re-tokenised here (so redaction knows where each
// byte's text is) and interpreted with package blynk (blynk.Frame, command
// and status names, body parsers).
//
// It reads bytes and emits events; it does not open ports, render a UI,
// decide where events go, or talk to a network.
package decode
