package sim

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
)

// The hand-made reset into the loader boots the ROM in download mode, and
// leaves GPIO0 at the run strap so the next RST runs the sketch again.
func TestResetIntoLoaderByHand(t *testing.T) {
	b := newBoard(t, Options{Boot: BootRun, Flash: arduinoFlash(t)})
	p := b.HostPort()
	waitState(t, b, Running)
	p.SetBaud(ROMBaud)
	b.ResetIntoLoader(context.Background(), BootRun)
	waitState(t, b, Download)
	readUntil(t, p, "rst cause:2, boot mode:(1,7)", time.Second)
	b.PressReset()
	readUntil(t, p, "boot mode:(3,", time.Second)
}

func TestReadKeys(t *testing.T) {
	keys := make(chan string, 4)
	ReadKeys(strings.NewReader("r\n d \n\nq"), keys)
	close(keys)
	var got []string
	for k := range keys {
		got = append(got, k)
	}
	if !slices.Equal(got, []string{"r", "d", "", "q"}) {
		t.Errorf("got %q", got)
	}
}

func TestSleepEndsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	done := make(chan struct{})
	go func() { Sleep(ctx, time.Hour); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Sleep ignored a cancelled context")
	}
}
