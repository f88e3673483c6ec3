// Package testkit holds the small helpers several packages' tests share: a
// goroutine-safe buffer for logs and CLI output, and a loopback TLS listener.
// It is imported by tests only; nothing in the product depends on it.
package testkit

import (
	"bytes"
	"crypto/tls"
	"net"
	"sync"
	"testing"
)

// SyncBuffer is a bytes.Buffer that a background goroutine (a command, a
// logger) may write while the test reads it.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns everything written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// ServeTLS listens with cfg on 127.0.0.1 until the test ends and runs
// handle on each accepted connection in its own goroutine (the connection
// is closed when handle returns). It returns the listener's address.
func ServeTLS(t testing.TB, cfg *tls.Config, handle func(c *tls.Conn)) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				handle(c.(*tls.Conn))
			}(c)
		}
	}()
	return ln.Addr().String()
}
