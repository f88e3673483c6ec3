package clilog

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
)

// New returns the program's logger: verbose gives slog's text lines from
// debug up; otherwise warnings and errors only, as plain lines.
func New(w io.Writer, verbose bool) *slog.Logger {
	if verbose {
		return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(&plain{w: w, mu: &sync.Mutex{}})
}

// plain prints "warning: msg (key=value, ...)" with no time or level
// fields: a user reads it, not a log collector.
type plain struct {
	w      io.Writer
	mu     *sync.Mutex
	attrs  []slog.Attr
	prefix string // group prefix for keys
}

func (h *plain) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }

func (h *plain) Handle(_ context.Context, r slog.Record) error {
	label := "warning"
	if r.Level >= slog.LevelError {
		label = "error"
	}
	var kv []string
	add := func(a slog.Attr) {
		if a.Equal(slog.Attr{}) {
			return
		}
		kv = append(kv, h.prefix+a.Key+"="+a.Value.Resolve().String())
	}
	for _, a := range h.attrs {
		add(a)
	}
	r.Attrs(func(a slog.Attr) bool { add(a); return true })
	line := label + ": " + r.Message
	if len(kv) > 0 {
		line += " (" + strings.Join(kv, ", ") + ")"
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := fmt.Fprintln(h.w, line)
	return err
}

func (h *plain) WithAttrs(as []slog.Attr) slog.Handler {
	n := *h
	n.attrs = append(append([]slog.Attr{}, h.attrs...), as...)
	return &n
}

func (h *plain) WithGroup(name string) slog.Handler {
	n := *h
	n.prefix = h.prefix + name + "."
	return &n
}
