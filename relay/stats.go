package relay

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/blynkbridge/blynkbridge/blynk"
)

// State is where a board's session is.
type State string

// Session states, as shown in the table, logs and JSON.
const (
	StateWaitBoard  State = "waiting-board" // port not open (not plugged in yet, or unplugged)
	StateIdle       State = "idle"          // port open, no login seen yet (nothing to carry)
	StateConnecting State = "connecting"    // dialling the server (or waiting to retry)
	StateLoggingIn  State = "logging-in"    // login sent, waiting for the answer
	StateOnline     State = "online"        // logged in; frames flow
	StateAuthFailed State = "auth-failed"   // the server refused the token; waiting for a new login
	StateStopped    State = "stopped"       // Run returned
)

// Stats are one board's counters. Field names in JSON are stable (README,
// `relay --json`).
type Stats struct {
	Board  string `json:"board"`
	Port   string `json:"port"`
	Server string `json:"server"`
	State  State  `json:"state"`

	FramesUp   int64 `json:"frames_up"`   // board -> server, forwarded (replays included)
	BytesUp    int64 `json:"bytes_up"`    //
	FramesDown int64 `json:"frames_down"` // server -> board, forwarded
	BytesDown  int64 `json:"bytes_down"`  //

	BoardLogins  int64 `json:"board_logins"`  // logins the board sent (boot, reset, retry)
	LoginsOK     int64 `json:"logins_ok"`     // logins the server accepted (replays included)
	LoginsFailed int64 `json:"logins_failed"` // refused (invalid token, other status)
	Replays      int64 `json:"replays"`       // cached logins replayed after a reconnect
	Connects     int64 `json:"connects"`      // server connections made
	Reconnects   int64 `json:"reconnects"`    // of which after losing one
	Redirects    int64 `json:"redirects"`     // REDIRECTs followed
	Unplugs      int64 `json:"unplugs"`       // board port lost

	LocalPings int64 `json:"local_pings"` // board PINGs answered by the relay during an outage
	Swallowed  int64 `json:"swallowed"`   // server answers to replayed frames, not passed to the board
	Resent     int64 `json:"resent"`      // frames written to a connection that ended before the server confirmed them, sent again (the server may see some twice)

	SkippedBytes int64 `json:"skipped_bytes"` // garbage from the board (sketch prints, boot text), never sent
	Oversize     int64 `json:"oversize"`      // frames refused for size (either direction)
	Dropped      int64 `json:"dropped"`       // frames that did not reach their peer, all causes (DroppedBy splits them)
	// DroppedBy counts Dropped by cause (the Drop* names).
	DroppedBy map[string]int64 `json:"dropped_by,omitempty"`
	Buffered  int              `json:"buffered"` // frames waiting for the server now

	LastPingRTTms float64   `json:"last_ping_rtt_ms"` // board PING -> server RESPONSE through the relay
	LastError     string    `json:"last_error,omitempty"`
	LastErrorAt   time.Time `json:"last_error_at,omitzero"`
	LastLoginAt   time.Time `json:"last_login_at,omitzero"`
}

// Causes of a dropped frame (Stats.DroppedBy keys).
const (
	DropBufferFull  = "buffer-full"        // the outage buffer was full: the oldest frame went
	DropShutdown    = "shutdown"           // still buffered when the relay stopped
	DropNoSession   = "no-session"         // the board sent frames without having logged in
	DropRelogin     = "board-relogin"      // buffered in a session the board then replaced
	DropAuth        = "auth-refused"       // buffered when the server refused the token
	DropBoardGone   = "board-gone"         // the board's port was closed (unplugged)
	DropBoardWrite  = "board-write-failed" // writing to the board failed
	DropOversize    = "over-board-buffer"  // from the server, over the board's buffer
	DropBadRedirect = "bad-redirect"       // a malformed REDIRECT
	DropLinkDown    = "link-down"          // a board PING past the local ping window, left unanswered
)

// Direction of a tapped frame.
type Direction string

// Directions.
const (
	Up   Direction = "up"   // board -> server
	Down Direction = "down" // server -> board
)

// Action says what the relay did with a tapped frame.
type Action string

// Actions.
const (
	Forwarded Action = "forwarded" // passed on as received
	Replayed  Action = "replayed"  // cached login / info packet sent again after a reconnect
	Buffered  Action = "buffered"  // kept for the server while it is unreachable
	Swallowed Action = "swallowed" // an answer to a replay, not passed to the board
	Local     Action = "local"     // answered by the relay itself (PING during an outage)
	Dropped   Action = "dropped"   // not delivered (see Note)
)

// TapEvent is one frame the relay handled, for a UI. Text is the codec's
// one-line form (a login token redacted). Frame is a copy whose login body is
// removed (Len still says how long it was), so nothing a tap prints or
// stores can leak the token.
type TapEvent struct {
	Time   time.Time   `json:"time"`
	Board  string      `json:"board"`
	Dir    Direction   `json:"dir"`
	Action Action      `json:"action"`
	Text   string      `json:"text"`
	Frame  blynk.Frame `json:"frame"`
	Note   string      `json:"note,omitempty"`
}

// safeFrame copies f for the tap: a login body (the token) is removed.
func safeFrame(f blynk.Frame) blynk.Frame {
	if f.Cmd.IsLogin() {
		return blynk.Frame{Cmd: f.Cmd, ID: f.ID, Len: f.Len}
	}
	f.Body = append([]byte(nil), f.Body...)
	return f
}

// DropCauses formats Stats.DroppedBy for a text line: "buffer-full=3
// shutdown=2", sorted; "none" when empty.
func DropCauses(m map[string]int64) string {
	if len(m) == 0 {
		return "none"
	}
	keys := slices.Sorted(maps.Keys(m))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + strconv.FormatInt(m[k], 10)
	}
	return strings.Join(parts, " ")
}
