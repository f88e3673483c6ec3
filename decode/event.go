package decode

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// Kind names what an event is. The string values are part of the JSON
// schema (v1) and never change meaning.
type Kind string

// Event kinds.
const (
	KindText        Kind = "text"         // a line nothing recognised
	KindBlank       Kind = "blank"        // an empty line
	KindGarbage     Kind = "baud-garbage" // unreadable bytes: 74880-baud boot text read at another baud (a reset)
	KindNoise       Kind = "noise"        // a few unreadable bytes, too few to call a reset
	KindROMBanner   Kind = "rom-banner"   // " ets Jan  8 2013,rst cause:2, boot mode:(3,6)"
	KindROMLine     Kind = "rom-loader"   // load/tail/chksum/csum/... and other ROM lines
	KindEboot       Kind = "eboot"        // Arduino bootloader: v<h8>, ~ld, e:N
	KindCrash       Kind = "crash"        // one whole crash dump (Exception, WDT, panic, abort, OOM)
	KindReboot      Kind = "reboot"       // a reboot inferred without a banner (Blynk [ms] went backwards)
	KindBlynkBanner Kind = "blynk-banner" // "Blynk v0.6.1 on ESP8266"
	KindBlynkLogo   Kind = "blynk-logo"   // the ASCII logo around the banner
	KindBlynk       Kind = "blynk"        // a "[ms] text" line of the Blynk library
	KindBlynkFrame  Kind = "blynk-frame"  // a BLYNK_DEBUG protocol dump, decoded
	KindWiFi        Kind = "wifi"         // SDK / core Wi-Fi lines
	KindCore        Kind = "core"         // ESP8266 core debug lines (SDK:… banner, [hostByName] …)
	KindTLS         Kind = "tls"          // BearSSL (BSSL:) and axTLS messages
	KindInput       Kind = "input"        // what the normaliser found: encoding, line ends, a prefix style (Raw empty but for a UTF-8 BOM)
	KindApp         Kind = "app"          // another program's output: a third-party library (WiFiManager, ESPHome, AT firmware ...) or another Blynk client
	KindPaste       Kind = "paste"        // forum markup around a pasted log (a Markdown code fence)
	KindNote        Kind = "monitor-note" // a host-side note in a `blynkbridge monitor --log` file ("-- ...")
)

// Severity ranks events for display and filtering.
type Severity int

// Severities, lowest first.
const (
	SevDebug Severity = iota // routine detail (loader lines, logo)
	SevInfo                  // normal progress
	SevWarn                  // something is off but may recover
	SevError                 // a failure: crash, refused token, TLS failure
)

var sevNames = [...]string{"debug", "info", "warn", "error"}

func (s Severity) String() string {
	if int(s) < len(sevNames) && s >= 0 {
		return sevNames[s]
	}
	return "info"
}

// MarshalText makes severities strings in JSON.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity back (clients of the daemon's API read the
// v1 problem schema); an unknown name is an error, not a silent "info".
func (s *Severity) UnmarshalText(b []byte) error {
	for i, n := range sevNames {
		if n == string(b) {
			*s = Severity(i)
			return nil
		}
	}
	return fmt.Errorf("unknown severity %q", b)
}

// Event is one decoded piece of the stream. Concatenating Raw over all events
// in order gives back the input, except that auth tokens inside BLYNK_DEBUG
// login dumps are replaced by '*' of the same length.
type Event struct {
	Kind         Kind
	HostTime     time.Time         // when the event's first byte reached the decoder
	DeviceMillis int64             // the board's millis() if the line carried it, else -1
	Raw          string            // the exact bytes (terminator and host prefix included)
	Summary      string            // one line, plain words
	Detail       string            // more lines: meaning, what to do; may be empty
	Fields       map[string]string // machine-readable facts, keys documented per kind; read-only (maps may be shared between events)
	Severity     Severity
	Frames       []Frame // crash events: symbolized code addresses, dump order

	sharedFields bool // Fields is a shared read-only map (copy before writing)
}

// Frame is one code address of a crash dump and what it resolves to.
type Frame struct {
	Source string        // "epc1", "excvaddr", "stack", "alloc", "alloc-caller"
	Addr   uint32        // the code address
	Where  uint32        // stack words: the stack address holding it
	Region string        // "iram", "flash", "rom"
	Loc    []SourceFrame // innermost first; several when inlined; empty if unknown
}

// SourceFrame is a function and source position; Line 0 means unknown.
type SourceFrame struct {
	Func          string `json:"func"`
	File          string `json:"file"`
	Line          int    `json:"line"`
	Discriminator int    `json:"discriminator,omitempty"`
}

// SchemaVersion is the "v" of every JSON record.
const SchemaVersion = 1

type jsonFrame struct {
	Source string        `json:"source"`
	Addr   string        `json:"addr"`
	Where  string        `json:"stack_addr,omitempty"`
	Region string        `json:"region"`
	Loc    []SourceFrame `json:"loc"`
}

type jsonEvent struct {
	V        int               `json:"v"`
	Kind     Kind              `json:"kind"`
	HostTime string            `json:"host_time"`
	DeviceMs *int64            `json:"device_ms"`
	Severity Severity          `json:"severity"`
	Summary  string            `json:"summary"`
	Detail   string            `json:"detail,omitempty"`
	Fields   map[string]string `json:"fields,omitempty"`
	Frames   []jsonFrame       `json:"frames,omitempty"`
	Raw      string            `json:"raw"`
}

// MarshalJSON writes the v1 schema documented in the README.
func (e Event) MarshalJSON() ([]byte, error) {
	j := jsonEvent{V: SchemaVersion, Kind: e.Kind, Severity: e.Severity, Summary: e.Summary,
		Detail: e.Detail, Fields: e.Fields, Raw: e.Raw}
	if !e.HostTime.IsZero() {
		j.HostTime = e.HostTime.UTC().Format(time.RFC3339Nano)
	}
	if e.DeviceMillis >= 0 {
		ms := e.DeviceMillis
		j.DeviceMs = &ms
	}
	for _, f := range e.Frames {
		jf := jsonFrame{Source: f.Source, Addr: hex8(f.Addr), Region: f.Region, Loc: f.Loc}
		if f.Where != 0 {
			jf.Where = hex8(f.Where)
		}
		if jf.Loc == nil {
			jf.Loc = []SourceFrame{}
		}
		j.Frames = append(j.Frames, jf)
	}
	return json.Marshal(j)
}

// FieldKeys returns the event's field names sorted, for stable printing.
func (e Event) FieldKeys() []string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func hex8(v uint32) string {
	const digits = "0123456789abcdef"
	var b [10]byte
	b[0], b[1] = '0', 'x'
	for i := 9; i >= 2; i-- {
		b[i] = digits[v&15]
		v >>= 4
	}
	return string(b[:])
}
