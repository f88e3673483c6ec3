package monitor

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/blynkbridge/blynkbridge/decode"
)

// Printer writes items for a non-terminal consumer: annotated lines (the
// text form of `blynkbridge decode`, host notes as "-- text") or JSON lines
// (decode's v1 event schema; host notes as {"v":1,"kind":"monitor-note"}).
// Data items are not printed: with a decoder every byte reaches the output
// through an event's Raw.
type Printer struct {
	w    io.Writer
	json bool
	ann  *decode.Annotator
	enc  *json.Encoder
}

// NewPrinter returns a printer writing to w; asJSON selects JSON lines.
func NewPrinter(w io.Writer, asJSON bool) *Printer {
	p := &Printer{w: w, json: asJSON, ann: &decode.Annotator{W: w}, enc: json.NewEncoder(w)}
	p.enc.SetEscapeHTML(false)
	return p
}

// NoteRecord is the JSON form of a host note.
type NoteRecord struct {
	V    int    `json:"v"`
	Kind string `json:"kind"` // "monitor-note"
	Time string `json:"host_time"`
	Text string `json:"text"`
}

// Print writes one item.
func (p *Printer) Print(it Item) error {
	switch it.Kind {
	case ItemEvent:
		if p.json {
			return p.enc.Encode(it.Event)
		}
		return p.ann.Write(it.Event)
	case ItemNote:
		if p.json {
			return p.enc.Encode(NoteRecord{V: decode.SchemaVersion, Kind: "monitor-note", Time: it.Time.UTC().Format(time.RFC3339Nano), Text: it.Note})
		}
		_, err := fmt.Fprintf(p.w, "-- %s\n", it.Note)
		return err
	}
	return nil
}

// Problems writes the diagnosis: text, or one decode.DiagnosisRecord line.
func (p *Printer) Problems(ps []decode.Problem) error {
	if p.json {
		return p.enc.Encode(decode.NewDiagnosisRecord(ps))
	}
	if len(ps) == 0 {
		return nil
	}
	if _, err := fmt.Fprintln(p.w, "== diagnosis"); err != nil {
		return err
	}
	return decode.WriteProblems(p.w, ps)
}
