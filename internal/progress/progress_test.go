package progress

import (
	"bytes"
	"strings"
	"testing"
)

func TestBar(t *testing.T) {
	var buf bytes.Buffer
	p := NewTerminal(&buf, "Writing")
	p.Update(0, 4096)
	p.Update(4096, 4096)
	p.Finish()
	s := buf.String()
	if !strings.Contains(s, "\r[..............................]   0% 0/4096 bytes") ||
		!strings.Contains(s, "\r[##############################] 100% 4096/4096 bytes") || !strings.HasSuffix(s, "\n") {
		t.Fatalf("%q", s)
	}
	buf.Reset()
	p = New(&buf, "Writing", true, false)
	p.Update(1, 2)
	if buf.Len() != 0 {
		t.Fatal("progress printed with --json")
	}
	p = New(&buf, "Reading", false, true)
	for i := 0; i <= 10; i++ {
		p.Update(i, 10)
	}
	if n := strings.Count(buf.String(), "Reading at "); n != 10 || !strings.Contains(buf.String(), "Reading at 100% (10 of 10 bytes)") {
		t.Fatalf("plain lines:\n%s", buf.String())
	}
}
