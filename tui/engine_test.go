package tui

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/blynkbridge/blynkbridge/monitor"
	"github.com/blynkbridge/blynkbridge/serialio"
	"github.com/blynkbridge/blynkbridge/sim"
)

// RunEngine's exit: Ctrl-C in the TUI stays ErrInterrupted (exit 130), a
// consumer ending on cancellation or EOF is a clean stop, any other error
// is the consumer's; the engine is stopped in every case.
func TestRunEngineExit(t *testing.T) {
	boom := errors.New("boom")
	for _, tc := range []struct {
		consumer, want error
	}{
		{ErrInterrupted, ErrInterrupted},
		{context.Canceled, nil},
		{io.EOF, nil},
		{boom, boom},
		{nil, nil},
	} {
		// A simulated board on its host port; the engine reads it until stopped.
		b, err := sim.New(sim.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		eng := monitor.New(monitor.Options{Open: func(context.Context) (serialio.Port, error) { return b.HostPort(), nil }})
		got := RunEngine(context.Background(), eng, func(context.Context) error { return tc.consumer })
		if !errors.Is(got, tc.want) || (tc.want == nil && got != nil) {
			t.Errorf("consumer %v: RunEngine = %v, want %v", tc.consumer, got, tc.want)
		}
	}
}
