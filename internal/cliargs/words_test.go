package cliargs

import (
	"slices"
	"testing"
)

func TestShellWord(t *testing.T) {
	for in, want := range map[string]string{
		"/dev/ttyUSB0":  "/dev/ttyUSB0",
		"--baud=115200": "--baud=115200",
		"":              "''",
		"my fw.bin":     "'my fw.bin'",
		"it's":          `'it'\''s'`,
		"$HOME":         "'$HOME'",
		"'quoted'":      "'quoted'",
	} {
		if got := ShellWord(in); got != want {
			t.Errorf("ShellWord(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNonEmpty(t *testing.T) {
	got := NonEmpty([]string{" a ", "", "b", "a", "  "})
	if !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("got %q", got)
	}
	if NonEmpty(nil) != nil {
		t.Error("nil in, want nil out")
	}
}
