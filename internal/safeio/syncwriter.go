package safeio

import (
	"io"
	"sync"
)

// SyncWriter serialises writes to w, for output written from several
// goroutines (a server's connections, a relay's sessions): each Write
// reaches w whole, never interleaved with another.
type SyncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

// NewSyncWriter wraps w.
func NewSyncWriter(w io.Writer) *SyncWriter { return &SyncWriter{w: w} }

func (s *SyncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
