// Package secret owns how secrets are kept out of everything blynkbridge
// prints or writes.
//
// Typed secrets: the project's secret types (blynk.Token for auth tokens,
// firmware.Secret for WiFi passwords) embed Value, a string whose every
// printed form — all fmt verbs including %#v, JSON, text marshalling (TOML
// and friends) and log/slog — shows a redacted form, and whose text only
// Reveal gives. Keeping the printers in one place means a printing path
// added for one secret covers all of them.
//
// Raw bytes: what comes off a serial line, goes into a flash trace or a
// log, or sits in an image is bytes, not typed values. Mask and MaskWriter
// replace every occurrence of known secrets (pass tok.Reveal(),
// password.Reveal()) by '*' of the same length, so offsets and hex dumps
// stay aligned. MaskWriter does this on a stream written in chunks of any
// size, a secret split across two writes included. Every writer of a file
// that may carry a secret (trace, raw log, journal, decode output, image
// strings) wraps its file in one, unless the user asked for --unredacted.
//
// It does not decide what a typed secret's redacted form says (each type
// supplies a Redactor), validate secrets, or store them.
package secret
