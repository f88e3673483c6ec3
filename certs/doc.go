// Package certs is everything blynkbridge knows about TLS certificates from
// an ESP8266's point of view:
//
//   - ParseFingerprint reads a fingerprint as people paste it (spaces,
//     colons, dashes, no separators, quotes, openssl's "SHA1 Fingerprint="
//     prefix, a C array; SHA-1 or SHA-256) and reports every invisible or
//     look-alike character (U+200E and friends, Unicode spaces, dashes and
//     colons, full-width and Greek/Cyrillic look-alikes, smart quotes) with
//     its rune index, byte offset, code point and name, offering the clean
//     value in *UncleanError instead of silently using it. The name table is
//     ours (lookalike.go); unknown format/space/dash characters are still
//     caught by Unicode category.
//   - Fingerprint formats itself for each consumer: ESP8266 "AA BB ..",
//     colons, plain hex, a C array, openssl's line, a sketch declaration.
//   - AxTLSParse and BearSSLParse replay how the two ESP8266 TLS stacks parse
//     a fingerprint string, byte for byte, with their debug messages.
//   - Fetch completes a handshake without trusting anything, describes the
//     chain (fingerprints, SPKI pin, names, validity) and reports whether it
//     verifies; ExplainESP8266 says what axTLS verify(fp, name), a sketch
//     passing IPAddress(...), and BearSSL setFingerprint will do with it, and
//     when a short-lived (Let's Encrypt) leaf will change.
//   - NewCA / CA.Issue / NewServerFiles make a local CA and RSA 2048 server
//     certificates in the files blynk-server expects, written atomically,
//     keys 0600, never overwriting without force.
//
// It does not run servers (blynk/blynktest does), talk to boards, or patch
// firmware (package firmware calls ParseFingerprint for that).
package certs
