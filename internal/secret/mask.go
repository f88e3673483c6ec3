package secret

import (
	"bytes"
	"io"
)

// MaskByte replaces each byte of a secret in masked output. Same length as
// the secret, so offsets and column alignment in logs and hex dumps stay
// true.
const MaskByte = '*'

// MinMaskLen is the shortest secret the maskers look for: shorter strings
// (an empty or one-letter password) would mask ordinary text everywhere.
const MinMaskLen = 4

// Mask returns a copy of b with every occurrence of each secret replaced by
// MaskByte, same length. Overlapping occurrences are all masked.
func Mask(b []byte, secrets ...string) []byte {
	out := bytes.Clone(b)
	marks := make([]bool, len(b))
	markAll(b, marks, usable(secrets))
	for i, m := range marks {
		if m {
			out[i] = MaskByte
		}
	}
	return out
}

// usable drops secrets too short to mask and turns the rest into bytes.
func usable(secrets []string) [][]byte {
	var out [][]byte
	for _, s := range secrets {
		if len(s) >= MinMaskLen {
			out = append(out, []byte(s))
		}
	}
	return out
}

// markAll sets marks[i] for every byte of b inside an occurrence.
func markAll(b []byte, marks []bool, secrets [][]byte) {
	for _, s := range secrets {
		for from := 0; ; {
			i := bytes.Index(b[from:], s)
			if i < 0 {
				break
			}
			for j := range s {
				marks[from+i+j] = true
			}
			from += i + 1
		}
	}
}

// MaskWriter masks secrets in a byte stream written to it in chunks of
// any size, a secret split across two Writes included: it holds back only
// a tail that could be the start of a secret (usually nothing) until the
// next Write, Flush or Close shows whether it is. Not safe for concurrent
// use (wrap the result, not the caller, in a mutex if needed).
type MaskWriter struct {
	w       io.Writer
	secrets [][]byte
	maxLen  int
	pending []byte // held-back original bytes
	marked  []bool // which pending bytes are already known to be secret
}

// NewMaskWriter returns a MaskWriter writing to w. Secrets shorter than
// MinMaskLen are ignored; with none left it still works (a pass-through).
func NewMaskWriter(w io.Writer, secrets ...string) *MaskWriter {
	m := &MaskWriter{w: w, secrets: usable(secrets)}
	for _, s := range m.secrets {
		m.maxLen = max(m.maxLen, len(s))
	}
	return m
}

// Write masks and writes p, possibly holding back up to the longest
// secret's length minus one bytes. It reports len(p) on success.
func (m *MaskWriter) Write(p []byte) (int, error) {
	if len(m.secrets) == 0 {
		return m.w.Write(p)
	}
	buf := append(m.pending, p...)
	marks := append(m.marked, make([]bool, len(p))...)
	markAll(buf, marks, m.secrets)
	hold := m.holdBack(buf)
	out := make([]byte, len(buf)-hold)
	for i := range out {
		out[i] = buf[i]
		if marks[i] {
			out[i] = MaskByte
		}
	}
	// Copy the tail: buf may alias p's backing array via append.
	m.pending = append([]byte(nil), buf[len(out):]...)
	m.marked = append([]bool(nil), marks[len(out):]...)
	if len(out) == 0 {
		return len(p), nil
	}
	if _, err := m.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// holdBack is the length of the longest proper suffix of b that is a
// prefix of some secret: those bytes may begin a secret that the next
// Write completes.
func (m *MaskWriter) holdBack(b []byte) int {
	for n := min(len(b), m.maxLen-1); n > 0; n-- {
		tail := b[len(b)-n:]
		for _, s := range m.secrets {
			if len(s) > n && bytes.HasPrefix(s, tail) {
				return n
			}
		}
	}
	return 0
}

// Flush writes the held-back bytes (they were not the start of a secret,
// or the stream ends here). Call it at the end of a record (a log line) if
// the reader must see it at once.
func (m *MaskWriter) Flush() error {
	if len(m.pending) == 0 {
		return nil
	}
	out := bytes.Clone(m.pending)
	for i, mk := range m.marked {
		if mk {
			out[i] = MaskByte
		}
	}
	m.pending, m.marked = nil, nil
	_, err := m.w.Write(out)
	return err
}

// Close flushes, then closes the underlying writer if it is an io.Closer.
func (m *MaskWriter) Close() error {
	err := m.Flush()
	if c, ok := m.w.(io.Closer); ok {
		if cerr := c.Close(); err == nil {
			err = cerr
		}
	}
	return err
}
