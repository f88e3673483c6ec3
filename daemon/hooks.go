package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/blynkbridge/blynkbridge/flash"
	"github.com/blynkbridge/blynkbridge/monitor"
	"github.com/blynkbridge/blynkbridge/serialio"
)

// The client side of the one-shot commands (monitor, flash, decode,
// ports): they go through a running daemon with no new flags. Each asks whether a daemon owns the board its --port names and,
// if so, talks to the daemon instead of opening the device (which the
// daemon holds). Without a daemon (or for a port it does not own) nothing
// changes. BLYNKBRIDGE_NO_DAEMON=1 ignores a running daemon.

// boardFor finds the daemon's board for spec: ok false when no daemon
// runs or it has no such board.
func boardFor(ctx context.Context, spec string) (*Client, BoardStatus, bool, error) {
	cl, err := Connect(ctx, "")
	if err != nil {
		return nil, BoardStatus{}, false, nil
	}
	b, ok, err := cl.FindBoard(ctx, spec)
	if err != nil || !ok {
		return nil, BoardStatus{}, false, err
	}
	return cl, b, true, nil
}

// MonitorOpener attaches the monitor to the daemon's board: the
// engine runs on the shared stream exactly as on a port. After the
// connection drops (the board was unplugged, the daemon restarted) it
// attaches again; if the daemon is gone for good it opens the board
// itself.
func MonitorOpener(ctx context.Context, spec string, baud int) (monitor.Opener, bool, error) {
	cl, b, ok, err := boardFor(ctx, spec)
	if !ok {
		return nil, false, err
	}
	first, err := cl.Attach(ctx, b.Name, baud)
	if err != nil {
		return nil, true, err
	}
	var p serialio.Port = first
	return func(ctx context.Context) (serialio.Port, error) {
		if p != nil {
			q := p
			p = nil
			return q, nil
		}
		if cl2, err := Connect(ctx, ""); err == nil {
			ap, err := cl2.Attach(ctx, b.Name, baud)
			if err != nil {
				return nil, err // never a typed nil in the interface
			}
			return ap, nil
		}
		info, err := serialio.Resolve(b.Port)
		if err != nil {
			return nil, err
		}
		return serialio.Open(ctx, info.Path, baud)
	}, true, nil
}

// LendPort borrows the daemon's board for a flash. A hard reset at
// the end is left to the daemon (opts.After becomes StayInLoader): its
// engine then reads the new sketch's boot banner at the ROM's rate, which a
// reset inside the loan would lose.
func LendPort(ctx context.Context, spec string, baud int, opts *flash.Options) (serialio.Port, bool, error) {
	cl, b, ok, err := boardFor(ctx, spec)
	if !ok {
		return nil, false, err
	}
	resetAfter := opts.After == flash.HardReset
	if resetAfter {
		opts.After = flash.StayInLoader
	}
	p, err := cl.Lend(ctx, b.Name, "flash", baud, resetAfter)
	if err != nil {
		return nil, true, err
	}
	return p, true, nil
}

// DecodeInput is what `decode NAME` reads when NAME is no file but
// a board of a running daemon (its raw log, tokens masked); with no NAME
// on a terminal, the daemon's only board. ok false otherwise.
func DecodeInput(ctx context.Context, name string) (io.ReadCloser, bool, error) {
	if name == "-" {
		return nil, false, nil
	}
	if name == "" {
		if fi, err := os.Stdin.Stat(); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
			return nil, false, nil // stdin is a pipe: decode that
		}
	} else if _, err := os.Stat(name); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	cl, err := Connect(ctx, "")
	if err != nil {
		return nil, false, nil
	}
	boards, err := cl.Boards(ctx)
	if err != nil {
		return nil, false, err
	}
	for _, b := range boards {
		if b.Name == name || (name == "" && len(boards) == 1) {
			r, err := cl.Log(ctx, b.Name)
			return r, true, err
		}
	}
	return nil, false, nil
}

// WritePortsNote says which listed ports the daemon holds.
func WritePortsNote(ctx context.Context, w io.Writer) {
	cl, err := Connect(ctx, "")
	if err != nil {
		return
	}
	boards, err := cl.Boards(ctx)
	if err != nil || len(boards) == 0 {
		return
	}
	fmt.Fprintf(w, "daemon (%s) holds:\n", cl.Socket)
	for _, b := range boards {
		where := b.Path
		if where == "" {
			where = b.Port
		}
		fmt.Fprintf(w, "  %s  %s  %s\n", b.Name, where, b.State)
	}
	fmt.Fprintln(w, "monitor/flash --port NAME go through it; blynkbridge status shows more")
}
