package jsonout

import (
	"strings"
	"testing"
)

func TestWriteIndentedUnescaped(t *testing.T) {
	var b strings.Builder
	if err := Write(&b, map[string]any{"v": 1, "t": "<token …45, 32 chars> & more"}); err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"t\": \"<token …45, 32 chars> & more\",\n  \"v\": 1\n}\n"
	if b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}
