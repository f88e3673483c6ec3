package tui

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/blynkbridge/blynkbridge/decode"
	"github.com/blynkbridge/blynkbridge/monitor"
)

func TestMain(m *testing.M) {
	// Stable goldens: no colour or attribute escapes.
	lipgloss.SetColorProfile(termenv.Ascii)
	os.Exit(m.Run())
}

// t0 is the fixed clock of the golden tests.
var t0 = time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)

// fakeCtl is a scripted Controller: Wait hands out the script once, then
// blocks until ctx ends; Flash reports the given progress and waits.
type fakeCtl struct {
	mu       sync.Mutex
	script   []monitor.Item
	status   monitor.Status
	label    string
	problems []decode.Problem
	flashAt  [2]int
	release  chan struct{}
	sent     [][]byte
	resets   []bool
	bauds    []int
	lines    [][2]bool
}

func (f *fakeCtl) Wait(ctx context.Context) ([]monitor.Item, error) {
	f.mu.Lock()
	s := f.script
	f.script = nil
	f.mu.Unlock()
	if len(s) > 0 {
		return s, nil
	}
	<-ctx.Done()
	return nil, ctx.Err()
}

func (f *fakeCtl) Status() monitor.Status { return f.status }
func (f *fakeCtl) Reset(_ context.Context, d bool) error {
	f.mu.Lock()
	f.resets = append(f.resets, d)
	f.mu.Unlock()
	return nil
}
func (f *fakeCtl) SetBaud(_ context.Context, b int) error {
	f.mu.Lock()
	f.bauds = append(f.bauds, b)
	f.mu.Unlock()
	return nil
}
func (f *fakeCtl) Send(_ context.Context, p []byte) error {
	f.mu.Lock()
	f.sent = append(f.sent, p)
	f.mu.Unlock()
	return nil
}
func (f *fakeCtl) SetLines(_ context.Context, dtr, rts bool) error {
	f.mu.Lock()
	f.lines = append(f.lines, [2]bool{dtr, rts})
	f.mu.Unlock()
	return nil
}
func (f *fakeCtl) FlashLabel() string { return f.label }
func (f *fakeCtl) Flash(ctx context.Context, progress func(done, total int)) (string, error) {
	progress(f.flashAt[0], f.flashAt[1])
	select {
	case <-f.release:
	case <-ctx.Done():
	}
	return "flashed", nil
}
func (f *fakeCtl) ImageProblems() []decode.Problem   { return f.problems }
func (f *fakeCtl) SaveLog(time.Time) (string, error) { return "blynkbridge-20261128-100000.log", nil }

// scriptFrom decodes a captured log into the items an engine would publish.
func scriptFrom(t *testing.T, path string, sym *decode.Symbolizer) []monitor.Item {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	now := t0
	clock := func() time.Time { now = now.Add(10 * time.Millisecond); return now }
	d := decode.New(decode.Options{Now: clock, ELF: sym})
	items := []monitor.Item{{Kind: monitor.ItemData, Time: t0, Data: data}}
	for _, e := range append(d.Feed(data), d.Flush()...) {
		items = append(items, monitor.Item{Kind: monitor.ItemEvent, Time: e.HostTime, Event: e})
	}
	return items
}
