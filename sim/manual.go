package sim

import (
	"bufio"
	"context"
	"io"
	"strings"
	"time"
)

// What `blynkbridge sim` offers a person at the keyboard: the buttons a
// real board has, pressed by hand.

// ResetIntoLoader does by hand what a flasher's DTR/RTS sequence does: hold
// FLASH (GPIO0 low), press RST, release FLASH back to the boot strap
// (boot: the --boot the board was started with).
func (b *Board) ResetIntoLoader(ctx context.Context, boot BootMode) {
	b.PressFlashButton(true)
	b.PressReset()
	Sleep(ctx, 50*time.Millisecond)
	b.PressFlashButton(boot == BootDownload)
}

// ReadKeys sends each line read from r, trimmed, to keys until r ends.
func ReadKeys(r io.Reader, keys chan<- string) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		keys <- strings.TrimSpace(sc.Text())
	}
}

// Sleep waits d, or until ctx is done.
func Sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
