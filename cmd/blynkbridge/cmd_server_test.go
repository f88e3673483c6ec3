package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func waitFor(t *testing.T, b *syncBuf, re *regexp.Regexp) []string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(b.String()); m != nil {
			return m
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no %v in output:\n%s", re, b.String())
	return nil
}

const cliTok = "0123456789abcdef0123456789abcdef"

func TestServerCommandTLS(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuf
	done := make(chan bberr.Code)
	go func() {
		done <- run(ctx, []string{"blynkbridge", "server", "--listen", "127.0.0.1:0", "--token", cliTok}, &out, &errb)
	}()
	m := waitFor(t, &out, regexp.MustCompile(`listening on (127\.0\.0\.1:\d+) \(TLS\)`))
	waitFor(t, &out, regexp.MustCompile(`fingerprint: ([0-9A-F]{2} ){19}[0-9A-F]{2}\n`))
	c, err := net.Dial("tcp", m[1])
	if err == nil {
		c.Close()
	}
	cancel()
	if code := <-done; code != bberr.OK && code != bberr.Interrupted {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
}

func TestServerCommandJSONPlain(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuf
	done := make(chan bberr.Code)
	go func() {
		done <- run(ctx, []string{"blynkbridge", "server", "--no-tls", "--listen", "127.0.0.1:0", "--token", cliTok, "--json"}, &out, &errb)
	}()
	m := waitFor(t, &out, regexp.MustCompile(`"addr":"(127\.0\.0\.1:\d+)"`))
	c, err := net.Dial("tcp", m[1])
	if err != nil {
		t.Fatal(err)
	}
	c.Write(blynk.Login(blynk.CmdLogin, blynk.NewToken(cliTok)).Marshal())
	waitFor(t, &out, regexp.MustCompile(`"event":"login".*"detail":"ok"`))
	c.Close()
	cancel()
	<-done
	if strings.Contains(out.String(), cliTok) {
		t.Fatal("token printed")
	}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var v map[string]any
		if err := json.Unmarshal([]byte(line), &v); err != nil || v["v"] != float64(1) {
			t.Fatalf("bad JSON line %q: %v", line, err)
		}
	}
}

func TestServerCommandNeedsToken(t *testing.T) {
	var out, errb syncBuf
	if code := run(context.Background(), []string{"blynkbridge", "server", "--no-tls"}, &out, &errb); code != bberr.Usage {
		t.Fatalf("exit %d", code)
	}
}
