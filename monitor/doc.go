// Package monitor is the headless monitor engine: it owns a board's serial
// port, reads every byte without loss into a bounded scrollback and an
// optional raw log with host timestamps, runs the decode pipeline, and
// publishes chunks, events and status to one consumer (the TUI, or the
// plain/JSON printer). It switches to 74880 baud right after a reset it
// caused so the ROM banner is readable, reconnects when the board comes
// back after an unplug, and lends the port to the flasher and resumes.
//
// It renders nothing (tui does) and knows nothing about the ROM protocol
// (flash does); it decides only when to read, at which rate, and what to
// publish.
package monitor
