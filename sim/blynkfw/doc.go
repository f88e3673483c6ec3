// Package blynkfw is the Blynk firmware the simulated board runs (a
// sim.Firmware): an ESP8266 sketch on BlynkSimpleEsp8266_SSL (library 0.4.x
// with axTLS by default, 1.x with BearSSL as a second mode) that joins "WiFi",
// prints the library's banner and log lines, opens a real TLS connection to
// the configured server and checks the certificate exactly as axTLS
// verify(fp, domain) or BearSSL setFingerprint does; and an Arduino Uno on
// BlynkSimpleStream that speaks the protocol over the serial port itself.
// Both run the library's connection state machine (login, info packet,
// heartbeat, timeouts, 5 s reconnect pacing, Blynk.begin's retry loop) and
// can dump frames as BLYNK_DEBUG does.
//
// Configuration comes from the blynkbridge config block in flash (see
// firmware.FindConfig) or from a Config the CLI builds from flags.
//
// It does not own the board (sim does: boot, UART, crash dumps printed after
// Device.Restart) nor the codec (blynk).
package blynkfw
