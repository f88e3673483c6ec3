// Package manpage owns blynkbridge(1): it renders the man page in roff
// from the command definitions (so flags never go stale) plus the sections
// a command tree does not hold - EXIT STATUS from internal/bberr,
// ENVIRONMENT from the profile bindings, FILES with each path as it is on
// Linux, macOS and Windows (the page is built once and read everywhere).
package manpage
