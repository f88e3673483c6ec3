// Package cliargs owns the command line's shape before urfave/cli/v2 sees
// it: the habits of esptool and tio users (global connection flags before
// the command, attached values -b115200, underscore spellings, esptool
// command names, --chip, --before usb_reset, `monitor PORT`), flags after
// positional arguments, -v after the command, "did you mean" for unknown
// commands and flags, and the shell-completion request (which must never
// run a command). cmd/blynkbridge calls Normalize once per run.
package cliargs
