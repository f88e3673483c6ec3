package monitor

import (
	"context"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/serialio"
)

// OpenPort resolves a --port spec and opens it now, so a missing, busy or
// forbidden port is an error before any screen appears; the engine's first
// call gets that port. After an unplug it waits for the same board by
// identity (the node may come back under another name) and opens it again.
// fr is the line format (8N1 unless --databits/--parity/--stopbits/--flow).
func OpenPort(ctx context.Context, spec string, baud int, fr serialio.Framing) (Opener, error) {
	info, err := serialio.Resolve(spec)
	if err != nil {
		return nil, err
	}
	open := func(ctx context.Context, path string) (serialio.Port, error) {
		p, err := serialio.Open(ctx, path, baud)
		if err != nil || fr.IsDefault() {
			return p, err
		}
		d, ok := p.(*serialio.Device)
		if !ok {
			p.Close()
			return nil, bberr.New(bberr.Usage, "drop --databits/--parity/--stopbits/--flow for this port", "%s cannot take a line format other than 8N1", path)
		}
		if err := d.SetFraming(fr); err != nil {
			p.Close()
			return nil, err
		}
		return p, nil
	}
	first, err := open(ctx, info.Path)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) (serialio.Port, error) {
		if first != nil {
			p := first
			first = nil
			return p, nil
		}
		pi, err := serialio.WaitFor(ctx, info.Identity, 0)
		if err != nil {
			return nil, err
		}
		return open(ctx, pi.Path)
	}, nil
}
