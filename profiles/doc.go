// Package profiles stores named board and server settings in a TOML file in
// the user's config directory (profiles.toml), with tokens treated as
// secrets (blynk.Token, never printed), atomic 0600 writes, validation with
// the profile, key and line of every error, and the flag > environment >
// profile > built-in default precedence (Fill).
//
// Every change is a read-modify-write under an exclusive lock (Edit; Add,
// RemoveFrom and Use use it): a .profiles.toml.lock file next to the real
// file, so concurrent `profile add` runs all land. A symlinked
// profiles.toml is followed: the target is replaced atomically and the
// link kept. Load reads at most 1 MiB of a regular file (internal/safeio)
// and indexes lines in n log n, so 10k profiles load in well under a
// second. What list and show print goes through Safe: a stored field
// cannot send an escape sequence to the terminal.
//
// It does not know what the settings do: commands read them through their
// flags, which Fill (via cmd/blynkbridge's applyProfile) fills in. It does not
// open ports; it only turns a USB serial number, by-id name or VID:PID into a
// device path, asking serialio (which owns finding boards) for the match.
package profiles
