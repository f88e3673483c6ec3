// Package secret owns the redaction mechanism the project's secret types
// build on (blynk.Token for auth tokens, firmware.Secret for WiFi
// passwords): a string whose every printed form — all fmt verbs including
// %#v, JSON, text marshalling (TOML and friends) and log/slog — shows a
// redacted form, and whose text only Reveal gives. Keeping the printers in
// one place means a printing path added for one secret covers all of them.
//
// It does not decide what the redacted form says (each secret type supplies
// a Redactor), validate secrets, or store them.
package secret
