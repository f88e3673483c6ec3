//go:build !linux

package sim

import "github.com/blynkbridge/blynkbridge/internal/bberr"

// ptyLink is Linux-only: the sim reads the host's baud from the pty with
// TCGETS2, which other systems do not have. Elsewhere the board is reachable
// in-process only (HostPort), which is what the tests and the demo's engine
// need; `blynkbridge sim` says so.
type ptyLink struct{}

// AttachPTY is unavailable off Linux.
func (b *Board) AttachPTY(link string) (string, error) {
	return "", bberr.New(bberr.Failure, "run the simulated board on Linux (a Raspberry Pi or WSL2 works)",
		"the simulated board's pseudo-terminal needs Linux")
}

// PTYPath returns "" off Linux.
func (b *Board) PTYPath() string { return "" }

// WaitHostOpen returns nil off Linux.
func (b *Board) WaitHostOpen() <-chan struct{} { return nil }

func (pl *ptyLink) unplug()       {}
func (pl *ptyLink) replug() error { return nil }
func (pl *ptyLink) close()        {}
