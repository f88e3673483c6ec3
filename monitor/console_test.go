package monitor

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Saving never overwrites: a second save in the same second gets -2.
func TestSaveBytesNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	a, err := SaveBytes(dir, now, []byte("one"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := SaveBytes(dir, now, []byte("two"))
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(a) != "blynkbridge-20261128-100000.log" || filepath.Base(b) != "blynkbridge-20261128-100000-2.log" {
		t.Fatalf("%s %s", a, b)
	}
	if got, _ := os.ReadFile(a); string(got) != "one" {
		t.Fatalf("first save overwritten: %q", got)
	}
}

// The flash key without --image says what to do.
func TestConsoleFlashWithoutImage(t *testing.T) {
	c := &Console{}
	if c.FlashLabel() != "" || c.ImageProblems() != nil {
		t.Fatal("label or problems without an image")
	}
	if _, err := c.Flash(t.Context(), nil); err == nil {
		t.Fatal("flash without an image succeeded")
	}
}
