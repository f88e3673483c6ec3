// Package decode turns a serial byte stream into typed events with plain
// explanations: the ESP8266 ROM banner, loader and eboot lines (and the same
// text garbled by a wrong baud rate), Arduino core crash dumps (symbolized
// against an ELF in pure Go), the Blynk library's log and BLYNK_DEBUG frame
// dumps, SDK Wi-Fi and core debug lines, BearSSL and axTLS messages; and a
// Diagnoser that turns sequences of events into current problems, each with
// the command that checks or fixes it.
//
// Pipeline (Decoder.Feed): input encoding (Options.File: UTF-16 with or
// without BOM transcoded, a UTF-8 BOM reported) -> splitter (bytes to
// lines, bare-CR line ends, long lines cut at Options.MaxLine) ->
// normaliser (normalize.go: quote markers, indentation, host timestamps of
// every monitor stripped and reported once as "input" events) -> garbage
// separator (also Windows-1252 mojibake) -> block assemblers (one event per
// crash dump, header+body frame dumps, runs of garbage) -> line classifiers
// (rom.go, crash.go, blynklog.go, edgent.go, frames.go, sdk.go, app.go for
// other programs' lines, which never raise a problem) -> reboot inference
// (banner, garbage, Blynk millis going backwards; tied to a preceding
// crash). Flush releases whatever waits for more input; a live monitor
// calls it when the port goes idle. Close ends the input (a saved file:
// a UTF-16 file's dangling half character becomes U+FFFD).
//
// Invariant: concatenating Event.Raw over all events, in order, gives back
// the input byte for byte (for UTF-16 files: its text in UTF-8), except
// that secrets - auth tokens, Wi-Fi passwords (redact.go) - are replaced by
// '*' of the same length unless Options.Unredacted (tested on both corpora,
// and fuzzed: FuzzDecoder, FuzzNormalize).
//
// Diagnoser (diagnose.go, story.go) turns events into problems: each rests
// on recognised events only, says how sure it is, and hedges causes the log
// does not show. Run (run.go) is all of `blynkbridge decode`.
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
