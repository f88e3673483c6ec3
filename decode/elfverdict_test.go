package decode

import (
	"encoding/json"
	"strings"
	"testing"
)

// An ELF that does not match the crash, though the crash's epc1 happens to
// lie inside its code: one verdict ("mismatch"), no function names in the
// summary, the frames, the JSON or the diagnosis, and the warning lists
// the addresses really outside (not epc1) with inclusive section bounds.
func TestELFMismatchVerdictNamesNothing(t *testing.T) {
	elf, err := OpenELF(fixtureELF)
	if err != nil {
		t.Fatal(err)
	}
	in := "Exception (28):\r\n" +
		"epc1=0x4020101f epc2=0x00000000 epc3=0x00000000 excvaddr=0x00000004 depc=0x00000000\r\n" +
		">>>stack>>>\r\n" +
		"3fffff30:  40212e6c 40213bd9 40215a01 40210a7c  \r\n" +
		"3fffff40:  40221000 40222000 40223000 40224000  \r\n" +
		"<<<stack<<<\r\n"
	d := New(Options{Now: fixedClock, ELF: elf})
	evs := append(d.Feed([]byte(in)), d.Flush()...)
	var crash *Event
	for i := range evs {
		if evs[i].Kind == KindCrash {
			crash = &evs[i]
		}
	}
	if crash == nil {
		t.Fatalf("no crash event in %d events", len(evs))
	}
	if crash.Fields["elf"] != "mismatch" {
		t.Fatalf("verdict %q, want mismatch", crash.Fields["elf"])
	}
	for _, f := range crash.Frames {
		if len(f.Loc) > 0 {
			t.Fatalf("a mismatched ELF named %v at %#x", f.Loc, f.Addr)
		}
	}
	if strings.Contains(crash.Summary, " - in ") {
		t.Fatalf("summary names a function from a mismatched ELF: %q", crash.Summary)
	}
	if strings.Contains(crash.Detail, "(epc1") || strings.Contains(crash.Detail, "epc1 0x4020101f,") {
		t.Fatalf("warning says epc1 lies outside though it is inside: %q", crash.Detail)
	}
	if !strings.Contains(crash.Detail, "0x40201010-0x40201113") {
		t.Fatalf("section bounds not inclusive: %q", crash.Detail)
	}
	js, _ := json.Marshal(crash)
	for _, name := range []string{"setup", "loop", "\"func\""} {
		if strings.Contains(string(js), name) {
			t.Fatalf("JSON names %q from a mismatched ELF: %s", name, js)
		}
	}
	g := NewDiagnoser()
	g.Feed(evs...)
	var b strings.Builder
	_ = WriteProblems(&b, g.Problems())
	if !strings.Contains(b.String(), "the ELF given is not the one that crashed") || strings.Contains(b.String(), "setup") {
		t.Fatalf("diagnosis:\n%s", b.String())
	}
}
