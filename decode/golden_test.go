package decode

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/logs")

// The fake token the corpus logs use in login dumps; it must never appear in
// any output.
const corpusToken = "Zx9kQ2mB7vLp4RtY8wNc3HdF6sJe1GaU"

var fixedClock = func() time.Time { return time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC) }

// decodeAll feeds data in chunks of size n (0: all at once) and flushes.
func decodeAll(t testing.TB, data []byte, n int, elf *Symbolizer) []Event {
	d := New(Options{Now: fixedClock, ELF: elf})
	var evs []Event
	if n <= 0 {
		n = len(data) + 1
	}
	for i := 0; i < len(data); i += n {
		end := min(i+n, len(data))
		evs = append(evs, d.Feed(data[i:end])...)
	}
	return append(evs, d.Flush()...)
}

// render is the golden form: everything an event carries, one field a line.
func render(evs []Event, ps []Problem) string {
	var b strings.Builder
	for i, e := range evs {
		ms := "-"
		if e.DeviceMillis >= 0 {
			ms = fmt.Sprint(e.DeviceMillis)
		}
		fmt.Fprintf(&b, "#%d %s %s ms=%s\n", i+1, e.Kind, e.Severity, ms)
		fmt.Fprintf(&b, "  raw: %q\n", e.Raw)
		if e.Summary != "" {
			fmt.Fprintf(&b, "  sum: %s\n", e.Summary)
		}
		for _, k := range e.FieldKeys() {
			fmt.Fprintf(&b, "  f.%s: %s\n", k, e.Fields[k])
		}
		for _, f := range e.Frames {
			fmt.Fprintf(&b, "  frame: %s %s %s", f.Source, hex8(f.Addr), f.Region)
			for _, l := range f.Loc {
				fmt.Fprintf(&b, " | %s %s:%d", l.Func, l.File, l.Line)
			}
			b.WriteByte('\n')
		}
		if e.Detail != "" {
			for _, dl := range strings.Split(e.Detail, "\n") {
				fmt.Fprintf(&b, "  | %s\n", dl)
			}
		}
	}
	b.WriteString("== diagnosis\n")
	for _, p := range ps {
		fmt.Fprintf(&b, "%s %s x%d: %s\n  fix: %s\n", p.ID, p.Severity, p.Count, p.Title, p.Fix)
		for _, m := range p.More {
			fmt.Fprintf(&b, "  more: %s\n", m)
		}
	}
	return b.String()
}

// checkConservation: the Raw fields, concatenated, give back the input,
// except token characters replaced by '*' in place.
func checkConservation(t testing.TB, in []byte, evs []Event) {
	t.Helper()
	var out bytes.Buffer
	for _, e := range evs {
		out.WriteString(e.Raw)
	}
	o := out.Bytes()
	if len(o) != len(in) {
		t.Fatalf("byte conservation: %d bytes in, %d bytes in events' Raw", len(in), len(o))
	}
	for i := range in {
		if in[i] != o[i] && o[i] != '*' {
			t.Fatalf("byte conservation: byte %d is %q in the input but %q in the events", i, in[i], o[i])
		}
	}
}

func TestCorpusGolden(t *testing.T) {
	logs, _ := filepath.Glob("testdata/logs/*.log")
	if len(logs) < 15 {
		t.Fatalf("corpus has only %d logs", len(logs))
	}
	elf := loadFixture(t)
	kinds := map[Kind]bool{}
	for _, path := range logs {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var sym *Symbolizer
			if strings.HasPrefix(filepath.Base(path), "elf-") {
				sym = elf
			}
			evs := decodeAll(t, data, 0, sym)
			checkConservation(t, data, evs)
			g := NewDiagnoser()
			g.Feed(evs...)
			got := render(evs, g.Problems())
			if strings.Contains(got, corpusToken) {
				t.Fatal("the auth token appears in the decoded output")
			}
			for _, e := range evs {
				kinds[e.Kind] = true
			}
			// Chunking must not change anything: byte by byte, and odd sizes.
			for _, n := range []int{1, 7, 61} {
				if r := render(decodeAll(t, data, n, sym), nil); r != render(evs, nil) {
					t.Fatalf("feeding %d bytes at a time gives different events:\n%s", n, firstDiff(r, render(evs, nil)))
				}
			}
			golden := strings.TrimSuffix(path, ".log") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./decode -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from the golden file (go test ./decode -update rewrites it):\n%s", path, firstDiff(got, string(want)))
			}
		})
	}
	for _, k := range []Kind{KindText, KindBlank, KindGarbage, KindNoise, KindROMBanner, KindROMLine, KindEboot, KindCrash,
		KindReboot, KindBlynkBanner, KindBlynkLogo, KindBlynk, KindBlynkFrame, KindWiFi, KindCore, KindTLS} {
		if !kinds[k] {
			t.Errorf("no corpus log produces a %q event", k)
		}
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d:\n got: %s\nwant: %s", i+1, al[i], bl[i])
		}
	}
	return fmt.Sprintf("lengths differ: %d vs %d lines", len(al), len(bl))
}
