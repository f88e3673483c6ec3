// Package monitor is the headless monitor engine: it owns a board's serial
// port, reads every byte without loss into a bounded scrollback and an
// optional raw log with host timestamps, runs the decode pipeline, and
// publishes chunks, events and status to one consumer (the TUI, or the
// plain/JSON printer). It switches to 74880 baud right after a reset it
// caused (Reset, Boot, a flash's hard reset) so the ROM banner is readable,
// reconnects when the board comes back after an unplug, and lends the port
// to the flasher and resumes (Borrow, Flash).
//
// Around the engine, for its consumers:
//   - Tracker folds items into the board state (running, download mode,
//     crashed, unplugged, flashing), the Blynk state (connecting, ready,
//     certificate mismatch, invalid token, timeout) and decode's diagnosis;
//   - ImageProblems reads the --image file for what the log cannot show (a
//     fingerprint literal with an invisible character, a server by IP);
//   - Printer writes annotated lines or JSON lines (decode's v1 schema);
//   - Console is the TUI's controller (flash key with resume, save log);
//   - WithLines joins a pty's bytes to the simulated board's reset circuit.
//
// It renders nothing (tui does) and knows nothing about the ROM protocol
// (flash does); it decides only when to read, at which rate, and what to
// publish.
package monitor
