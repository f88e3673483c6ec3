package monitor

import "github.com/blynkbridge/blynkbridge/serialio"

// WithLines returns p with SetLines sent to set instead of the port. A
// pseudo-terminal has no DTR/RTS (SetLines fails with ErrNoModemLines), so a
// monitor talking to the simulated board over a pty would lose its reset
// buttons and the flasher its auto-reset; the sim exposes the board's reset
// circuit directly (sim.Board.SetLines), and this joins the two so the
// bytes still cross a real pty while the lines reach the board.
func WithLines(p serialio.Port, set func(dtr, rts bool)) serialio.Port {
	return &linesPort{Port: p, set: set}
}

type linesPort struct {
	serialio.Port
	set func(dtr, rts bool)
}

func (l *linesPort) SetLines(dtr, rts bool) error {
	l.set(dtr, rts)
	return nil
}
