// Package bberr holds blynkbridge's typed errors and its exit-code table.
//
// Every library package returns *Error (or wraps one) for failures a user can
// act on; cmd/blynkbridge prints Msg and Hint on one line each and exits with
// Code. Exit codes never change meaning once released: add new ones at the end.
package bberr

import (
	"context"
	"errors"
	"fmt"
)

// Code is a process exit code.
type Code int

// The exit-code table. It is mirrored in README.md ("Exit codes"); a test keeps
// the two in step.
const (
	OK           Code = 0   // success
	Failure      Code = 1   // unexpected internal failure (a bug: please report it)
	Usage        Code = 2   // bad command line: unknown flag, missing argument, bad value
	PortNotFound Code = 3   // serial port not found, or --port auto found none or several
	Permission   Code = 4   // permission denied opening a port or file
	PortBusy     Code = 5   // another process holds the serial port
	NoResponse   Code = 6   // the board does not answer (no sync, timeout, wrong baud)
	DeviceError  Code = 7   // the board answered with an error status (flash error, wrong chip)
	Network      Code = 8   // network or TLS failure (server down, handshake, fingerprint mismatch)
	BadInput     Code = 9   // invalid input data: image, ELF, fingerprint, token, config file
	CheckFailed  Code = 10  // a check ran and found a problem (bad checksum, unclean fingerprint)
	Unplugged    Code = 11  // the board disappeared during the operation
	Auth         Code = 12  // the Blynk server refused the auth token
	Interrupted  Code = 130 // stopped by Ctrl-C / SIGTERM (128+SIGINT, as shells report it)
)

// Table lists every exit code with its one-line meaning, for README and --help.
var Table = []struct {
	Code    Code
	Name    string
	Meaning string
}{
	{OK, "ok", "success"},
	{Failure, "failure", "unexpected internal failure (a bug: please report it)"},
	{Usage, "usage", "bad command line: unknown flag, missing argument, bad value"},
	{PortNotFound, "port-not-found", "serial port not found, or --port auto found none or several"},
	{Permission, "permission", "permission denied opening a port or file"},
	{PortBusy, "port-busy", "another process holds the serial port"},
	{NoResponse, "no-response", "the board does not answer (no sync, timeout, wrong baud)"},
	{DeviceError, "device-error", "the board reported an error (flash write failed, wrong chip)"},
	{Network, "network", "network or TLS failure (server down, handshake, fingerprint mismatch)"},
	{BadInput, "bad-input", "invalid input data: image, ELF, fingerprint, token, config file"},
	{CheckFailed, "check-failed", "a check ran and found a problem (bad checksum, unclean fingerprint)"},
	{Unplugged, "unplugged", "the board disappeared during the operation"},
	{Auth, "auth", "the Blynk server refused the auth token"},
	{Interrupted, "interrupted", "stopped by Ctrl-C or SIGTERM"},
}

// Error is a failure a user can act on: what went wrong, and what to do.
type Error struct {
	Code Code
	Msg  string // one line, no trailing period; never contains a token
	Hint string // one line saying what to do; may be empty
	Err  error  // underlying cause, for errors.Is/As; not printed separately
}

func (e *Error) Error() string { return e.Msg }

func (e *Error) Unwrap() error { return e.Err }

// New returns an *Error with the given code, message and hint.
func New(code Code, hint, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...), Hint: hint}
}

// Wrap returns an *Error that keeps err as its cause. The message is
// format+args followed by ": " and err's text.
func Wrap(err error, code Code, hint, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	if err != nil {
		msg += ": " + err.Error()
	}
	return &Error{Code: code, Msg: msg, Hint: hint, Err: err}
}

// CodeOf returns the exit code for err: the outermost *Error's code,
// Interrupted for context cancellation, Failure for anything else.
func CodeOf(err error) Code {
	if err == nil {
		return OK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if errors.Is(err, context.Canceled) {
		return Interrupted
	}
	return Failure
}

// HintOf returns the first hint found along err's chain, or "".
func HintOf(err error) string {
	for err != nil {
		var e *Error
		if !errors.As(err, &e) {
			return ""
		}
		if e.Hint != "" {
			return e.Hint
		}
		err = e.Err
	}
	return ""
}
