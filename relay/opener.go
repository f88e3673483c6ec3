package relay

import (
	"context"

	"github.com/blynkbridge/blynkbridge/serialio"
)

// PortOpener resolves a --port spec to a stable identity once, and
// reopens by that identity after an unplug, so a board that comes back as
// /dev/ttyUSB1 is still found (a path or symlink is simply opened again).
func PortOpener(spec string, baud int) (Opener, error) {
	info, err := serialio.Resolve(spec)
	if err != nil {
		return nil, err
	}
	ident := info.Identity.String()
	if ident == "" {
		ident = info.Path
	}
	first := info.Path
	return func(ctx context.Context) (serialio.Port, error) {
		path := first
		first = ""
		if path == "" {
			pi, err := serialio.Resolve(ident)
			if err != nil {
				return nil, err
			}
			path = pi.Path
		}
		return serialio.Open(ctx, path, baud)
	}, nil
}
