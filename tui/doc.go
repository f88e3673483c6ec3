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
// keys into requests on a Controller (reset, baud, send, flash, save). It
// does not open ports, decode bytes, or decide what a fix is. bubbles'
// textinput and progress are not used because they need modules this
// repository does not require (atotto/clipboard, harmonica); the small
// input and bar here do what the monitor needs.
//
// relay.go is a separate small root model for `blynkbridge relay` (the relay
// engineer's view); it shares only the package and its conventions.
package tui
