package clilog

import (
	"bytes"
	"strings"
	"testing"
)

func TestPlainShowsWarningsAsLines(t *testing.T) {
	var b bytes.Buffer
	l := New(&b, false)
	l.Debug("internal detail", "k", 1)
	l.Info("internal progress")
	l.Warn("the image has no config block", "file", "fw.bin")
	l.With("port", "/dev/x").Error("gave up")
	want := "warning: the image has no config block (file=fw.bin)\nerror: gave up (port=/dev/x)\n"
	if b.String() != want {
		t.Fatalf("got %q want %q", b.String(), want)
	}
	if strings.Contains(b.String(), "level=") || strings.Contains(b.String(), "time=") {
		t.Fatal("log fields on the user's stream")
	}
}

func TestVerboseShowsDebug(t *testing.T) {
	var b bytes.Buffer
	New(&b, true).Debug("internal detail", "k", 1)
	if !strings.Contains(b.String(), "level=DEBUG") || !strings.Contains(b.String(), "k=1") {
		t.Fatal(b.String())
	}
}
