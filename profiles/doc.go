// Package profiles stores named board and server settings in a TOML file in
// the user's config directory (profiles.toml), with tokens treated as
// secrets (blynk.Token, never printed), atomic 0600 writes, validation with
// the profile, key and line of every error, and the flag > environment >
// profile > built-in default precedence (Fill).
//
// It does not know what the settings do: commands read them through their
// flags, which Fill (via cmd/blynkbridge's applyProfile) fills in. It does not
// open ports; it only turns a USB serial number, by-id name or VID:PID into a
// device path, asking serialio (which owns finding boards) for the match.
package profiles
