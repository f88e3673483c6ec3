package tui

import (
	"context"
	"errors"
	"io"

	"github.com/blynkbridge/blynkbridge/monitor"
)

// RunEngine runs eng and the consumer together: it returns when the
// consumer does (q, Ctrl-C) or when the engine stops on its own (unplug
// without reconnect, the port failing to open).
func RunEngine(parent context.Context, eng *monitor.Engine, consume func(ctx context.Context) error) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	runErr := make(chan error, 1)
	go func() { runErr <- eng.Run(ctx) }()
	err := consume(ctx)
	cancel()
	rerr := <-runErr
	if rerr != nil {
		return rerr
	}
	if errors.Is(err, ErrInterrupted) {
		return err // Ctrl-C in the TUI: exit 130
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, io.EOF) {
		return parent.Err()
	}
	return err
}
