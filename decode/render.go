package decode

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// Printable returns raw as terminal-safe lines: terminators dropped, control
// and invalid bytes shown as \xNN so baud garbage cannot upset a terminal.
func Printable(raw string) []string {
	raw = strings.TrimRight(raw, "\r\n")
	if raw == "" {
		return []string{""}
	}
	var out []string
	for _, ln := range strings.Split(raw, "\n") {
		ln = strings.TrimRight(ln, "\r")
		var b strings.Builder
		for i := 0; i < len(ln); {
			c := ln[i]
			switch {
			case c >= 0x20 && c < 0x7f || c == '\t':
				b.WriteByte(c)
				i++
			case c < 0x80:
				fmt.Fprintf(&b, "\\x%02x", c)
				i++
			default:
				r, n := decodeRune(ln[i:])
				if r < 0 || r == 0xFFFD || r < 0xa0 {
					fmt.Fprintf(&b, "\\x%02x", c)
					i++
					continue
				}
				b.WriteString(ln[i : i+n])
				i += n
			}
		}
		out = append(out, b.String())
	}
	return out
}

// Annotator writes events in the text form of `blynkbridge decode`, showing
// each distinct explanation (Detail) once: a log repeating the same line a
// hundred times gets the paragraph the first time and the summary after.
type Annotator struct {
	W    io.Writer
	seen map[string]bool
}

// Write annotates one event.
func (a *Annotator) Write(e Event) error {
	if e.Detail != "" {
		if a.seen == nil {
			a.seen = map[string]bool{}
		}
		if a.seen[e.Detail] {
			e.Detail = ""
		} else if len(a.seen) < 10000 {
			a.seen[e.Detail] = true
		}
	}
	return Annotate(a.W, e)
}

// Annotate writes e as the text form of `blynkbridge decode`: the original
// line(s), then the explanation indented under them. Blank lines and
// undecoded text are echoed without annotation; debug-level events get only
// their summary.
func Annotate(w io.Writer, e Event) error {
	var b strings.Builder
	for _, ln := range Printable(e.Raw) {
		if e.Raw == "" {
			break // synthetic event (inferred reboot)
		}
		b.WriteString(ln)
		b.WriteByte('\n')
	}
	if e.Summary != "" {
		mark := "   -> "
		switch e.Severity {
		case SevWarn:
			mark = "   !! "
		case SevError:
			mark = "   XX "
		}
		b.WriteString(mark)
		b.WriteString(e.Summary)
		b.WriteByte('\n')
		if e.Detail != "" && e.Severity > SevDebug {
			for _, dl := range strings.Split(e.Detail, "\n") {
				b.WriteString("      ")
				b.WriteString(dl)
				b.WriteByte('\n')
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteProblems writes the diagnosis in text form.
func WriteProblems(w io.Writer, ps []Problem) error {
	var b strings.Builder
	if len(ps) == 0 {
		b.WriteString("Diagnosis: no problems found.\n")
	} else {
		fmt.Fprintf(&b, "Diagnosis: %d problem(s)\n", len(ps))
	}
	for _, p := range ps {
		fmt.Fprintf(&b, "\n[%s] %s", p.Severity, p.Title)
		if p.Count > 1 {
			fmt.Fprintf(&b, " (seen %d times)", p.Count)
		}
		if p.Certainty != "" {
			fmt.Fprintf(&b, "\n  how sure: %s", p.Certainty)
		}
		fmt.Fprintf(&b, "\n  why: %s\n  fix: %s\n", p.Explanation, p.Fix)
		for _, m := range p.More {
			fmt.Fprintf(&b, "  also check: %s\n", m)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// ProblemJSON is a problem in the v1 JSON schema: what Problem marshals to,
// and what a client of the daemon's API reads back.
type ProblemJSON struct {
	ID          string   `json:"id"`
	Severity    Severity `json:"severity"`
	Title       string   `json:"title"`
	Explanation string   `json:"explanation"`
	Fix         string   `json:"fix"`
	More        []string `json:"more,omitempty"`
	Certainty   string   `json:"certainty,omitempty"`
	Count       int      `json:"count"`
	First       string   `json:"first,omitempty"`
	Last        string   `json:"last,omitempty"`
	Evidence    string   `json:"evidence"`
}

// MarshalJSON writes a problem in the v1 schema.
func (p Problem) MarshalJSON() ([]byte, error) {
	j := ProblemJSON{ID: p.ID, Severity: p.Severity, Title: p.Title, Explanation: p.Explanation, Fix: p.Fix,
		More: p.More, Certainty: p.Certainty, Count: p.Count, Evidence: p.Evidence}
	if !p.First.IsZero() {
		j.First = p.First.UTC().Format(time.RFC3339Nano)
		j.Last = p.Last.UTC().Format(time.RFC3339Nano)
	}
	return json.Marshal(j)
}

// DiagnosisRecord is the last JSON line of `decode --json`.
type DiagnosisRecord struct {
	V        int       `json:"v"`
	Kind     string    `json:"kind"` // always "diagnosis"
	Problems []Problem `json:"problems"`
}

// NewDiagnosisRecord wraps problems for JSON output.
func NewDiagnosisRecord(ps []Problem) DiagnosisRecord {
	if ps == nil {
		ps = []Problem{}
	}
	return DiagnosisRecord{V: SchemaVersion, Kind: "diagnosis", Problems: ps}
}
