package decode

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/internal/testkit"
)

// Ctrl-C on a live pipe: what was read is decoded and diagnosed, and Run
// returns the context's error (the command then exits 130).
func TestRunInterruptedDiagnoses(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var out testkit.SyncBuffer
	done := make(chan error, 1)
	go func() {
		_, err := Run(ctx, pr, &out, RunOptions{Idle: 20 * time.Millisecond})
		done <- err
	}()
	if _, err := pw.Write([]byte("> [1] Invalid auth token.\n")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "the server refused the auth token") {
		if time.Now().After(deadline) {
			t.Fatalf("the line was not decoded: %q", out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v", err)
	}
	for _, want := range []string{"input: lines start with a forum / e-mail quote marker", "Diagnosis: 1 problem(s)", "the server refuses the auth token"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("missing %q in:\n%s", want, out.String())
		}
	}
}

// A partial line on a pipe that pauses is shown after the idle time, not
// held back until a newline that may never come.
func TestRunIdleFlush(t *testing.T) {
	pr, pw := io.Pipe()
	var out testkit.SyncBuffer
	done := make(chan error, 1)
	go func() {
		_, err := Run(context.Background(), pr, &out, RunOptions{Idle: 20 * time.Millisecond, NoDiagnosis: true})
		done <- err
	}()
	if _, err := pw.Write([]byte("[99506] Last error code: 701")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "could not connect to the Wi-Fi network") {
		if time.Now().After(deadline) {
			t.Fatalf("the partial line was not shown: %q", out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	pw.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
