package daemon

import (
	"encoding/json"
	"time"

	"github.com/blynkbridge/blynkbridge/decode"
	"github.com/blynkbridge/blynkbridge/monitor"
	"github.com/blynkbridge/blynkbridge/relay"
)

// Board states as the API reports them.
const (
	StateAbsent   = "absent"  // port not open: not plugged in, unplugged, or not there yet
	StateRunning  = "running" // the sketch runs (it booted; nothing worse seen since)
	StateCrashed  = "crashed" // the last boot ended in a crash
	StateBootLoop = "boot loop"
	StateFlashing = "flashing" // the port is lent to a flasher
	StateLent     = "lent"     // the port is lent to a remote RFC 2217 client
	StateRelaying = "relaying" // running, and the relay's session is online
	StateDownload = "download mode"
	StateUnknown  = "unknown" // connected, nothing decoded yet
)

// BoardStatus is one board in GET /v1/boards (schema v1, docs/daemon.md).
type BoardStatus struct {
	Name      string  `json:"name"`
	Port      string  `json:"port"`           // the spec it was configured with
	Path      string  `json:"path,omitempty"` // what is open now
	State     string  `json:"state"`
	Connected bool    `json:"connected"`
	LentTo    string  `json:"lent_to,omitempty"`
	Baud      int     `json:"baud"`
	BytesIn   int64   `json:"bytes_in"`     // read from the board since the daemon started
	BytesLog  int64   `json:"bytes_logged"` // handed to the raw log (bytes_in minus what is still in flight)
	Rate      float64 `json:"bytes_per_second"`
	Gaps      int     `json:"gaps"` // unplug/replug gaps

	Blynk    string          `json:"blynk,omitempty"` // connecting, ready, invalid token ...
	BootedAt string          `json:"booted_at,omitempty"`
	UptimeS  float64         `json:"uptime_s,omitempty"`
	Crash    json.RawMessage `json:"last_crash,omitempty"` // decode's v1 event
	Problems []Problem       `json:"problems"`             // the live diagnosis

	Relay      *relay.Stats `json:"relay,omitempty"`
	RelayError string       `json:"relay_error,omitempty"`

	RFC2217        string `json:"rfc2217,omitempty"` // the board's RFC 2217 server address
	RFC2217Clients int    `json:"rfc2217_clients"`
	Attached       int    `json:"attached"` // monitors attached now

	RawLog  fileHealth `json:"raw_log"`
	Journal fileHealth `json:"journal"`
}

// Status is the board's current status.
func (b *Board) Status() BoardStatus {
	st := b.eng.Status()
	b.mu.Lock()
	defer b.mu.Unlock()
	s := BoardStatus{
		Name: b.cfg.Name, Port: b.cfg.Port, Connected: st.Connected, LentTo: b.lentTo,
		Baud: st.Baud, BytesIn: st.BytesIn, BytesLog: b.bytesLogged.Load(), Rate: st.Rate, Gaps: st.Gaps,
		Blynk: string(b.state.Blynk), Problems: problemsOf(b.problems),
		RFC2217: b.rfcAddr, RFC2217Clients: b.rfcClients, Attached: len(b.attachQ),
		RawLog: b.rawFile.Health(), Journal: b.jrFile.Health(),
	}
	if st.Connected {
		s.Path = st.Port
	}
	if b.state.Crash != nil {
		s.Crash, _ = json.Marshal(b.state.Crash)
	}
	if !b.state.BootedAt.IsZero() {
		s.BootedAt = b.state.BootedAt.UTC().Format(time.RFC3339Nano)
		s.UptimeS = time.Since(b.state.BootedAt).Round(time.Millisecond).Seconds()
	}
	var relayOnline bool
	if b.relay != nil {
		rs := b.relay.Stats()[0]
		s.Relay = &rs
		relayOnline = rs.State == relay.StateOnline
		if err := b.relay.Err()[0]; err != nil {
			s.RelayError = err.Error()
		}
	}
	s.State = b.stateLocked(st, relayOnline)
	return s
}

func (b *Board) stateLocked(st monitor.Status, relayOnline bool) string {
	switch {
	case b.lentTo != "" && st.Lent:
		if len(b.lentTo) >= 5 && b.lentTo[:5] == "flash" {
			return StateFlashing
		}
		return StateLent
	case !st.Connected:
		return StateAbsent
	}
	for _, p := range b.problems {
		if p.ID == "boot-loop" {
			return StateBootLoop
		}
	}
	switch b.state.Board {
	case monitor.BoardCrashed:
		return StateCrashed
	case monitor.BoardDownload:
		return StateDownload
	case monitor.BoardRunning:
		if relayOnline {
			return StateRelaying
		}
		return StateRunning
	}
	if relayOnline {
		return StateRelaying
	}
	return StateUnknown
}

// Problem is one diagnosis entry as the API carries it: decode's v1
// problem schema, read back on the client side.
type Problem = decode.ProblemJSON

func problemsOf(ps []decode.Problem) []Problem {
	out := make([]Problem, 0, len(ps))
	for _, p := range ps {
		var v Problem
		if b, err := json.Marshal(p); err == nil && json.Unmarshal(b, &v) == nil {
			out = append(out, v)
		}
	}
	return out
}
