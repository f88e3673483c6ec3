// Package tui holds the bubbletea models: a root model with a state enum and
// child models, fed by events from channels. No business logic lives here:
// it renders what the monitor engine, flasher and relay publish and turns
// keys into requests back to them.
package tui
