// Package decode turns a serial byte stream into typed events with plain
// explanations: the ESP8266 ROM banner, loader and eboot lines, Arduino core
// crash dumps (symbolized against an ELF in pure Go), the Blynk library's log
// and BLYNK_DEBUG frame dumps, SDK WiFi and TLS lines; and a diagnosis built
// from sequences of events.
//
// It reads bytes and emits events; it does not open ports, render a UI or
// decide where events go.
package decode
