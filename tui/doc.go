// Package tui is the monitor's terminal UI, in the style of glow and
// soft-serve: a bubbletea root model (Model) with a state enum (log, help,
// diagnosis, crash, input) and child models for the log view, the status
// bar, the diagnosis panel, the crash view, the flash progress bar and the
// one-line input. Items reach it through one-shot tea.Cmds that call
// Controller.Wait and are re-issued after each message, at most ~30 times a
// second, so a flood of output is coalesced into few frames.
//
// No business logic lives here: it renders what the monitor engine
// publishes (monitor.Item, monitor.Tracker's state and problems) and turns
// keys into requests on a Controller (reset, baud, send, lines, flash,
// save). It does not open ports, decode bytes, or decide what a fix is.
// From bubbles: key (every binding; the help screen and the footer's
// short help are made from them, with help), textinput (the one-line
// input: search, send, hex, file, regex). Not viewport: the log view is a
// bounded line store rendered only for the visible rows, measured under a
// 2 MB/s flood; nor progress (harmonica for an animation the flash bar
// does not need).
//
// Input is never dropped: bubbletea v1 hands a burst read at once as one
// message with several runes, which the model takes one key at a time.
// Ctrl-C ends Run with ErrInterrupted (exit 130); Ctrl-T sends the next key
// to the board (tio's escape).
//
// relay.go is a separate small root model for `blynkbridge relay` (the relay
// engineer's view); it shares only the package and its conventions.
package tui
