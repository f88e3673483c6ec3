package demo

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

func TestRunPlainStory(t *testing.T) {
	var out bytes.Buffer
	err := RunPlain(context.Background(), &out, Options{WiFiJoin: -1}, 30*time.Second)
	if testing.Verbose() {
		os.Stdout.Write(out.Bytes())
	}
	if err != nil {
		t.Fatalf("RunPlain: %v\n%s", err, out.String())
	}
	s := out.String()
	for _, want := range []string{
		"Connecting to 127.0.0.1",
		"Certificate doesn't match",
		"Login timeout",
		"U+200E",
		"127.0.0.1: axTLS",
		`host "localhost"`,
		"Ready (ping: ",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}
