package daemon

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// rotFile is an append-only log file that rotates by size (name, name.1 ...
// name.N, oldest dropped) and survives a full disk or a directory that
// became unwritable: a failed write keeps its bytes in memory (up to
// holdMax) and retries on the next Write or Flush; beyond that the oldest
// held bytes are dropped and counted. It never returns an error to the
// caller (a board's capture must not stop because a disk filled); Err tells
// what is wrong, and the board's status shows it.
type rotFile struct {
	path    string
	maxSize int64 // rotate when the file would grow past this (0 = never)
	keep    int   // rotated files kept
	holdMax int

	mu       sync.Mutex
	f        *os.File
	size     int64
	held     []byte // bytes not yet written (after a failure)
	dropped  int64  // bytes lost because holding them would exceed holdMax
	written  int64  // bytes that reached the file
	err      error  // last failure, nil once writes succeed again
	errSince time.Time
	lastSync time.Time
	dirty    bool
}

func newRotFile(path string, maxSize int64, keep int) *rotFile {
	return &rotFile{path: path, maxSize: maxSize, keep: keep, holdMax: 4 << 20}
}

// Write queues p and writes what it can. It always reports len(p).
func (r *rotFile) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.held = append(r.held, p...)
	r.writeHeldLocked()
	return len(p), nil
}

func (r *rotFile) writeHeldLocked() {
	for len(r.held) > 0 {
		if r.f == nil {
			if err := r.openLocked(); err != nil {
				r.failLocked(err)
				return
			}
		}
		chunk := r.held
		if r.maxSize > 0 && r.size > 0 && r.size+int64(len(chunk)) > r.maxSize {
			if err := r.rotateLocked(); err != nil {
				r.failLocked(err)
				return
			}
			continue
		}
		n, err := r.f.Write(chunk)
		r.size += int64(n)
		r.written += int64(n)
		r.held = r.held[n:]
		if n > 0 {
			r.dirty = true
		}
		if err != nil {
			r.failLocked(err)
			// A short write on ENOSPC leaves the file where it was; the
			// next attempt appends from there.
			return
		}
	}
	r.held = nil
	if r.err != nil {
		r.err = nil
	}
}

func (r *rotFile) failLocked(err error) {
	if r.err == nil {
		r.errSince = time.Now()
	}
	r.err = err
	if over := len(r.held) - r.holdMax; over > 0 {
		r.dropped += int64(over)
		r.held = append([]byte(nil), r.held[over:]...)
	}
	// A descriptor whose file was deleted or whose directory vanished is
	// reopened next time.
	if errors.Is(err, syscall.EIO) || errors.Is(err, syscall.ESTALE) {
		r.closeLocked()
	}
}

func (r *rotFile) openLocked() error {
	if err := os.MkdirAll(filepath.Dir(r.path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(r.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	r.f, r.size = f, fi.Size()
	return nil
}

func (r *rotFile) closeLocked() {
	if r.f != nil {
		_ = r.f.Sync()
		_ = r.f.Close()
		r.f = nil
	}
}

// rotateLocked renames name.(i) to name.(i+1), name to name.1.
func (r *rotFile) rotateLocked() error {
	r.closeLocked()
	if r.keep <= 0 {
		return os.Remove(r.path)
	}
	_ = os.Remove(fmt.Sprintf("%s.%d", r.path, r.keep))
	for i := r.keep - 1; i >= 1; i-- {
		_ = os.Rename(fmt.Sprintf("%s.%d", r.path, i), fmt.Sprintf("%s.%d", r.path, i+1))
	}
	if err := os.Rename(r.path, r.path+".1"); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return r.openLocked()
}

// Flush retries held bytes and fsyncs at most once per syncEvery, so a
// power cut loses at most that much of what the board printed.
func (r *rotFile) Flush(syncEvery time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.writeHeldLocked()
	if r.f != nil && r.dirty && time.Since(r.lastSync) >= syncEvery {
		if err := r.f.Sync(); err != nil {
			r.failLocked(err)
			return
		}
		r.dirty, r.lastSync = false, time.Now()
	}
}

// Close writes what it can and closes the file.
func (r *rotFile) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.writeHeldLocked()
	r.closeLocked()
	return r.err
}

// fileHealth is a log file's state for the status API.
type fileHealth struct {
	Path    string `json:"path"`
	Written int64  `json:"written_bytes"`
	Held    int    `json:"held_bytes"`              // waiting for the disk
	Dropped int64  `json:"dropped_bytes,omitempty"` // lost: the disk stayed full too long
	Error   string `json:"error,omitempty"`
	Since   string `json:"error_since,omitempty"`
}

func (r *rotFile) Health() fileHealth {
	r.mu.Lock()
	defer r.mu.Unlock()
	h := fileHealth{Path: r.path, Written: r.written, Held: len(r.held), Dropped: r.dropped}
	if r.err != nil {
		h.Error = r.err.Error()
		h.Since = r.errSince.UTC().Format(time.RFC3339)
	}
	return h
}
