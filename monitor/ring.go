package monitor

// Ring is a byte ring buffer that keeps the newest Cap bytes. The scrollback
// is bounded so a monitor left running for days does not grow; the raw log
// and the decoder see every byte, so nothing is lost by the bound.
type Ring struct {
	buf   []byte
	start int   // index of the oldest byte
	n     int   // bytes held
	total int64 // bytes ever written
}

// NewRing returns a ring holding at most capacity bytes.
func NewRing(capacity int) *Ring {
	if capacity <= 0 {
		capacity = 1 << 20
	}
	return &Ring{buf: make([]byte, capacity)}
}

// Write appends p, dropping the oldest bytes when full. It never fails.
func (r *Ring) Write(p []byte) (int, error) {
	n := len(p)
	r.total += int64(n)
	c := len(r.buf)
	if len(p) >= c {
		copy(r.buf, p[len(p)-c:])
		r.start, r.n = 0, c
		return n, nil
	}
	end := (r.start + r.n) % c
	k := copy(r.buf[end:], p)
	copy(r.buf, p[k:])
	r.n += len(p)
	if r.n > c {
		r.start = (r.start + r.n - c) % c
		r.n = c
	}
	return n, nil
}

// Bytes returns a copy of the held bytes, oldest first.
func (r *Ring) Bytes() []byte {
	out := make([]byte, r.n)
	k := copy(out, r.buf[r.start:min(r.start+r.n, len(r.buf))])
	copy(out[k:], r.buf[:r.n-k])
	return out
}

// Len is the number of bytes held; Total the number ever written.
func (r *Ring) Len() int       { return r.n }
func (r *Ring) Total() int64   { return r.total }
func (r *Ring) Dropped() int64 { return r.total - int64(r.n) }
