package sim

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"
)

// Firmware is the sketch the board runs after a normal boot from flash. Run
// returns when ctx is done (reset, unplug, Close) or after it called
// dev.Restart; its error is logged, never fatal to the board.
type Firmware interface {
	Run(ctx context.Context, dev Device) error
}

// FirmwareFunc adapts a function to Firmware.
type FirmwareFunc func(ctx context.Context, dev Device) error

// Run calls f.
func (f FirmwareFunc) Run(ctx context.Context, dev Device) error { return f(ctx, dev) }

// Device is what a sketch sees of the board.
type Device interface {
	io.Writer                   // Serial.print: bytes to the host at the sketch baud
	Read(p []byte) (int, error) // Serial.read: bytes from the host (blocks; returns on ctx done)
	Begin(baud int)             // Serial.begin
	Millis() uint32             // since boot
	Sleep(ctx context.Context, d time.Duration) error
	Flash() []byte                // read-only view of flash (for the config block)
	Restart(reason RestartReason) // ESP.restart / exception / wdt: ends Run, board reboots
}

// RestartReason says why a running sketch ends and the board reboots. It
// decides what the board prints before the ROM banner comes back.
type RestartReason int

const (
	// RestartSoftware is ESP.restart(): no dump, the banner repeats the
	// previously latched rst cause.
	RestartSoftware RestartReason = iota
	// RestartException is a CPU exception: the Arduino core's postmortem
	// (Exception (28), LoadProhibited) then a reboot.
	RestartException
	// RestartSoftWDT is the core's software watchdog: "Soft WDT reset" dump.
	RestartSoftWDT
	// RestartHardWDT is the hardware watchdog: no dump, banner with rst
	// cause 4 and "wdt reset".
	RestartHardWDT
	// RestartAbort is abort() / panic(): "Abort called" dump.
	RestartAbort
)

var restartNames = []string{"restart", "exception", "soft-wdt", "hard-wdt", "abort"}

func (r RestartReason) String() string {
	if int(r) >= 0 && int(r) < len(restartNames) {
		return restartNames[r]
	}
	return fmt.Sprintf("RestartReason(%d)", int(r))
}

// ParseRestartReason accepts the names String returns (and "wdt" for
// soft-wdt), for CLI flags.
func ParseRestartReason(s string) (RestartReason, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "wdt" {
		return RestartSoftWDT, nil
	}
	for i, n := range restartNames {
		if n == s {
			return RestartReason(i), nil
		}
	}
	return 0, fmt.Errorf("unknown crash kind %q (want one of %s)", s, strings.Join(restartNames, ", "))
}

// BootMode is the GPIO0 strap at power-on.
type BootMode int

const (
	// BootRun: GPIO0 high, the ROM boots from flash (boot mode (3,x)).
	BootRun BootMode = iota
	// BootDownload: GPIO0 held low, the ROM enters the serial loader (1,x).
	BootDownload
)

func (m BootMode) String() string {
	if m == BootDownload {
		return "download"
	}
	return "run"
}

// State is what the board is doing.
type State int

const (
	Off       State = iota // EN held low (reset) or not powered yet
	ROMBoot                // ROM printing its banner / loading from flash, or halted in the ROM
	Download               // ROM serial loader waiting for commands
	Running                // the application (sketch) runs
	Crashed                // printing a crash dump, about to reboot
	Unplugged              // USB unplugged: no power, no port
)

var stateNames = []string{"off", "rom-boot", "download", "running", "crashed", "unplugged"}

func (s State) String() string {
	if int(s) >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("State(%d)", int(s))
}
