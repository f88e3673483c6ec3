package bberr

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

// The README's exit-code table must list exactly the codes in Table.
func TestREADMEExitCodeTable(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, e := range Table {
		row := fmt.Sprintf("| %d | `%s` | %s |", e.Code, e.Name, e.Meaning)
		if !strings.Contains(readme, row) {
			t.Errorf("README lacks exit-code row %q", row)
		}
	}
	if n := strings.Count(readme[strings.Index(readme, "exit-codes:begin"):strings.Index(readme, "exit-codes:end")], "\n| "); n != len(Table)+1 {
		t.Errorf("README exit-code table has %d rows, want %d", n-1, len(Table))
	}
}

func TestCodeAndHint(t *testing.T) {
	base := New(PortBusy, "close the other program", "port /dev/x busy")
	wrapped := fmt.Errorf("flash: %w", base)
	if CodeOf(wrapped) != PortBusy || HintOf(wrapped) != "close the other program" {
		t.Fatal(CodeOf(wrapped), HintOf(wrapped))
	}
	if CodeOf(context.Canceled) != Interrupted || CodeOf(errors.New("x")) != Failure || CodeOf(nil) != OK {
		t.Fatal("codes")
	}
	inner := Wrap(base, NoResponse, "", "sync failed")
	if HintOf(inner) != "close the other program" || !errors.Is(inner, base) {
		t.Fatal("hint chain")
	}
}
