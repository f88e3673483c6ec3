// Package clilog owns what the program's internal log (log/slog) shows
// the user: without -v only warnings and errors, each as one plain
// "warning: ..." line a person can read; with -v everything, as
// key=value lines for bug reports.
package clilog
