package monitor

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/decode"
)

func decodeItems(text string) []Item {
	d := decode.New(decode.Options{Now: func() time.Time { return time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC) }})
	var items []Item
	for _, e := range append(d.Feed([]byte(text)), d.Flush()...) {
		items = append(items, Item{Kind: ItemEvent, Event: e})
	}
	return append(items, Item{Kind: ItemNote, Time: time.Date(2026, 11, 28, 10, 0, 1, 0, time.UTC), Note: "reset into the sketch"})
}

const forum = "[10] Connecting to 127.0.0.1\r\n[16] Certificate doesn't match\r\n[2016] Login timeout\r\n"

func TestPrinterPlain(t *testing.T) {
	var b bytes.Buffer
	p := NewPrinter(&b, false)
	tr := NewTracker()
	for _, it := range decodeItems(forum) {
		p.Print(it)
		tr.Observe(it, Status{Connected: true})
	}
	p.Problems(tr.Problems())
	s := b.String()
	for _, want := range []string{"[16] Certificate doesn't match\n", "   XX TLS (axTLS)", "-- reset into the sketch\n", "== diagnosis", "axTLS's check"} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %q in:\n%s", want, s)
		}
	}
	if st := tr.State(); st.Blynk != BlynkCertMismatch || st.Board != BoardRunning || st.Server != "127.0.0.1" {
		t.Errorf("state %+v", st)
	}
}

// --json: one decode v1 record per line, notes as monitor-note, then the
// diagnosis record.
func TestPrinterJSON(t *testing.T) {
	var b bytes.Buffer
	p := NewPrinter(&b, true)
	tr := NewTracker()
	for _, it := range decodeItems(forum) {
		p.Print(it)
		tr.Observe(it, Status{Connected: true})
	}
	p.Problems(tr.Problems())
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 5 {
		t.Fatalf("%d lines:\n%s", len(lines), b.String())
	}
	kinds := []string{"blynk", "blynk", "blynk", "monitor-note", "diagnosis"}
	for i, l := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("line %d: %v: %s", i, err, l)
		}
		if rec["v"] != 1.0 || rec["kind"] != kinds[i] {
			t.Errorf("line %d: v=%v kind=%v, want kind %s", i, rec["v"], rec["kind"], kinds[i])
		}
	}
}

// The tracker's Blynk state follows the library's messages.
func TestTrackerBlynkStates(t *testing.T) {
	cases := []struct {
		log  string
		want BlynkState
	}{
		{"[10] Connecting to blynk.example.com:8441\r\n", BlynkConnecting},
		{"[10] Connecting to x:1\r\n[20] Ready (ping: 12ms).\r\n", BlynkReady},
		{"[10] Connecting to x:1\r\n[20] Invalid auth token\r\n", BlynkInvalidToken},
		{"[10] Connecting to x:1\r\n[2010] Login timeout\r\n", BlynkTimeout},
		{"[10] Connecting to 1.2.3.4\r\n[20] Certificate doesn't match\r\n[2020] Login timeout\r\n", BlynkCertMismatch},
	}
	for _, c := range cases {
		tr := NewTracker()
		for _, it := range decodeItems(c.log) {
			tr.Observe(it, Status{Connected: true})
		}
		if got := tr.State().Blynk; got != c.want {
			t.Errorf("%q: %q, want %q", c.log, got, c.want)
		}
	}
	tr := NewTracker()
	for _, it := range decodeItems("[20] Ready (ping: 12ms).\r\n") {
		tr.Observe(it, Status{})
	}
	if tr.State().Ping != "12ms" {
		t.Errorf("ping %q", tr.State().Ping)
	}
}
