// Package profiles stores named board and server settings in a TOML file in
// the user's config directory, with tokens treated as secrets, atomic 0600
// writes, validation with line numbers, and flag > environment > profile >
// default precedence.
//
// It does not know what the settings do; commands read them.
package profiles
