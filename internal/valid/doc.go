// Package valid owns the one table of what a number or address given on
// the command line may be: baud rates, TCP ports, host names, host:port,
// sizes and counts, durations. Every command's flags are checked against
// it by name (cmd/blynkbridge wires Check into every command), and the
// domain packages call the same functions (HostPort for a positional
// HOST:PORT, Port, Host), so the same mistake gets the same message and
// the same exit code everywhere: 2 (usage) for a value on the command
// line. A value read from a file (profiles.toml) is that file's error (9).
//
// It does not open anything or resolve names: a well-formed host that does
// not exist is the network's error (8), found when it is used.
package valid
