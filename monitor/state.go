package monitor

import (
	"strings"
	"time"

	"github.com/blynkbridge/blynkbridge/decode"
)

// BoardState is what the board is doing, as far as its output tells.
type BoardState string

// Board states. The strings appear in --json and the status bar.
const (
	BoardUnknown   BoardState = "unknown"
	BoardRunning   BoardState = "running"
	BoardDownload  BoardState = "download mode"
	BoardCrashed   BoardState = "crashed"
	BoardUnplugged BoardState = "unplugged"
	BoardFlashing  BoardState = "flashing"
)

// BlynkState is where the sketch's Blynk connection is.
type BlynkState string

// Blynk states ("" = nothing Blynk seen since the last boot).
const (
	BlynkNone         BlynkState = ""
	BlynkConnecting   BlynkState = "connecting"
	BlynkReady        BlynkState = "ready"
	BlynkCertMismatch BlynkState = "certificate mismatch"
	BlynkInvalidToken BlynkState = "invalid token"
	BlynkTimeout      BlynkState = "timeout"
)

// State is the monitor's reading of the board, derived from decoded events,
// notes and the link status. It is what the TUI's status bar shows; it
// holds no bytes.
type State struct {
	Board    BoardState
	Blynk    BlynkState
	Ping     string    // last "Ready (ping: Nms)" value, e.g. "12ms"
	Server   string    // last "Connecting to X" target
	BootedAt time.Time // host time of the last boot seen (zero: none seen)
	Crash    *decode.Event
}

// Uptime is the time since the last boot seen, at now.
func (s State) Uptime(now time.Time) time.Duration {
	if s.BootedAt.IsZero() || now.Before(s.BootedAt) {
		return 0
	}
	return now.Sub(s.BootedAt)
}

// Tracker folds items into a State and the decode diagnosis. It is not safe
// for concurrent use: the one consumer of Engine.Wait owns it.
type Tracker struct {
	st    State
	diag  *decode.Diagnoser
	extra []decode.Problem
	// failed is set by a certificate mismatch until the next connect, so
	// the "Login timeout" that follows it on axTLS keeps the more useful
	// state.
	failed bool
}

// NewTracker returns a tracker in the unknown state.
func NewTracker() *Tracker {
	return &Tracker{st: State{Board: BoardUnknown}, diag: decode.NewDiagnoser()}
}

// SetImageProblems sets problems found in the configured firmware image
// (see ImageProblems); they are listed after the log's.
func (t *Tracker) SetImageProblems(ps []decode.Problem) { t.extra = ps }

// State returns the current state.
func (t *Tracker) State() State { return t.st }

// Problems lists the current problems: the log's (decode.Diagnoser), then
// the image's.
func (t *Tracker) Problems() []decode.Problem {
	ps := t.diag.Problems()
	return append(ps, t.extra...)
}

// Observe folds one item in. status is the engine status at that moment.
func (t *Tracker) Observe(it Item, status Status) {
	switch it.Kind {
	case ItemEvent:
		t.diag.Feed(it.Event)
		t.event(it.Event)
	case ItemStatus:
		switch {
		case !status.Connected && status.Port != "":
			t.st.Board = BoardUnplugged
		case status.Lent:
			t.st.Board = BoardFlashing
		case t.st.Board == BoardUnplugged || t.st.Board == BoardFlashing:
			t.st.Board = BoardUnknown
		}
	case ItemNote:
		if strings.HasPrefix(it.Note, "board unplugged") {
			t.st.Board = BoardUnplugged
		}
	}
}

// setBoard changes the board state from what the board printed. An
// unplugged or lent port keeps its state until the link status changes:
// events decoded late (decoding runs beside the reader) must not make an
// unplugged board look alive.
func (t *Tracker) setBoard(b BoardState) {
	if t.st.Board == BoardUnplugged || t.st.Board == BoardFlashing {
		return
	}
	t.st.Board = b
}

func (t *Tracker) booted(at time.Time) {
	t.st.BootedAt = at
	t.st.Blynk = BlynkNone
	t.st.Ping = ""
	t.failed = false
}

func (t *Tracker) event(e decode.Event) {
	switch e.Kind {
	case decode.KindROMBanner:
		t.booted(e.HostTime)
		if e.Fields["boot_mode_name"] == "uart-download" {
			t.setBoard(BoardDownload)
		} else {
			t.setBoard(BoardRunning)
		}
		return
	case decode.KindGarbage:
		// Unreadable bytes are a boot only where the decoder tied them to
		// a restart (after a crash dump, or one the host caused); on a
		// board that keeps running they are noise.
		if r := e.Fields["reset"]; (r == "crash" || r == "host") && t.st.Board != BoardDownload {
			t.booted(e.HostTime)
			t.setBoard(BoardRunning)
		}
		return
	case decode.KindReboot:
		t.booted(e.HostTime)
		t.setBoard(BoardRunning)
		return
	case decode.KindCrash:
		ev := e
		t.st.Crash = &ev
		t.setBoard(BoardCrashed)
		return
	case decode.KindEboot, decode.KindBlynkBanner, decode.KindBlynkLogo, decode.KindWiFi, decode.KindCore:
		t.setBoard(BoardRunning)
		return
	case decode.KindBlynk:
	default:
		return
	}
	t.setBoard(BoardRunning)
	switch e.Fields["msg"] {
	case "connect-host", "connect-ip", "connect-stream":
		t.st.Blynk = BlynkConnecting
		t.st.Server = e.Fields["host"]
		t.failed = false
	case "ready":
		t.st.Blynk = BlynkReady
		if ms := e.Fields["ping_ms"]; ms != "" {
			t.st.Ping = ms + "ms"
		}
		t.failed = false
	case "cert-mismatch", "ssl-error", "cert-not-validated":
		t.st.Blynk = BlynkCertMismatch
		t.failed = true
	case "invalid-token":
		t.st.Blynk = BlynkInvalidToken
		t.failed = true
	case "login-timeout", "heartbeat-timeout", "connect-failed", "tls-connect-failed":
		if !t.failed {
			t.st.Blynk = BlynkTimeout
		}
	}
}
