// Package main wires urfave/cli/v2 flags to library calls. One file per
// command (cmd_*.go), each registering itself from init. Errors come back as
// *bberr.Error and become one "error:" line, one "hint:" line and an exit code.
package main
