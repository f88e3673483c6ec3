package flash

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
)

// Before says how to get the chip into its loader before talking to it.
type Before int

const (
	// DefaultReset pulls the board into the loader through DTR/RTS.
	DefaultReset Before = iota
	// NoReset syncs without touching the lines (board already in the loader).
	NoReset
)

// After says what to do once the image is written.
type After int

const (
	// HardReset pulses RTS (EN low) so the new app boots; on a port without
	// modem lines it falls back to SoftReset with a warning.
	HardReset After = iota
	// SoftReset leaves the loader by protocol: FLASH_BEGIN(0,0) + FLASH_END(1).
	// Works on a pty; the strap stays "download", so a later ESP.restart()
	// re-enters the loader.
	SoftReset
	// StayInLoader does nothing: the ROM loader keeps running.
	StayInLoader
)

// ParseBefore accepts esptool's spellings, dashes or underscores.
func ParseBefore(s string) (Before, error) {
	switch strings.ReplaceAll(strings.ToLower(s), "_", "-") {
	case "", "default-reset":
		return DefaultReset, nil
	case "no-reset":
		return NoReset, nil
	}
	return 0, fmt.Errorf("--before %q: want default-reset or no-reset", s)
}

// ParseAfter accepts esptool's spellings, dashes or underscores.
func ParseAfter(s string) (After, error) {
	switch strings.ReplaceAll(strings.ToLower(s), "_", "-") {
	case "", "hard-reset":
		return HardReset, nil
	case "soft-reset":
		return SoftReset, nil
	case "no-reset":
		return StayInLoader, nil
	}
	return 0, fmt.Errorf("--after %q: want hard-reset, soft-reset or no-reset", s)
}

func (b Before) String() string {
	if b == NoReset {
		return "no-reset"
	}
	return "default-reset"
}

func (a After) String() string {
	switch a {
	case SoftReset:
		return "soft-reset"
	case StayInLoader:
		return "no-reset"
	}
	return "hard-reset"
}

// Options configure a Flasher. The zero value is esptool's behaviour.
type Options struct {
	Before Before // default DefaultReset
	After  After  // default HardReset

	// ResetSequence, if set, replaces the default strategies with a custom
	// sequence (see ParseResetSequence), e.g. "D0|R1|W100|D1|R0|W50|D0".
	ResetSequence string

	// ConnectAttempts is the number of reset+sync cycles (default 7).
	ConnectAttempts int
	// SyncTries is the number of SYNCs after each reset (default 5).
	SyncTries int

	// BlockTimeout bounds the wait for one FLASH_DATA reply (default 3 s).
	BlockTimeout time.Duration
	// BlockAttempts is how often one block is sent before giving up or
	// falling back to a lower baud (default 3).
	BlockAttempts int
	// FallbackBauds are the lower rates tried, highest first, when blocks
	// keep failing (default 460800, 115200; only those below the current
	// rate are used). Set NoFallback to disable.
	FallbackBauds []int
	NoFallback    bool

	// BannerWait is how long the sync-failure diagnosis listens at 74880
	// after a reset (default 600 ms).
	BannerWait time.Duration

	// StateDir holds resume state files (see ResumeFile). "" disables the
	// state file: interrupted writes still report their ranges.
	StateDir string

	// NoStub keeps every command on the ROM loader (--no-stub): no
	// compression, MD5, read-back, erase commands or baud change.
	NoStub bool
	// Stub replaces the embedded flasher stub (tests); nil = EmbeddedStub.
	Stub *StubImage
	// FlashBaud is the rate to switch to once the stub runs
	// (CHANGE_BAUDRATE, --baud-flash); 0 keeps the rate of the connect.
	// Lower standard rates are tried when the link fails at it.
	FlashBaud int
	// FlashSize is the flash chip's size told to the stub; 0 = from the
	// flash ID, or 4 MiB (a D1 mini) when the ID says nothing.
	FlashSize uint32

	// Trace, if set, receives one line per packet (--trace).
	Trace io.Writer
	// Logger gets warnings (fallbacks, no modem lines) and debug details.
	// nil discards.
	Logger *slog.Logger
	// Progress is called after every confirmed block with bytes done and
	// the total planned for this write. nil = none.
	Progress func(done, total int)
}

func (o Options) withDefaults() Options {
	if o.ConnectAttempts <= 0 {
		o.ConnectAttempts = 7
	}
	if o.SyncTries <= 0 {
		o.SyncTries = 5
	}
	if o.BlockTimeout <= 0 {
		o.BlockTimeout = defaultTimeout
	}
	if o.BlockAttempts <= 0 {
		o.BlockAttempts = 3
	}
	if o.FallbackBauds == nil {
		o.FallbackBauds = []int{460800, 115200}
	}
	if o.NoFallback {
		o.FallbackBauds = nil
	}
	if o.BannerWait <= 0 {
		o.BannerWait = 600 * time.Millisecond
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Progress == nil {
		o.Progress = func(int, int) {}
	}
	return o
}
